/**
 * @module notify/contact-points
 * Saving contact points with write-only secrets: the input's `secrets` ({ password,
 * headers: { Authorization } }) are merged over the stored ones (a null value removes one),
 * encrypted (notify/secrets.ts) and stored; what goes back out carries `secretsSet` (names),
 * never values.
 */
import { createError } from '../lib/errors.js';
import type { Db } from '../store/db.js';
import { getContactPoint, insertContactPoint, updateContactPoint, type ChannelKind, type ContactPoint, type MessageLanguage } from '../store/notifications.js';
import type { SecretBox, SecretValues } from './secrets.js';
import { validateContactPointSettings } from './validate.js';

export interface ContactPointBody {
  name: string;
  kind: ChannelKind;
  settings: Record<string, unknown>;
  /** Write-only; a null value removes that secret, an absent one keeps it. */
  secrets?: { password?: string | null; headers?: Record<string, string | null> };
  username?: string | null;
  language?: MessageLanguage;
  enabled?: boolean;
}

/** The API's view of a contact point: secrets by name only. */
export function contactPointJson(c: ContactPoint) {
  return {
    id: c.id,
    name: c.name,
    kind: c.kind,
    settings: c.settings,
    secretsSet: c.secretNames,
    username: c.username,
    language: c.language,
    enabled: c.enabled,
    health: { consecutiveFailures: c.consecutiveFailures, lastError: c.lastError, lastErrorAt: c.lastErrorAt?.toISOString() ?? null },
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
  };
}

function mergeSecrets(current: SecretValues, input: ContactPointBody['secrets']): SecretValues {
  const out = { ...current };
  if (!input) return out;
  if (input.password === null) delete out['password'];
  else if (input.password !== undefined) out['password'] = input.password;
  for (const [name, value] of Object.entries(input.headers ?? {})) {
    if (value === null) delete out[`headers.${name}`];
    else out[`headers.${name}`] = value;
  }
  return out;
}

/** Inserts (id undefined) or updates a contact point; throws the catalogue error on bad input, a taken name or an unknown id. */
export async function saveContactPoint(db: Db, box: SecretBox, body: ContactPointBody, id?: number): Promise<ContactPoint> {
  validateContactPointSettings(body.kind, body.settings);
  const existing = id === undefined ? undefined : await getContactPoint(db, id);
  if (id !== undefined && !existing) throw createError('QT_ERR_NOT_FOUND', `Contact point ${id} does not exist`);
  const secrets = mergeSecrets(existing ? box.decrypt(existing.secretsEnc) : {}, body.secrets);
  const input = {
    name: body.name,
    kind: body.kind,
    settings: body.settings,
    secretsEnc: box.encrypt(secrets),
    secretNames: Object.keys(secrets).sort(),
    username: body.username ?? null,
    language: body.language ?? 'vi',
    enabled: body.enabled ?? true,
  };
  try {
    const saved = id === undefined ? await insertContactPoint(db, input) : await updateContactPoint(db, id, input);
    if (!saved) throw createError('QT_ERR_CONFLICT', `A contact point named ${body.name} already exists`);
    return saved;
  } catch (err) {
    if ((err as { code?: string }).code === '23505') throw createError('QT_ERR_CONFLICT', `A contact point named ${body.name} already exists`);
    throw err;
  }
}
