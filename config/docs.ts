/**
 * @module config/docs
 * The README's configuration table, rendered from the environment table (config/env.ts, itself
 * derived from the schema): one row per variable with its type, default and meaning. tools/config-table.ts
 * prints it or writes it into README.md between the markers; config/readme-table.test.ts keeps them equal.
 */
import { createError } from '../lib/errors.js';
import { ENV_VARS, type EnvVar } from './env.js';

export const CONFIG_TABLE_START = '<!-- config-table:start -->';
export const CONFIG_TABLE_END = '<!-- config-table:end -->';

/** A table cell: pipes escaped, newlines flattened. */
function cell(text: string): string {
  return text.replaceAll('|', '\\|').replaceAll('\n', ' ');
}

/** `integer 0–65535 ms`, `boolean`, `one of auto, on, off`, `JSON array`… */
export function typeOf(v: Pick<EnvVar, 'kind' | 'unit' | 'schema'>): string {
  const { minimum, maximum } = v.schema as { minimum?: number; maximum?: number };
  switch (v.kind) {
    case 'integer':
    case 'number': {
      const range =
        minimum !== undefined && maximum !== undefined ? ` ${minimum}–${maximum}` : minimum !== undefined ? ` ≥ ${minimum}` : maximum !== undefined ? ` ≤ ${maximum}` : '';
      return `${v.kind}${range}${v.unit ? ` ${v.unit}` : ''}`;
    }
    case 'enum':
      return `one of ${(v.schema['enum'] as unknown[]).map(String).join(', ')}`;
    case 'string-list':
      return 'comma-separated list';
    case 'json':
      return `JSON ${v.schema['type'] === 'array' ? 'array' : 'object'}`;
    case 'boolean':
    case 'string':
      return v.kind;
  }
}

/** How a default is shown: `(empty)` for the empty string, else in code, lists and objects as JSON. */
export function defaultOf(value: unknown): string {
  if (value === '' || value === undefined) return '(empty)';
  return `\`${typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value)}\``;
}

/** The Markdown table of every environment variable (no markers, ends without a newline). */
export function configTable(vars: ReadonlyArray<Readonly<EnvVar>> = ENV_VARS): string {
  const rows = vars.map((v) => `| \`${v.env}\` | ${cell(typeOf(v))} | ${cell(defaultOf(v.default))} | ${cell(v.description)} |`);
  return ['| Variable | Type | Default | Meaning |', '|---|---|---|---|', ...rows].join('\n');
}

/** The text between the markers of a document (trimmed), or undefined when the markers are missing. */
export function tableInDocument(doc: string): string | undefined {
  const start = doc.indexOf(CONFIG_TABLE_START);
  const end = doc.indexOf(CONFIG_TABLE_END);
  if (start < 0 || end < start) return undefined;
  return doc.slice(start + CONFIG_TABLE_START.length, end).trim();
}

/** The document with the text between the markers replaced by `table`; throws when the markers are missing. */
export function withConfigTable(doc: string, table: string = configTable()): string {
  const start = doc.indexOf(CONFIG_TABLE_START);
  const end = doc.indexOf(CONFIG_TABLE_END);
  if (start < 0 || end < start) throw createError('QT_ERR_CONFIG_INVALID', `the document has no ${CONFIG_TABLE_START} … ${CONFIG_TABLE_END} markers`);
  return `${doc.slice(0, start + CONFIG_TABLE_START.length)}\n${table}\n${doc.slice(end)}`;
}
