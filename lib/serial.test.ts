import { describe, expect, it } from 'vitest';
import { createSerial } from './serial.js';

describe('createSerial', () => {
  it('runs jobs one at a time in call order; a failure reaches its caller and the queue goes on', async () => {
    const serial = createSerial();
    const log: string[] = [];
    const job = (name: string, ms: number, fail = false) =>
      serial(async () => {
        log.push(`start ${name}`);
        await new Promise((r) => setTimeout(r, ms));
        log.push(`end ${name}`);
        if (fail) throw new Error(`${name} failed`);
        return name;
      });
    const a = job('a', 20);
    const b = job('b', 1, true);
    const c = job('c', 1);
    await expect(a).resolves.toBe('a');
    await expect(b).rejects.toThrow('b failed');
    await expect(c).resolves.toBe('c');
    expect(log).toEqual(['start a', 'end a', 'start b', 'end b', 'start c', 'end c']);
  });
});
