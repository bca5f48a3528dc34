/**
 * @module lib/loop-watch
 * Tells when the main thread was blocked. The broker, ingest, the alert engine and the live stream
 * share one event loop; a block of a few seconds makes MQTT keepalives time out and freezes the
 * operations center, and before this only `/metrics` (nodejs_eventloop_lag_*) showed it. Issue
 * 20's soak found such blocks (24–33 s, the scheduled spatial check at 1,000 stations) only by
 * sampling that metric from outside.
 *
 * A timer ticks every `sampleMs`; a tick late by `thresholdMs` or more is a block: counted in
 * `quantrac_event_loop_blocks_total` and logged at warn level with how long, at most one line per
 * `logEveryMs` (further blocks in that time are counted into the next line).
 *
 * @example
 * const watch = watchEventLoop({ logger, onBlock: () => metrics.eventLoopBlocks.inc() });
 * // … {"level":40,"blockedMs":24126,"msg":"the main thread was blocked: …"}
 * watch.close();
 */
import type { Logger } from './logger.js';

export interface LoopWatchOptions {
  logger: Pick<Logger, 'warn'>;
  /** A tick this late is a block, ms (default 1,000). */
  thresholdMs?: number;
  /** Between ticks, ms (default 250). */
  sampleMs?: number;
  /** At most one log line per this many ms (default 60,000). */
  logEveryMs?: number;
  /** Called for every block with its length, ms (e.g. a metric). */
  onBlock?: (blockedMs: number) => void;
}

export interface LoopWatch {
  /** Blocks seen since the start. */
  readonly blocks: number;
  /** The longest block seen, ms (0: none). */
  readonly longestMs: number;
  close(): void;
}

/**
 * Calls `onTick` every `sampleMs` with how late that tick came, ms (a block of d ms shows as one
 * tick late by d; lateness never adds up across ticks). The timer never keeps the process alive.
 * Returns the stop. The measurement under watchEventLoop and Node-RED's load shedder
 * (automation/host.ts).
 */
export function onEveryTick(sampleMs: number, onTick: (lateMs: number, now: number) => void): () => void {
  let expected = performance.now() + sampleMs;
  const timer = setInterval(() => {
    const now = performance.now();
    const late = now - expected;
    expected = now + sampleMs;
    onTick(late, now);
  }, sampleMs);
  timer.unref();
  return () => clearInterval(timer);
}

export function watchEventLoop(options: LoopWatchOptions): LoopWatch {
  const { logger, thresholdMs = 1000, sampleMs = 250, logEveryMs = 60_000, onBlock } = options;
  let blocks = 0;
  let longestMs = 0;
  let lastLogAt = -Infinity;
  let unlogged = 0;
  let unloggedLongest = 0;
  const stop = onEveryTick(sampleMs, (late, now) => {
    if (late < thresholdMs) return;
    const blockedMs = Math.round(late);
    blocks++;
    longestMs = Math.max(longestMs, blockedMs);
    onBlock?.(blockedMs);
    unlogged++;
    unloggedLongest = Math.max(unloggedLongest, blockedMs);
    if (now - lastLogAt < logEveryMs) return;
    logger.warn(
      { blockedMs, blocks: unlogged, longestMs: unloggedLongest },
      'the main thread was blocked: MQTT keepalives, ingest and the live stream waited (a long synchronous task; see the CPU profile or the log around this time)',
    );
    lastLogAt = now;
    unlogged = 0;
    unloggedLongest = 0;
  });
  return {
    get blocks() {
      return blocks;
    },
    get longestMs() {
      return longestMs;
    },
    close: stop,
  };
}
