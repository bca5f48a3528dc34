/**
 * aedes-persistence's conformance suite (its abstract tests: "the spec for an Aedes persistence")
 * run against broker/retained-persistence.ts, in both forms aedes may hold: the async persistence
 * itself and the callback persistence wrapping it, as the broker is given. A node:test file, not
 * a vitest one (the suite is written for node:test): test/broker-persistence.test.ts runs it.
 *
 *   node --import tsx --test broker/retained-persistence.conformance.ts
 */
import { test } from 'node:test';
import abstractPersistence from 'aedes-persistence/abstract.js';
import { createLocalPersistence, IndexedRetainedPersistence } from './retained-persistence.js';

abstractPersistence({ test, persistence: () => new IndexedRetainedPersistence(), testAsync: true });
abstractPersistence({ test, persistence: () => createLocalPersistence(), waitForReady: true });
