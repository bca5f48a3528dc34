/**
 * Notifications end to end (issue 19), real components: the app with its embedded database,
 * real MQTT readings, a real SMTP server (smtp-server) and a local HTTP server standing in for
 * the SMS gateway and webhooks. The engine and the notifier share a fake clock (tests call
 * tick()); nothing here asserts a duration: speed is measured in bench/notifications.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localIso, startJsonReceiver, startTestApp, tempDataDir, type JsonReceiver, type TestApp } from './helpers/app.js';
import { startGateway, startSmtpSink, type Gateway, type SmtpSink } from './helpers/smtp.js';

let clock = Date.now();
const now = () => clock;
let t: TestApp;
let smtp: SmtpSink;
let sms: Gateway;
const receivers: JsonReceiver[] = [];

beforeAll(async () => {
  smtp = await startSmtpSink();
  sms = await startGateway('/api/sms');
  t = await startTestApp({}, tempDataDir(), { now });
  await t.userToken('duty-op', 'operator');
  expect((await t.api('PUT', '/api/v1/notifications/settings', { baseUrl: 'https://ioc.example.vn' })).status).toBe(200);
});
afterAll(async () => {
  await t?.close(true);
  await smtp?.close();
  await sms?.close();
  for (const r of receivers) await r.close();
});

const notifier = () => t.app.notifier;

async function created<T = { id: number }>(path: string, body: unknown): Promise<T> {
  const res = await t.api<T>('POST', path, body);
  if (res.status !== 201) throw new Error(`${path}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body;
}

function criticalRule(id: string, station: string, metric = 'pm25', raise = 100) {
  return {
    id,
    name: { en: `${metric} above ${raise}`, vi: `${metric} vượt ${raise}` },
    kind: 'threshold',
    scope: { station },
    metric,
    severity: 'critical',
    op: 'above',
    raise,
    clear: raise * 0.9,
    over: 'raw',
    source: 'QCVN 05:2023/BTNMT, Bảng 1',
  };
}

async function webhook(name: string): Promise<{ id: number; receiver: JsonReceiver }> {
  const receiver = await startJsonReceiver(`/hook/${name}`);
  receivers.push(receiver);
  const cp = await created('/api/v1/notifications/contact-points', { name, kind: 'webhook', settings: { url: receiver.url } });
  return { id: cp.id, receiver };
}

async function publish(station: { id: string; secret: string }, values: Record<string, number>, at = Date.now() - 60_000): Promise<void> {
  const client = await t.connectStation(station.id, station.secret);
  await client.publishAsync(`stations/${station.id}/readings`, JSON.stringify({ ts: localIso(at), values }), { qos: 1 });
  await t.app.alerts.idle();
}

async function alertOf(station: string, rule: string): Promise<{ id: number; state: string; severity: string }> {
  const res = await t.api<{ data: Array<{ id: number; rule: string; state: string; severity: string }> }>('GET', `/api/v1/alerts?station=${station}&rule=${rule}`);
  const a = res.body.data.find((x) => x.rule === rule);
  if (!a) throw new Error(`no alert ${rule} at ${station}`);
  return a;
}

describe('a critical episode reaches the duty officer by e-mail and SMS', () => {
  let alertId: number;
  let ackUrl: string;

  it('sends a Vietnamese e-mail with the fields and the templated SMS request; secrets are never shown', async () => {
    const s = await t.createStation({ id: 'HN-HK', name: 'Hoàn Kiếm' });
    expect((await t.api('POST', '/api/v1/rules', criticalRule('ntest.pm25', s.id))).status).toBe(201);
    const email = await created<{ id: number; secretsSet: string[] }>('/api/v1/notifications/contact-points', {
      name: 'Trực ban Hà Nội (e-mail)',
      kind: 'email',
      settings: { host: '127.0.0.1', port: smtp.port, secure: false, user: 'quantrac', from: 'canhbao@ioc.example.vn', to: 'trucban@hanoi.example.vn' },
      secrets: { password: 'smtp-pass-123' },
      username: 'duty-op',
    });
    expect(email.secretsSet).toEqual(['password']);
    const smsCp = await created<{ id: number; secretsSet: string[]; settings: Record<string, unknown> }>('/api/v1/notifications/contact-points', {
      name: 'Trực ban Hà Nội (SMS)',
      kind: 'sms',
      settings: {
        url: sms.url,
        method: 'POST',
        to: '0912345678',
        contentType: 'application/json',
        bodyTemplate: '{"phone":"{{to}}","text":"{{short}}","severity":"{{severity}}"}',
      },
      secrets: { headers: { Authorization: 'Bearer gw-secret' } },
      username: 'duty-op',
    });
    expect(smsCp.secretsSet).toEqual(['headers.Authorization']);
    const listed = await t.api<{ data: unknown[] }>('GET', '/api/v1/notifications/contact-points');
    expect(JSON.stringify(listed.body)).not.toContain('gw-secret');
    expect(JSON.stringify(listed.body)).not.toContain('smtp-pass-123');
    await created('/api/v1/notifications/policies', { name: 'Critical Hà Nội', matchers: { severities: ['critical'], stations: [s.id] }, contactPointIds: [email.id, smsCp.id] });

    await publish(s, { pm25: 182.4 });
    alertId = (await alertOf(s.id, 'ntest.pm25')).id;
    await notifier().idle();

    const mail = smtp.mails.find((m) => m.headers['x-quantrac-alerts'] === String(alertId));
    expect(mail, 'an e-mail for the alert').toBeDefined();
    expect(mail!.to).toEqual(['trucban@hanoi.example.vn']);
    expect(mail!.subject).toContain('[Quantrac] NGHIÊM TRỌNG');
    expect(mail!.text).toContain('Trạm: Hoàn Kiếm (HN-HK), Hà Nội');
    expect(mail!.text).toContain('Thông số: Bụi PM2,5');
    expect(mail!.text).toContain('Giá trị: 182,4 µg/m³');
    expect(mail!.text).toContain('Giới hạn: 100 µg/m³ (QCVN 05:2023/BTNMT, Bảng 1)');
    expect(mail!.text).toMatch(/Thời điểm: \d\d:\d\d \d\d\/\d\d\/\d{4} \(giờ Việt Nam\)/);
    expect(mail!.text).toContain(`Xem cảnh báo: https://ioc.example.vn/alerts?id=${alertId}`);
    ackUrl = /https:\/\/ioc\.example\.vn\/ack\/(\S+)/.exec(mail!.text)![0];

    const req = sms.requests.find((r) => r.body.includes('NGHIÊM TRỌNG'));
    expect(req, 'the SMS gateway request').toBeDefined();
    expect(req!.method).toBe('POST');
    expect(req!.headers['authorization']).toBe('Bearer gw-secret');
    const body = JSON.parse(req!.body) as { phone: string; text: string; severity: string };
    expect(body).toMatchObject({ phone: '0912345678', severity: 'critical' });
    expect(body.text).toContain('Hoàn Kiếm');

    const log = await t.api<{ data: Array<{ channel: string; status: string; recipient: string; alertIds: number[] }> }>(
      'GET',
      `/api/v1/notifications/deliveries?alert=${alertId}`,
    );
    expect(log.body.data.map((d) => `${d.channel}:${d.status}:${d.recipient}`).sort()).toEqual(['email:sent:trucban@hanoi.example.vn', 'sms:sent:0912345678']);
    const metrics = await t.api<string>('GET', '/metrics');
    expect(metrics.body).toMatch(/quantrac_notifications_total\{channel="email",status="sent"\} [1-9]/);
    expect(metrics.body).toContain('quantrac_notification_delivery_seconds_bucket');
  });

  it('acknowledges the alert from the link in the message as that user, once', async () => {
    const token = ackUrl.split('/ack/')[1]!;
    const page = await fetch(`${t.baseUrl}/ack/${token}`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<form method="post"');
    expect((await alertOf('HN-HK', 'ntest.pm25')).state).toBe('firing'); // a GET (a mail scanner) never acknowledges

    const first = await t.api<{ alert: { state: string; acknowledged: { by: string; comment: string } } }>('POST', `/api/v1/notifications/ack/${token}`, undefined, null);
    expect(first.status).toBe(200);
    expect(first.body.alert).toMatchObject({ state: 'acknowledged', acknowledged: { by: 'duty-op', comment: 'acknowledged from e-mail' } });
    const second = await t.api<{ error: { code: string } }>('POST', `/api/v1/notifications/ack/${token}`, undefined, null);
    expect(second.status).toBe(410);
    expect(second.body.error.code).toBe('QT_ERR_ACK_LINK_USED');
    const forged = await t.api<{ error: { code: string } }>('POST', `/api/v1/notifications/ack/${token.slice(0, -2)}xx`, undefined, null);
    expect(forged.status).toBe(404);

    const detail = await t.api<{ history: Array<{ type: string; actor: string | null; comment: string | null }> }>('GET', `/api/v1/alerts/${alertId}`);
    expect(detail.body.history.find((h) => h.type === 'acknowledged')).toMatchObject({ actor: 'duty-op', comment: 'acknowledged from e-mail' });
  });
});

describe('routing', () => {
  it('groups five alerts of one station into one message', async () => {
    const s = await t.createStation({ id: 'GR-1', name: 'Trạm nhóm' });
    const metrics = ['pm25', 'pm10', 'no2', 'so2', 'co'];
    for (const m of metrics) expect((await t.api('POST', '/api/v1/rules', criticalRule(`ntest.group.${m}`, s.id, m, 10))).status).toBe(201);
    const hook = await webhook('Nhóm theo trạm');
    await created('/api/v1/notifications/policies', {
      name: 'Group by station',
      matchers: { stations: [s.id], severities: ['critical'] },
      contactPointIds: [hook.id],
      groupBy: 'station',
      groupWaitSeconds: 60,
    });
    await publish(s, Object.fromEntries(metrics.map((m) => [m, 50])));
    await notifier().idle();
    expect(hook.receiver.received).toHaveLength(0); // waiting for the group window
    clock += 61_000;
    await notifier().tick();
    await notifier().idle();
    expect(hook.receiver.received).toHaveLength(1);
    expect(hook.receiver.received[0]).toMatchObject({ count: '5', status: 'firing', station: s.id });
    expect(String(hook.receiver.received[0]!['subject'])).toContain('5 cảnh báo tại Trạm nhóm');
  });

  it('holds a warning during a mute timing and lets a critical through', async () => {
    const s = await t.createStation({ id: 'MU-1' });
    await t.api('POST', '/api/v1/rules', { ...criticalRule('ntest.mute.warn', s.id, 'pm10', 100), severity: 'warning' });
    await t.api('POST', '/api/v1/rules', criticalRule('ntest.mute.crit', s.id, 'pm25', 100));
    const hook = await webhook('Lãnh đạo tỉnh');
    const allDay = await created('/api/v1/notifications/mute-timings', { name: 'Cả ngày', intervals: [{ weekdays: [], start: '00:00', end: '00:00' }] });
    await created('/api/v1/notifications/policies', {
      name: 'Leaders',
      matchers: { stations: [s.id] },
      contactPointIds: [hook.id],
      muteTimingIds: [allDay.id],
      criticalPassesMute: true,
    });
    await publish(s, { pm10: 300, pm25: 300 });
    await notifier().idle();
    const warn = await alertOf(s.id, 'ntest.mute.warn');
    const crit = await alertOf(s.id, 'ntest.mute.crit');
    expect(hook.receiver.received.map((r) => r['alertId'])).toEqual([String(crit.id)]);
    const held = await t.api<{ data: Array<{ status: string }> }>('GET', `/api/v1/notifications/deliveries?alert=${warn.id}`);
    expect(held.body.data.map((d) => d.status)).toEqual(['muted']);
  });

  it('escalates to whoever is on call at level 2 when nobody acknowledges in time, and stops once acknowledged', async () => {
    const s = await t.createStation({ id: 'ES-1' });
    await t.api('POST', '/api/v1/rules', criticalRule('ntest.esc.a', s.id, 'pm25', 100));
    await t.api('POST', '/api/v1/rules', criticalRule('ntest.esc.b', s.id, 'pm10', 100));
    const l1 = await webhook('Cấp 1: trực ban');
    const l2 = await webhook('Cấp 2: trưởng ca');
    const schedule = await created('/api/v1/notifications/schedules', {
      name: 'Trưởng ca',
      rotation: { startsAt: '2024-01-01T08:00:00+07:00', shiftHours: 12, members: [l2.id] },
    });
    const onCall = await t.api<{ contactPoint: { id: number } }>('GET', `/api/v1/notifications/schedules/${schedule.id}/on-call`);
    expect(onCall.body.contactPoint.id).toBe(l2.id);
    const chain = await created('/api/v1/notifications/escalation-chains', {
      name: 'Chuỗi Hà Nội',
      levels: [
        { afterMinutes: 0, contactPointIds: [l1.id] },
        { afterMinutes: 15, scheduleIds: [schedule.id] },
      ],
    });
    await created('/api/v1/notifications/policies', { name: 'Escalate', matchers: { stations: [s.id] }, escalationChainId: chain.id });

    await publish(s, { pm25: 250 });
    const a = await alertOf(s.id, 'ntest.esc.a');
    await notifier().idle();
    expect(l1.receiver.received.map((r) => r['alertId'])).toEqual([String(a.id)]);
    clock += 10 * 60_000;
    await publish(s, { pm10: 250 }, Date.now() - 30_000);
    const b = await alertOf(s.id, 'ntest.esc.b');
    await notifier().idle();
    // b is acknowledged in time; a is not
    expect((await t.api('POST', `/api/v1/alerts/${b.id}/ack`, { comment: 'đang xử lý' })).status).toBe(200);
    clock += 16 * 60_000;
    await notifier().tick();
    await notifier().idle();
    expect(l2.receiver.received.map((r) => r['alertId'])).toEqual([String(a.id)]);
    expect(String(l2.receiver.received[0]!['subject'])).toContain('chuyển cấp 2');
    clock += 60 * 60_000;
    await notifier().tick();
    await notifier().idle();
    expect(l2.receiver.received).toHaveLength(1);
  });
});

describe('a gateway that fails or hangs', () => {
  it('marks a contact point failing after repeated errors (healthz degraded, logged) and recovers', async () => {
    const gw = await startGateway('/down');
    try {
      gw.mode = 'fail';
      const cp = await created('/api/v1/notifications/contact-points', { name: 'Gateway 500', kind: 'sms', settings: { url: gw.url, to: '0900000000' } });
      const failures: unknown[] = [];
      t.app.bus.on('test', 'notificationChannelFailing', (e) => void failures.push(e));
      for (let i = 0; i < 3; i++) {
        const r = await t.api<{ status: string; error: string }>('POST', `/api/v1/notifications/contact-points/${cp.id}/test`);
        expect(r.body.status).toBe('gave_up');
        expect(r.body.error).toContain('HTTP 500');
      }
      const health = await t.api<{ status: string; notifications: { failing: Array<{ name: string; lastError: string }> } }>('GET', '/healthz', undefined, null);
      expect(health.body.status).toBe('degraded');
      expect(health.body.notifications.failing).toEqual([expect.objectContaining({ name: 'Gateway 500', lastError: expect.stringContaining('HTTP 500') })]);
      expect(failures).toHaveLength(1);
      gw.mode = 'ok';
      expect((await t.api<{ status: string }>('POST', `/api/v1/notifications/contact-points/${cp.id}/test`)).body.status).toBe('sent');
      expect((await t.api<{ status: string }>('GET', '/healthz', undefined, null)).body.status).toBe('ok');
    } finally {
      t.app.bus.removeOwner('test');
      await gw.close();
    }
  });

  it('keeps acknowledging and storing readings and firing alerts while the gateway hangs', async () => {
    const gw = await startGateway('/hang');
    gw.mode = 'hang';
    try {
      const s1 = await t.createStation({ id: 'HG-1' });
      const s2 = await t.createStation({ id: 'HG-2' });
      await t.api('POST', '/api/v1/rules', criticalRule('ntest.hang.1', s1.id));
      await t.api('POST', '/api/v1/rules', criticalRule('ntest.hang.2', s2.id));
      const cp = await created('/api/v1/notifications/contact-points', { name: 'Gateway treo', kind: 'sms', settings: { url: gw.url, to: '0911111111' } });
      await created('/api/v1/notifications/policies', { name: 'Hanging', matchers: { stations: [s1.id, s2.id] }, contactPointIds: [cp.id] });
      await publish(s1, { pm25: 300 });
      expect((await alertOf(s1.id, 'ntest.hang.1')).state).toBe('firing');
      // the gateway has the request and is not answering
      for (let i = 0; i < 100 && gw.requests.length === 0; i++) await new Promise((r) => setTimeout(r, 20));
      expect(gw.requests.length).toBeGreaterThan(0);
      const base = Date.now() - 50 * 60_000;
      for (let i = 0; i < 20; i++) await publish(s2, { pm25: i === 10 ? 400 : 20 }, base + i * 60_000); // each resolves on PUBACK
      const stored = await t.app.store.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM readings WHERE station_id = $1`, [s2.id]);
      expect(stored.rows[0]!.n).toBe(20);
      expect((await alertOf(s2.id, 'ntest.hang.2')).severity).toBe('critical');
    } finally {
      await gw.close();
    }
  });
});
