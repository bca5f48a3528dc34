/**
 * No 5xx from any input (issue 16, "Outside clients"): a property-based walk (fast-check) of
 * every operation in the served OpenAPI document, with the path, query and JSON body its
 * schemas describe, filled with hostile values (NUL and control bytes, huge and non-decimal
 * numbers, long strings, unicode and lone surrogates, empty values, wrong types), sent as an
 * anonymous caller, a viewer and the admin. Every answer must be a valid answer or a 4xx
 * whose `error.code` is in the catalogue (lib/errors.ts); never a 5xx, never a hang.
 *
 * Operations that would destroy what the walk needs are sent by the roles that are refused
 * only (the backup, which also takes seconds per call, is one).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CATALOGUE } from '../lib/errors.js';
import { startTestApp, type TestApp } from './helpers/app.js';

type Schema = {
  type?: string | string[];
  enum?: unknown[];
  properties?: Record<string, Schema>;
  items?: Schema;
  minimum?: number;
  maximum?: number;
  $ref?: string;
  required?: string[];
};
type Parameter = { name: string; in: 'path' | 'query' | 'header' | 'cookie'; required?: boolean; schema?: Schema };
type Operation = { parameters?: Parameter[]; requestBody?: { content: Record<string, { schema?: Schema }> } };
type Doc = { paths: Record<string, Record<string, Operation>> };

/** Runs per operation (each with a random role); `HOSTILE_RUNS=200` for a longer walk. */
const RUNS = Number(process.env['HOSTILE_RUNS'] ?? 25);
/** A request that takes longer than this is a hang. */
const TIMEOUT_MS = 15_000;
const METHODS = new Set(['get', 'put', 'post', 'delete', 'patch']);
/** `METHOD path` → the roles that may send it (default all): what would destroy the walk's own state, or take seconds. */
const ROLES_FOR: Record<string, Array<'anonymous' | 'viewer' | 'admin'>> = {
  'POST /api/v1/admin/backup': ['anonymous', 'viewer'],
};
const STATION = 'HOSTILE-1';

const HOSTILE_STRINGS = [
  '',
  '\u0000',
  'a\u0000b',
  '\u0001\u001f\u007f',
  '\r\n',
  ' 5',
  '5 ',
  '1e3',
  '0x10',
  '+1',
  '-1',
  '0',
  '1.5',
  'NaN',
  'Infinity',
  '99999999999999999999999',
  '9223372036854775808',
  '2147483648',
  '-99999999999999999999999',
  'null',
  'true',
  '[]',
  '{}',
  "' OR 1=1 --",
  '%00',
  '../../etc/passwd',
  '\uD800',
  'Hà Nội 💨 𝔘𝔫𝔦',
  '\u202e\u200b',
  STATION,
  'x'.repeat(5000),
  '2026-01-01T00:00:00Z',
  '1970-01-01T00:00:00.000+99:99',
  '*',
  'a,b,,c',
];

/** Percent-encodes every byte of the UTF-8 form (lone surrogates included) except the unreserved ones. */
function encode(text: string): string {
  return [...Buffer.from(text, 'utf8')]
    .map((b) => (/[A-Za-z0-9\-._~]/.test(String.fromCharCode(b)) ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, '0').toUpperCase()}`))
    .join('');
}

/** A value for a schema: often one it accepts, as often a hostile one. */
function value(schema: Schema | undefined, depth = 0): fc.Arbitrary<unknown> {
  const hostile: fc.Arbitrary<unknown> = fc.oneof(
    fc.constantFrom(...HOSTILE_STRINGS),
    fc.string({ unit: 'binary', maxLength: 40 }),
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    fc.integer().map(String),
    fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }).map(String),
  );
  const types = schema?.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];
  const typed: Array<fc.Arbitrary<unknown>> = [];
  if (schema?.enum) typed.push(fc.constantFrom(...schema.enum));
  if (types.includes('integer'))
    typed.push(
      fc.integer({ min: Math.max(schema?.minimum ?? -1000, -2_147_483_648), max: Math.min(schema?.maximum ?? 1000, 2_147_483_647) }),
      fc.constantFrom(-1, 0, 2 ** 53, 1e30),
    );
  if (types.includes('number')) typed.push(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(-1e308, 1e308));
  if (types.includes('boolean')) typed.push(fc.boolean());
  if (types.includes('null')) typed.push(fc.constant(null));
  if (types.includes('array') && depth < 3) typed.push(fc.array(value(schema?.items, depth + 1), { maxLength: 4 }));
  if (types.includes('object') && depth < 3) typed.push(body(schema, depth + 1));
  return typed.length ? fc.oneof(fc.oneof(...typed), hostile) : hostile;
}

/** A JSON body: the schema's properties (some left out), sometimes any JSON at all. */
function body(schema: Schema | undefined, depth = 0): fc.Arbitrary<unknown> {
  const props = Object.entries(schema?.properties ?? {});
  const shaped = fc.record(Object.fromEntries(props.map(([k, s]) => [k, value(s, depth)])), { requiredKeys: [] });
  return depth === 0 ? fc.oneof({ weight: 4, arbitrary: shaped }, { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) }) : shaped;
}

let t: TestApp;
let doc: Doc;
const tokens: Record<'anonymous' | 'viewer' | 'admin', string | null> = { anonymous: null, viewer: null, admin: null };

beforeAll(async () => {
  t = await startTestApp({ analytics: { rateLimitPerMinute: 1_000_000 }, open: { rateLimitPerMinute: 1_000_000 } } as never);
  await t.createStation({ id: STATION });
  tokens.admin = t.adminToken;
  tokens.viewer = await t.userToken('hostile-viewer', 'viewer');
  doc = (await t.inject<Doc>('GET', '/api/openapi.json', undefined, null)).body;
}, 120_000);

afterAll(async () => {
  await t?.close(true);
});

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${TIMEOUT_MS} ms: ${what}`)), TIMEOUT_MS))),
  ]).finally(() => clearTimeout(timer));
}

