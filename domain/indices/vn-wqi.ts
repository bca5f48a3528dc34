/**
 * VN_WQI, Decision 1460/QĐ-TCMT (12 Nov 2019), surface water quality index (STANDARDS §3.2):
 * group aggregation, the minimum-data rule and the final formula. Sub-indices are in
 * `vn-wqi-subindex.ts`.
 *
 * Groups: I pH; II pesticides; III heavy metals; IV organics and nutrients; V microbiology.
 * - WQI_I = WQI_pH; WQI_II, WQI_III = geometric mean; WQI_IV, WQI_V = arithmetic mean of the
 *   group's sub-indices. A missing group I, II or III counts as 100.
 * - Minimum data: at least 3 of the 5 groups, and group IV with at least 3 parameters; otherwise
 *   the result is `wqi: null` with a reason.
 *
 * Final formula. Two variants circulate, and both implementations we know carry both:
 *   (a) VN_WQI = (WQI_I/100)·(WQI_II/100)·(WQI_III/100)·√(WQI_IV·WQI_V)
 *   (b) VN_WQI = (WQI_I/100)·(WQI_II/100)·(WQI_III/100)·∛(WQI_IV²·WQI_V)
 * We default to (b). STANDARDS marks "1460's main formula is (b)" as an unverified recollection
 * (M), so this is a provisional choice, not a verified one; (a) is selectable with
 * `{ formula: 'a' }`. Revisit when the gazette PDF has been checked (STANDARDS §8, open point 1).
 * Without group V, STANDARDS gives `…·WQI_IV` for (a); we apply the same `…·WQI_IV` to (b), which is
 * also what both variants reduce to if WQI_V is set equal to WQI_IV. The result is rounded half up.
 *
 * @module
 */
import { type VnWqiClass, vnWqiClass } from './categories.js';
import { roundHalfUp } from './rounding.js';
import { type VnWqiMetric, wqiSubIndex } from './vn-wqi-subindex.js';

/** The five parameter groups of QĐ 1460. */
export type VnWqiGroup = 'I' | 'II' | 'III' | 'IV' | 'V';

/** Parameters of each group (STANDARDS §3.2, from the news summary of QĐ 1460). */
export const VN_WQI_GROUPS: Readonly<Record<VnWqiGroup, readonly VnWqiMetric[]>> = Object.freeze({
  I: Object.freeze(['ph'] as const),
  II: Object.freeze(['aldrin', 'bhc', 'dieldrin', 'ddts', 'heptachlor'] as const),
  III: Object.freeze(['as', 'cd', 'pb', 'cr6', 'cu', 'zn', 'hg'] as const),
  IV: Object.freeze(['do', 'bod5', 'cod', 'toc', 'nh4', 'no3', 'no2_water', 'po4'] as const),
  V: Object.freeze(['coliform', 'ecoli'] as const),
});

/** Measured values by metric key (units in `vn-wqi-subindex.ts`), plus water temperature for DO. */
export type VnWqiInput = Partial<Record<VnWqiMetric | 'temp', number | null>>;

/** Final-formula variant, see the module note. */
export type VnWqiFormula = 'a' | 'b';

/** Options of `vnWqi`. */
export interface VnWqiOptions {
  /** Default `'b'` (∛(WQI_IV²·WQI_V)). */
  readonly formula?: VnWqiFormula;
}

/** Group indices; `null` = no parameter of that group was measured. */
export type VnWqiGroupValues = Readonly<Record<VnWqiGroup, number | null>>;

/** Why a WQI could not be computed. */
export type VnWqiRejection = 'group-iv-too-few' | 'too-few-groups';

/** A computed VN_WQI. */
export interface VnWqiComputed {
  /** Rounded half up to an integer. */
  readonly wqi: number;
  /** Before rounding. */
  readonly wqiExact: number;
  readonly class: VnWqiClass;
  readonly formula: VnWqiFormula;
  readonly groups: VnWqiGroupValues;
  readonly subIndices: Readonly<Partial<Record<VnWqiMetric, number>>>;
  /** Measured parameters that could not be used, with why (DO without temperature). */
  readonly unused: Readonly<Partial<Record<VnWqiMetric, string>>>;
}

