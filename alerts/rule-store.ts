/**
 * @module alerts/rule-store
 * The alert engine's rule CRUD: installs the shipped rule packs, loads the stored rules into the
 * rule index, and saves or deletes the rules operators write through the API (checked against
 * the rule schema, the known profiles and the registered stations before anything is stored).
 * The lifecycle of alerts already open under a changed rule is the engine's business.
 */
import type { LoadedProfile } from '../device-profiles/index.js';
import { createError } from '../lib/errors.js';
import type { Logger } from '../lib/logger.js';
import type { StationDirectory } from '../stations/directory.js';
import type { Db } from '../store/index.js';
import { deleteRule, listStoredRules, saveUserRule, upsertPackRule } from '../store/alerts.js';
import { loadPacks } from './packs/index.js';
import type { RuleIndex } from './rule-index.js';
import { validateRule } from './rules/schema.js';
import type { Rule } from './rules/types.js';

export interface RuleStoreDeps {
  db: Db;
  rules: RuleIndex;
  profiles: ReadonlyMap<string, LoadedProfile>;
  directory: StationDirectory;
  log: Logger;
}

export interface RuleStore {
  /** Installs or refreshes the shipped packs' rules (an operator's edit of one is kept). */
  installPacks(packsDir: string | undefined): Promise<void>;
  /** Re-reads every stored rule into the index; an invalid one is logged and not evaluated. */
  load(): Promise<void>;
  /** Validates and stores a rule written through the API, then reloads; returns the rule. */
  save(candidate: unknown, actor: string, mode: 'insert' | 'update', id?: string): Promise<Rule>;
  /** Deletes a rule, then reloads. */
  remove(id: string): Promise<void>;
}

export function createRuleStore(deps: RuleStoreDeps): RuleStore {
  const { db, rules, profiles, directory, log } = deps;

  async function load(): Promise<void> {
    for (const { id, errors } of rules.replace(await listStoredRules(db))) {
      log.error({ rule: id, errors }, 'stored rule is invalid and is not evaluated');
    }
  }

  return {
    async installPacks(packsDir) {
      for (const pack of loadPacks(packsDir)) {
        for (const rule of pack.rules) await upsertPackRule(db, rule.id, rule, pack.pack);
      }
    },
    load,
    async save(candidate, actor, mode, id) {
      const checked = validateRule(candidate);
      if (!checked.ok) throw createError('QT_ERR_RULE_INVALID', `Invalid rule: ${checked.errors.join('; ')}`, { details: { errors: checked.errors } });
      const rule = checked.rule;
      if (id !== undefined && rule.id !== id) throw createError('QT_ERR_RULE_INVALID', `Invalid rule: id: must equal the id in the path (${id})`);
      if ('profile' in rule.scope && !profiles.has(rule.scope.profile))
        throw createError('QT_ERR_RULE_INVALID', `Invalid rule: scope.profile: unknown profile "${rule.scope.profile}"`);
      if ('station' in rule.scope && !directory.get(rule.scope.station))
        throw createError('QT_ERR_RULE_INVALID', `Invalid rule: scope.station: unknown station "${rule.scope.station}"`);
      const ok = await saveUserRule(db, rule.id, rule, actor, mode);
      if (!ok)
        throw mode === 'insert' ? createError('QT_ERR_CONFLICT', `A rule with id ${rule.id} already exists`) : createError('QT_ERR_NOT_FOUND', `Rule ${rule.id} does not exist`);
      await load();
      return rule;
    },
    async remove(id) {
      if (!(await deleteRule(db, id))) throw createError('QT_ERR_NOT_FOUND', `Rule ${id} does not exist`);
      await load();
    },
  };
}
