/**
 * @module notify/validate
 * Checks of what an admin saves that a JSON schema cannot express: the fields each kind of
 * contact point needs, URLs, templates (known placeholders; JSON for chat), time zones,
 * HH:MM intervals, and ids that must exist. Each failure is QT_ERR_NOTIFY_INVALID (400)
 * naming the field, e.g. `settings.host: required for an e-mail contact point`.
 */
import { createError } from '../lib/errors.js';
import type { ChannelKind } from '../store/notifications.js';
import type { EscalationLevel, MuteInterval, ScheduleOverride, ScheduleRotation } from '../store/notifications-routing.js';
import { KNOWN_PLACEHOLDERS, placeholders } from './channels/template.js';
import { hhmm } from './mute.js';

export function invalid(field: string, message: string): never {
  throw createError('QT_ERR_NOTIFY_INVALID', `${field}: ${message}`, { details: { field } });
}

const REQUIRED: Record<ChannelKind, string[]> = { email: ['host', 'from', 'to'], sms: ['url', 'to'], chat: ['url'], webhook: ['url'] };

function checkUrl(field: string, value: unknown): void {
  try {
    const u = new URL(String(value).replace(/\{\{[^}]*\}\}/g, 'x'));
    if (u.protocol !== 'http:' && u.protocol !== 'https:') invalid(field, 'must be an http(s) URL');
  } catch {
    invalid(field, 'must be an http(s) URL');
  }
}

function checkTemplate(field: string, template: unknown): void {
  if (template === undefined) return;
  if (typeof template !== 'string') invalid(field, 'must be a string');
  for (const p of placeholders(template))
    if (!(KNOWN_PLACEHOLDERS as readonly string[]).includes(p)) invalid(field, `unknown placeholder {{${p}}} (known: ${KNOWN_PLACEHOLDERS.join(', ')})`);
}

export function validateContactPointSettings(kind: ChannelKind, settings: Record<string, unknown>): void {
  for (const f of REQUIRED[kind]) if (settings[f] === undefined || settings[f] === '') invalid(`settings.${f}`, `required for a contact point of kind ${kind}`);
  if (kind === 'email') {
    const port = Number(settings['port'] ?? 587);
    if (!Number.isInteger(port) || port < 1 || port > 65535) invalid('settings.port', 'must be a port number');
    for (const addr of String(settings['to']).split(',')) if (!/^[^@\s]+@[^@\s]+$/.test(addr.trim())) invalid('settings.to', `not an e-mail address: ${addr.trim()}`);
  } else {
    checkUrl('settings.url', settings['url']);
  }
  checkTemplate('settings.bodyTemplate', settings['bodyTemplate']);
  if (kind === 'chat' && typeof settings['bodyTemplate'] === 'string') {
    const sample = settings['bodyTemplate'].replace(/\{\{[^}]*\}\}/g, 'x');
    try {
      JSON.parse(sample);
    } catch {
      invalid('settings.bodyTemplate', 'must be JSON once the placeholders are filled in');
    }
  }
  const headers = settings['headers'];
  if (headers !== undefined && (typeof headers !== 'object' || headers === null || Object.values(headers).some((v) => typeof v !== 'string')))
    invalid('settings.headers', 'must map header names to strings');
}

export function validateTimeZone(field: string, tz: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
  } catch {
    invalid(field, `unknown time zone ${tz}`);
  }
}

export function validateIntervals(intervals: readonly MuteInterval[]): void {
  intervals.forEach((iv, i) => {
    if (Number.isNaN(hhmm(iv.start))) invalid(`intervals[${i}].start`, 'must be HH:MM');
    if (Number.isNaN(hhmm(iv.end))) invalid(`intervals[${i}].end`, 'must be HH:MM');
    if (iv.weekdays.some((d) => !Number.isInteger(d) || d < 1 || d > 7)) invalid(`intervals[${i}].weekdays`, 'days are 1 (Monday) to 7 (Sunday)');
  });
}

export function validateRotation(rotation: ScheduleRotation, overrides: readonly ScheduleOverride[], contactPointExists: (id: number) => boolean): void {
  if (!Number.isFinite(Date.parse(rotation.startsAt))) invalid('rotation.startsAt', 'must be an ISO 8601 time with its offset');
  rotation.members.forEach((id, i) => contactPointExists(id) || invalid(`rotation.members[${i}]`, `contact point ${id} does not exist`));
  overrides.forEach((o, i) => {
    if (!(Date.parse(o.startsAt) < Date.parse(o.endsAt))) invalid(`overrides[${i}]`, 'startsAt must be before endsAt (ISO 8601)');
    if (!contactPointExists(o.contactPointId)) invalid(`overrides[${i}].contactPointId`, `contact point ${o.contactPointId} does not exist`);
  });
}

export function validateLevels(levels: readonly EscalationLevel[], contactPointExists: (id: number) => boolean, scheduleExists: (id: number) => boolean): void {
  levels.forEach((l, i) => {
    if (i > 0 && l.afterMinutes <= levels[i - 1]!.afterMinutes) invalid(`levels[${i}].afterMinutes`, 'must be later than the level before');
    if (l.contactPointIds.length + l.scheduleIds.length === 0) invalid(`levels[${i}]`, 'needs a contact point or a schedule');
    l.contactPointIds.forEach((id, j) => contactPointExists(id) || invalid(`levels[${i}].contactPointIds[${j}]`, `contact point ${id} does not exist`));
    l.scheduleIds.forEach((id, j) => scheduleExists(id) || invalid(`levels[${i}].scheduleIds[${j}]`, `schedule ${id} does not exist`));
  });
}
