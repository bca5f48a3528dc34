/**
 * @module notify/channels/template
 * `{{placeholder}}` templates for SMS gateways and chat webhooks. Values are escaped for where
 * they land: inside a JSON string (json), a form field (form) or as they are (text). An
 * unknown placeholder is an error (the attempt fails and is logged and retried), never a
 * silently empty field.
 */

export type TemplateEscape = 'json' | 'form' | 'text';

export class TemplateError extends Error {}

const PLACEHOLDER = /\{\{\s*([A-Za-z][A-Za-z0-9_]*)\s*\}\}/g;

/**
 * @example renderTemplate('{"to":"{{to}}","text":"{{short}}"}', { to: '0912', short: 'Mưa "lớn"' }, 'json')
 *   // '{"to":"0912","text":"Mưa \"lớn\""}'
 */
export function renderTemplate(template: string, vars: Readonly<Record<string, string>>, escape: TemplateEscape): string {
  return template.replace(PLACEHOLDER, (_, name: string) => {
    const v = vars[name];
    if (v === undefined) throw new TemplateError(`unknown placeholder {{${name}}}`);
    if (escape === 'json') return JSON.stringify(v).slice(1, -1);
    if (escape === 'form') return encodeURIComponent(v);
    return v;
  });
}

/** The placeholders a template uses (for validation when it is saved). */
export function placeholders(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((m) => m[1]!);
}

/** Every placeholder a template may use. */
export const KNOWN_PLACEHOLDERS = [
  'to',
  'subject',
  'text',
  'short',
  'status',
  'severity',
  'count',
  'alertId',
  'station',
  'stationName',
  'province',
  'metric',
  'value',
  'limit',
  'message',
  'time',
  'alertUrl',
  'ackUrl',
] as const;

/** The escaping that fits a content type. */
export function escapeFor(contentType: string): TemplateEscape {
  if (contentType.includes('json')) return 'json';
  if (contentType.includes('x-www-form-urlencoded')) return 'form';
  return 'text';
}
