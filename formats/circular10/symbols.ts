/**
 * @module ingest/adapters/circular10-symbols
 * Which profile metric a Circular 10/2021/TT-BTNMT parameter symbol (Appendix 15, Table 34) names.
 *
 * The default table is built from the device profiles: each metric's `symbol` (e.g. `PM2,5` →
 * `pm25`) and, as a fallback, the metric key itself (`water_level`). An agency extends or
 * overrides it with a JSON file (CIRCULAR10_SYMBOLS_FILE, by default `circular10-symbols.json`
 * in DATA_DIR; optional):
 *
 * ```json
 * { "*":          { "TSP": "tsp", "PM2.5": "pm25" },
 *   "wastewater": { "LuuLuongVao": "flow_in", "Color": null } }
 * ```
 *
 * Keys are profile ids (`*` = every profile that has the metric); values map a symbol to a
 * metric key, or to `null` to remove a symbol. Symbols match case-insensitively, ignoring spaces,
 * with `.` and `,` equal (`PM2.5` = `PM2,5` = `pm2,5`).
 */
import { createError } from '../../lib/errors.js';
import { readFileSync, existsSync } from 'node:fs';
import { Ajv } from 'ajv';
import type { LoadedProfile } from '../../device-profiles/index.js';

export type SymbolOverrides = Record<string, Record<string, string | null>>;

export interface SymbolTable {
  readonly profileId: string;
  /** The metric a file's symbol names, or undefined. */
  resolve(symbol: string): string | undefined;
  /** The symbol written for a metric when forwarding (the profile's `symbol`, else the metric key). */
  symbolOf(metric: string): string;
  /** Every accepted symbol → metric, for documentation and error messages. */
  entries(): Array<[symbol: string, metric: string]>;
}

/** `PM2.5`, ` pm2,5 ` and `PM2,5` are the same symbol. */
export function normalizeSymbol(symbol: string): string {
  return symbol.replace(/\s+/g, '').replaceAll('.', ',').toUpperCase();
}

const ajv = new Ajv({ allErrors: true });
const validateOverrides = ajv.compile<SymbolOverrides>({
  type: 'object',
  propertyNames: { pattern: '^(\\*|[a-z][a-z0-9-]{1,47})$' },
  additionalProperties: {
    type: 'object',
    propertyNames: { minLength: 1, maxLength: 32 },
    additionalProperties: { anyOf: [{ type: 'string', pattern: '^[a-z][a-z0-9_]{0,31}$' }, { type: 'null' }] },
  },
});

/** Reads and checks an overrides file; a missing file is an empty table, a wrong one throws naming every problem. */
export function loadSymbolOverrides(file: string): SymbolOverrides {
  if (!existsSync(file)) return {};
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw createError('QT_ERR_SYMBOLS_INVALID', `Circular 10 symbol file ${file} is not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  if (!validateOverrides(doc)) {
    const problems = (validateOverrides.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? 'is invalid'}`);
    throw createError('QT_ERR_SYMBOLS_INVALID', `Circular 10 symbol file ${file} is invalid: ${problems.join('; ')}`);
  }
  return doc;
}

/** One table per profile: the profiles' own symbols and metric keys, then `*`, then the profile's overrides. */
export function buildSymbolTables(profiles: ReadonlyMap<string, LoadedProfile>, overrides: SymbolOverrides = {}): Map<string, SymbolTable> {
  for (const [profileId, map] of Object.entries(overrides)) {
    if (profileId === '*') continue;
    const loaded = profiles.get(profileId);
    if (!loaded) throw createError('QT_ERR_SYMBOLS_INVALID', `Circular 10 symbol file names unknown profile "${profileId}"`);
    for (const [symbol, metric] of Object.entries(map)) {
      if (metric !== null && !loaded.profile.metrics[metric])
        throw createError('QT_ERR_SYMBOLS_INVALID', `Circular 10 symbol "${symbol}" of profile ${profileId} names unknown metric "${metric}"`);
    }
  }
  const tables = new Map<string, SymbolTable>();
  for (const { profile } of profiles.values()) {
    const bySymbol = new Map<string, { symbol: string; metric: string }>();
    const set = (symbol: string, metric: string | null) => {
      if (metric === null) bySymbol.delete(normalizeSymbol(symbol));
      else if (profile.metrics[metric]) bySymbol.set(normalizeSymbol(symbol), { symbol, metric });
    };
    // metric keys first, so that a profile symbol wins a collision
    for (const key of Object.keys(profile.metrics)) set(key, key);
    for (const [key, def] of Object.entries(profile.metrics)) if (def.symbol) set(def.symbol, key);
    for (const [symbol, metric] of Object.entries(overrides['*'] ?? {})) set(symbol, metric);
    for (const [symbol, metric] of Object.entries(overrides[profile.id] ?? {})) set(symbol, metric);
    tables.set(profile.id, {
      profileId: profile.id,
      resolve: (symbol) => bySymbol.get(normalizeSymbol(symbol))?.metric,
      symbolOf: (metric) => profile.metrics[metric]?.symbol ?? metric,
      entries: () => [...bySymbol.values()].map(({ symbol, metric }) => [symbol, metric]),
    });
  }
  return tables;
}
