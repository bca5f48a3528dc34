import { describe, expect, it } from 'vitest';
import { evaluateNoData } from './no-data.js';
import { MIN, inputFor, makeRule, series } from './test-support/fixtures.js';
import type { NoDataRule } from './types.js';

const NOW = Date.parse('2025-06-01T12:00:00+07:00');
const rule = makeRule<NoDataRule>({ kind: 'no_data', factor: 5, remindEveryMinutes: 60, name: { en: 'Station silent', vi: 'Trạm mất dữ liệu' } });

describe('no_data', () => {
  it('with no samples at all, measures from watchingSince', () => {
    const c = evaluateNoData(inputFor(rule, [], { now: NOW, lastReceivedAt: undefined, watchingSince: NOW - 6 * MIN }));
    expect(c).toMatchObject({ active: true, value: 6, evidence: [] });
    expect(c?.message.en).toBe('Station silent: no data since monitoring started 6 min ago (expected every 1 min)');
    expect(c?.message.vi).toBe('Trạm mất dữ liệu: chưa nhận được dữ liệu từ khi bắt đầu giám sát 6 phút trước (dự kiến mỗi 1 phút)');
    expect(evaluateNoData(inputFor(rule, [], { now: NOW, lastReceivedAt: undefined, watchingSince: NOW - 4 * MIN }))?.active).toBe(false);
  });

  it('uses lastReceivedAt when known: active from factor × interval', () => {
    const at = (silentMs: number): boolean | undefined => evaluateNoData(inputFor(rule, [], { now: NOW, lastReceivedAt: NOW - silentMs, watchingSince: NOW - 600 * MIN }))?.active;
    expect(at(4 * MIN + 59_000)).toBe(false);
    expect(at(5 * MIN)).toBe(true);
    expect(at(180 * MIN)).toBe(true);
  });

  it('follows the metric interval passed in (5 min profiles)', () => {
    const input = inputFor(rule, series(NOW - 20 * MIN, MIN, [1]), { now: NOW, lastReceivedAt: NOW - 20 * MIN, expectedIntervalMs: 5 * MIN });
    expect(evaluateNoData(input)?.active).toBe(false);
    const c = evaluateNoData({ ...input, lastReceivedAt: NOW - 150 * MIN });
    expect(c?.message.en).toBe('Station silent: no data for 2.5 h (expected every 5 min)');
    expect(c?.message.vi).toBe('Trạm mất dữ liệu: không nhận được dữ liệu trong 2,5 giờ (dự kiến mỗi 5 phút)');
  });
});
