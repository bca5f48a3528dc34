/**
 * @module alerts/silences
 * Silences: periods during which alerts of a station, a rule or both are still recorded but not
 * notified (`alertChanged` carries notify = false). Held in memory for the per-transition check,
 * stored through store/alerts.ts.
 */
import { createError } from '../lib/errors.js';
import type { Db } from '../store/index.js';
import { deleteSilence, insertSilence, listSilences, type Silence } from '../store/alerts.js';

export interface Silences {
  /** Re-reads the silences that have not ended. */
  load(): Promise<void>;
  /** The silences that have not ended by the engine's clock. */
  active(): Silence[];
  /** Forgets the silences that ended by `at`. */
  prune(at: number): void;
  /** True if a silence covers this station and rule at `at`. */
  covers(stationId: string, ruleId: string, at: number): boolean;
  create(s: Omit<Silence, 'id' | 'createdAt'>): Promise<Silence>;
  /** Deletes a silence; QT_ERR_NOT_FOUND if there is none with this id. */
  remove(id: number): Promise<void>;
}

export function createSilences(db: Db, now: () => number): Silences {
  let silences: Silence[] = [];
  return {
    async load() {
      silences = await listSilences(db, new Date(now()));
    },
    active: () => silences.filter((s) => s.endsAt.getTime() > now()),
    prune(at) {
      silences = silences.filter((s) => s.endsAt.getTime() > at);
    },
    covers(stationId, ruleId, at) {
      return silences.some(
        (s) => (s.stationId === null || s.stationId === stationId) && (s.ruleId === null || s.ruleId === ruleId) && s.startsAt.getTime() <= at && at < s.endsAt.getTime(),
      );
    },
    async create(s) {
      const created = await insertSilence(db, s);
      silences.push(created);
      return created;
    },
    async remove(id) {
      if (!(await deleteSilence(db, id))) throw createError('QT_ERR_NOT_FOUND', `Silence ${id} does not exist`);
      silences = silences.filter((x) => x.id !== id);
    },
  };
}
