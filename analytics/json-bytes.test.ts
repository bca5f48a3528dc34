/**
 * JsonBytes writes numbers exactly as JSON.stringify does (the analyst API's answers must not
 * change by a byte when they are written as bytes instead of strings).
 */
import { describe, expect, it } from 'vitest';
import { JsonBytes, utf8 } from './json-bytes.js';

function written(fn: (w: JsonBytes) => void): string {
  const w = new JsonBytes();
  w.reserve(64);
  fn(w);
  return Buffer.concat(w.chunks()).toString('utf8');
}

const AWKWARD = [
  0,
  -0,
  1,
  -1,
  9,
  10,
  99,
  100,
  12345,
  -987654321,
  2 ** 31,
  2 ** 53 - 1,
  -(2 ** 53 - 1),
  2 ** 53,
  2 ** 53 + 2,
  1e15,
  1e16,
  123456789012345680,
  1.5e20,
  1e21,
  1.7e308,
  Number.MAX_VALUE,
  0.1,
  0.2,
  0.1 + 0.2,
  1e-5,
  1e-6,
  1e-7,
  1.5e-7,
  5e-324,
  Number.MIN_VALUE,
  -2.5,
  49.5,
  1 / 3,
  -1 / 3,
  98.3,
  1e-150,
];

describe('JsonBytes', () => {
  it('writes numbers as JSON.stringify does, non-finite and null as null', () => {
    for (const n of AWKWARD) expect(written((w) => w.number(n))).toBe(JSON.stringify(n));
    for (const n of [NaN, Infinity, -Infinity, null]) expect(written((w) => w.number(n))).toBe('null');
    for (let k = -1000; k <= 1000; k++) expect(written((w) => w.int(k))).toBe(JSON.stringify(k));
    for (let i = 0; i < 2000; i++) {
      const n = (Math.random() - 0.5) * 10 ** Math.floor(Math.random() * 40 - 20);
      expect(written((w) => w.number(n))).toBe(JSON.stringify(n));
      const k = Math.floor(Math.random() * 1e9);
      expect(written((w) => w.int(k))).toBe(JSON.stringify(k));
    }
  });

  it('writes a percentage as the one-decimal number the answer held before', () => {
    const percent = (received: number, expected: number) => (expected <= 0 ? null : Math.min(100, Math.round((received / expected) * 1000) / 10));
    for (let expected = 0; expected <= 130; expected++) {
      for (let received = 0; received <= expected + 3; received++) expect(written((w) => w.percent(received, expected))).toBe(JSON.stringify(percent(received, expected)));
    }
    for (const [received, expected] of [
      [86_399, 86_400],
      [87, 86_400],
      [1, 86_400],
      [43_157, 86_400],
      [2, 3],
      [1, 3],
    ] as const) {
      expect(written((w) => w.percent(received, expected))).toBe(JSON.stringify(percent(received, expected)));
    }
  });

  it('keeps the bytes in order across chunks, UTF-8 text included', () => {
    const w = new JsonBytes();
    const parts: string[] = [];
    for (let i = 0; i < 40_000; i++) {
      const text = `{"unit":"µg/m³","i":`;
      const b = utf8(text);
      w.reserve(b.length + 30);
      w.bytes(b);
      w.number(i / 7);
      w.bytes(utf8('}'));
      parts.push(`${text}${JSON.stringify(i / 7)}}`);
    }
    const chunks = w.chunks();
    expect(chunks.length).toBeGreaterThan(1);
    expect(Buffer.concat(chunks).toString('utf8')).toBe(parts.join(''));
    expect(w.length).toBe(Buffer.byteLength(parts.join('')));
  });
});
