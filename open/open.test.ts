/**
 * The open-data policy and response cache as pure units (the HTTP side is in test/open-data.test.ts).
 */
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../config/index.js';
import { createResponseCache, etagMatches } from './cache.js';
import { indexOfProfile, isPublic, publicationCutoff, publicMetrics } from './policy.js';

const HOUR = 3_600_000;

describe('publication policy', () => {
  const pub = (p: Partial<{ public: boolean | null; publicMetrics: string[] | null; validatedThrough: Date | null }>) => ({
    stationId: 'X',
    public: null,
    publicMetrics: null,
    validatedThrough: null,
    ...p,
  });

  it('makes every profile public by default except industrial wastewater; a decision overrides', () => {
    for (const profileId of ['air-quality', 'surface-water', 'hydromet', 'salinity']) expect(isPublic({ profileId }, undefined)).toBe(true);
    expect(isPublic({ profileId: 'wastewater' }, undefined)).toBe(false);
    expect(isPublic({ profileId: 'wastewater' }, pub({ public: true }))).toBe(true);
    expect(isPublic({ profileId: 'air-quality' }, pub({ public: false }))).toBe(false);
    expect(isPublic({ profileId: 'wastewater' }, pub({ public: null }))).toBe(false);
  });

  it('keeps the profile order of public metrics and ignores unknown ones', () => {
    const profile = { profile: { metrics: { pm25: {}, pm10: {}, no2: {} } } } as never;
    expect(publicMetrics(profile, undefined)).toEqual(['pm25', 'pm10', 'no2']);
    expect(publicMetrics(profile, pub({ publicMetrics: ['no2', 'pm25', 'nope'] }))).toEqual(['pm25', 'no2']);
  });

  it('cuts at now − embargo, and with validated-only no later than the validated time (nothing when never validated)', () => {
    const now = Date.parse('2026-11-22T12:00:00Z');
    const base = resolveConfig({}).open;
    expect(publicationCutoff(base, undefined, now).getTime()).toBe(now);
    const embargo = resolveConfig({ open: { embargoHours: 6 } }).open;
    expect(publicationCutoff(embargo, undefined, now).getTime()).toBe(now - 6 * HOUR);
    const validated = resolveConfig({ open: { embargoHours: 6, validatedOnly: true } }).open;
    expect(publicationCutoff(validated, undefined, now).getTime()).toBe(0);
    expect(publicationCutoff(validated, pub({ validatedThrough: new Date(now - 24 * HOUR) }), now).getTime()).toBe(now - 24 * HOUR);
    expect(publicationCutoff(validated, pub({ validatedThrough: new Date(now) }), now).getTime()).toBe(now - 6 * HOUR);
  });

  it('colours air by VN_AQI, surface water by VN_WQI, the rest by nothing', () => {
    expect(indexOfProfile('air-quality')).toBe('vn_aqi');
    expect(indexOfProfile('surface-water')).toBe('vn_wqi');
    expect(indexOfProfile('hydromet')).toBeNull();
  });
});

describe('response cache', () => {
  it('computes once per key and period, shares a running computation, and expires', async () => {
    let clock = 0;
    const cache = createResponseCache({ ttlMs: 1000, now: () => clock });
    let computed = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const compute = async () => {
      computed++;
      await gate;
      return { body: `{"n":${computed}}`, contentType: 'application/json' };
    };
    const crowd = Array.from({ length: 20 }, () => cache.get('k', compute));
    release();
    const answers = await Promise.all(crowd);
    expect(computed).toBe(1);
    expect(new Set(answers.map((a) => a.etag)).size).toBe(1);
    expect(cache.stats()).toMatchObject({ misses: 1, coalesced: 19, hits: 0 });
    await cache.get('k', compute);
    expect(cache.stats().hits).toBe(1);
    clock = 1000;
    await cache.get('k', compute);
    expect(computed).toBe(2);
  });

  it('gives an unchanged body the same ETag after recomputation, and drops the least recently used', async () => {
    let clock = 0;
    const cache = createResponseCache({ ttlMs: 10, maxEntries: 2, now: () => clock });
    const a1 = await cache.get('a', async () => ({ body: 'same', contentType: 'text/plain' }));
    clock = 20;
    const a2 = await cache.get('a', async () => ({ body: 'same', contentType: 'text/plain' }));
    expect(a2.etag).toBe(a1.etag);
    await cache.get('b', async () => ({ body: 'b', contentType: 'text/plain' }));
    await cache.get('a', async () => ({ body: 'same', contentType: 'text/plain' })); // a is now the most recent
    await cache.get('c', async () => ({ body: 'c', contentType: 'text/plain' }));
    expect(cache.stats().entries).toBe(2);
    let recomputed = false;
    await cache.get('b', async () => ((recomputed = true), { body: 'b', contentType: 'text/plain' }));
    expect(recomputed).toBe(true);
  });

  it('does not keep an answer computed across a clear() (it may predate the change)', async () => {
    const cache = createResponseCache({ ttlMs: 60_000 });
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const pending = cache.get('k', async () => {
      await gate;
      return { body: 'old', contentType: 'text/plain' };
    });
    cache.clear();
    release();
    expect((await pending).body.toString()).toBe('old');
    expect((await cache.get('k', async () => ({ body: 'new', contentType: 'text/plain' }))).body.toString()).toBe('new');
  });

  it('serves the expired answer when recomputing fails (for an hour), but not in place of a 404', async () => {
    let clock = 0;
    const cache = createResponseCache({ ttlMs: 1000, now: () => clock });
    await cache.get('k', async () => ({ body: 'old', contentType: 'text/plain' }));
    clock = 2000;
    const down = async (): Promise<never> => {
      throw new Error('database unreachable');
    };
    expect((await cache.get('k', down)).body.toString()).toBe('old');
    expect(cache.stats().stale).toBe(1);
    const gone = async (): Promise<never> => {
      throw Object.assign(new Error('no such station'), { statusCode: 404 });
    };
    await expect(cache.get('k', gone)).rejects.toThrow('no such station');
    clock = 1000 + 3_600_000;
    await expect(cache.get('k', down)).rejects.toThrow('database unreachable');
  });

  it('matches If-None-Match weakly, in lists and with *', () => {
    expect(etagMatches('W/"abc"', 'W/"abc"')).toBe(true);
    expect(etagMatches('"abc"', 'W/"abc"')).toBe(true);
    expect(etagMatches('"x", W/"abc"', 'W/"abc"')).toBe(true);
    expect(etagMatches('*', 'W/"abc"')).toBe(true);
    expect(etagMatches('W/"abd"', 'W/"abc"')).toBe(false);
    expect(etagMatches(undefined, 'W/"abc"')).toBe(false);
  });
});
