/**
 * @module dashboard/web/type-index
 * How the list, the map and the wall show the own index of hydromet, salinity and wastewater
 * stations (StationLive.typeIndex, domain/type-index.ts): the flood alarm level reached (BĐ I/II/III
 * at the station's own levels), the salinity class (1‰ and 4‰ lines), and how many metrics are
 * within the station's limits. Colours as on the station page (views/station/station-index.ts).
 */
import type { StationLive } from '../../../domain/live';
import type { SalinityClass } from '../../../domain/type-index';
import { fmtNum, t } from './i18n';

/** Below any level, BĐ I, BĐ II, BĐ III: green, yellow, orange, red. */
export const FLOOD_COLOURS = ['#2e7d32', '#f9a825', '#ef6c00', '#c62828'] as const;
export const SALINITY_COLOURS: Record<SalinityClass, string> = { fresh: '#2e7d32', brackish: '#ef6c00', saline: '#c62828' };
export const COMPLIANCE_COLOURS = { ok: '#2e7d32', exceeded: '#c62828' } as const;
const NONE_COLOUR = '#c9d1d9';
const ROMAN = ['', 'I', 'II', 'III'];
/** Levels on the 1 (best) … 6 (worst) scale of VN_AQI, so the overview sorts every type together. */
const FLOOD_RANK = [1, 3, 4, 6];
const SALINITY_RANK: Record<SalinityClass, number> = { fresh: 1, brackish: 3, saline: 5 };
const SALINITY_WORDS: Record<SalinityClass, { short: 'salFresh' | 'salBrackish' | 'salSaline'; long: 'salFreshLong' | 'salBrackishLong' | 'salSalineLong' }> = {
  fresh: { short: 'salFresh', long: 'salFreshLong' },
  brackish: { short: 'salBrackish', long: 'salBrackishLong' },
  saline: { short: 'salSaline', long: 'salSalineLong' },
};

export interface ShownTypeIndex {
  /** The index's name: the flood level, salinity class or compliance heading. */
  name: string;
  /** What the chip and the tile show ('BĐ II', 'Lợ', '2/3'); '–' without one. */
  text: string;
  /** The value behind it with its unit ('10,7 m', '2,3 ‰'), or ''. */
  detail: string;
  colour: string;
  category: string;
  level: number;
  /** data-kind / data-class for tests and styles. */
  kind: 'flood' | 'salinity' | 'compliance';
  cls: string;
}

/** The per-type index of `s`, or undefined for stations of other types (or older nodes' frames). */
export function shownTypeIndex(s: StationLive): ShownTypeIndex | undefined {
  const kind = s.profile === 'hydromet' ? 'flood' : s.profile === 'salinity' ? 'salinity' : s.profile === 'wastewater' ? 'compliance' : undefined;
  if (kind === undefined || s.typeIndex === undefined) return undefined;
  const i = s.typeIndex;
  const none = (category: string, cls: string): ShownTypeIndex => ({ name: heading(kind), text: '–', detail: '', colour: NONE_COLOUR, category, level: 0, kind, cls });
  if (i === null) return none(s.typeIndexMissing === 'levels' ? t('noAlarmLevels') : s.typeIndexMissing === 'limits' ? t('noLimits') : t('noData'), s.typeIndexMissing ?? 'nodata');
  if (i.kind === 'flood') {
    return {
      name: heading(kind),
      text: i.level === 0 ? `< ${t('floodShort')} I` : `${t('floodShort')} ${ROMAN[i.level]}`,
      detail: `${fmtNum(i.value, 2)} ${i.unit}`,
      colour: FLOOD_COLOURS[i.level],
      category: i.level === 0 ? t('floodBelow') : `${t('floodAlarm')} ${ROMAN[i.level]}`,
      level: FLOOD_RANK[i.level]!,
      kind,
      cls: `level-${i.level}`,
    };
  }
  if (i.kind === 'salinity') {
    const words = SALINITY_WORDS[i.class];
    return {
      name: heading(kind),
      text: t(words.short),
      detail: `${fmtNum(i.value, 2)} ${i.unit}`,
      colour: SALINITY_COLOURS[i.class],
      category: t(words.long),
      level: SALINITY_RANK[i.class],
      kind,
      cls: i.class,
    };
  }
  const bad = i.exceeded > 0;
  return {
    name: heading(kind),
    text: `${i.of - i.exceeded}/${i.of}`,
    detail: '',
    colour: bad ? COMPLIANCE_COLOURS.exceeded : COMPLIANCE_COLOURS.ok,
    category: bad ? `${i.exceeded} ${t('compExceedsN')}` : t('compAllOk'),
    level: bad ? 5 : 1,
    kind,
    cls: bad ? 'exceeded' : 'ok',
  };
}

function heading(kind: ShownTypeIndex['kind']): string {
  return kind === 'flood' ? t('floodLevel') : kind === 'salinity' ? t('salinityClass') : t('compliance');
}
