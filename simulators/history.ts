/**
 * @module simulators/history
 * The datalogger's memory: a bounded ring buffer of the readings a station has produced, used to
 * answer `resend` commands. TT 10/2021 asks a real datalogger for ≥ 60 days; at a 60 s interval
 * that is 86,400 readings per station, too much for a fleet in one process, so the default keeps
 * the last 10,000.
 */
import type { WireReading } from './faults.js';

export const DEFAULT_HISTORY_SIZE = 10_000;

export interface StoredReading {
  t: number;
  payload: WireReading;
}

export interface ReadingHistory {
  readonly size: number;
  /** Appends a reading; a reading with the same `t` as the newest one replaces it. */
  push(reading: StoredReading): void;
  /** Readings with from ≤ t ≤ to, oldest first. */
  range(from: number, to: number): StoredReading[];
}

export function createReadingHistory(capacity = DEFAULT_HISTORY_SIZE): ReadingHistory {
  const buf: Array<StoredReading | undefined> = new Array<StoredReading | undefined>(capacity);
  let head = 0; // next write position
  let count = 0;
  const at = (i: number) => buf[(head - count + i + capacity) % capacity];
  return {
    get size() {
      return count;
    },
    push(reading) {
      const newest = count > 0 ? at(count - 1) : undefined;
      if (newest && newest.t === reading.t) {
        buf[(head - 1 + capacity) % capacity] = reading;
        return;
      }
      buf[head] = reading;
      head = (head + 1) % capacity;
      if (count < capacity) count++;
    },
    range(from, to) {
      const out: StoredReading[] = [];
      for (let i = 0; i < count; i++) {
        const r = at(i);
        if (r && r.t >= from && r.t <= to) out.push(r);
      }
      return out;
    },
  };
}
