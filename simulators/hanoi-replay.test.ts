import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULT_HANOI_CSV, loadHanoiReplay, parseHanoiCsv } from './hanoi-replay.js';
import { SimulatorError } from './errors.js';

// Rows of Hanoi_PM2.5_2018.csv used below:
//   2018-01-01 09:00 AM … Raw Conc. 106.0 Valid;   10:00 AM … 106.6 Valid
//   2018-01-04 04:00 PM … -999.0 Missing;         08:00 PM … 74.0 Invalid
describe('Hanoi PM2.5 replay', () => {
  it('resolves the default CSV under /work/shared/data', () => {
    expect(fileURLToPath(DEFAULT_HANOI_CSV)).toMatch(/shared\/data\/hanoi-pm25\/Hanoi_PM2\.5_2018\.csv$/);
  });

  it('gives the CSV value at an exact hour, in any year, and interpolates between hours', async () => {
    const replay = await loadHanoiReplay();
    expect(replay.rows).toBe(8339);
    expect(replay.validHours).toBeGreaterThan(7900);
    expect(replay.valueAt(Date.parse('2018-01-01T09:00:00+07:00'))).toBe(106.0);
    expect(replay.valueAt(Date.parse('2026-01-01T09:00:00+07:00'))).toBe(106.0);
    expect(replay.valueAt(Date.parse('2026-01-01T09:30:00+07:00'))).toBeCloseTo(106.3, 6);
    expect(replay.sample(Date.parse('2026-01-01T09:15:00+07:00'))).toMatchObject({ kind: 'value', at: '01-01 09:15' });
  });

  it('has no value at Invalid and Missing hours (gaps), nearest valid hour at the edges', async () => {
    const replay = await loadHanoiReplay();
    expect(replay.sample(Date.parse('2026-01-04T20:00:00+07:00'))).toMatchObject({ kind: 'gap', reason: 'invalid' });
    expect(replay.sample(Date.parse('2026-01-04T16:00:00+07:00'))).toMatchObject({ kind: 'gap', reason: 'missing' });
    expect(replay.valueAt(Date.parse('2026-01-04T19:45:00+07:00'))).toBeUndefined();
    // 15:00 is valid and 16:00 missing: the first half hour keeps the 15:00 value.
    const at15 = replay.valueAt(Date.parse('2026-01-04T15:00:00+07:00'));
    expect(at15).toBeDefined();
    expect(replay.valueAt(Date.parse('2026-01-04T15:20:00+07:00'))).toBe(at15);
  });

  it('speed advances the value source only: one replayed hour per real minute at speed 60', async () => {
    const origin = Date.parse('2026-01-01T09:00:00+07:00');
    const replay = await loadHanoiReplay({ speed: 60, origin });
    expect(replay.replayInstant(origin + 60_000)).toBe(origin + 3_600_000);
    expect(replay.valueAt(origin + 60_000)).toBe(106.6); // the 10:00 row
  });

  it('`from` starts the replay at a chosen series instant', async () => {
    const origin = Date.parse('2026-06-01T00:00:00+07:00');
    const replay = await loadHanoiReplay({ origin, from: Date.parse('2018-01-01T09:00:00+07:00') });
    expect(replay.valueAt(origin)).toBe(106.0);
  });

  it('fails with a clear error when the file is missing', async () => {
    const err = await loadHanoiReplay({ csvPath: '/nonexistent/Hanoi.csv' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SimulatorError);
    expect(err).toMatchObject({ code: 'SIM_ERR_REPLAY_FILE_MISSING' });
    expect((err as Error).message).toContain('/nonexistent/Hanoi.csv');
  });

  it('rejects a file that is not the StateAir CSV', () => {
    expect(() => parseHanoiCsv('a,b,c\n1,2,3\n')).toThrow(/missing column "Month"/);
  });
});
