import { describe, expect, it } from 'vitest';
import { createBreather } from './breather.js';

/** Busy work for `ms` milliseconds of wall time, synchronously. */
function spin(ms: number): void {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // busy
  }
}

describe('createBreather', () => {
  it('lets a timer fire in the middle of a long chain of microtasks', async () => {
    const breathe = createBreather(20);
    let timerFiredAtStep = -1;
    let step = 0;
    setTimeout(() => (timerFiredAtStep = step), 0);
    for (step = 0; step < 50; step++) {
      await breathe();
      spin(2);
    }
    // 100 ms of work in 2 ms steps: the timer ran after about 10 of them, not after all 50
    expect(timerFiredAtStep).toBeGreaterThan(0);
    expect(timerFiredAtStep).toBeLessThan(50);
  });

  it('costs nothing (no promise) until everyMs have passed since the last turn it gave', () => {
    let t = 0;
    const breathe = createBreather(20, () => t);
    expect(breathe()).toBeUndefined();
    t = 19;
    expect(breathe()).toBeUndefined();
    t = 20;
    expect(breathe()).toBeInstanceOf(Promise);
  });
});
