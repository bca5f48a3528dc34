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
      expect(readme).toContain(`| \`${v.env}\` | ${shown} |`);
    }
  });
});
