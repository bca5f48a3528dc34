/**
 * @module open/cache
 * A small in-process cache of public responses, so that a crowd of citizens during a pollution
 * episode is answered from memory, not from the database: every entry keeps its body, a weak
 * ETag (hash of the body, so an unchanged answer recomputed later keeps its ETag and browsers
 * still get 304) and, once asked for, its gzip form. Identical requests that arrive while the
 * answer is being computed wait for that one computation (single flight). Entries live
 * `ttlMs`; the least recently used go first beyond `maxEntries` or `maxBytes` (of bodies; their
 * gzip forms add at most as much again). When recomputing an expired answer fails (the database
 * is overloaded or down), the expired answer is served instead of an error (stale-if-error): a
 * citizen sees data up to an hour old rather than nothing during an outage.
 */
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';

export interface CachedResponse {
  body: Buffer;
  contentType: string;
  /** weak ETag, quoted: W/"…" */
  etag: string;
  /** epoch ms after which the entry is recomputed */
  expiresAt: number;
  /** gzip of body, made on first use (only for bodies worth compressing) */
  gzip?: Buffer;
}

export interface ResponseCacheStats {
  hits: number;
  misses: number;
  /** requests that waited for a computation already running */
  coalesced: number;
  /** expired answers served because recomputing them failed */
  stale: number;
  entries: number;
  bytes: number;
}

export interface ResponseCache {
  /** The cached answer for key, or computes it (once, however many ask at the same time). */
  get(key: string, compute: () => Promise<{ body: Buffer | string; contentType: string }>): Promise<CachedResponse>;
  /** Forgets everything (publication settings changed). */
  clear(): void;
  stats(): ResponseCacheStats;
}

/** A weak ETag of a body: W/"<base64url of SHA-1, 27 chars>". */
export function etagOf(body: Buffer): string {
  return `W/"${createHash('sha1').update(body).digest('base64url')}"`;
}

/** True when an If-None-Match header names this ETag (or *); weak comparison, as RFC 9110 §13.1.2 requires. */
export function etagMatches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  const bare = (t: string) => t.trim().replace(/^W\//, '');
  const want = bare(etag);
  return ifNoneMatch.split(',').some((t) => t.trim() === '*' || bare(t) === want);
}

/** The gzip form of an entry, made once; undefined when the body is too small to gain from it. */
export function gzipOf(entry: CachedResponse): Buffer | undefined {
  if (entry.body.length < 1024) return undefined;
  entry.gzip ??= gzipSync(entry.body, { level: 6 });
  return entry.gzip;
}

export function createResponseCache({
  ttlMs,
  maxEntries = 2000,
  maxBytes = 64 * 1024 * 1024,
  now = Date.now,
  staleIfErrorMs = 3_600_000,
  observe,
}: {
  ttlMs: number;
  maxEntries?: number;
  maxBytes?: number;
  now?: () => number;
  /** how long after expiry an answer may still be served when recomputing it fails, ms */
  staleIfErrorMs?: number;
  /** told of every lookup's outcome (metrics) */
  observe?: (outcome: 'hit' | 'miss' | 'coalesced' | 'stale') => void;
}): ResponseCache {
  // A Map keeps insertion order: re-inserting on every hit makes the first key the least recently used.
  const entries = new Map<string, CachedResponse>();
  const inflight = new Map<string, Promise<CachedResponse>>();
  let bytes = 0;
  let generation = 0;
  const stats = { hits: 0, misses: 0, coalesced: 0, stale: 0 };

  const drop = (key: string) => {
    const e = entries.get(key);
    if (!e) return;
    bytes -= e.body.length;
    entries.delete(key);
  };

  return {
    async get(key, compute) {
      const cached = entries.get(key);
      if (cached && cached.expiresAt > now()) {
        stats.hits++;
        observe?.('hit');
        entries.delete(key);
        entries.set(key, cached);
        return cached;
      }
      const running = inflight.get(key);
      if (running) {
        stats.coalesced++;
        observe?.('coalesced');
        return running;
      }
      stats.misses++;
      observe?.('miss');
      const startedIn = generation;
      const promise = (async () => {
        let computed: { body: Buffer | string; contentType: string };
        try {
          computed = await compute();
        } catch (err) {
          // only a failure to compute (not an answer such as 404, which is thrown as a QuantracError below 500) falls back
          const status = (err as { statusCode?: number }).statusCode;
          if (cached && (status === undefined || status >= 500) && now() - cached.expiresAt < staleIfErrorMs) {
            stats.stale++;
            observe?.('stale');
            return cached;
          }
          throw err;
        }
        const { body, contentType } = computed;
        const buf = typeof body === 'string' ? Buffer.from(body) : body;
        const entry: CachedResponse = { body: buf, contentType, etag: etagOf(buf), expiresAt: now() + ttlMs };
        // an answer computed before clear() may predate the change that cleared the cache
        if (ttlMs > 0 && startedIn === generation && buf.length <= maxBytes / 8) {
          drop(key);
          entries.set(key, entry);
          bytes += buf.length;
          for (const oldest of entries.keys()) {
            if (entries.size <= maxEntries && bytes <= maxBytes) break;
            drop(oldest);
          }
        }
        return entry;
      })();
      inflight.set(key, promise);
      try {
        return await promise;
      } finally {
        inflight.delete(key);
      }
    },
    clear() {
      generation++;
      entries.clear();
      bytes = 0;
    },
    stats: () => ({ ...stats, entries: entries.size, bytes }),
  };
}
