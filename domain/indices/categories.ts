/**
 * Category tables for the three indices Quantrac reports: VN_AQI (QĐ 1459/QĐ-TCMT, Bảng 1),
 * VN_WQI (QĐ 1460/QĐ-TCMT) and the US EPA AQI, with their lookups.
 *
 * Lookups take the index value, round it half up to an integer first (the published ranges are
 * integer ranges such as 0–50, 51–100, so 50.4 belongs to "Tốt" and 50.5 to "Trung bình"), and
 * throw a RangeError for values that no table covers (NaN, negative).
 *
 * @module
 */
import { roundHalfUp } from './rounding.js';

/** Fields every category row has. `min`/`max` are inclusive integer bounds. */
export interface IndexCategory {
  /** 1 = best. */
  readonly level: number;
  readonly min: number;
  readonly max: number;
  readonly nameEn: string;
  /** `#RRGGBB`, converted from the official RGB triple. */
  readonly colorHex: string;
}

/** A VN_AQI category (QĐ 1459 Bảng 1) with paraphrased health advice (Bảng 4/5 gradient). */
export interface VnAqiCategory extends IndexCategory {
  readonly key: 'good' | 'moderate' | 'poor' | 'bad' | 'very-bad' | 'hazardous';
  readonly nameVi: string;
  readonly adviceVi: string;
  readonly adviceEn: string;
}

/** A VN_WQI class (QĐ 1460) with its suitable use, paraphrased. */
export interface VnWqiClass extends IndexCategory {
  readonly key: 'very-good' | 'good' | 'medium' | 'bad' | 'poor' | 'very-heavily-polluted';
  readonly nameVi: string;
  readonly useVi: string;
  readonly useEn: string;
}

/** A US EPA AQI category (EPA AQI Technical Assistance Document, 2024). */
export interface UsAqiCategory extends IndexCategory {
  readonly key: 'good' | 'moderate' | 'usg' | 'unhealthy' | 'very-unhealthy' | 'hazardous';
}

/**
 * VN_AQI categories, QĐ 1459/QĐ-TCMT Bảng 1 (ranges, names, colours; the hex values are the
 * official RGB converted, identical to the EPA palette).
 *
 * The advice texts are OUR PARAPHRASE of the decision's gradient (no effect → sensitive groups →
 * general public → health alert → emergency), not the official wording of Bảng 4/5. Replace them
 * with the gazette text before showing them as official guidance.
 */
export const VN_AQI_CATEGORIES: readonly VnAqiCategory[] = Object.freeze([
  {
    level: 1,
    key: 'good',
    min: 0,
    max: 50,
    nameVi: 'Tốt',
    nameEn: 'Good',
    colorHex: '#00E400',
    adviceVi: 'Chất lượng không khí tốt, không ảnh hưởng tới sức khỏe; tự do hoạt động ngoài trời.',
    adviceEn: 'Air quality is good with no health effect; outdoor activities as usual.',
  },
  {
    level: 2,
    key: 'moderate',
    min: 51,
    max: 100,
    nameVi: 'Trung bình',
    nameEn: 'Moderate',
    colorHex: '#FFFF00',
    adviceVi: 'Chất lượng không khí chấp nhận được; người rất nhạy cảm nên hạn chế hoạt động ngoài trời kéo dài.',
    adviceEn: 'Acceptable air quality; unusually sensitive people should limit long outdoor exertion.',
  },
  {
    level: 3,
    key: 'poor',
    min: 101,
    max: 150,
    nameVi: 'Kém',
    nameEn: 'Poor',
    colorHex: '#FF7E00',
    adviceVi: 'Nhóm nhạy cảm (trẻ em, người già, người bệnh hô hấp, tim mạch) có thể bị ảnh hưởng; nên giảm hoạt động ngoài trời.',
    adviceEn: 'Sensitive groups (children, the elderly, people with heart or lung disease) may be affected and should reduce outdoor activity.',
  },
  {
    level: 4,
    key: 'bad',
    min: 151,
    max: 200,
    nameVi: 'Xấu',
    nameEn: 'Bad',
    colorHex: '#FF0000',
    adviceVi: 'Mọi người bắt đầu bị ảnh hưởng tới sức khỏe, nhóm nhạy cảm bị nặng hơn; hạn chế ra ngoài.',
    adviceEn: 'The general public may feel health effects, sensitive groups more seriously; limit time outdoors.',
  },
  {
    level: 5,
    key: 'very-bad',
    min: 201,
    max: 300,
    nameVi: 'Rất xấu',
    nameEn: 'Very bad',
    colorHex: '#8F3F97',
    adviceVi: 'Cảnh báo sức khỏe: mọi người có thể bị ảnh hưởng nghiêm trọng; tránh hoạt động ngoài trời.',
    adviceEn: 'Health alert: everyone may experience serious effects; avoid outdoor activity.',
  },
  {
    level: 6,
    key: 'hazardous',
    min: 301,
    max: 500,
    nameVi: 'Nguy hại',
    nameEn: 'Hazardous',
    colorHex: '#7E0023',
    adviceVi: 'Tình trạng khẩn cấp: toàn dân có thể bị ảnh hưởng nghiêm trọng tới sức khỏe; ở trong nhà.',
    adviceEn: 'Health emergency: the whole population is likely to be seriously affected; stay indoors.',
  },
]);

