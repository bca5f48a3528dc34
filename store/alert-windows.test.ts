/**
 * The alert engine's start-up refill reads the recent readings in keyset pages
 * (store/alert-windows.ts recentSamplePages), on the real embedded TimescaleDB: small pages must
 * give every reading exactly once and in order, whatever falls on a page boundary (several metrics
 * at one timestamp, microsecond timestamps, a station's last reading).
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../config/index.js';
import { createLogger } from '../lib/logger.js';
import { tempDataDir } from '../test/helpers/app.js';
import { recentSamplePages, type RecentSample } from './alert-windows.js';
import { createStore, type Store } from './index.js';

const dataDir = tempDataDir();
let store: Store;
const t0 = Date.now() - 3_600_000;

beforeAll(async () => {
  store = await createStore(resolveConfig({ dataDir, logLevel: 'silent' }), createLogger('silent'));
  // two stations × three metrics; every timestamp has all three metrics (ties on (station, ts)),
  // some timestamps carry microseconds, one reading has no value and one a station flag
  await store.db.query(
    `INSERT INTO readings (station_id, metric, ts, value, quality)
     SELECT s, m, to_timestamp($1::float8 / 1000) + (g * interval '61 seconds') + (CASE WHEN g % 3 = 0 THEN g * interval '1 microsecond' ELSE interval '0' END),
            CASE WHEN s = 'PG-B' AND m = 'no2' AND g = 5 THEN NULL ELSE g * 10 + length(m) END, CASE WHEN g = 7 THEN 2 ELSE 0 END
       FROM unnest(ARRAY['PG-A', 'PG-B']) AS s, unnest(ARRAY['pm25', 'pm10', 'no2']) AS m, generate_series(0, 19) AS g`,
    [t0],
  );
});
afterAll(async () => {
  await store?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function all(pageRows: number, since = new Date(t0 - 1)): Promise<{ rows: RecentSample[]; pages: number }> {
  const rows: RecentSample[] = [];
  let pages = 0;
  for await (const page of recentSamplePages(store.db, ['PG-B', 'PG-A'], ['pm25', 'pm10', 'no2'], since, pageRows)) {
    pages++;
    rows.push(...page);
  }
  return { rows, pages };
}

describe('recentSamplePages', () => {
  it('gives every reading once, in (station, time, metric) order, whatever the page size', async () => {
    const whole = await all(10_000);
    expect(whole.pages).toBe(1);
    expect(whole.rows).toHaveLength(2 * 3 * 20);
    const key = (r: RecentSample) => `${r.stationId}|${String(r.ts.getTime()).padStart(15, '0')}|${r.metric}`;
    expect(whole.rows.map(key)).toEqual(whole.rows.map(key).sort());
    expect(whole.rows.find((r) => r.stationId === 'PG-B' && r.metric === 'no2' && r.value === null)).toBeDefined();
    expect(whole.rows.filter((r) => r.quality !== 'valid')).toHaveLength(6);
    for (const size of [1, 2, 3, 7, 60, 119, 120]) {
      const paged = await all(size);
      expect(paged.rows).toEqual(whole.rows);
      expect(paged.pages).toBe(Math.floor(120 / size) + 1);
    }
  });

  it('keeps only readings newer than `since`', async () => {
    const since = new Date(t0 + 10 * 61_000);
    const { rows } = await all(4, since);
    expect(rows).toHaveLength(2 * 3 * 9);
    expect(rows.every((r) => r.ts.getTime() > since.getTime())).toBe(true);
  });
});
