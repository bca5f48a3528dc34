/**
 * Which look-back hours the scheduled checks judge again (validation/scheduled-late.ts), on the
 * app's own event bus: the hours of late committed readings, and everything when a station or the
 * configuration changed, or nothing is known yet.
 */
import { describe, expect, it } from 'vitest';
import { EventBus } from '../domain/events.js';
import { HOUR_MS } from '../lib/time.js';
import { watchLateHours } from './scheduled-late.js';

const NOW = Date.UTC(2026, 11, 3, 10, 20);
const HOUR = NOW - (NOW % HOUR_MS);

function setUp() {
  const bus = new EventBus(({ error }) => {
    throw error;
  });
  const late = watchLateHours(
    bus,
    () => NOW,
    (t) => t - (t % HOUR_MS) - 4 * HOUR_MS,
  );
  const commit = (...ts: number[]) => bus.emit('readingsAccepted', { readings: ts.map((t) => ({ stationId: 'S', metric: 'pm25', ts: t, value: 1, quality: 'valid' as const })) });
  return { bus, late, commit };
}

describe('late hours', () => {
  it('knows nothing at first, then notes the hours of late readings within the look-back only', () => {
    const { late, commit } = setUp();
    commit(HOUR - 30 * 60_000);
    expect(late.take()).toEqual({ all: true });
    expect(late.take()).toEqual({ all: false, hours: new Set() });
    // the current hour is not judged yet; the one before it and three more are; older ones are not
    commit(HOUR + 60_000, HOUR - 1, HOUR - 3 * HOUR_MS + 5, HOUR - 4 * HOUR_MS, HOUR - 4 * HOUR_MS - 1, HOUR - 1 - 60_000);
    expect(late.take()).toEqual({ all: false, hours: new Set([HOUR - HOUR_MS, HOUR - 3 * HOUR_MS, HOUR - 4 * HOUR_MS]) });
    expect(late.take()).toEqual({ all: false, hours: new Set() });
    late.close();
  });

  it('notes everything when a station or the configuration changes', () => {
    const { bus, late } = setUp();
    late.take();
    bus.emit('stationChanged', { stationId: 'S' });
    expect(late.take()).toEqual({ all: true });
    bus.emit('qcConfigChanged', {});
    expect(late.take()).toEqual({ all: true });
    // an outage alone changes nothing judged: its spooled readings are announced when replayed, as late ones
    bus.emit('storageStateChanged', { degraded: false, reason: null, since: null, spoolBytes: 0, spoolMaxBytes: 1, spoolRows: 0, at: NOW });
    expect(late.take()).toEqual({ all: false, hours: new Set() });
    // closed: deaf to the bus
    late.close();
    bus.emit('stationChanged', { stationId: 'S' });
    expect(late.take()).toEqual({ all: false, hours: new Set() });
  });

  it('takes back what a failed run took, and no more: the hours it took with those noted since, or everything if it took everything', () => {
    const { late, commit } = setUp();
    const first = late.take();
    late.giveBack(first);
    expect(late.take()).toEqual({ all: true });
    commit(HOUR - 1, HOUR - 2 * HOUR_MS);
    const taken = late.take();
    commit(HOUR - 3 * HOUR_MS);
    late.giveBack(taken);
    expect(late.take()).toEqual({ all: false, hours: new Set([HOUR - HOUR_MS, HOUR - 2 * HOUR_MS, HOUR - 3 * HOUR_MS]) });
    // given back after everything was noted: still everything
    commit(HOUR - 1);
    const again = late.take();
    late.giveBack({ all: true });
    late.giveBack(again);
    expect(late.take()).toEqual({ all: true });
    late.close();
  });
});
