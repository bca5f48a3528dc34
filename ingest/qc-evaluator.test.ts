import { describe, expect, it } from 'vitest';
import { effectiveQcConfig, QC_DEFAULTS, type QcConfigPatch } from '../domain/validation/config.js';
import type { QcWindowSpan } from '../domain/validation/checks.js';
import { compileStationChecks, createQcEvaluator, type QcRow } from './qc-evaluator.js';

const RANGES = {
  pm25: { min: 0, max: 1000 },
  pm10: { min: 0, max: 2000 },
  flow_in: { min: 0, max: 20000 },
  flow_out: { min: 0, max: 20000 },
  do: { min: 0, max: 20 },
  temp: { min: 0, max: 45 },
  water_level: { min: -10, max: 100 },
};
const MIN = 60_000;
const T0 = Date.parse('2026-03-01T00:00:00Z');

function evaluator(patch?: QcConfigPatch, windows: QcWindowSpan[] = []) {
  const config = effectiveQcConfig(QC_DEFAULTS, patch);
  return createQcEvaluator(() => compileStationChecks(config, RANGES, windows));
}
const row = (metric: string, i: number, value: number | null, quality = 0): QcRow => ({ metric, ts: T0 + i * MIN, value, quality });

describe('the ingest-time evaluator', () => {
  it('flags a spike, and not the readings around it', () => {
    const ev = evaluator();
    const qc: number[] = [];
    for (let i = 0; i < 40; i++) {
      const r = row('pm25', i, i === 30 ? 400 : 40 + (i % 3));
      const out = ev.evaluate('S', [r]);
      qc.push(r.qc!);
      if (i === 30) expect(out?.flags).toEqual([{ stationId: 'S', metric: 'pm25', ts: r.ts, check: 'spike', version: 1, detail: { value: 400, median: 41, mad: 1, limit: 50 } }]);
      else expect(out).toBeUndefined();
    }
    expect(qc.map((b, i) => (b ? i : -1)).filter((i) => i >= 0)).toEqual([30]);
  });

  it('skips the stateful checks for a row not newer than the series, and leaves the state as it is', () => {
    const ev = evaluator();
    for (let i = 0; i < 20; i++) ev.evaluate('S', [row('pm25', i, 40)]);
    const late = row('pm25', 5, 900);
    expect(ev.evaluate('S', [late])).toBeUndefined();
    expect(late.qc).toBe(0);
    const next = row('pm25', 20, 900);
    ev.evaluate('S', [next]);
    expect(next.qc).toBe(1);
  });

  it('ignores rows with a station flag or no value for the stateful checks (a calibration does not teach the median)', () => {
    const ev = evaluator();
    for (let i = 0; i < 20; i++) ev.evaluate('S', [row('pm25', i, 40)]);
    for (let i = 20; i < 50; i++) ev.evaluate('S', [row('pm25', i, 800, 1)]);
    ev.evaluate('S', [row('pm25', 50, null, 2)]);
    const after = row('pm25', 51, 41);
    ev.evaluate('S', [after]);
    expect(after.qc).toBe(0);
  });

  it('flags a flat line once it is `count` long, its earlier readings as a range', () => {
    const ev = evaluator({ flatline: { count: 5 } });
    const outs = [];
    for (let i = 0; i < 8; i++) {
      const r = row('pm25', i, i >= 2 && i < 7 + 0 ? 33.3 : 30 + i);
      outs.push({ r, out: ev.evaluate('S', [r]) });
    }
    expect(outs.map((o) => o.r.qc)).toEqual([0, 0, 0, 0, 0, 0, 2, 0]);
    expect(outs[6]!.out?.ranges).toEqual([
      {
        stationId: 'S',
        metrics: ['pm25'],
        from: T0 + 2 * MIN,
        to: T0 + 6 * MIN,
        value: 33.3,
        check: 'flatline',
        version: 1,
        detail: { value: 33.3, since: new Date(T0 + 2 * MIN).toISOString(), count: 5 },
      },
    ]);
  });

  it('flags the rate of change of a metric with a limit only', () => {
    const ev = evaluator();
    const a = [row('water_level', 0, 1.0), row('pm25', 0, 10)];
    ev.evaluate('S', a);
    const b = [row('water_level', 1, 1.5), row('pm25', 1, 30)];
    const out = ev.evaluate('S', b);
    expect(b.map((r) => r.qc)).toEqual([4, 0]);
    expect(out?.flags[0]).toMatchObject({ metric: 'water_level', check: 'rate', detail: { change: 0.5, perMinute: 0.5, limit: 0.2 } });
  });

  it('cross: PM2.5 above PM10 flags PM2.5, in the same payload or when PM10 comes later', () => {
    const ev = evaluator();
    const same = [row('pm25', 0, 80), row('pm10', 0, 60)];
    const out = ev.evaluate('S', same);
    expect(same.map((r) => r.qc)).toEqual([16, 0]);
    expect(out?.flags).toEqual([{ stationId: 'S', metric: 'pm25', ts: T0, check: 'cross', version: 1, detail: { value: 80, notAbove: 'pm10', reference: 60, limit: 71 } }]);
    const first = [row('pm25', 1, 80)];
    expect(ev.evaluate('S', first)).toBeUndefined();
    const later = [row('pm10', 1, 60)];
    expect(ev.evaluate('S', later)?.flags).toMatchObject([{ metric: 'pm25', ts: T0 + MIN, check: 'cross' }]);
    expect(later[0]!.qc).toBe(0);
    const fine = [row('pm25', 2, 40), row('pm10', 2, 60)];
    expect(ev.evaluate('S', fine)).toBeUndefined();
  });

  it('cross: outlet flow is compared with the largest inlet flow of the last 3 hours', () => {
    const ev = evaluator();
    for (let i = 0; i < 60; i++) ev.evaluate('S', [row('flow_in', i * 5, i < 30 ? 120 : 1), row('flow_out', i * 5, i < 48 ? 115 : 1)]);
    expect(ev.evaluate('S', [row('flow_in', 60 * 5, 1), row('flow_out', 60 * 5, 115)])).toBeUndefined(); // 120 m³/h at 145 min is within 3 h
    const late = [row('flow_in', 80 * 5, 1), row('flow_out', 80 * 5, 115)];
    expect(ev.evaluate('S', late)?.flags).toMatchObject([{ metric: 'flow_out', check: 'cross', detail: { notAbove: 'flow_in', reference: 1, lagMinutes: 180 } }]);
  });

  it('cross: dissolved oxygen above twice the saturation at the reading temperature', () => {
    const ev = evaluator();
    const r = [row('temp', 0, 25), row('do', 0, 17)];
    expect(ev.evaluate('S', r)?.flags).toMatchObject([{ metric: 'do', check: 'cross', detail: { temperature: 25 } }]);
    expect(r.map((x) => x.qc)).toEqual([0, 16]);
  });

  it('window: the bit on the rows of its metrics inside it, whatever their quality', () => {
    const ev = evaluator(undefined, [{ id: 7, stationId: 'S', metrics: ['pm25'], from: T0 + MIN, to: T0 + 3 * MIN, kind: 'maintenance' }]);
    const rows = [0, 1, 2, 3].flatMap((i) => [row('pm25', i, 40, i === 2 ? 4 : 0), row('pm10', i, 60)]);
    const out = ev.evaluate('S', rows);
    expect(rows.map((r) => r.qc)).toEqual([0, 0, 8, 0, 8, 0, 0, 0]);
    expect(out?.flags.map((f) => [f.metric, f.ts - T0, f.detail])).toEqual([
      ['pm25', MIN, { windowId: 7, kind: 'maintenance' }],
      ['pm25', 2 * MIN, { windowId: 7, kind: 'maintenance' }],
    ]);
  });

  it('keeps bounded state: one series per station and metric', () => {
    const ev = evaluator();
    for (let i = 0; i < 1000; i++) ev.evaluate('S', [row('pm25', i, 40 + (i % 7)), row('pm10', i, 70 + (i % 5))]);
    expect(ev.series).toBe(2);
  });
});
