/**
 * @module notify/messages
 * The words people read at 3 a.m.: Vietnamese by default, English per contact point. Each
 * alert says its station, metric, value with unit, the limit and the standard it comes from
 * (where the rule carries them), the VN_AQI category where relevant, the local time in the
 * station's time zone, a link to the alert and the one-use acknowledgement link. A message can
 * carry several alerts (grouping). Also builds the `{{placeholders}}` SMS and chat templates use.
 */
import { stripVerificationMarkers } from '../domain/alerts.js';
import type { LoadedProfile } from '../device-profiles/index.js';
import { vnAqiCategory } from '../domain/indices/index.js';
import type { AlertSeverity } from '../domain/alerts.js';
import type { MessageLanguage } from '../store/notifications.js';
import type { DeliveryReason } from '../store/notifications-log.js';
import type { AlertContext } from './policies.js';

export interface MessageItem {
  ctx: AlertContext;
  alertUrl: string;
  ackUrl?: string | undefined;
  /** The station's latest hourly VN_AQI (air stations), when known. */
  vnAqi?: number | null | undefined;
}

export interface MessageInput {
  reason: DeliveryReason;
  language: MessageLanguage;
  items: readonly MessageItem[];
  /** Escalation level (reason 'escalation'). */
  level?: number | undefined;
  ackValidHours: number;
}

export interface Message {
  subject: string;
  /** The full text (e-mail body, chat message). */
  text: string;
  /** One line for SMS. */
  short: string;
  /** Values for `{{placeholders}}` in SMS and chat templates. */
  vars: Record<string, string>;
}

const SEVERITY = {
  vi: { info: 'Thông tin', warning: 'Cảnh báo', critical: 'NGHIÊM TRỌNG' },
  en: { info: 'Info', warning: 'Warning', critical: 'CRITICAL' },
} as const satisfies Record<MessageLanguage, Record<AlertSeverity, string>>;

const WORDS = {
  vi: {
    station: 'Trạm',
    metric: 'Thông số',
    value: 'Giá trị',
    limit: 'Giới hạn',
    aqi: 'VN_AQI',
    time: 'Thời điểm',
    localVn: 'giờ Việt Nam',
    view: 'Xem cảnh báo',
    ack: (h: number) => `Xác nhận đã nhận (dùng một lần, hết hạn sau ${h} giờ)`,
    resolved: 'Đã hết cảnh báo',
    escalation: (l: number) => `Chưa có ai xác nhận, chuyển cấp ${l}`,
    repeat: 'Nhắc lại: vẫn đang kích hoạt',
    test: 'Tin nhắn thử từ Quantrac: điểm nhận thông báo này hoạt động.',
    testSubject: 'Tin nhắn thử',
    many: (n: number, where: string) => `${n} cảnh báo tại ${where}`,
    forecast: 'Dự báo',
  },
  en: {
    station: 'Station',
    metric: 'Metric',
    value: 'Value',
    limit: 'Limit',
    aqi: 'VN_AQI',
    time: 'Time',
    localVn: 'Vietnam time',
    view: 'View the alert',
    ack: (h: number) => `Acknowledge (one use, expires in ${h} h)`,
    resolved: 'Resolved',
    escalation: (l: number) => `Not acknowledged, escalated to level ${l}`,
    repeat: 'Reminder: still firing',
    test: 'Test message from Quantrac: this contact point works.',
    testSubject: 'Test message',
    many: (n: number, where: string) => `${n} alerts at ${where}`,
    forecast: 'Forecast',
  },
} as const;

const numberFormats = new Map<string, Intl.NumberFormat>();
/** A number in the language's notation, with the metric's decimals (profile) or about three significant figures. */
function fmtNum(x: number, lang: MessageLanguage, decimals?: number): string {
  const digits = decimals ?? (Math.abs(x) >= 100 ? 0 : Math.abs(x) >= 10 ? 1 : 2);
  const key = `${lang}/${digits}`;
  let f = numberFormats.get(key);
  if (!f) numberFormats.set(key, (f = new Intl.NumberFormat(lang === 'vi' ? 'vi-VN' : 'en-US', { maximumFractionDigits: digits })));
  return f.format(x);
}

/** `14:05 22/11/2026` in the time zone, whatever the server's. */
export function localTime(at: Date, timeZone: string, lang: MessageLanguage): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-GB', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })
      .formatToParts(at)
      .map((p) => [p.type, p.value]),
  );
  const date = `${parts['day']}/${parts['month']}/${parts['year']}`;
  return lang === 'vi' ? `${parts['hour']}:${parts['minute']} ${date}` : `${date} ${parts['hour']}:${parts['minute']}`;
}

/** The limit the rule compares with, when it has one. */
export function ruleLimit(ctx: AlertContext): number | undefined {
  const r = ctx.rule;
  if (!r) return undefined;
  if (r.kind === 'threshold') return r.raise;
  if (r.kind === 'forecast') return r.limit;
  if (r.kind === 'levels' && ctx.alert.level !== null) return r.levels[ctx.alert.level]?.value;
  return undefined;
}

