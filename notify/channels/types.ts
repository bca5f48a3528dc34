/**
 * @module notify/channels/types
 * What a channel gets (a contact point with its secrets decrypted, a rendered message, an
 * abort signal bounded by the per-attempt timeout) and what it answers (the recipient, and a
 * detail such as the SMTP server's reply). A channel throws on any failure; the delivery loop
 * (notify/delivery.ts) logs, counts and retries.
 */
import { createError } from '../../lib/errors.js';
import type { ChannelKind, MessageLanguage } from '../../store/notifications.js';
import type { Message } from '../messages.js';
import type { SecretValues } from '../secrets.js';

export interface ResolvedContactPoint {
  id: number;
  name: string;
  kind: ChannelKind;
  settings: Record<string, unknown>;
  secrets: SecretValues;
  language: MessageLanguage;
  username: string | null;
}

export interface SendResult {
  recipient: string;
  detail?: string;
}

export interface SendOptions {
  signal: AbortSignal;
  timeoutMs: number;
}

export type Channel = (cp: ResolvedContactPoint, message: Message, options: SendOptions) => Promise<SendResult>;

export const str = (v: unknown, fallback = ''): string => (typeof v === 'string' ? v : v === undefined || v === null ? fallback : String(v));

/** Plain headers from the settings plus the secret ones ('headers.<Name>'). */
export function headersOf(cp: ResolvedContactPoint): Record<string, string> {
  const out: Record<string, string> = {};
  const plain = cp.settings['headers'];
  if (plain && typeof plain === 'object') for (const [k, v] of Object.entries(plain as Record<string, unknown>)) out[k] = str(v);
  for (const [k, v] of Object.entries(cp.secrets)) if (k.startsWith('headers.')) out[k.slice(8)] = v;
  return out;
}

/** Who a contact point reaches, for the delivery log (never a secret). */
export function recipientOf(cp: Pick<ResolvedContactPoint, 'kind' | 'settings'>): string {
  if (cp.kind === 'email' || cp.kind === 'sms') return str(cp.settings['to']);
  const url = str(cp.settings['url']);
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

/** An HTTP answer outside 2xx, as an error the log can show. */
export async function assertOk(res: Response): Promise<void> {
  if (res.ok) return;
  const body = (await res.text().catch(() => '')).slice(0, 200);
  throw createError('QT_ERR_INTERNAL', `HTTP ${res.status}${body ? `: ${body}` : ''}`);
}
