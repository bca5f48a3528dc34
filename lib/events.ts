/**
 * @module lib/events
 * A typed in-process event bus. Listeners are registered per owner so that `removeOwner()` in a
 * component's close() removes all of its own; a throwing listener (sync or async) is reported
 * with its owner and event, counted, and never breaks the emitter or the other listeners (ingest
 * keeps storing whatever a dashboard or flow does). The events themselves are declared in
 * domain/events.ts.
 */

type Listener<M, E extends keyof M> = (payload: M[E]) => void | Promise<void>;

export interface ListenerFailure<M> {
  owner: string;
  event: keyof M & string;
  error: unknown;
}

export class TypedEventBus<M> {
  private readonly listeners = new Map<keyof M, Array<{ owner: string; fn: Listener<M, keyof M> }>>();
  private failures = 0;

  constructor(private readonly onListenerError: (failure: ListenerFailure<M>) => void) {}

  on<E extends keyof M & string>(owner: string, event: E, fn: Listener<M, E>): void {
    const list = this.listeners.get(event) ?? [];
    list.push({ owner, fn: fn as unknown as Listener<M, keyof M> });
    this.listeners.set(event, list);
  }

  emit<E extends keyof M & string>(event: E, payload: M[E]): void {
    const list = this.listeners.get(event);
    if (!list) return;
    for (const { owner, fn } of list) {
      try {
        const result = fn(payload);
        if (result instanceof Promise) result.catch((error: unknown) => this.fail(owner, event, error));
      } catch (error) {
        this.fail(owner, event, error);
      }
    }
  }

  removeOwner(owner: string): void {
    for (const [event, list] of this.listeners) {
      this.listeners.set(
        event,
        list.filter((l) => l.owner !== owner),
      );
    }
  }

  listenerCount(event: keyof M & string): number {
    return this.listeners.get(event)?.length ?? 0;
  }

  get failureCount(): number {
    return this.failures;
  }

  private fail(owner: string, event: keyof M & string, error: unknown): void {
    this.failures += 1;
    this.onListenerError({ owner, event, error });
  }
}
