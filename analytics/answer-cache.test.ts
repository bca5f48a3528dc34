import { describe, expect, it } from 'vitest';
import { createAnswerCache } from './answer-cache.js';

describe('answer cache', () => {
  it('admits an answer from its second ask, and serves it only under the stamps it was kept with', () => {
    const cache = createAnswerCache<string>(1000);
    expect(cache.admit('a')).toBe(false);
    expect(cache.admit('a')).toBe(true);
    expect(cache.admit('b')).toBe(false);
    cache.set('a', 's1', 'answer of a', 100);
    expect(cache.get('a', 's1')).toBe('answer of a');
    // its rows changed: not served, and forgotten
    expect(cache.get('a', 's2')).toBeUndefined();
    expect(cache.get('a', 's1')).toBeUndefined();
    expect(cache.stats).toMatchObject({ hits: 1, misses: 2, entries: 0, bytes: 0 });
  });

  it('stays within its bytes, the least recently used out first, and keeps no answer over a quarter of them', () => {
    const held: number[] = [];
    const cache = createAnswerCache<string>(1000, { lookup: () => undefined, bytes: (n) => held.push(n) });
    cache.set('a', 's', 'A', 250);
    cache.set('b', 's', 'B', 250);
    cache.set('c', 's', 'C', 250);
    cache.set('d', 's', 'D', 250);
    expect(cache.get('a', 's')).toBe('A');
    expect(cache.set('e', 's', 'E', 250)).toBe(true);
    // b was the least recently used
    expect(cache.get('b', 's')).toBeUndefined();
    for (const k of ['a', 'c', 'd', 'e']) expect(cache.get(k, 's')).toBe(k.toUpperCase());
    expect(cache.stats.bytes).toBe(1000);
    // the caller is told (analytics/series.ts gives a kept answer's buffers to the cache for good)
    expect(cache.set('big', 's', 'BIG', 251)).toBe(false);
    expect(cache.get('big', 's')).toBeUndefined();
    expect(Math.max(...held)).toBeLessThanOrEqual(1000);
    // 0 bytes keeps nothing
    const none = createAnswerCache<string>(0);
    expect(none.set('a', 's', 'A', 1)).toBe(false);
    expect(none.get('a', 's')).toBeUndefined();
  });

  it('a key kept is admitted again after the keys asked once were forgotten', () => {
    const cache = createAnswerCache<string>(1000);
    cache.admit('kept');
    cache.set('kept', 's', 'K', 10);
    for (let i = 0; i < 5000; i++) cache.admit(`once-${i}`);
    expect(cache.admit('kept')).toBe(true);
    expect(cache.admit('once-1')).toBe(false);
  });
});
