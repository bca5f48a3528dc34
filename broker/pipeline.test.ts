/**
 * The hook runner: steps run in order until one refuses or finishes, sync or async; after-steps
 * see every outcome; a throwing step refuses and is reported.
 */
import { describe, expect, it } from 'vitest';
import { finish, pipeline, refuse, type Outcome, type Step } from './pipeline.js';

interface Ctx {
  seen: string[];
}

function run<R>(p: (ctx: Ctx, done: (o: Outcome<R>) => void) => void): Promise<{ ctx: Ctx; outcome: Outcome<R> }> {
  const ctx: Ctx = { seen: [] };
  return new Promise((resolve) => p(ctx, (outcome) => resolve({ ctx, outcome })));
}

const pass = (name: string): Step<Ctx, number> => Object.defineProperty((ctx: Ctx) => void ctx.seen.push(name), 'name', { value: name });

describe('pipeline', () => {
  it('runs every step in order and ends with `otherwise` when all pass', async () => {
    const errors: string[] = [];
    const p = pipeline<Ctx, number>({ steps: [pass('a'), pass('b'), pass('c')], otherwise: { error: null, value: 7 }, onError: (_e, s) => errors.push(s) });
    const { ctx, outcome } = await run(p);
    expect(ctx.seen).toEqual(['a', 'b', 'c']);
    expect(outcome).toEqual({ error: null, value: 7 });
    expect(errors).toEqual([]);
  });

  it('stops at the first step that finishes or refuses, sync or async, and calls the after-steps with the outcome', async () => {
    const after: Array<Outcome<number>> = [];
    const finishing = pipeline<Ctx, number>({
      steps: [pass('a'), async (ctx) => (ctx.seen.push('b'), finish(2)), pass('c')],
      otherwise: { error: null, value: 0 },
      after: [(_ctx, o) => void after.push(o)],
      onError: () => {},
    });
    expect(await run(finishing)).toMatchObject({ ctx: { seen: ['a', 'b'] }, outcome: { error: null, value: 2 } });
    const denied = new Error('no');
    const refusing = pipeline<Ctx, number>({
      steps: [pass('a'), () => refuse(denied), pass('c')],
      otherwise: { error: null, value: 0 },
      after: [(_ctx, o) => void after.push(o)],
      onError: () => {},
    });
    expect(await run(refusing)).toMatchObject({ ctx: { seen: ['a'] }, outcome: { error: denied } });
    expect(after).toEqual([{ error: null, value: 2 }, { error: denied }]);
  });

  it('refuses when a step throws or rejects, and reports it with the step name', async () => {
    const errors: string[] = [];
    const onError = (err: Error, step: string) => errors.push(`${step}: ${err.message}`);
    const throwing = pipeline<Ctx, number>({
      steps: [
        function boom() {
          throw new Error('bug');
        },
      ],
      otherwise: { error: null, value: 0 },
      onError,
    });
    expect((await run(throwing)).outcome.error?.message).toBe('bug');
    const rejecting = pipeline<Ctx, number>({
      steps: [
        async function late() {
          throw new Error('later');
        },
      ],
      otherwise: { error: null, value: 0 },
      onError,
    });
    expect((await run(rejecting)).outcome.error?.message).toBe('later');
    const badObserver = pipeline<Ctx, number>({
      steps: [],
      otherwise: { error: null, value: 1 },
      after: [
        function observer() {
          throw new Error('oops');
        },
      ],
      onError,
    });
    expect((await run(badObserver)).outcome).toEqual({ error: null, value: 1 });
    expect(errors).toEqual(['boom: bug', 'late: later', 'observer: oops']);
  });

  it('runs synchronous steps synchronously (no promise per step on the publish path)', () => {
    const p = pipeline<Ctx, number>({ steps: [pass('a'), () => finish(1)], otherwise: { error: null, value: 0 }, onError: () => {} });
    let outcome: Outcome<number> | undefined;
    p({ seen: [] }, (o) => (outcome = o));
    expect(outcome).toEqual({ error: null, value: 1 });
  });
});