/**
 * VN_WQI classes, QĐ 1460/QĐ-TCMT (STANDARDS §3.2: ranges and RGB from news summaries and two
 * implementations). Below 10 is "Ô nhiễm rất nặng". The use texts are paraphrased.
 */
export const VN_WQI_CLASSES: readonly VnWqiClass[] = Object.freeze([
  {
    level: 1,
    key: 'very-good',
    min: 91,
    max: 100,
    nameVi: 'Rất tốt',
    nameEn: 'Very good',
    colorHex: '#3333FF',
    useVi: 'Sử dụng tốt cho mục đích cấp nước sinh hoạt.',
    useEn: 'Good for domestic water supply.',
  },
  {
    level: 2,
    key: 'good',
    min: 76,
    max: 90,
    nameVi: 'Tốt',
    nameEn: 'Good',
    colorHex: '#00E400',
    useVi: 'Cấp nước sinh hoạt nhưng cần biện pháp xử lý phù hợp.',
    useEn: 'Domestic supply after suitable treatment.',
  },
  {
    level: 3,
    key: 'medium',
    min: 51,
    max: 75,
    nameVi: 'Trung bình',
    nameEn: 'Medium',
    colorHex: '#FFFF00',
    useVi: 'Dùng cho tưới tiêu và các mục đích tương đương.',
    useEn: 'Irrigation and similar uses.',
  },
  {
    level: 4,
    key: 'bad',
    min: 26,
    max: 50,
    nameVi: 'Xấu',
    nameEn: 'Bad',
    colorHex: '#FF7E00',
    useVi: 'Dùng cho giao thông thủy và các mục đích tương đương.',
    useEn: 'Waterway transport and similar uses.',
  },
  {
    level: 5,
    key: 'poor',
    min: 10,
    max: 25,
    nameVi: 'Kém',
    nameEn: 'Poor',
    colorHex: '#FF0000',
    useVi: 'Nước ô nhiễm nặng, cần biện pháp xử lý trong tương lai.',
    useEn: 'Heavily polluted; needs treatment in future.',
  },
  {
    level: 6,
    key: 'very-heavily-polluted',
    min: 0,
    max: 9,
    nameVi: 'Ô nhiễm rất nặng',
    nameEn: 'Very heavily polluted',
    colorHex: '#7E0023',
    useVi: 'Nước nhiễm độc, cần biện pháp khắc phục, xử lý.',
    useEn: 'Toxic water; remediation needed.',
  },
]);

/**
 * US EPA AQI categories (EPA AQI Technical Assistance Document; STANDARDS §7). Same palette as VN.
 */
export const US_AQI_CATEGORIES: readonly UsAqiCategory[] = Object.freeze([
  { level: 1, key: 'good', min: 0, max: 50, nameEn: 'Good', colorHex: '#00E400' },
  { level: 2, key: 'moderate', min: 51, max: 100, nameEn: 'Moderate', colorHex: '#FFFF00' },
  { level: 3, key: 'usg', min: 101, max: 150, nameEn: 'Unhealthy for Sensitive Groups', colorHex: '#FF7E00' },
  { level: 4, key: 'unhealthy', min: 151, max: 200, nameEn: 'Unhealthy', colorHex: '#FF0000' },
  { level: 5, key: 'very-unhealthy', min: 201, max: 300, nameEn: 'Very Unhealthy', colorHex: '#8F3F97' },
  { level: 6, key: 'hazardous', min: 301, max: 500, nameEn: 'Hazardous', colorHex: '#7E0023' },
]);

/**
 * Finds the row whose inclusive range holds the rounded value. The AQI tables are open-ended at
 * the top (an uncapped value above 500 is still "Hazardous"), so `openTop` lets the last row
 * take anything above its max.
 */
function lookup<T extends IndexCategory>(table: readonly T[], value: number, openTop: boolean, what: string): T {
  if (!Number.isFinite(value) || value < 0) {
    throw new RangeError(`${what}: ${value} is not a valid index value`);
  }
  const rounded = roundHalfUp(value);
  const row = table.find((c) => rounded >= c.min && rounded <= c.max);
  if (row) return row;
  const top = table.reduce((a, b) => (b.max > a.max ? b : a));
  if (openTop && rounded > top.max) return top;
  throw new RangeError(`${what}: ${value} is outside the table`);
}

/**
 * VN_AQI category for an AQI value (QĐ 1459 Bảng 1). Values above 500 are "Nguy hại".
 *
 * @example vnAqiCategory(51).nameVi // 'Trung bình'
 */
export function vnAqiCategory(aqi: number): VnAqiCategory {
  return lookup(VN_AQI_CATEGORIES, aqi, true, 'vnAqiCategory');
}

/**
 * VN_WQI class for a WQI value in 0..100 (QĐ 1460).
 *
 * @example vnWqiClass(91).nameVi // 'Rất tốt'
 */
export function vnWqiClass(wqi: number): VnWqiClass {
  return lookup(VN_WQI_CLASSES, wqi, false, 'vnWqiClass');
}

/**
 * US EPA AQI category for an AQI value. Values above 500 are "Hazardous".
 *
 * @example usAqiCategory(101).nameEn // 'Unhealthy for Sensitive Groups'
 */
export function usAqiCategory(aqi: number): UsAqiCategory {
  return lookup(US_AQI_CATEGORIES, aqi, true, 'usAqiCategory');
}
