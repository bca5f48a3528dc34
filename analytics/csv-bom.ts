/**
 * @module analytics/csv-bom
 * The UTF-8 byte order mark that CSV downloads for people start with (`bom=true`): without it
 * Excel reads a CSV as the system code page and garbles `µg/m³` and Vietnamese station names.
 * Scripts get plain UTF-8 (the default), since a BOM ends up in their first column's name.
 */

/** U+FEFF, written as the bytes EF BB BF in UTF-8. */
export const UTF8_BOM = '\uFEFF';

/** `text` with the BOM in front when `bom` is set. */
export function withBom(text: string, bom: boolean): string {
  return bom ? UTF8_BOM + text : text;
}
