import { describe, expect, it } from 'vitest';
import { configFromEnv, resolveConfig } from './index.js';
import { QuantracError } from '../lib/errors.js';

describe('config', () => {
  it('fills documented defaults and freezes the result', () => {
    const c = configFromEnv({});
    expect(c).toMatchObject({ dataDir: './data', databaseUrl: '', mqtt: { port: 1883 }, http: { port: 8080 }, simulate: 20, timezone: 'Asia/Ho_Chi_Minh' });
    expect(c.store.retentionDays).toBe(0);
    expect(Object.isFrozen(c)).toBe(true);
    expect(Object.isFrozen(c.ingest)).toBe(true);
  });

  it('reads the environment with types', () => {
    const c = configFromEnv({ MQTT_PORT: '11883', SIMULATE: '0', DATABASE_URL: 'postgres://u:p@db:5432/q', RETENTION_DAYS: '400' });
    expect(c.mqtt.port).toBe(11883);
    expect(c.simulate).toBe(0);
    expect(c.databaseUrl).toBe('postgres://u:p@db:5432/q');
    expect(c.store.retentionDays).toBe(400);
  });

  it('names every wrong setting in one error', () => {
    let err: unknown;
    try {
      configFromEnv({ HTTP_PORT: 'x', DATABASE_URL: 'mysql://nope', ADMIN_PASSWORD: 'short', INGEST_BATCH_MAX_ROWS: '0' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(QuantracError);
    const problems = (err as QuantracError).details?.['problems'] as string[];
    expect(problems).toHaveLength(4);
    expect(problems.join('\n')).toMatch(/HTTP_PORT/);
    expect(problems.join('\n')).toMatch(/DATABASE_URL/);
    expect(problems.join('\n')).toMatch(/ADMIN_PASSWORD: must be at least 8 characters/);
    expect(problems.join('\n')).toMatch(/INGEST_BATCH_MAX_ROWS: must be >= 1/);
  });

  it('refuses unknown keys in code-level config', () => {
    expect(() => resolveConfig({ nope: 1 } as never)).toThrow(/nope/);
  });

  it('reads booleans, numbers and JSON by the schema type, leaving the unreadable to validation', () => {
    const c = configFromEnv({ NODE_RED: 'false', OPEN_EMBARGO_HOURS: '1.5', FORWARD_TARGETS: '[{"name":"moh","url":"ftp://u:p@h/x","stations":["S1"]}]' });
    expect(c.automation.enabled).toBe(false);
    expect(c.open.embargoHours).toBe(1.5);
    expect(c.forwarding.targets).toEqual([{ name: 'moh', url: 'ftp://u:p@h/x', stations: ['S1'], everyMinutes: 5 }]);
    expect(Object.isFrozen(c.forwarding.targets[0])).toBe(true);
    expect(() => configFromEnv({ NODE_RED: 'yes' })).toThrow(/NODE_RED: must be boolean/);
    expect(() => configFromEnv({ FORWARD_TARGETS: '[{' })).toThrow(/FORWARD_TARGETS: is not valid JSON/);
  });

  it('checks settings against each other', () => {
    expect(() => configFromEnv({ REDIS_URL: 'redis://r:6379' })).toThrow(/REDIS_URL: multi-node mode needs DATABASE_URL/);
    expect(() => configFromEnv({ FTP_PASV_MIN: '40000', FTP_PASV_MAX: '30000' })).toThrow(/FTP_PASV_MIN: must not be above FTP_PASV_MAX/);
    expect(configFromEnv({ REDIS_URL: 'redis://r:6379', DATABASE_URL: 'postgres://db/q' }).cluster.redisUrl).toBe('redis://r:6379');
  });

  it('derives the environment table from the schema', async () => {
    const { ENV_VARS } = await import('./index.js');
    expect(ENV_VARS.find((v) => v.env === 'MQTT_PORT')).toMatchObject({ path: 'mqtt.port', kind: 'integer', default: 1883 });
    expect(ENV_VARS.find((v) => v.env === 'FORWARD_TARGETS')).toMatchObject({ path: 'forwarding.targets', kind: 'json', default: [] });
    expect(ENV_VARS.find((v) => v.env === 'DROP_POLL_MS')).toMatchObject({ unit: 'ms' });
    const { parseEnvValue } = await import('./env.js');
    expect(parseEnvValue({ env: 'X', kind: 'string-list' }, ' a, b,,c ')).toEqual(['a', 'b', 'c']);
  });
});

describe('README configuration table', () => {
  it('lists every variable with its real default', async () => {
    const { readFileSync } = await import('node:fs');
    const { ENV_VARS } = await import('./index.js');
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    const defaults = resolveConfig({});
    for (const v of ENV_VARS) {
      const value = v.path.split('.').reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], defaults);
      const shown = value === '' ? '(empty)' : `\`${Array.isArray(value) ? JSON.stringify(value) : String(value)}\``;
      // Columns: variable | type | default | meaning.
      const row = readme.split('\n').find((line) => line.startsWith(`| \`${v.env}\` | `));
      expect(row?.split(' | ')[2], v.env).toBe(shown);
    }
  });
});
