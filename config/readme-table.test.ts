import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configTable, tableInDocument, withConfigTable } from './docs.js';
import { ENV_VARS } from './env.js';
import { resolveConfig } from './resolve.js';

const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

describe('README configuration table', () => {
  it('is exactly what tools/config-table.ts generates from the schema (run `npm run docs:config`)', () => {
    expect(tableInDocument(readme)).toBe(configTable());
    expect(withConfigTable(readme)).toBe(readme);
  });

  it('has one row per environment variable, each showing the default resolveConfig fills in', () => {
    const defaults = resolveConfig({});
    const rows = configTable().split('\n').slice(2);
    expect(rows).toHaveLength(ENV_VARS.length);
    expect(new Set(ENV_VARS.map((v) => v.env)).size).toBe(ENV_VARS.length);
    ENV_VARS.forEach((v, i) => {
      const value = v.path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], defaults);
      expect(value, v.env).toEqual(v.default);
      const shown = value === '' ? '(empty)' : `\`${Array.isArray(value) ? JSON.stringify(value) : String(value)}\``;
      expect(rows[i]).toMatch(new RegExp(`^\\| \`${v.env}\` \\| [^|]+ \\| ${shown.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} \\| `));
    });
  });

  it('refuses a document without the markers', () => {
    expect(tableInDocument('# no table')).toBeUndefined();
    expect(() => withConfigTable('# no table')).toThrow(/config-table:start/);
  });
});
