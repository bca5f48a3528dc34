/**
 * @module ingest/adapters/units
 * Units as dataloggers write them (`mg/l`, `ug/m3`, `oC`, `m3/h`, empty) mapped onto the unit of
 * the profile metric, with the few conversions seen in practice (CO in mg/m³, flow in L/s or
 * m³/day, conductivity in mS/cm). An empty unit means the profile's unit. Anything else is refused:
 * a value in a unit we cannot convert is not stored as if it were right.
 */

export interface Conversion {
  factor: number;
  offset: number;
}

/** Spelling variants → one canonical key. Keys are compared after `canonicalUnit`. */
const ALIASES: Record<string, string> = {
  'ug/m3': 'ug/m3',
  'mg/m3': 'mg/m3',
  degc: 'degc',
  c: 'degc',
  oc: 'degc',
  deg: 'deg',
  do: 'deg',
  '%': '%',
  '%rh': '%',
  hpa: 'hpa',
  mbar: 'hpa',
  kpa: 'kpa',
  'm/s': 'm/s',
  'm3/h': 'm3/h',
  'm3/hr': 'm3/h',
  'm3/gio': 'm3/h',
  'm3/s': 'm3/s',
  'l/s': 'l/s',
  'm3/d': 'm3/d',
  'm3/day': 'm3/d',
  'm3/ngay': 'm3/d',
  'm3/24h': 'm3/d',
  ph: 'ph',
  '-': 'ph',
  'mg/l': 'mg/l',
  'ug/l': 'ug/l',
  'pt-co': 'pt-co',
  ptco: 'pt-co',
  'pt/co': 'pt-co',
  pcu: 'pt-co',
  'us/cm': 'us/cm',
  'ms/cm': 'ms/cm',
  ntu: 'ntu',
  fnu: 'ntu',
  ppt: 'ppt',
  psu: 'ppt',
  'o/oo': 'ppt',
  m: 'm',
  cm: 'cm',
  mm: 'mm',
};

/** [from, to, factor]: value_to = value_from × factor. */
const FACTORS: ReadonlyArray<[string, string, number]> = [
  ['mg/m3', 'ug/m3', 1000],
  ['ms/cm', 'us/cm', 1000],
  ['ug/l', 'mg/l', 0.001],
  ['m3/s', 'm3/h', 3600],
  ['l/s', 'm3/h', 3.6],
  ['m3/d', 'm3/h', 1 / 24],
  ['kpa', 'hpa', 10],
  ['cm', 'm', 0.01],
  ['mm', 'm', 0.001],
  ['m', 'mm', 1000],
  ['cm', 'mm', 10],
];

/** Lower case, no spaces, µ→u, ³→3, °/º→deg, ‰→ppt, Vietnamese "độ"/"giờ"/"ngày" without marks. */
export function canonicalUnit(unit: string): string {
  const u = unit
    .normalize('NFC')
    .trim()
    .toLowerCase()
    .replace(/\s+/g, '')
    .replace(/[µμ]/g, 'u')
    .replace(/³/g, '3')
    .replace(/‰/g, 'ppt')
    .replace(/giờ/g, 'gio')
    .replace(/ngày/g, 'ngay')
    .replace(/độ/g, 'do')
    .replace(/^[°º]c$/, 'degc')
    .replace(/^[°º]$/, 'deg');
  return ALIASES[u] ?? u;
}

/**
 * How to turn a value in `fileUnit` into `profileUnit`; undefined when there is no known way.
 * @example unitConversion('mg/m3', 'µg/m³') // { factor: 1000, offset: 0 }
 */
export function unitConversion(fileUnit: string, profileUnit: string): Conversion | undefined {
  const from = canonicalUnit(fileUnit);
  const to = canonicalUnit(profileUnit);
  if (from === '' || from === to) return { factor: 1, offset: 0 };
  if (from === 'k' && to === 'degc') return { factor: 1, offset: -273.15 };
  const f = FACTORS.find(([a, b]) => a === from && b === to);
  return f ? { factor: f[2], offset: 0 } : undefined;
}

/** Applies a conversion without printing 45.2 mg/m³ as 45200.000000000004 µg/m³. */
export function convert(value: number, c: Conversion): number {
  if (c.factor === 1 && c.offset === 0) return value;
  return Number((value * c.factor + c.offset).toPrecision(12));
}
