/**
 * @module test/helpers/csv
 * Reads CSV text back the way a spreadsheet or pandas does (RFC 4180: quoted fields, doubled
 * quotes, CRLF or LF line ends), so tests check what an analyst's tool gets, not our own format
 * code reading itself.
 */

/** Every row's fields, the header row included. */
export function parseCsvRows(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows;
}

/** The rows after the header as objects keyed by the header's names (a missing field is ''). */
export function parseCsvRecords(text: string): Array<Record<string, string>> {
  const [head, ...body] = parseCsvRows(text);
  return body.map((r) => Object.fromEntries(head!.map((h, i) => [h, r[i] ?? ''])));
}
