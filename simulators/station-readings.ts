/**
 * @module simulators/station-readings
 * What one simulated station sends, interval by interval: the value model (and the Hanoi PM2.5
 * replay) sampled at the interval boundary, faults applied, the payload stamped in local time and
 * kept for `resend`; after an outage gap, the missed intervals as one backlog array.
 */
import type { StationStatusCode } from '../device-profiles/types.js';
import { encodeMalformed, encodeReadings, type FaultEngine, type WireReading } from './faults.js';
import type { HanoiReplay } from './hanoi-replay.js';
import type { ReadingHistory, StoredReading } from './history.js';
import type { SimulatorLogger } from './logger.js';
import type { ModelOverrides, ValueModel } from './models.js';
import { formatLocalIso, intervalBoundary, type Clock } from './time.js';

export interface ReadingCycleOptions {
  id: string;
  model: ValueModel;
  /** PM2.5 from the real Hanoi series instead of the model. */
  replaySource: HanoiReplay | undefined;
  /** In a gap of the replayed series: omit pm25 (default), or send `pm25: null` with status 02. */
  onGap: 'omit' | 'fault' | undefined;
  faults: FaultEngine;
  history: ReadingHistory;
  historySize: number;
  intervalMs: number;
  /** The station's time zone: payload times carry its offset, boundaries are aligned in its local time. */
  timeZone: string;
  clock: Clock;
  logger: SimulatorLogger;
  /** Publishes a payload on the readings topic; resolves on PUBACK. */
  publish(body: string, readingCount: number): Promise<void>;
}

export interface ReadingCycle {
  /**
   * One datalogger cycle at the current clock. `timer` cycles skip a boundary already sent;
   * `manual` ones (publishNow) always send. Returns the ack promises of what it published.
   */
  cycle(mode: 'timer' | 'manual'): Array<Promise<void>>;
}

export function createReadingCycle(options: ReadingCycleOptions): ReadingCycle {
  const { model, replaySource, onGap, faults, history, historySize, intervalMs, timeZone, clock, logger, publish } = options;
  const log = { stationId: options.id };
  let lastBoundary: number | undefined;

  /** Produces the reading of boundary `t`: model (+ replay) values, then faults; stored for resend. */
  function measure(t: number): WireReading | undefined {
    const overrides: Record<string, number> = {};
    const status: Record<string, StationStatusCode> = {};
    let replayGap = false;
    if (replaySource) {
      const s = replaySource.sample(t);
      if (s.kind === 'value') overrides.pm25 = s.value;
      else replayGap = true;
    }
    const raw: Record<string, number | null> = model.sample(t, overrides as ModelOverrides);
    if (replayGap && 'pm25' in raw) {
      if (onGap === 'fault') {
        raw.pm25 = null;
        status.pm25 = '02';
      } else delete raw.pm25;
    }
    const reading = faults.apply(t, raw, status);
    if (Object.keys(reading.values).length === 0) {
      // Ingest needs at least one metric per reading: report flagged metrics as null values, and
      // when nothing was measured at all, send nothing (as a datalogger with no data would).
      for (const metric of Object.keys(reading.status)) reading.values[metric] = null;
      if (Object.keys(reading.values).length === 0) return undefined;
    }
    const payload: WireReading = { ts: formatLocalIso(t, timeZone), values: reading.values };
    if (Object.keys(reading.status).length > 0) payload.status = reading.status;
    history.push({ t, payload });
    return payload;
  }

  function cycle(mode: 'timer' | 'manual'): Array<Promise<void>> {
    const now = clock();
    const boundary = intervalBoundary(now, intervalMs, timeZone);
    const gap = faults.gap();
    if (gap && now < gap.endsAt) return []; // outage: the logger keeps measuring, nothing leaves
    if (mode === 'timer' && lastBoundary !== undefined && boundary <= lastBoundary) return [];
    const acks: Array<Promise<void>> = [];
    if (gap) {
      // The gap is over: send every boundary missed since the last reading (or since the gap began)
      // as one backlog array, oldest first, as a datalogger flushes its queue.
      const first = lastBoundary !== undefined ? lastBoundary + intervalMs : intervalBoundary(gap.startedAt - 1, intervalMs, timeZone) + intervalMs;
      let missed: StoredReading[] = [];
      for (let t = first; t < boundary; t += intervalMs) {
        const payload = measure(t);
        if (payload) missed.push({ t, payload });
      }
      if (missed.length > historySize) {
        logger.warn({ ...log, missed: missed.length, kept: historySize }, 'backlog larger than the datalogger memory; oldest readings dropped');
        missed = missed.slice(-historySize);
      }
      faults.resolveGap();
      if (missed.length > 0) acks.push(publish(encodeReadings(missed.map((r) => r.payload)), missed.length));
    }
    const payload = measure(boundary);
    lastBoundary = lastBoundary === undefined ? boundary : Math.max(lastBoundary, boundary);
    if (!payload) return acks;
    const broken = faults.takeMalformed();
    acks.push(publish(broken ? encodeMalformed(payload, boundary, broken, timeZone) : encodeReadings(payload), 1));
    return acks;
  }

  return { cycle };
}
