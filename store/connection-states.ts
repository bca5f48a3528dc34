/**
 * @module store/connection-states
 * Write-behind of stations' connection state (online/offline). Every MQTT connect and disconnect
 * changes it; written one UPDATE each, a fleet of 10,000 stations reconnecting after a network
 * blip costs 10,000 commits (each an fsync in the embedded database) in front of the readings.
 * Here the newest state per station is kept and written every `flushMs` in one statement.
 * The in-memory directory is updated at once (the dashboard reads it); the row follows.
 */
import type { Db } from './index.js';
import type { Logger } from '../lib/logger.js';

export interface ConnectionStateWriter {
  record(stationId: string, state: 'online' | 'offline', at: Date): void;
  /** Writes what is pending now. */
  flush(): Promise<void>;
  close(): Promise<void>;
}

export function createConnectionStateWriter(db: Db, logger: Logger, flushMs = 500): ConnectionStateWriter {
  let pending = new Map<string, { state: 'online' | 'offline'; at: Date }>();
  let writing: Promise<void> = Promise.resolve();

  function flush(): Promise<void> {
    writing = writing.then(async () => {
      if (pending.size === 0) return;
      const batch = pending;
      pending = new Map();
      const ids = [...batch.keys()];
      try {
        await db.query(
          `UPDATE stations s SET connection_state = u.state, connection_changed_at = u.at
             FROM unnest($1::text[], $2::text[], $3::timestamptz[]) AS u(id, state, at)
            WHERE s.id = u.id AND (s.connection_changed_at IS NULL OR s.connection_changed_at <= u.at)`,
          [ids, ids.map((id) => batch.get(id)!.state), ids.map((id) => batch.get(id)!.at)],
        );
      } catch (err) {
        logger.error({ err, stations: ids.length }, 'writing connection states failed; retried at the next flush');
        // keep the newest of what failed and what arrived meanwhile
        for (const [id, v] of batch) if (!pending.has(id)) pending.set(id, v);
      }
    });
    return writing;
  }

  const timer = setInterval(() => void flush(), flushMs);
  timer.unref();
  return {
    record(stationId, state, at) {
      pending.set(stationId, { state, at });
    },
    flush,
    async close() {
      clearInterval(timer);
      await flush();
    },
  };
}
