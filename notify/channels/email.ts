/**
 * @module notify/channels/email
 * E-mail over SMTP (nodemailer), settings per contact point: host, port, secure (TLS from the
 * start, port 465) or STARTTLS when offered, user, password (secret), from, to (comma
 * separated). Every timeout is bounded by the attempt's, so a dead server fails the attempt.
 */
import nodemailer from 'nodemailer';
import { createError } from '../../lib/errors.js';
import { str, type Channel } from './types.js';

export const sendEmail: Channel = async (cp, message, { signal, timeoutMs }) => {
  const s = cp.settings;
  const user = str(s['user']);
  const transport = nodemailer.createTransport({
    host: str(s['host']),
    port: Number(s['port'] ?? 587),
    secure: s['secure'] === true,
    ...(user ? { auth: { user, pass: cp.secrets['password'] ?? '' } } : {}),
    // a local relay often has a self-signed certificate; an agency can require a valid one
    tls: { rejectUnauthorized: s['tlsVerify'] !== false },
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
  const aborted = new Promise<never>((_, reject) => {
    const onAbort = () => {
      transport.close();
      reject(createError('QT_ERR_INTERNAL', `SMTP attempt aborted: ${String(signal.reason ?? 'timeout')}`));
    };
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    const info = await Promise.race([
      transport.sendMail({
        from: str(s['from'], 'quantrac@localhost'),
        to: str(s['to']),
        subject: message.subject,
        text: message.text,
        headers: { 'X-Quantrac-Alerts': message.vars['alertId'] ?? '' },
      }),
      aborted,
    ]);
    return { recipient: str(s['to']), detail: str(info.response) };
  } finally {
    transport.close();
  }
};
