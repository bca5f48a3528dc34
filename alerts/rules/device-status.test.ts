import { describe, expect, it } from 'vitest';
import { evaluateDeviceStatus, type TaggedSample } from './device-status.js';
import { MIN, extend, inputFor, makeRule, series } from './test-support/fixtures.js';
import type { DeviceStatusRule } from './types.js';

const T0 = Date.parse('2025-06-01T00:00:00+07:00');
const name = { en: 'Station device status', vi: 'Trạng thái thiết bị' };

describe('device_status', () => {
  it('with a metric: active while its newest sample is a fault, naming the metric', () => {
    const rule = makeRule<DeviceStatusRule>({ kind: 'device_status', metric: 'pm25', name });
    const faulty = extend(series(T0, MIN, [10]), MIN, [null], 'fault');
    const c = evaluateDeviceStatus(inputFor(rule, faulty));
    expect(c?.active).toBe(true);
    expect(c?.message).toEqual({ en: 'Station device status: device fault reported for pm25', vi: 'Trạng thái thiết bị: thiết bị báo lỗi ở pm25' });
    expect(evaluateDeviceStatus(inputFor(rule, extend(faulty, MIN, [11])))?.active).toBe(false);
    expect(evaluateDeviceStatus(inputFor(rule, []))).toBeUndefined();
  });

  it('without a metric, tagged samples: the newest sample of each metric', () => {
    const rule = makeRule<DeviceStatusRule>({ kind: 'device_status', name });
    const s: TaggedSample[] = [
      { ts: T0, value: null, quality: 'fault', metric: 'so2' },
      { ts: T0, value: 10, quality: 'valid', metric: 'pm25' },
      { ts: T0 + MIN, value: null, quality: 'fault', metric: 'pm25' },
      { ts: T0 + MIN, value: 20, quality: 'valid', metric: 'pm10' },
      { ts: T0 + 2 * MIN, value: 30, quality: 'valid', metric: 'o3' },
    ];
    const c = evaluateDeviceStatus(inputFor(rule, s));
    expect(c?.active).toBe(true);
    expect(c?.message.en).toBe('Station device status: device fault reported for pm25, so2');
    expect(c?.evidence).toHaveLength(2);
    const recovered = [...s, { ts: T0 + 3 * MIN, value: 11, quality: 'valid', metric: 'pm25' }, { ts: T0 + 3 * MIN, value: 2, quality: 'valid', metric: 'so2' }] as TaggedSample[];
    expect(evaluateDeviceStatus(inputFor(rule, recovered))?.active).toBe(false);
  });

  it('without a metric, untagged samples: the samples of the newest reading', () => {
    const rule = makeRule<DeviceStatusRule>({ kind: 'device_status', name });
    const s = [
      { ts: T0, value: null, quality: 'fault' as const },
      { ts: T0 + MIN, value: 1, quality: 'valid' as const },
      { ts: T0 + MIN, value: null, quality: 'fault' as const },
      { ts: T0 + MIN, value: 3, quality: 'calibrating' as const },
    ];
    const c = evaluateDeviceStatus(inputFor(rule, s));
    expect(c?.active).toBe(true);
    expect(c?.message.en).toBe('Station device status: device fault reported for 1 of 3 parameters of the newest reading');
    expect(c?.message.vi).toBe('Trạng thái thiết bị: thiết bị báo lỗi ở 1/3 thông số của lần đo mới nhất');
  });
});
