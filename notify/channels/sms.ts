/**
 * @module notify/channels/sms
 * SMS through the agency's HTTP gateway: URL, method, headers (values may be secrets, e.g. an
 * API key) and a body template with `{{placeholders}}` ({{to}}, {{short}}, {{ackUrl}}…),
 * escaped for the content type. `to` may list several numbers (comma separated): one request each.
 */
import { escapeFor, renderTemplate } from './template.js';
import { assertOk, headersOf, str, type Channel } from './types.js';

export const sendSms: Channel = async (cp, message, { signal }) => {
  const s = cp.settings;
  const headers = headersOf(cp);
  const contentType = headers['content-type'] ?? headers['Content-Type'] ?? str(s['contentType'], 'application/json');
  if (!Object.keys(headers).some((h) => h.toLowerCase() === 'content-type')) headers['content-type'] = contentType;
  const method = str(s['method'], 'POST').toUpperCase();
  const numbers = str(s['to'])
    .split(',')
    .map((n) => n.trim())
    .filter(Boolean);
  for (const to of numbers.length > 0 ? numbers : ['']) {
    const vars = { ...message.vars, to };
    const url = renderTemplate(str(s['url']), vars, 'form');
    const body = method === 'GET' ? undefined : renderTemplate(str(s['bodyTemplate'], '{"to":"{{to}}","message":"{{short}}"}'), vars, escapeFor(contentType));
    const res = await fetch(url, { method, headers, body, signal });
    await assertOk(res);
  }
  return { recipient: numbers.join(', ') };
};