describe('hostile input to every operation of the OpenAPI document', () => {
  it('is walked', () => {
    expect(Object.keys(doc.paths).length).toBeGreaterThan(40);
  });

  // The list is read from the document the app serves, after beforeAll: one test walks them all.
  it('never answers 5xx or hangs; every 4xx carries a catalogue code', async () => {
    const problems: string[] = [];
    const known = new Set(Object.keys(ERROR_CATALOGUE));
    let sent = 0;
    let operations = 0;
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        if (!METHODS.has(method)) continue;
        const key = `${method.toUpperCase()} ${path}`;
        operations++;
        const params = op.parameters ?? [];
        const jsonBody = op.requestBody?.content['application/json']?.schema;
        const request = fc.record({
          role: fc.constantFrom(...(ROLES_FOR[key] ?? (['anonymous', 'viewer', 'admin'] as const))),
          path: fc.record(Object.fromEntries(params.filter((p) => p.in === 'path').map((p) => [p.name, value(p.schema).map(String)]))),
          query: fc.record(Object.fromEntries(params.filter((p) => p.in === 'query').map((p) => [p.name, value(p.schema).map(String)])), { requiredKeys: [] }),
          body: op.requestBody ? body(jsonBody) : fc.constant(undefined),
        });
        await fc
          .assert(
            fc.asyncProperty(request, async (r) => {
              const url =
                path.replace(/\{(\w+)\}/g, (_m, name: string) => encode(String(r.path[name]))) +
                (Object.keys(r.query).length
                  ? '?' +
                    Object.entries(r.query)
                      .map(([k, v]) => `${encode(k)}=${encode(String(v))}`)
                      .join('&')
                  : '');
              sent++;
              const res = await withTimeout(
                t.inject<{ error?: { code?: string } }>(method.toUpperCase(), url, r.body === undefined ? undefined : JSON.stringify(r.body), tokens[r.role]),
                `${key} ${url.slice(0, 200)}`,
              );
              const where = `${key} as ${r.role}: ${method.toUpperCase()} ${url.slice(0, 300)} body ${JSON.stringify(r.body)?.slice(0, 300)} → ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`;
              if (res.status >= 500) problems.push(where);
              else if (res.status >= 400 && !known.has(String(res.body?.error?.code))) problems.push(`${where} (not a catalogue code)`);
              return res.status < 500;
            }),
            { numRuns: RUNS, endOnFailure: true },
          )
          .catch((err: unknown) => {
            // a failed property is in `problems` already; anything else (a hang, a generator error) is a problem too
            if (!problems.some((p) => p.startsWith(key))) problems.push(`${key}: ${String(err).slice(0, 600)}`);
          });
      }
    }
    expect([...new Set(problems)].slice(0, 30)).toEqual([]);
    expect(sent).toBeGreaterThanOrEqual(operations * RUNS);
  }, 900_000);

  it('treats an empty filter as no filter', async () => {
    const all = await t.inject<{ data: unknown[] }>('GET', '/api/v1/stations', undefined, tokens.viewer);
    const empty = await t.inject<{ data: unknown[] }>('GET', '/api/v1/stations?province=&profile=', undefined, tokens.viewer);
    expect(empty.status).toBe(200);
    expect(empty.body.data.length).toBe(all.body.data.length);
    expect(all.body.data.length).toBeGreaterThan(0);
  });

  it('refuses non-decimal numbers, integers beyond the columns and NUL bytes with 400 QT_ERR_BAD_REQUEST', async () => {
    for (const url of [
      '/api/v1/alerts?limit=1e3',
      '/api/v1/alerts?limit=0x10',
      '/api/v1/alerts?limit=%205',
      '/api/v1/alerts?before=99999999999999999999999',
      '/api/v1/alerts/99999999999999999999999',
      '/api/v1/bulletins?offset=99999999999999999999999',
      '/api/v1/stations?province=a%00b',
      `/api/v1/stations/${STATION}%00`,
    ]) {
      const res = await t.inject<{ error: { code: string } }>('GET', url, undefined, tokens.admin);
      expect({ url, status: res.status, code: res.body.error?.code }).toEqual({ url, status: 400, code: 'QT_ERR_BAD_REQUEST' });
    }
    const nul = await t.inject<{ error: { code: string } }>('POST', '/api/v1/silences', { station: STATION, endsAt: '2099-01-01T00:00:00Z', comment: 'a\u0000b' }, tokens.admin);
    expect(nul).toMatchObject({ status: 400, body: { error: { code: 'QT_ERR_BAD_REQUEST' } } });
  });
});
