/**
 * @module analytics/json-bytes
 * JSON written straight into bytes: the analyst API's large answers (24,000 buckets, 7 MB) built
 * as strings cost more in garbage collection and UTF-8 encoding than in writing. Numbers are
 * written exactly as JSON.stringify writes them (and the response schema's serializer, which
 * writes non-finite numbers as null).
 */
import type { ChunkPool } from './chunk-pool.js';

const ZERO = 48;
const MINUS = 45;
const NULL = Buffer.from('null');

/** JSON bytes in chunks of about CHUNK bytes (no copy as the answer grows, little unused room). */
export const CHUNK = 1 << 20;

export class JsonBytes {
  private readonly done: Buffer[] = [];
  private doneBytes = 0;
  private buf: Buffer = Buffer.allocUnsafe(0);
  private pos = 0;
  /** the whole buffers taken from `pool` (release gives them back) */
  private readonly taken: Buffer[] = [];

  /** With `pool`, its chunks are taken from it (analytics/chunk-pool.ts) and `release` gives them back. */
  constructor(private readonly pool?: ChunkPool) {}

  /** Room for `n` more bytes in the current chunk (every write below assumes its caller reserved it). */
  reserve(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    if (this.pos > 0) {
      this.done.push(this.buf.subarray(0, this.pos));
      this.doneBytes += this.pos;
    }
    if (this.pool && n <= this.pool.chunkBytes) {
      this.buf = this.pool.take();
      this.taken.push(this.buf);
    } else this.buf = Buffer.allocUnsafe(Math.max(CHUNK, n));
    this.pos = 0;
  }

  /**
   * Gives the chunks taken from the pool back to it, once nothing refers to what `chunks()`
   * returned any more (the answer sent to its last byte, and not kept). Once only.
   */
  release(): void {
    this.pool?.give(this.taken.splice(0));
  }

  /** Bytes already encoded (ASCII fragments, UTF-8 text). */
  bytes(b: Uint8Array): void {
    const buf = this.buf;
    let p = this.pos;
    if (b.length > 48) {
      buf.set(b, p);
      p += b.length;
    } else {
      for (let i = 0; i < b.length; i++) buf[p++] = b[i]!;
    }
    this.pos = p;
  }

  /** ASCII text (a number's digits). */
  ascii(s: string): void {
    const buf = this.buf;
    let p = this.pos;
    for (let i = 0; i < s.length; i++) buf[p++] = s.charCodeAt(i);
    this.pos = p;
  }

  /** A safe integer's digits (-0 as 0, like JSON.stringify). */
  int(n: number): void {
    const buf = this.buf;
    // most counts have one or two digits
    if (n >= 0 && n < 100) {
      if (n < 10) {
        buf[this.pos++] = ZERO + n;
      } else {
        const q = Math.floor(n / 10);
        buf[this.pos++] = ZERO + q;
        buf[this.pos++] = ZERO + (n - q * 10);
      }
      return;
    }
    if (n < 0) {
      buf[this.pos++] = MINUS;
      n = -n;
    }
    let digits = 1;
    for (let t = n; t >= 10; t = Math.floor(t / 10)) digits++;
    const start = this.pos;
    this.pos = start + digits;
    for (let p = start + digits - 1; p > start; p--) {
      const q = Math.floor(n / 10);
      buf[p] = ZERO + (n - q * 10);
      n = q;
    }
    buf[start] = ZERO + n;
  }

  /** A number as JSON.stringify writes it, non-finite and null as null (at most 25 bytes). */
  number(n: number | null): void {
    if (n === null || !Number.isFinite(n)) this.bytes(NULL);
    else if (Number.isSafeInteger(n)) this.int(n);
    else this.ascii('' + n);
  }

  /** A share of `expected` as the analyst API writes it: received ÷ expected × 100, one decimal, at most 100; null when nothing was expected. */
  percent(received: number, expected: number): void {
    if (expected <= 0) return this.bytes(NULL);
    // the number Math.min(100, Math.round(x × 1000) / 10) prints as its tenths' digits with a point
    const tenths = Math.round((received / expected) * 1000);
    if (tenths >= 1000) return this.int(100);
    this.int(Math.floor(tenths / 10));
    const d = tenths % 10;
    if (d !== 0) {
      this.buf[this.pos++] = 46;
      this.buf[this.pos++] = ZERO + d;
    }
  }

  get length(): number {
    return this.doneBytes + this.pos;
  }

  /** The bytes written, in order (sharing memory with the writer: write nothing more). */
  chunks(): Buffer[] {
    return this.pos > 0 ? [...this.done, this.buf.subarray(0, this.pos)] : [...this.done];
  }
}

/** ASCII or UTF-8 text as bytes, for fragments written many times. */
export function utf8(s: string): Buffer {
  return Buffer.from(s, 'utf8');
}
