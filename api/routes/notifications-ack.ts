/**
 * @module api/routes/notifications-ack
 * Acknowledge from the message (no login: the one-use token is the credential):
 *   GET  /ack/{token}                           a small confirmation page with a button (mail
 *                                               scanners prefetch GET links: a GET never acknowledges)
 *   POST /ack/{token}                           the page's button (text/plain form, no script) → result page
 *   POST /api/v1/notifications/ack/{token}      JSON: acknowledges as the contact point's user,
 *                                               comment "acknowledged from e-mail|SMS|chat|webhook";
 *                                               a second use → 410 QT_ERR_ACK_LINK_USED, expired → 410
 *                                               QT_ERR_ACK_LINK_EXPIRED, unknown → 404 QT_ERR_ACK_LINK_INVALID
 */
import type { FastifyInstance, FastifyReply } from 'fastify';
import { isQuantracError } from '../../lib/errors.js';
import { getAlert } from '../../store/alerts.js';
import type { NotifyHttpDeps } from './notifications.js';
import { alertJson } from './alerts.js';
import * as S from './notifications-schemas.js';

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

function page(reply: FastifyReply, status: number, title: string, body: string): string {
  reply.code(status).type('text/html; charset=utf-8').header('cache-control', 'no-store').header('referrer-policy', 'no-referrer');
  return `<!doctype html><html lang="vi"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex">
<title>${escapeHtml(title)}</title><style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:2rem auto;padding:0 1rem;color:#1f2933}
button{font-size:1.1rem;padding:.7rem 1.4rem;background:#0b5cad;color:#fff;border:0;border-radius:6px}.muted{color:#616e7c}</style></head>
<body><h1>${escapeHtml(title)}</h1>${body}</body></html>`;
}

const REFUSED: Record<string, [string, string]> = {
  QT_ERR_ACK_LINK_USED: ['Liên kết đã được dùng', 'This link has already been used.'],
  QT_ERR_ACK_LINK_EXPIRED: ['Liên kết đã hết hạn', 'This link has expired.'],
  QT_ERR_ACK_LINK_INVALID: ['Liên kết không hợp lệ', 'This link is not valid.'],
  QT_ERR_CONFLICT: ['Cảnh báo không còn chờ xác nhận', 'The alert is no longer waiting for acknowledgement.'],
};

function refusedPage(reply: FastifyReply, err: unknown): string {
  if (!isQuantracError(err) || !REFUSED[err.code]) throw err;
  const [vi, en] = REFUSED[err.code]!;
  return page(reply, err.statusCode, vi, `<p>${escapeHtml(vi)}.</p><p class="muted">${escapeHtml(en)} ${escapeHtml(err.message)}</p>`);
}

export async function ackRoutes(app: FastifyInstance, deps: NotifyHttpDeps): Promise<void> {
  const { db, notifier } = deps;

  app.get<{ Params: { token: string } }>('/ack/:token', { schema: { hide: true, params: S.tokenParam } }, async (request, reply) => {
    try {
      const link = await notifier.checkAckLink(request.params.token);
      const alert = await getAlert(db, link.alertId);
      const what = alert ? `${alert.message.vi}` : `#${link.alertId}`;
      return page(
        reply,
        200,
        'Xác nhận đã nhận cảnh báo',
        `<p><strong>${escapeHtml(what)}</strong></p><p class="muted">${escapeHtml(alert?.message.en ?? '')}</p>
<p>Người xác nhận / acknowledged by: <strong>${escapeHtml(link.username)}</strong></p>
<form method="post" enctype="text/plain"><button type="submit">Xác nhận / Acknowledge</button></form>`,
      );
    } catch (err) {
      return refusedPage(reply, err);
    }
  });

  app.post<{ Params: { token: string } }>('/ack/:token', { schema: { hide: true, params: S.tokenParam } }, async (request, reply) => {
    try {
      const alert = await notifier.acknowledgeFromLink(request.params.token);
      return page(
        reply,
        200,
        'Đã xác nhận',
        `<p>Cảnh báo #${alert.id} đã được xác nhận bởi ${escapeHtml(alert.ackedBy ?? '')}. Cảm ơn.</p><p class="muted">Alert #${alert.id} acknowledged. Thank you.</p>`,
      );
    } catch (err) {
      return refusedPage(reply, err);
    }
  });

  app.post<{ Params: { token: string } }>(
    '/api/v1/notifications/ack/:token',
    {
      schema: {
        tags: ['notifications'],
        summary: 'Acknowledge an alert with the one-use link from a notification (the token is the credential; 410 once used or expired)',
        params: S.tokenParam,
        response: { 200: S.obj({ alert: S.obj() }), 404: S.errorResponse, 409: S.errorResponse, 410: S.errorResponse },
      },
    },
    async (request) => ({ alert: alertJson(await notifier.acknowledgeFromLink(request.params.token)) }),
  );
}
