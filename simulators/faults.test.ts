import { describe, expect, it } from 'vitest';
import { createFaultEngine, encodeMalformed, episodeEnvelope, UNKNOWN_METRIC_KEY } from './faults.js';
import { profileOf } from './testing.js';
import { HOUR_MS } from './time.js';

const air = profileOf('air-quality');
const T0 = Date.parse('2026-01-12T09:00:00+07:00');
const MIN = 60_000;

describe('fault engine', () => {
  it('episode ramps above the threshold, holds at the target, then decays back', () => {
    const faults = createFaultEngine(air);
    faults.inject({ kind: 'episode', metric: 'pm25', target: 300, rampMs: 30 * MIN, holdMs: 30 * MIN, decayMs: 30 * MIN }, T0);
    const at = (m: number) => faults.apply(T0 + m * MIN, { pm25: 40 }).values.pm25!;
    const series = [0, 10, 20, 30, 45, 60, 75, 90, 100].map(at);
    expect(series[0]).toBe(40);
    expect(series[1]).toBeGreaterThan(40);
    expect(series[3]).toBe(300);
    expect(series[4]).toBe(300);
    expect(series[6]).toBeCloseTo(170, 5);
    expect(series[8]).toBe(40); // episode over
    expect(series.filter((v) => v > 250).length).toBeGreaterThanOrEqual(3); // above the VN_AQI "very bad" breakpoint
    expect(episodeEnvelope({ kind: 'episode', metric: 'pm25', target: 1, rampMs: 10, holdMs: 10, decayMs: 10 }, 5)).toBe(0.5);
  });

  it('spike hits N readings; drift grows per hour; stuck freezes', () => {
    const faults = createFaultEngine(air);
    faults.inject({ kind: 'spike', metric: 'pm25', factor: 5, count: 2 }, T0);
    faults.inject({ kind: 'drift', metric: 'o3', perHour: 6 }, T0);
    faults.inject({ kind: 'stuck', metric: 'temp' }, T0);
    const r = [0, 30, 60, 120].map((m, i) => faults.apply(T0 + m * MIN, { pm25: 20, o3: 50, temp: 20 + i }).values);
    expect(r.map((v) => v.pm25)).toEqual([100, 100, 20, 20]);
    expect(r.map((v) => v.o3)).toEqual([50, 53, 56, 62]);
    expect(r.map((v) => v.temp)).toEqual([20, 20, 20, 20]);
  });

  it('calibration sets status 01, fault sets 02 and drops or zeroes the value, only inside the window', () => {
    const faults = createFaultEngine(air);
    faults.inject({ kind: 'calibration', metrics: ['pm25', 'pm10'], durationMs: 10 * MIN }, T0);
    faults.inject({ kind: 'fault', metrics: ['pm10'], durationMs: 5 * MIN }, T0);
    faults.inject({ kind: 'fault', metrics: ['co'], durationMs: 5 * MIN, value: 'zero' }, T0);
    faults.inject({ kind: 'fault', metrics: ['no2'], durationMs: 5 * MIN, value: 'null' }, T0);
    const during = faults.apply(T0 + MIN, { pm25: 10, pm10: 15, co: 900, no2: 30 });
    expect(during.status).toEqual({ pm25: '01', pm10: '02', co: '02', no2: '02' });
    expect(during.values).toEqual({ pm25: 10, co: 0, no2: null });
    const after = faults.apply(T0 + 10 * MIN, { pm25: 10, pm10: 15, co: 900, no2: 30 });
    expect(after.status).toEqual({});
    expect(after.values).toEqual({ pm25: 10, pm10: 15, co: 900, no2: 30 });
  });

  it('values are rounded and clamped to the profile range after faults (unless a spike says unclamped)', () => {
    const faults = createFaultEngine(air);
    faults.inject({ kind: 'spike', metric: 'pm25', factor: 100 }, T0);
    expect(faults.apply(T0, { pm25: 20.04 }).values.pm25).toBe(1000);
    faults.inject({ kind: 'spike', metric: 'pm25', factor: 100, unclamped: true }, T0);
    expect(faults.apply(T0, { pm25: 20.04 }).values.pm25).toBe(2004);
  });

  it('refuses faults that do not fit the profile', () => {
    const faults = createFaultEngine(air);
    expect(() => faults.inject({ kind: 'calibration', metrics: ['cod'], durationMs: 1 }, T0)).toThrow(/metric "cod" is not in profile air-quality/);
    expect(() => faults.inject({ kind: 'spike', metric: 'pm25', count: 0 }, T0)).toThrow(/count/);
  });

  it('gap windows merge and resolve', () => {
    const faults = createFaultEngine(air);
    faults.inject({ kind: 'gap', durationMs: HOUR_MS }, T0);
    faults.inject({ kind: 'gap', durationMs: HOUR_MS }, T0 + 30 * MIN);
    expect(faults.gap()).toEqual({ startedAt: T0, endsAt: T0 + 90 * MIN });
    faults.resolveGap();
    expect(faults.gap()).toBeUndefined();
  });
});

describe('malformed encodings', () => {
  const reading = { ts: '2026-01-12T09:00:00+07:00', values: { pm25: 41.2, pm10: 60 } };
  it('breaks exactly one rule per mode', () => {
    expect(() => JSON.parse(encodeMalformed(reading, T0, { kind: 'malformed', mode: 'invalid-json' }))).toThrow(SyntaxError);
    expect(JSON.parse(encodeMalformed(reading, T0, { kind: 'malformed', mode: 'string-value' }))).toEqual({ ...reading, values: { pm25: '41.2', pm10: 60 } });
    expect(JSON.parse(encodeMalformed(reading, T0, { kind: 'malformed', mode: 'unknown-metric' })).values).toHaveProperty(UNKNOWN_METRIC_KEY);
    expect(JSON.parse(encodeMalformed(reading, T0, { kind: 'malformed', mode: 'no-offset' })).ts).toBe('2026-01-12T09:00:00');
    const big = encodeMalformed(reading, T0, { kind: 'malformed', mode: 'oversized', bytes: 10_000 });
    expect(Buffer.byteLength(big)).toBe(10_000);
    expect(JSON.parse(big)).toMatchObject(reading);
  });
});
