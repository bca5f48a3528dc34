/**
 * @module notify/channels
 * The channel for each kind of contact point.
 */
import type { ChannelKind } from '../../store/notifications.js';
import { sendChat } from './chat.js';
import { sendEmail } from './email.js';
import { sendSms } from './sms.js';
import type { Channel } from './types.js';
import { sendWebhook } from './webhook.js';

export const CHANNELS: Readonly<Record<ChannelKind, Channel>> = { email: sendEmail, sms: sendSms, chat: sendChat, webhook: sendWebhook };
export type { Channel, ResolvedContactPoint, SendResult } from './types.js';