/** Not enough data for a VN_WQI under the minimum-data rule. */
export interface VnWqiInsufficient {
  readonly wqi: null;
  readonly reason: VnWqiRejection;
  readonly message: string;
  readonly groups: VnWqiGroupValues;
  readonly subIndices: Readonly<Partial<Record<VnWqiMetric, number>>>;
  readonly unused: Readonly<Partial<Record<VnWqiMetric, string>>>;
}

/** `vnWqi` result; narrow with `result.wqi === null`. */
export type VnWqiResult = VnWqiComputed | VnWqiInsufficient;

/** QĐ 1460 minimum data: groups (of 5) that must have at least one parameter. */
export const MIN_GROUPS = 3;
/** QĐ 1460 minimum data: group IV is mandatory, with at least this many parameters. */
export const MIN_GROUP_IV_PARAMETERS = 3;

const GROUP_ORDER: readonly VnWqiGroup[] = ['I', 'II', 'III', 'IV', 'V'];

const geometricMean = (xs: readonly number[]): number => Math.exp(xs.reduce((s, x) => s + Math.log(x), 0) / xs.length);
const arithmeticMean = (xs: readonly number[]): number => xs.reduce((s, x) => s + x, 0) / xs.length;

/**
 * VN_WQI of one sample (QĐ 1460; STANDARDS §3.2). See the module note for the formula choice.
 *
 * @example vnWqi({ ph: 7, bod5: 6, cod: 30, nh4: 0.6, po4: 0.1, coliform: 5000, ecoli: 50 }).wqi // 71
 */
export function vnWqi(input: VnWqiInput, options: VnWqiOptions = {}): VnWqiResult {
  const { formula = 'b' } = options;
  const subIndices: Partial<Record<VnWqiMetric, number>> = {};
  const unused: Partial<Record<VnWqiMetric, string>> = {};
  const temp = input.temp ?? undefined;

  const byGroup: Record<VnWqiGroup, number[]> = { I: [], II: [], III: [], IV: [], V: [] };
  for (const group of GROUP_ORDER) {
    for (const metric of VN_WQI_GROUPS[group]) {
      const value = input[metric];
      if (value === null || value === undefined) continue;
      if (metric === 'do' && temp === undefined) {
        // Without temperature there is no % saturation; report it rather than guess 25 °C.
        unused.do = 'DO needs the water temperature (temp) for % saturation';
        continue;
      }
      const q = wqiSubIndex(metric, value, temp);
      subIndices[metric] = q;
      byGroup[group].push(q);
    }
  }

  const groups: VnWqiGroupValues = {
    I: byGroup.I.length > 0 ? (byGroup.I[0] as number) : null,
    II: byGroup.II.length > 0 ? geometricMean(byGroup.II) : null,
    III: byGroup.III.length > 0 ? geometricMean(byGroup.III) : null,
    IV: byGroup.IV.length > 0 ? arithmeticMean(byGroup.IV) : null,
    V: byGroup.V.length > 0 ? arithmeticMean(byGroup.V) : null,
  };

  const groupsWithData = GROUP_ORDER.filter((g) => groups[g] !== null).length;
  if (byGroup.IV.length < MIN_GROUP_IV_PARAMETERS) {
    return {
      wqi: null,
      reason: 'group-iv-too-few',
      groups,
      subIndices,
      unused,
      message: `group IV (organics and nutrients) is mandatory with at least ${MIN_GROUP_IV_PARAMETERS} parameters; got ${byGroup.IV.length}`,
    };
  }
  if (groupsWithData < MIN_GROUPS) {
    return {
      wqi: null,
      reason: 'too-few-groups',
      groups,
      subIndices,
      unused,
      message: `at least ${MIN_GROUPS} of the 5 parameter groups are needed; got ${groupsWithData}`,
    };
  }

  // Missing groups I, II, III count as 100, i.e. a factor of 1.
  const factor = ((groups.I ?? 100) / 100) * ((groups.II ?? 100) / 100) * ((groups.III ?? 100) / 100);
  const iv = groups.IV as number;
  const v = groups.V;
  const organicMicro = v === null ? iv : formula === 'a' ? Math.sqrt(iv * v) : Math.cbrt(iv * iv * v);
  const wqiExact = factor * organicMicro;
  const wqi = roundHalfUp(wqiExact);
  return { wqi, wqiExact, class: vnWqiClass(wqi), formula, groups, subIndices, unused };
}