/** The lines describing one alert. */
function alertLines(item: MessageItem, lang: MessageLanguage, profiles: ReadonlyMap<string, LoadedProfile>, ackValidHours: number): string[] {
  const w = WORDS[lang];
  const { alert, station, rule } = item.ctx;
  const metricKey = rule && 'metric' in rule ? rule.metric : undefined;
  const def = metricKey && station ? profiles.get(station.profileId)?.profile.metrics[metricKey] : undefined;
  const unit = def?.unit ? ` ${def.unit}` : '';
  const lines = [`${w.station}: ${station ? `${station.name} (${station.id})${station.province ? `, ${station.province}` : ''}` : alert.stationId}`];
  if (metricKey) lines.push(`${w.metric}: ${def ? def.name[lang] : metricKey === 'vn_aqi_hourly' ? 'VN_AQI' : metricKey}`);
  if (alert.value !== null) lines.push(`${w.value}: ${fmtNum(alert.value, lang, def?.decimals)}${unit}`);
  const limit = ruleLimit(item.ctx);
  if (limit !== undefined) lines.push(`${w.limit}: ${fmtNum(limit, lang, def?.decimals)}${unit}${rule?.source ? ` (${stripVerificationMarkers(rule.source)})` : ''}`);
  const aqi = metricKey === 'vn_aqi_hourly' ? alert.value : item.vnAqi;
  if (aqi !== null && aqi !== undefined && (metricKey === 'vn_aqi_hourly' || station?.profileId === 'air-quality')) {
    const c = vnAqiCategory(aqi);
    lines.push(`${w.aqi}: ${Math.round(aqi)} – ${lang === 'vi' ? c.nameVi : c.nameEn}`);
  }
  const tz = station?.timezone ?? 'Asia/Ho_Chi_Minh';
  const at = alert.resolvedAt ?? alert.firingAt ?? alert.updatedAt;
  lines.push(`${w.time}: ${localTime(at, tz, lang)} (${tz === 'Asia/Ho_Chi_Minh' ? w.localVn : tz})`);
  lines.push(`${w.view}: ${item.alertUrl}`);
  if (item.ackUrl) lines.push(`${w.ack(ackValidHours)}: ${item.ackUrl}`);
  return lines;
}

function headline(item: MessageItem, lang: MessageLanguage): string {
  const { alert, kind } = item.ctx;
  return `${kind === 'forecast' ? `${WORDS[lang].forecast} · ` : ''}${alert.message[lang] || alert.message.en}`;
}

function prefix(input: MessageInput, severity: AlertSeverity): string {
  const w = WORDS[input.language];
  if (input.reason === 'resolved') return w.resolved;
  const sev = SEVERITY[input.language][severity];
  if (input.reason === 'escalation') return `${sev} · ${w.escalation(input.level ?? 2)}`;
  if (input.reason === 'repeat') return `${sev} · ${w.repeat}`;
  return sev;
}

const RANK: Record<AlertSeverity, number> = { info: 0, warning: 1, critical: 2 };

/**
 * Renders one message for one or more alerts.
 * @example renderMessage({ reason: 'firing', language: 'vi', items: [item], ackValidHours: 24 }, profiles).subject
 *   // '[Quantrac] NGHIÊM TRỌNG: PM2,5 trung bình 1 giờ vượt ngưỡng tại Hoàn Kiếm'
 */
export function renderMessage(input: MessageInput, profiles: ReadonlyMap<string, LoadedProfile>): Message {
  const lang = input.language;
  const w = WORDS[lang];
  if (input.reason === 'test' || input.items.length === 0) {
    return {
      subject: `[Quantrac] ${w.testSubject}`,
      text: w.test,
      short: w.test,
      vars: { subject: `[Quantrac] ${w.testSubject}`, text: w.test, short: w.test, status: 'test', count: '0' },
    };
  }
  const items = [...input.items].sort((a, b) => RANK[b.ctx.alert.severity] - RANK[a.ctx.alert.severity] || a.ctx.alert.id - b.ctx.alert.id);
  const first = items[0]!;
  const severity = first.ctx.alert.severity;
  const head = prefix(input, severity);
  const where = first.ctx.station?.name ?? first.ctx.alert.stationId;
  const subject = items.length === 1 ? `[Quantrac] ${head}: ${headline(first, lang)}` : `[Quantrac] ${head}: ${w.many(items.length, where)}`;
  const blocks = items.map((it) => [`■ ${SEVERITY[lang][it.ctx.alert.severity]}: ${headline(it, lang)}`, ...alertLines(it, lang, profiles, input.ackValidHours)].join('\n'));
  const text = [subject.replace('[Quantrac] ', ''), '', blocks.join('\n\n'), '', '— Quantrac'].join('\n');
  const tz = first.ctx.station?.timezone ?? 'Asia/Ho_Chi_Minh';
  const time = localTime(first.ctx.alert.resolvedAt ?? first.ctx.alert.firingAt ?? first.ctx.alert.updatedAt, tz, lang);
  const more = items.length > 1 ? (lang === 'vi' ? ` (+${items.length - 1} cảnh báo)` : ` (+${items.length - 1} alerts)`) : '';
  const ack = first.ackUrl ? (lang === 'vi' ? ` Xác nhận: ${first.ackUrl}` : ` Ack: ${first.ackUrl}`) : '';
  const short = `Quantrac ${head}: ${headline(first, lang)}${more}. ${where}, ${time}.${ack}`;
  const alert = first.ctx.alert;
  const metric = (first.ctx.rule && 'metric' in first.ctx.rule ? first.ctx.rule.metric : undefined) ?? '';
  const limit = ruleLimit(first.ctx);
  return {
    subject,
    text,
    short,
    vars: {
      subject,
      text,
      short,
      status: input.reason === 'resolved' ? 'resolved' : 'firing',
      severity: alert.severity,
      count: String(items.length),
      alertId: String(alert.id),
      station: alert.stationId,
      stationName: first.ctx.station?.name ?? alert.stationId,
      province: first.ctx.station?.province ?? '',
      metric,
      value: alert.value === null ? '' : fmtNum(alert.value, lang),
      limit: limit === undefined ? '' : fmtNum(limit, lang),
      message: alert.message[lang],
      time,
      alertUrl: first.alertUrl,
      ackUrl: first.ackUrl ?? '',
    },
  };
}
