/**
 * @module dashboard/web/public/own-index
 * The public page's view of the own index of hydromet, salinity and wastewater stations (the open
 * API's `typeIndex`, domain/type-index.ts): the flood alarm level reached (BĐ I/II/III at the
 * station's own levels), the salinity class (1‰ and 4‰ lines) or how many public metrics are
 * within the station's limits, with the operations center's colours (dashboard/web/src/type-index.ts).
 * Its few words live here, Vietnamese first, so the public dictionary stays small.
 */
import type { SalinityClass, TypeIndex } from '../../../../domain/type-index';
import { fmtNum, loc } from './i18n';

export interface OwnIndex {
  /** What the chip shows ('BĐ II', 'Lợ', '2/3'), '–' without one. */
  text: string;
  color: string;
  /** The category's words, and the index's name. */
  category: string;
  name: string;
  /** 1 (best) … 6 (worst), the scale of VN_AQI levels, for sorting; 0 without one. */
  rank: number;
  cls: string;
}

const FLOOD_COLOURS = ['#2e7d32', '#f9a825', '#ef6c00', '#c62828'];
const FLOOD_RANK = [1, 3, 4, 6];
const ROMAN = ['', 'I', 'II', 'III'];
const SALINITY: Record<SalinityClass, { color: string; rank: number; short: { vi: string; en: string }; long: { vi: string; en: string } }> = {
  fresh: { color: '#2e7d32', rank: 1, short: { vi: 'Ngọt', en: 'Fresh' }, long: { vi: 'Nước ngọt (< 1‰)', en: 'Fresh water (< 1‰)' } },
  brackish: { color: '#ef6c00', rank: 3, short: { vi: 'Lợ', en: 'Brackish' }, long: { vi: 'Nước lợ (1–4‰)', en: 'Brackish water (1–4‰)' } },
  saline: { color: '#c62828', rank: 5, short: { vi: 'Mặn', en: 'Saline' }, long: { vi: 'Nước mặn (≥ 4‰)', en: 'Saline water (≥ 4‰)' } },
};
const W = {
  flood: { vi: 'Cấp báo động lũ', en: 'Flood alarm level' },
  salinity: { vi: 'Cấp độ mặn', en: 'Salinity class' },
  compliance: { vi: 'Tuân thủ giới hạn xả thải', en: 'Discharge limit compliance' },
  bd: { vi: 'BĐ', en: 'Alarm' },
  alarm: { vi: 'Báo động', en: 'Alarm' },
  below: { vi: 'Dưới BĐ I', en: 'Below alarm I' },
  exceeded: { vi: 'thông số vượt giới hạn', en: 'metrics above their limit' },
  allOk: { vi: 'Tất cả thông số đạt', en: 'All metrics within limits' },
  noLevels: { vi: 'Chưa có cấp báo động', en: 'No alarm levels' },
  noLimits: { vi: 'Chưa có giới hạn', en: 'No limits set' },
  noData: { vi: 'Chưa có dữ liệu công bố', en: 'No published data yet' },
};

/** The station's own index, or undefined when the open API sent none (other types). */
export function ownIndex(s: { profile: string; typeIndex?: TypeIndex | null; typeIndexMissing?: 'levels' | 'limits' }): OwnIndex | undefined {
  if (s.typeIndex === undefined) return undefined;
  const name = loc(s.profile === 'hydromet' ? W.flood : s.profile === 'salinity' ? W.salinity : W.compliance);
  const i = s.typeIndex;
  if (i === null) {
    const why = s.typeIndexMissing === 'levels' ? W.noLevels : s.typeIndexMissing === 'limits' ? W.noLimits : W.noData;
    return { text: '–', color: '#c9d1d9', category: loc(why), name, rank: 0, cls: s.typeIndexMissing ?? 'nodata' };
  }
  if (i.kind === 'flood') {
    const category = i.level === 0 ? loc(W.below) : `${loc(W.alarm)} ${ROMAN[i.level]}`;
    const text = i.level === 0 ? `< ${loc(W.bd)} I` : `${loc(W.bd)} ${ROMAN[i.level]}`;
    return { text, color: FLOOD_COLOURS[i.level]!, category: `${category} · ${fmtNum(i.value, 2)} ${i.unit}`, name, rank: FLOOD_RANK[i.level]!, cls: `level-${i.level}` };
  }
  if (i.kind === 'salinity') {
    const c = SALINITY[i.class];
    return { text: loc(c.short), color: c.color, category: `${loc(c.long)} · ${fmtNum(i.value, 2)} ${i.unit}`, name, rank: c.rank, cls: i.class };
  }
  const bad = i.exceeded > 0;
  return {
    text: `${i.of - i.exceeded}/${i.of}`,
    color: bad ? '#c62828' : '#2e7d32',
    category: bad ? `${i.exceeded} ${loc(W.exceeded)}` : loc(W.allOk),
    name,
    rank: bad ? 5 : 1,
    cls: bad ? 'exceeded' : 'ok',
  };
}
