/**
 * @module notify/channels/webhook
 * A plain webhook: POST of a fixed JSON payload (status, subject, text, the alert fields and
 * links), for Node-RED, an agency system or anything that takes JSON. Headers may be secrets.
 */
import { assertOk, headersOf, recipientOf, str, type Channel } from './types.js';

export const sendWebhook: Channel = async (cp, message, { signal }) => {
  const payload = { source: 'quantrac', version: 1, ...message.vars };
  const res = await fetch(str(cp.settings['url']), { method: 'POST', headers: { 'content-type': 'application/json', ...headersOf(cp) }, body: JSON.stringify(payload), signal });
  await assertOk(res);
  return { recipient: recipientOf(cp) };
};
