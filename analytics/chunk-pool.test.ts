/**
 * The buffers of large answers are used again (analytics/chunk-pool.ts): an answer written with a
 * pool takes its chunks from it, gives the same buffers back once released (once only), and the
 * pool keeps no more than it was told to.
 */
import { describe, expect, it } from 'vitest';
import { ChunkPool } from './chunk-pool.js';
import { JsonBytes } from './json-bytes.js';

/** Writes `bytes` bytes of digits into a JsonBytes, 100 at a time. */
function write(out: JsonBytes, bytes: number): void {
  for (let n = 0; n < bytes; n += 100) {
    out.reserve(100);
    out.ascii('7'.repeat(100));
  }
}

describe('answers written with a chunk pool', () => {
  it('take their chunks from the pool, give back the same buffers once released, and nothing more the second time', () => {
    const pool = new ChunkPool(1000, 10);
    const first = new JsonBytes(pool);
    write(first, 3500);
    const chunks = first.chunks();
    expect(Buffer.concat(chunks).toString()).toBe('7'.repeat(3500));
    const buffers = new Set(chunks.map((c) => c.buffer));
    expect(buffers.size).toBe(4);
    expect(pool.size).toBe(0);
    first.release();
    expect(pool.size).toBe(4);
    first.release();
    expect(pool.size).toBe(4);

    const second = new JsonBytes(pool);
    write(second, 2000);
    expect(second.chunks().every((c) => buffers.has(c.buffer))).toBe(true);
    expect(Buffer.concat(second.chunks()).toString()).toBe('7'.repeat(2000));
    expect(pool.size).toBe(2);
  });

  it('keeps at most maxFree buffers, only of its own size, each once', () => {
    const pool = new ChunkPool(64, 2);
    const a = pool.take();
    const b = pool.take();
    const c = pool.take();
    expect(new Set([a, b, c]).size).toBe(3);
    pool.give([a, a, Buffer.alloc(32)]);
    expect(pool.size).toBe(1);
    pool.give([b, c]);
    expect(pool.size).toBe(2);
    expect([pool.take(), pool.take()]).toEqual(expect.arrayContaining([a, b]));
    expect(pool.take()).not.toBe(c);
  });

  it('writes what does not fit in a chunk of the pool into a buffer of its own, never given to the pool', () => {
    const pool = new ChunkPool(100, 10);
    const out = new JsonBytes(pool);
    out.reserve(500);
    out.ascii('x'.repeat(500));
    expect(Buffer.concat(out.chunks()).toString()).toBe('x'.repeat(500));
    out.release();
    expect(pool.size).toBe(0);
  });
});
