/**
 * Node-RED's load shedder (automation/host.ts): while the main thread falls behind, readings are not
 * delivered to flows (counted), and delivery resumes after a few calm ticks, each change logged
 * once. Thresholds sit well above what a loaded test machine stalls on its own.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { Logger } from '../lib/logger.js';
import { createLoadShedder } from './host.js';

const block = (ms: number) => {
  const end = performance.now() + ms;
  while (performance.now() < end) {
    // the main thread does nothing else
  }
};
const turns = (ms: number) => new Promise((r) => setTimeout(r, ms));

let close: (() => void) | undefined;
afterEach(() => close?.());

describe('the Node-RED load shedder', () => {
  it('sheds while the event loop is behind, counts what it drops, and recovers after calm ticks', async () => {
    const lines: string[] = [];
    const logger = { warn: (_obj: object, msg?: string) => lines.push(msg ?? '') } as unknown as Logger;
    const shedder = createLoadShedder(logger, { maxLagMs: 300, sampleMs: 20, recoverSamples: 3 });
    close = shedder.close;
    await turns(60);
    expect(shedder.shedding).toBe(false);
    block(600);
    await turns(25);
    expect(shedder.shedding).toBe(true);
    shedder.drop();
    shedder.drop();
    expect(shedder.dropped).toBe(2);
    const end = Date.now() + 5000;
    while (shedder.shedding && Date.now() < end) await turns(20);
    expect(shedder.shedding).toBe(false);
    expect(lines.filter((l) => /overloaded/.test(l))).toHaveLength(1);
    expect(lines.filter((l) => /recovered/.test(l))).toHaveLength(1);
  });
});
