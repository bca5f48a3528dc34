/**
 * @module broker/pipeline
 * Runs one broker hook (authenticate, authorizePublish, authorizeSubscribe) as an ordered list of
 * named steps, in the style of aedes' `connectActions` (lib/handlers/connect.js), so that
 * everything that runs inside a hook is listed in one place (broker/index.ts) instead of being
 * wrapped around it from outside.
 *
 * A step looks at the hook's context and returns its verdict, at once or as a promise:
 * - `undefined` (pass): the next step runs;
 * - `refuse(error)`: the hook fails with that error (aedes closes the connection, or sends the
 *   CONNACK return code the error carries);
 * - `finish(value)`: the hook succeeds with that value, the remaining steps are skipped.
 * A step that throws or rejects refuses (fail closed) and is reported to `onError`.
 * When every step passes, the hook ends with `otherwise`.
 *
 * `after` steps run once the outcome is known, whatever it is, in order: they record (audit,
 * count, remember a login) and cannot change the outcome.
 */
import { createError } from '../lib/errors.js';

/** What a step decided: pass on (`undefined`), refuse, or finish early. */
export type Verdict<R> = undefined | { readonly refuse: Error } | { readonly finish: R };

/** One named step of a hook; may be async (the hook waits, e.g. for a commit or a throttle delay). */
export type Step<C, R> = (ctx: C) => Verdict<R> | Promise<Verdict<R>>;

/** How a hook ended. */
export type Outcome<R> = { readonly error: Error; readonly value?: undefined } | { readonly error: null; readonly value: R };

/** Sees the outcome of a hook (records it); runs after the steps, cannot change the outcome. */
export type AfterStep<C, R> = (ctx: C, outcome: Outcome<R>) => void;

export interface PipelineSpec<C, R> {
  /** Run in this order until one refuses or finishes. */
  steps: ReadonlyArray<Step<C, R>>;
  /** The outcome when every step passes. */
  otherwise: Outcome<R>;
  /** Run in this order once the outcome is known. */
  after?: ReadonlyArray<AfterStep<C, R>>;
  /** A step or after-step that threw: a bug, reported here (the hook refuses, or carries on after an after-step). */
  onError(err: Error, step: string): void;
}

/** Runs the hook's steps for one call and hands the outcome to `done`. */
export type Pipeline<C, R> = (ctx: C, done: (outcome: Outcome<R>) => void) => void;

/** A refusal verdict. */
export function refuse(error: Error): { readonly refuse: Error } {
  return { refuse: error };
}

/** An early, successful end of the hook. */
export function finish<R>(value: R): { readonly finish: R } {
  return { finish: value };
}

function toError(err: unknown): Error {
  return err instanceof Error ? err : createError('QT_ERR_INTERNAL', String(err), { cause: err });
}

function isPromise<T>(value: T | Promise<T>): value is Promise<T> {
  return typeof (value as { then?: unknown } | undefined)?.then === 'function';
}

/**
 * Builds the runner of a hook. Synchronous steps run in one go (no promise per step on the
 * publish path); the first asynchronous one continues the rest when it settles.
 * @example
 * const authorizeSubscribe = pipeline({ steps: [ownCommandsOnly(deps)], otherwise: { error: null, value: null }, after: [auditRefusal(deps)], onError });
 * authorizeSubscribe({ client, sub }, ({ error, value }) => done(error, value));
 */
export function pipeline<C, R>({ steps, otherwise, after = [], onError }: PipelineSpec<C, R>): Pipeline<C, R> {
  return function runPipeline(ctx, done) {
    const settle = (outcome: Outcome<R>): void => {
      for (const observe of after) {
        try {
          observe(ctx, outcome);
        } catch (err) {
          onError(toError(err), observe.name);
        }
      }
      done(outcome);
    };
    const verdictOutcome = (verdict: NonNullable<Verdict<R>>): Outcome<R> => ('refuse' in verdict ? { error: verdict.refuse } : { error: null, value: verdict.finish });
    const failed = (err: unknown, step: Step<C, R>): void => {
      const error = toError(err);
      onError(error, step.name);
      settle({ error });
    };
    const runFrom = (start: number): void => {
      for (let i = start; i < steps.length; i++) {
        const step = steps[i]!;
        let verdict: Verdict<R> | Promise<Verdict<R>>;
        try {
          verdict = step(ctx);
        } catch (err) {
          return failed(err, step);
        }
        if (isPromise(verdict)) {
          verdict.then(
            (v) => (v === undefined ? runFrom(i + 1) : settle(verdictOutcome(v))),
            (err: unknown) => failed(err, step),
          );
          return;
        }
        if (verdict !== undefined) return settle(verdictOutcome(verdict));
      }
      settle(otherwise);
    };
    runFrom(0);
  };
}
