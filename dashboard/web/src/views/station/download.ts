/**
 * @module dashboard/web/views/station/download
 * CSV of exactly what the charts show, built in the browser from the charts' own points (no
 * second query that could answer differently): UTF-8 with a byte-order mark so Excel reads
 * "µg/m³" and Vietnamese names; first column the time in Vietnam's local ISO 8601 with its offset,
 * then one column per metric (and per compared series) with its unit in the header. A row per
 * time at which at least one column has a value. XLSX is not offered: writing it needs a zip
 * writer we do not ship.
 */
import { localIso } from '../../../../../lib/time';
import { TIME_ZONE } from '../../i18n';
import type { Points } from './data';

export interface CsvColumn {
  header: string;
  points: Points;
}

/** RFC 4180 quoting: a field with a comma, quote or line break is quoted, quotes doubled. */
export function csvField(text: string): string {
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/**
 * The CSV text (with BOM) of `columns` under `timeHeader`.
 * @example toCsv('Thời điểm', [{ header: 'PM2,5 (µg/m³)', points: { xs: [1.7e9], ys: [12.5] } }])
 *   // '\uFEFFThời điểm,"PM2,5 (µg/m³)"\r\n2023-11-14T05:13:20+07:00,12.5\r\n'
 */
export function toCsv(timeHeader: string, columns: readonly CsvColumn[]): string {
  const rows = new Map<number, Array<number | null>>();
  for (const [c, col] of columns.entries()) {
    for (const [i, x] of col.points.xs.entries()) {
      const y = col.points.ys[i] ?? null;
      if (y === null) continue;
      let row = rows.get(x);
      if (!row) rows.set(x, (row = columns.map(() => null)));
      row[c] = y;
    }
  }
  const lines = [[timeHeader, ...columns.map((c) => c.header)].map(csvField).join(',')];
  for (const x of [...rows.keys()].sort((a, b) => a - b)) {
    lines.push([localIso(Math.round(x * 1000), TIME_ZONE), ...rows.get(x)!.map((v) => (v === null ? '' : String(v)))].join(','));
  }
  return `\uFEFF${lines.join('\r\n')}\r\n`;
}

/** Hands `text` to the browser as a file download named `name`. */
export function saveText(name: string, text: string, type = 'text/csv;charset=utf-8'): void {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
