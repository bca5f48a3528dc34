/**
 * The main-thread watch (lib/loop-watch.ts): a synchronous block longer than the threshold is
 * counted and logged with its length; short blocks, however many, are not (lateness does not
 * add up across ticks); the log is rate-limited while blocks keep coming. Thresholds sit well
 * above what a loaded test machine stalls on its own, and the counts allow for such a stall.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { watchEventLoop, type LoopWatch } from './loop-watch.js';

const block = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // the main thread does nothing else
  }
};
const turns = (ms: number) => new Promise((r) => setTimeout(r, ms));

let watch: LoopWatch | undefined;
afterEach(() => watch?.close());

describe('watchEventLoop', () => {
  it('counts and logs a block longer than the threshold, with its length', async () => {
    const lines: Array<{ obj: Record<string, number>; msg: string }> = [];
    const seen: number[] = [];
    watch = watchEventLoop({
      logger: { warn: (obj: object, msg?: string) => lines.push({ obj: obj as Record<string, number>, msg: msg ?? '' }) },
      thresholdMs: 300,
      sampleMs: 20,
      onBlock: (ms) => seen.push(ms),
    });
    await turns(60);
    block(700);
    await turns(60);
    expect(watch.blocks).toBeGreaterThanOrEqual(1);
    expect(seen.length).toBe(watch.blocks);
    expect(Math.max(...seen)).toBeGreaterThanOrEqual(680);
    expect(watch.longestMs).toBe(Math.max(...seen));
    // one line: the rest of the minute is counted, not logged
    expect(lines).toHaveLength(1);
    expect(lines[0]!.obj.blockedMs).toBeGreaterThanOrEqual(300);
    expect(lines[0]!.msg).toMatch(/main thread was blocked/);
  });

  it('does not add up short blocks: 30 of 60 ms under a 1,000 ms threshold are none', async () => {
    const lines: unknown[] = [];
    watch = watchEventLoop({ logger: { warn: (obj: object) => lines.push(obj) }, thresholdMs: 1000, sampleMs: 20 });
    for (let i = 0; i < 30; i++) {
      block(60);
      await turns(5);
    }
    expect(watch.blocks).toBe(0);
    expect(lines).toEqual([]);
  });

  it('logs at most one line per logEveryMs while blocks keep coming', async () => {
    const lines: Array<Record<string, number>> = [];
    watch = watchEventLoop({ logger: { warn: (obj: object) => lines.push(obj as Record<string, number>) }, thresholdMs: 300, sampleMs: 20, logEveryMs: 60_000 });
    for (let i = 0; i < 3; i++) {
      await turns(60);
      block(500 + i * 100);
    }
    await turns(60);
    expect(watch.blocks).toBeGreaterThanOrEqual(3);
    expect(lines).toHaveLength(1);
    expect(watch.longestMs).toBeGreaterThanOrEqual(680);
  });
});
