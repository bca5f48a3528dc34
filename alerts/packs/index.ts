/**
 * @module alerts/packs
 * Rule packs: JSON files of rules for one regulation or hazard (QCVN 05:2023 air, QCVN 08:2023
 * surface water, QCVN 40:2011 wastewater, flood levels, salinity). Data, not code: an agency adds
 * or edits a pack without touching the engine. Every rule is validated with validateRule; a bad
 * pack stops start-up with the file, the rule id and every error.
 */
import { createError } from '../../lib/errors.js';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { validateRule } from '../rules/schema.js';
import type { LocalizedText, Rule } from '../rules/types.js';

/** The folder of the packs shipped with Quantrac. */
export const BUILTIN_PACKS_DIR = fileURLToPath(new URL('.', import.meta.url));

export interface RulePack {
  /** ^[a-z0-9][a-z0-9-]*$; every rule id starts with `${pack}.`. */
  pack: string;
  title: LocalizedText;
  /** The regulation(s) and how sure each value is (V/C/M, docs STANDARDS.md). */
  source: string;
  rules: Rule[];
}

const PACK_ID = /^[a-z0-9][a-z0-9-]{0,39}$/;

function isText(x: unknown): x is LocalizedText {
  if (typeof x !== 'object' || x === null) return false;
  const t = x as Record<string, unknown>;
  return typeof t.en === 'string' && t.en !== '' && typeof t.vi === 'string' && t.vi !== '';
}

/** Parses and validates one pack file's content. Throws an Error naming the file. */
function parsePack(file: string, text: string): RulePack {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw createError('QT_ERR_PACK_INVALID', `${file}: not valid JSON: ${(err as Error).message}`, { cause: err });
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data)) throw createError('QT_ERR_PACK_INVALID', `${file}: a pack must be a JSON object`);
  const { pack, title, source, rules, ...rest } = data as Record<string, unknown>;
  const problems: string[] = [];
  if (typeof pack !== 'string' || !PACK_ID.test(pack)) problems.push(`pack: must match ${PACK_ID.source}`);
  if (!isText(title)) problems.push('title: must be { en, vi } with non-empty strings');
  if (typeof source !== 'string' || source === '') problems.push('source: must be a non-empty string');
  if (!Array.isArray(rules)) problems.push('rules: must be an array');
  for (const key of Object.keys(rest)) problems.push(`${key}: is not a known property`);
  if (problems.length > 0) throw createError('QT_ERR_PACK_INVALID', `${file}: invalid pack: ${problems.join('; ')}`);

  const valid: Rule[] = [];
  (rules as unknown[]).forEach((candidate, i) => {
    const id = typeof candidate === 'object' && candidate !== null ? (candidate as { id?: unknown }).id : undefined;
    const which = typeof id === 'string' ? `rule ${id}` : `rules[${i}]`;
    const result = validateRule(candidate);
    if (!result.ok) throw createError('QT_ERR_PACK_INVALID', `${file}: ${which}: ${result.errors.join('; ')}`);
    if (!result.rule.id.startsWith(`${String(pack)}.`)) throw createError('QT_ERR_PACK_INVALID', `${file}: ${which}: id: must start with the pack id "${String(pack)}."`);
    valid.push(result.rule);
  });
  return { pack: pack as string, title: title as LocalizedText, source: source as string, rules: valid };
}

/**
 * Reads every `*.json` pack in `dir` (sorted by file name), validates every rule and checks that
 * pack ids and rule ids are unique across all packs.
 *
 * @param dir defaults to the packs shipped with Quantrac.
 * @throws Error naming the file, the rule id and the errors.
 * @example
 * const rules = loadPacks().flatMap((p) => p.rules).filter((r) => r.enabled);
 */
export function loadPacks(dir: string = BUILTIN_PACKS_DIR): RulePack[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort();
  const packs: RulePack[] = [];
  const packIds = new Map<string, string>();
  const ruleIds = new Map<string, string>();
  for (const file of files) {
    const pack = parsePack(file, readFileSync(join(dir, file), 'utf8'));
    const otherPack = packIds.get(pack.pack);
    if (otherPack !== undefined) throw createError('QT_ERR_PACK_INVALID', `${file}: pack id "${pack.pack}" is already used by ${otherPack}`);
    packIds.set(pack.pack, file);
    for (const rule of pack.rules) {
      const other = ruleIds.get(rule.id);
      if (other !== undefined) throw createError('QT_ERR_PACK_INVALID', `${file}: rule ${rule.id}: id is already used in ${other}`);
      ruleIds.set(rule.id, file);
    }
    packs.push(pack);
  }
  return packs;
}
