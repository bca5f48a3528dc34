/**
 * A chunk filled and never analyzed before the app stopped gets its statistics when the store
 * opens again, before any start-up query plans on it (store/autovacuum.ts analyzeNeverAnalyzed):
 * the counters the minutely pass decides on start again with the process and would not show it.
 */
import { rmSync } from 'node:fs';
import { afterAll, expect, it } from 'vitest';
import { resolveConfig } from '../config/index.js';
import { createLogger } from '../lib/logger.js';
import { tempDataDir } from '../test/helpers/app.js';
import { createStore } from './index.js';

const dataDir = tempDataDir();
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

async function chunkStats(): Promise<Array<{ name: string; reltuples: number }>> {
  const store = await createStore(resolveConfig({ dataDir, logLevel: 'silent' }), createLogger('silent'));
  try {
    const { rows } = await store.db.query<{ name: string; reltuples: number }>(
      `SELECT c.relname AS name, c.reltuples::float8 AS reltuples FROM timescaledb_information.chunks ch
         JOIN pg_class c ON c.relname = ch.chunk_name WHERE ch.hypertable_name = 'readings' ORDER BY c.relname`,
    );
    return rows;
  } finally {
    await store.close();
  }
}

it('analyzes at start the chunks filled since the last pass', async () => {
  const store = await createStore(resolveConfig({ dataDir, logLevel: 'silent' }), createLogger('silent'));
  // a new chunk (10 days back) with 20,000 rows, then closed before any autovacuum pass; from a UTC
  // midnight, so they never straddle a chunk boundary (chunks of a day or 7 days begin at one: from
  // 08:00 UTC an hour-aligned start 10 days back ran past midnight into a second chunk)
  await store.db.query(
    `INSERT INTO readings (station_id, metric, ts, value) SELECT 'S-' || s, 'pm25', t, 1
       FROM generate_series(1, 20) s, generate_series(date_trunc('day', now() - interval '10 days', 'UTC'), date_trunc('day', now() - interval '10 days', 'UTC') + interval '999 minutes', interval '1 minute') t`,
  );
  const { rows } = await store.db.query<{ reltuples: number }>(
    `SELECT c.reltuples::float8 AS reltuples FROM timescaledb_information.chunks ch JOIN pg_class c ON c.relname = ch.chunk_name WHERE ch.hypertable_name = 'readings'`,
  );
  // never analyzed: the planner has no statistics for it
  expect(rows.map((r) => r.reltuples)).toEqual([-1]);
  await store.close();

  const after = await chunkStats();
  expect(after).toHaveLength(1);
  expect(after[0]!.reltuples).toBe(20_000);
});
