/**
 * readings' chunks on the embedded database (store/chunk-plan.ts): new chunks are sized to the
 * rate readings arrive at, so no compress_chunk holds the one connection for minutes, and once
 * compressed they are merged back into few chunks, the readings and the aggregates untouched.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../config/index.js';
import { createLogger } from '../lib/logger.js';
import { tempDataDir } from '../test/helpers/app.js';
import { EMPTY_CHUNK_MS, MERGE_WINDOW_MS, chunkIntervalFor, compressedChunks, currentChunkInterval, mergeGroups, narrowOpenChunk, type CompressedChunk } from './chunk-plan.js';
import { createStore, type Store } from './index.js';
import { startEmbeddedJobRunner, type JobRunner } from './job-runner.js';

const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;

describe('chunk interval for a rate', () => {
  it('gives an agency fleet (1,000 stations × 10 metrics a minute) half-hour chunks of 300,000 rows', () => {
    expect(chunkIntervalFor(1000 * 10 * 60)).toBe(30 * MIN);
  });
  it('does not halve it for a rate a few percent over (a station more, a minute counted twice)', () => {
    expect(chunkIntervalFor(1000 * 10 * 62)).toBe(30 * MIN);
  });
  it('gives 100 such stations 6 hours, 20 stations a day, a trickle 7 days, a flood 15 minutes', () => {
    expect(chunkIntervalFor(100 * 10 * 60)).toBe(6 * HOUR);
    expect(chunkIntervalFor(20 * 10 * 60)).toBe(DAY);
    expect(chunkIntervalFor(10)).toBe(7 * DAY);
    expect(chunkIntervalFor(50_000_000)).toBe(15 * MIN);
  });
});

describe('merge plan', () => {
  const base = 20 * MERGE_WINDOW_MS;
  const c = (name: string, startH: number, endH: number, rows = 1000): CompressedChunk => ({ chunk: name, start: base + startH * HOUR, end: base + endH * HOUR, rows });
  it('merges chunks that touch, in time order', () => {
    expect(mergeGroups([c('b', 1, 2), c('a', 0, 1), c('c', 2, 3)])).toEqual([['a', 'b', 'c']]);
  });
  it('never across a gap, a 7-day window or the row limit, and never a chunk alone', () => {
    expect(mergeGroups([c('a', 0, 1), c('b', 2, 3), c('c', 3, 4)])).toEqual([['b', 'c']]);
    expect(mergeGroups([c('a', 166, 167), c('b', 167, 168), c('c', 168, 169), c('d', 169, 170)])).toEqual([
      ['a', 'b'],
      ['c', 'd'],
    ]);
    expect(mergeGroups([c('a', 0, 1, 400), c('b', 1, 2, 400), c('c', 2, 3, 400)], 1000)).toEqual([['a', 'b']]);
    expect(mergeGroups([c('a', 0, 1)])).toEqual([]);
  });
});

describe('on the embedded database', () => {
  const dataDir = tempDataDir();
  let store: Store;
  let runner: JobRunner;
  beforeAll(async () => {
    store = await createStore(resolveConfig({ dataDir, logLevel: 'silent' }), createLogger('silent'));
    // its own runner, sized at its start; the timer never ticks during the test
    runner = startEmbeddedJobRunner(store.db, createLogger('silent'), 3_600_000);
  });
  afterAll(async () => {
    await runner?.close();
    await store?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  // the chunks of the old readings (the previous test left an empty chunk of now)
  const chunkCount = async () =>
    Number(
      (
        await store.db.query<{ n: string }>(
          `SELECT count(*) AS n FROM timescaledb_information.chunks WHERE hypertable_name = 'readings' AND range_end < now() - interval '10 days'`,
        )
      ).rows[0]!.n,
    );
  const totals = async () => (await store.db.query<{ n: string; s: number; q: string }>(`SELECT count(*) AS n, sum(value) AS s, sum(quality)::text AS q FROM readings`)).rows[0]!;
  const invalidations = async () =>
    Number(
      (
        await store.db.query<{ n: string }>(
          `SELECT (SELECT count(*) FROM _timescaledb_catalog.continuous_aggs_hypertable_invalidation_log) + (SELECT count(*) FROM _timescaledb_catalog.continuous_aggs_materialization_invalidation_log) AS n`,
        )
      ).rows[0]!.n,
    );

  it('gives an empty database chunks of a day, not 7 days', async () => {
    await runner.sizeChunks();
    expect(await currentChunkInterval(store.db)).toBe(EMPTY_CHUNK_MS);
  });

  it('sizes new chunks to what arrived in the last half hour', async () => {
    // 1,000 stations × 10 metrics a minute for the last 40 minutes: an agency's fleet (600,000 rows an hour)
    await store.db.query(
      `INSERT INTO readings (station_id, metric, ts, value, quality)
       SELECT 'S-' || s, 'm' || m, t, s + m, 0
         FROM generate_series(1, 1000) s, generate_series(1, 10) m, generate_series(date_trunc('minute', now()) - interval '40 minutes', date_trunc('minute', now()), interval '1 minute') t`,
    );
    await runner.sizeChunks();
    expect(await currentChunkInterval(store.db)).toBe(30 * MIN);
    const rec = runner.runs.get(-1);
    expect(rec?.lastRunOk).toBe(true);
    await store.db.query(`DELETE FROM readings`);
  });

  /** The chunk holding `at` (now by default): its range, ms. */
  const chunkAt = async (at = 'now()') =>
    (
      await store.db.query<{ start: Date; end: Date }>(
        `SELECT range_start AS start, range_end AS "end" FROM timescaledb_information.chunks WHERE hypertable_name = 'readings' AND range_start <= ${at} AND range_end > ${at}`,
      )
    ).rows[0]!;
  /** A pilot's 7-day chunk holding now, then 200 stations × 10 metrics a minute for the last 10 minutes (120,000 rows an hour). */
  const pilotThenFleet = async () => {
    await store.db.query(`DELETE FROM readings`);
    await store.db.query(`SELECT drop_chunks('readings', older_than => now() + interval '30 days')`);
    await store.db.query(`SELECT set_chunk_time_interval('readings', interval '7 days')`);
    await store.db.query(
      `INSERT INTO readings (station_id, metric, ts, value, quality)
       SELECT 'S-' || s, 'm' || m, t, s + m, 0
         FROM generate_series(1, 200) s, generate_series(1, 10) m, generate_series(date_trunc('minute', now()) - interval '9 minutes', date_trunc('minute', now()), interval '1 minute') t`,
    );
  };

  it("splits the chunk readings arrive in when the rate outgrew it: the fleet does not fill a pilot's 7-day chunk", async () => {
    await pilotThenFleet();
    const before = await totals();
    expect(Number(before.n)).toBe(20_000);
    await runner.sizeChunks();
    const interval = await currentChunkInterval(store.db);
    expect(interval).toBeLessThanOrEqual(3 * HOUR);
    // the chunk now holding now ends at the next boundary of the new interval (or one later): not days ahead
    const open = await chunkAt();
    expect(open.end.getTime() - Date.now()).toBeLessThanOrEqual(2 * interval);
    expect(await totals()).toEqual(before);
    // what comes later goes into chunks of the new interval
    await store.db.query(`INSERT INTO readings (station_id, metric, ts, value) VALUES ('S-1', 'm1', now() + interval '5 hours', 1)`);
    const later = await chunkAt(`now() + interval '5 hours'`);
    expect(later.end.getTime() - later.start.getTime()).toBe(interval);
    expect(runner.runs.get(-1)?.lastRunOk).toBe(true);
  });

  it('leaves a chunk holding more rows than a split may rewrite whole', async () => {
    await pilotThenFleet();
    const before = await chunkAt();
    const r = await narrowOpenChunk(store.db, HOUR, { maxRows: 1000 });
    // known from the statistics (20,000 rows written), not counted
    expect(r).toMatchObject({ tooLarge: true, rows: 20_000 });
    expect(await chunkAt()).toEqual(before);
    // and not counted again once known
    expect(await narrowOpenChunk(store.db, HOUR, { maxRows: 1000, tooLarge: new Set([r!.chunk]) })).toBeUndefined();
  });

  it('splits past a reading from a station whose clock runs ahead, and loses none', async () => {
    await pilotThenFleet();
    await store.db.query(`INSERT INTO readings (station_id, metric, ts, value) VALUES ('S-1', 'm1', now() + interval '8 hours', 7)`);
    const before = await totals();
    await runner.sizeChunks();
    const interval = await currentChunkInterval(store.db);
    const ahead = await chunkAt(`now() + interval '8 hours'`);
    // the reading ahead stays in the part kept; the part past it was dropped
    expect(ahead.end.getTime() - (Date.now() + 8 * HOUR)).toBeLessThanOrEqual(interval + MIN);
    expect(await totals()).toEqual(before);
    await store.db.query(`DELETE FROM readings`);
  });

  it('narrows new chunks to a history being loaded, which the arrival rate of now does not see', async () => {
    await store.db.query(`DELETE FROM readings`);
    await store.db.query(`SELECT drop_chunks('readings', older_than => now() + interval '30 days')`);
    await store.db.query(`SELECT set_chunk_time_interval('readings', interval '1 day')`);
    // an archive loaded day by day, 40 days back: 280 stations a minute, 403,200 rows in a day-chunk
    // (a chunk for 300,000 allows 375,000): nothing arrives now, so the rate says nothing
    const archive = (fromDays: number, stations: number) =>
      store.db.query(
        `INSERT INTO readings (station_id, metric, ts, value, quality)
         SELECT 'H-' || s, 'pm25', t, s, 0
           FROM generate_series(1, $2::int) s,
                generate_series(date_trunc('day', now(), 'UTC') - make_interval(days => $1::int), date_trunc('day', now(), 'UTC') - make_interval(days => $1::int) + interval '1 day' - interval '1 minute', interval '1 minute') t`,
        [fromDays, stations],
      );
    await archive(40, 280);
    await runner.sizeChunks();
    expect(await currentChunkInterval(store.db)).toBe(12 * HOUR);
    // the archive's next day goes into chunks of the new interval
    await archive(39, 10);
    const next = await chunkAt(`date_trunc('day', now(), 'UTC') - interval '39 days' + interval '1 hour'`);
    expect(next.end.getTime() - next.start.getTime()).toBe(12 * HOUR);
    // a sparse history only: the interval is not widened
    await store.db.query(`DELETE FROM readings WHERE station_id <> 'H-1'`);
    await store.runMaintenance();
    await runner.sizeChunks();
    expect(await currentChunkInterval(store.db)).toBe(12 * HOUR);
    await store.db.query(`DELETE FROM readings`);
    await store.db.query(`SELECT drop_chunks('readings', older_than => now() + interval '30 days')`);
  });

  it('compresses small chunks, then merges them: fewer chunks, the same readings, no refresh owed', async () => {
    await store.db.query(`SELECT set_chunk_time_interval('readings', interval '1 hour')`);
    // 2 stations × 2 metrics a minute over 30 hours, 20 days back: 30 hour-chunks
    await store.db.query(
      `INSERT INTO readings (station_id, metric, ts, value, quality)
       SELECT s, m, t, (extract(epoch FROM t)::int8 / 60) % 97 + length(m), CASE WHEN (extract(epoch FROM t)::int8 / 60) % 11 = 0 THEN 1 ELSE 0 END
         FROM unnest(ARRAY['A', 'B']) s, unnest(ARRAY['pm25', 'no2']) m,
              generate_series(date_trunc('hour', now()) - interval '20 days', date_trunc('hour', now()) - interval '20 days' + interval '30 hours' - interval '1 minute', interval '1 minute') t`,
    );
    const before = await totals();
    const chunksBefore = await chunkCount();
    expect(chunksBefore).toBe(30);
    // the aggregates as their jobs leave them
    await runner.runAll();
    const compressed = await compressedChunks(store.db, 'public', 'readings');
    expect(compressed.length).toBe(chunksBefore);
    const owed = await invalidations();
    // the next run merges what the first compressed
    await runner.runAll();
    const after = await chunkCount();
    // 30 hours fall in one 7-day window or straddle two
    expect(after).toBeLessThanOrEqual(2);
    expect(await totals()).toEqual(before);
    expect(await invalidations()).toBe(owed);
    // merge_chunks marks the merged chunk partially compressed; the next run's compress_chunk finds nothing to compress and clears it
    await runner.runAll();
    expect(await chunkCount()).toBe(after);
    const merged = await compressedChunks(store.db, 'public', 'readings');
    expect(merged.reduce((n, c) => n + c.rows, 0)).toBe(Number(before.n));
    // a reading inside a merged chunk is found by its key, as before
    const { rows } = await store.db.query<{ v: number }>(
      `SELECT value AS v FROM readings WHERE station_id = 'B' AND metric = 'no2' AND ts = date_trunc('hour', now()) - interval '20 days' + interval '17 hours 3 minutes'`,
    );
    expect(rows).toHaveLength(1);
    for (const r of runner.runs.values()) expect(r.lastError).toBeNull();
  });

  it('no chunk merged ever spans more than 7 days', async () => {
    for (const c of await compressedChunks(store.db, 'public', 'readings')) {
      expect(Math.floor(c.start / MERGE_WINDOW_MS)).toBe(Math.floor((c.end - 1) / MERGE_WINDOW_MS));
    }
  });
});
