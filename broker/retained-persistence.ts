/**
 * @module broker/retained-persistence
 * The broker's in-memory persistence (one node): aedes-persistence's own memory persistence, which
 * aedes takes through its `persistence` option, with an index of the topics that hold a retained
 * message. Upstream answers every SUBSCRIBE by testing the subscription's pattern against every
 * retained topic; each station retains its `state` and subscribes to its `commands` on every
 * connect, so a fleet of N stations reconnecting (after a restart, an outage of the network) cost
 * N × N topic tests: 17 s of the broker's CPU for 10,000 stations (bench/retained.ts). A pattern
 * without wildcards matches one topic only, so the index answers it at once: nothing to send
 * unless that very topic is retained (then upstream sends it). Patterns with `+` or `#` go to
 * upstream's scan as before.
 *
 * aedes-persistence's conformance suite (its abstract tests, the spec of a persistence) runs
 * against this one in test/broker-persistence.test.ts.
 */
import { Readable } from 'node:stream';
import MemoryPersistence from 'aedes-persistence/asyncPersistence.js';
import { CallBackPersistence } from 'aedes-persistence/callBackPersistence.js';

/** Whether an MQTT topic filter has a wildcard level (`+` or `#`). */
export function hasWildcard(pattern: string): boolean {
  return pattern.includes('+') || pattern.includes('#');
}

/** Upstream's async memory persistence; only the retained topics' index is added. */
export class IndexedRetainedPersistence extends MemoryPersistence {
  /** Topics holding a retained message (the packets themselves stay in upstream's store). */
  readonly #retainedTopics = new Set<string>();

  override storeRetained(packet: { topic: string; payload: { length: number } }): Promise<void> {
    // the index first, synchronously: a SUBSCRIBE handled before the promise settles sees the topic
    if (packet.payload.length === 0) this.#retainedTopics.delete(packet.topic);
    else this.#retainedTopics.add(packet.topic);
    return super.storeRetained(packet);
  }

  /** The patterns that may match a retained topic: those with a wildcard, and retained topics. */
  #worthScanning(patterns: readonly string[]): string[] {
    return patterns.filter((p) => hasWildcard(p) || this.#retainedTopics.has(p));
  }

  override createRetainedStreamCombi(patterns: string[]): Readable {
    const scan = this.#worthScanning(patterns);
    return scan.length === 0 ? Readable.from([]) : super.createRetainedStreamCombi(scan);
  }

  override createRetainedStream(pattern: string): Readable {
    return this.#worthScanning([pattern]).length === 0 ? Readable.from([]) : super.createRetainedStream(pattern);
  }
}

/** The persistence aedes is given on one node (multi-node mode gives it cluster/'s Redis persistence instead). */
export function createLocalPersistence(): CallBackPersistence {
  return new CallBackPersistence((opts) => new IndexedRetainedPersistence(opts));
}
