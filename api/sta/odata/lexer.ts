/**
 * @module api/sta/odata/lexer
 * Splits an OData `$filter` (OGC 18-088 §9.3.3.5, OData 4.0 URL conventions ABNF) into tokens.
 * Strings are single-quoted with `''` for a quote, so `'Ba Ria and Vung Tau'` is one token;
 * typed literals (`geography'POINT(1 2)'`, `geometry'…'`) keep their prefix; date-times need an
 * offset (`2026-03-20T01:00:00+07:00`, or `Z`; a `+` decoded to a space by the query string is
 * accepted). Errors are 400 `QT_ERR_QUERY_INVALID` naming `$filter` and the position.
 */
import { createError } from '../../../lib/errors.js';

export type TokenKind = 'lparen' | 'rparen' | 'comma' | 'minus' | 'string' | 'typed' | 'number' | 'datetime' | 'date' | 'name' | 'eof';

export interface Token {
  kind: TokenKind;
  /** the source text (for names: the identifier or `/`-path; for strings: the unquoted value) */
  text: string;
  /** for `typed`: the prefix, lower-cased (`geography`, `geometry`, `duration`) */
  prefix?: string;
  pos: number;
}

export const filterError = (message: string) => createError('QT_ERR_QUERY_INVALID', `$filter: ${message}`);

const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}| \d{2}:\d{2})/;
const DATE = /^\d{4}-\d{2}-\d{2}(?![\dT])/;
const NUMBER = /^\d+(?:\.\d+)?(?:[eE][-+]?\d+)?/;
const NAME = /^[A-Za-z_@$][\w@.$]*(?:\/[A-Za-z_@$][\w@.$]*)*/;

/** Reads a quoted string starting at `start` (on the opening quote); returns value and end index. */
function quoted(text: string, start: number): { value: string; end: number } {
  let value = '';
  let i = start + 1;
  for (;;) {
    const q = text.indexOf("'", i);
    if (q < 0) throw filterError(`unterminated string starting at position ${start}`);
    value += text.slice(i, q);
    if (text[q + 1] === "'") {
      value += "'";
      i = q + 2;
    } else return { value, end: q + 1 };
  }
}

export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    const rest = text.slice(i);
    const single: Record<string, TokenKind> = { '(': 'lparen', ')': 'rparen', ',': 'comma' };
    if (single[c]) {
      tokens.push({ kind: single[c]!, text: c, pos: i });
      i++;
    } else if (c === "'") {
      const { value, end } = quoted(text, i);
      tokens.push({ kind: 'string', text: value, pos: i });
      i = end;
    } else if (DATETIME.test(rest)) {
      const m = DATETIME.exec(rest)![0];
      tokens.push({ kind: 'datetime', text: m.replace(/ (\d{2}:\d{2})$/, '+$1'), pos: i });
      i += m.length;
    } else if (DATE.test(rest)) {
      const m = DATE.exec(rest)![0];
      tokens.push({ kind: 'date', text: m, pos: i });
      i += m.length;
    } else if (/\d/.test(c) || (c === '-' && /\d/.test(text[i + 1] ?? ''))) {
      const neg = c === '-' ? 1 : 0;
      const m = NUMBER.exec(text.slice(i + neg))![0];
      tokens.push({ kind: 'number', text: text.slice(i, i + neg + m.length), pos: i });
      i += neg + m.length;
    } else if (c === '-') {
      tokens.push({ kind: 'minus', text: c, pos: i });
      i++;
    } else if (NAME.test(rest)) {
      const m = NAME.exec(rest)![0];
      if (text[i + m.length] === "'" && !m.includes('/')) {
        const { value, end } = quoted(text, i + m.length);
        tokens.push({ kind: 'typed', prefix: m.toLowerCase(), text: value, pos: i });
        i = end;
      } else {
        tokens.push({ kind: 'name', text: m, pos: i });
        i += m.length;
      }
    } else {
      throw filterError(`unexpected "${c}" at position ${i}`);
    }
  }
  tokens.push({ kind: 'eof', text: '', pos: text.length });
  return tokens;
}
