/**
 * @module security/audit-log
 * Records who did what, when and from where (store/audit.ts, table audit_log). `record()` never
 * blocks the request or the broker: entries are buffered and written in one INSERT every
 * `flushMs` (or at `maxBuffer` entries); a failed write is logged with the entries' actions and
 * retried at the next flush, up to `maxBuffer * 10` entries held, beyond which the oldest are
 * dropped and counted (a flood of failed logins must not exhaust memory while the database is down).
 * `onRecord` sees every entry as it is recorded (security/index.ts counts them for alerting).
 */
import type { Logger } from '../lib/logger.js';
import type { Db } from '../store/index.js';
import { insertAuditEntries, type AuditEntry } from '../store/audit.js';

export type { AuditEntry };

/** What `record()` takes: an entry whose time, details, target, role and source default. */
export type NewAuditEntry = Omit<AuditEntry, 'at' | 'details' | 'target' | 'role' | 'sourceIp'> & Partial<Pick<AuditEntry, 'at' | 'details' | 'target' | 'role' | 'sourceIp'>>;

export interface AuditLogOptions {
  db: Db;
  logger: Logger;
  flushMs?: number;
  maxBuffer?: number;
  now?: () => number;
  /** Called with every entry passed to `record()` (also after close), e.g. to count it; must not throw. */
  onRecord?: (entry: NewAuditEntry) => void;
}

export interface AuditLog {
  record(entry: NewAuditEntry): void;
  /** Writes what is buffered now (tests, shutdown). */
  flush(): Promise<void>;
  /** Entries dropped because the database refused them for too long. */
  readonly dropped: number;
  close(): Promise<void>;
}

export function createAuditLog({ db, logger, flushMs = 200, maxBuffer = 500, now = Date.now, onRecord }: AuditLogOptions): AuditLog {
  const log = logger.child({ component: 'audit' });
  let buffer: AuditEntry[] = [];
  let writing: Promise<void> | undefined;
  let dropped = 0;
  let closed = false;

  async function writeOnce(): Promise<void> {
    if (buffer.length === 0) return;
    const batch = buffer;
    buffer = [];
    try {
      await insertAuditEntries(db, batch);
    } catch (err) {
      log.error({ err, entries: batch.length, actions: [...new Set(batch.map((e) => e.action))] }, 'audit entries not written; retrying');
      buffer = batch.concat(buffer);
      const max = maxBuffer * 10;
      if (buffer.length > max) {
        dropped += buffer.length - max;
        buffer = buffer.slice(buffer.length - max);
      }
    }
  }

  function flush(): Promise<void> {
    // one write at a time; a flush during a write waits for it and then writes the rest
    const run = (writing ?? Promise.resolve()).then(writeOnce);
    writing = run.finally(() => {
      if (writing === tracked) writing = undefined;
    });
    const tracked = writing;
    return run;
  }

  const timer = setInterval(() => {
    if (buffer.length > 0) void flush();
  }, flushMs);
  timer.unref();

  return {
    record(entry) {
      onRecord?.(entry);
      if (closed) {
        log.warn({ action: entry.action, actor: entry.actor }, 'audit entry after close (not stored)');
        return;
      }
      buffer.push({ at: new Date(now()), details: {}, target: null, role: null, sourceIp: null, ...entry });
      if (buffer.length >= maxBuffer) void flush();
    },
    flush,
    get dropped() {
      return dropped;
    },
    async close() {
      clearInterval(timer);
      await flush();
      closed = true;
    },
  };
}
