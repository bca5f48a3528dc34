/**
 * @module notify/channels/chat
 * Zalo Official Account, or any chat service that takes JSON: URL, headers (secret values, e.g.
 * Zalo's `access_token`) and a JSON body template with `{{placeholders}}` (escaped as JSON
 * strings). The rendered body must be valid JSON, else the attempt fails and is logged.
 * Zalo OA: POST https://openapi.zalo.me/v3.0/oa/message/cs,
 * body {"recipient":{"user_id":"…"},"message":{"text":"{{text}}"}}.
 */
import { renderTemplate, TemplateError } from './template.js';
import { assertOk, headersOf, recipientOf, str, type Channel } from './types.js';

export const sendChat: Channel = async (cp, message, { signal }) => {
  const body = renderTemplate(str(cp.settings['bodyTemplate'], '{"text":"{{text}}"}'), message.vars, 'json');
  try {
    JSON.parse(body);
  } catch (err) {
    throw new TemplateError(`the body template does not render valid JSON: ${(err as Error).message}`);
  }
  const res = await fetch(str(cp.settings['url']), { method: 'POST', headers: { 'content-type': 'application/json', ...headersOf(cp) }, body, signal });
  await assertOk(res);
  return { recipient: str(cp.settings['recipientLabel']) || recipientOf(cp) };
};
