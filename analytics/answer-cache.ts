/**
 * @module analytics/answer-cache
 * Aggregated answers kept for a request asked again (an analyst paging back, a dashboard refreshed
 * every minute over the same past days): each is kept with the stamps of the rows it was computed
 * from (store/cagg-stamp.ts), and served again only while a fresh read of those stamps gives the
 * same, so an answer served from here is the answer the database would give now.
 *
 * Bounded by bytes (ANALYTICS_CACHE_BYTES; 0 keeps nothing), least recently used out first. An
 * answer is kept from the second time it is asked: reading the stamps costs a cold answer about a
 * tenth more, which an answer asked once (most of an analyst's) should not pay, nor push a kept
 * answer out. Keys are remembered by their SHA-256 (a key names every station of the answer).
 */
import { createHash } from 'node:crypto';

/** Keys asked once, remembered (by digest) until this many are; then forgotten all at once. */
const ASKED_ONCE = 4096;

export interface CachedAnswer<T> {
  /** the stamps of the rows the answer was computed from, read before it was computed */
  stamps: string;
  value: T;
  bytes: number;
}

export interface AnswerCache<T> {
  /**
   * Whether an answer of `key` is worth its stamps: true when it is kept or was asked before
   * (remembering that it was asked now).
   */
  admit(key: string): boolean;
  /** The answer kept under `key` when its stamps are `stamps` (marked as used); undefined otherwise. */
  get(key: string, stamps: string): T | undefined;
  /** Keeps `value` (about `bytes` of memory) under `key`, and says whether it did: an answer larger than a quarter of the bound is not kept. */
  set(key: string, stamps: string, value: T, bytes: number): boolean;
  readonly stats: { hits: number; misses: number; entries: number; bytes: number };
}

/** Told of every lookup and of the memory held (metrics). */
export interface AnswerCacheObserver {
  lookup(hit: boolean): void;
  bytes(held: number): void;
}

export function createAnswerCache<T>(maxBytes: number, observer?: AnswerCacheObserver): AnswerCache<T> {
  const entries = new Map<string, CachedAnswer<T>>();
  const asked = new Set<string>();
  const stats = { hits: 0, misses: 0, entries: 0, bytes: 0 };
  const digest = (key: string) => createHash('sha256').update(key).digest('base64');

  /** `key` as stored (its digest). */
  function drop(key: string): void {
    const e = entries.get(key);
    if (!e) return;
    entries.delete(key);
    stats.bytes -= e.bytes;
    stats.entries = entries.size;
  }

  return {
    stats,
    admit(key) {
      const k = digest(key);
      if (entries.has(k) || asked.has(k)) return true;
      if (asked.size >= ASKED_ONCE) asked.clear();
      asked.add(k);
      return false;
    },
    get(key, stamps) {
      key = digest(key);
      const e = entries.get(key);
      if (!e || e.stamps !== stamps) {
        // rows changed since: the answer kept is of no more use
        if (e) drop(key);
        stats.misses++;
        observer?.lookup(false);
        observer?.bytes(stats.bytes);
        return undefined;
      }
      // most recently used last
      entries.delete(key);
      entries.set(key, e);
      stats.hits++;
      observer?.lookup(true);
      return e.value;
    },
    set(key, stamps, value, bytes) {
      key = digest(key);
      drop(key);
      if (bytes > maxBytes / 4) return false;
      entries.set(key, { stamps, value, bytes });
      stats.bytes += bytes;
      for (const [k] of entries) {
        if (stats.bytes <= maxBytes) break;
        drop(k);
      }
      stats.entries = entries.size;
      observer?.bytes(stats.bytes);
      return true;
    },
  };
}
