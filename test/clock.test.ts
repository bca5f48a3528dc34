/**
 * Clock trouble: station clocks far in the future or the past, duplicate timestamps with
 * different values (the first write wins, the conflict is recorded and visible through
 * GET /api/v1/stations/{id}/conflicts), and Vietnam's daylight-free UTC+7 local times (Circular 10
 * files carry no offset) handled without loss.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MqttClient } from 'mqtt';
import { localIso, startTestApp, type TestApp } from './helpers/app.js';

let t: TestApp;
let client: MqttClient;
const ID = 'CLK-01';

beforeAll(async () => {
  t = await startTestApp();
  const s = await t.createStation({ id: ID });
  client = await t.connectStation(s.id, s.secret);
}, 120_000);
afterAll(async () => {
  await t?.close(true);
});

const publish = (body: unknown) => client.publishAsync(`stations/${ID}/readings`, JSON.stringify(body), { qos: 1 });

async function readings(from: string, to: string): Promise<Array<{ ts: string; value: number; quality: string }>> {
  const res = await t.api<{ data: Array<{ ts: string; value: number; quality: string }> }>(
    'GET',
    `/api/v1/stations/${ID}/readings?metric=pm25&from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`,
  );
  expect(res.status).toBe(200);
  return res.body.data;
}

async function quarantined(): Promise<Array<{ reasonCode: string; reason: string; payload: string }>> {
  const res = await t.api<{ data: Array<{ reasonCode: string; reason: string; payload: string }> }>('GET', `/api/v1/quarantine?station=${ID}`);
  return res.body.data;
}

describe('station clocks', () => {
  it('refuses a clock far in the future and one reset to before 2000, keeping the payloads with a reason, and stores old but plausible times', async () => {
    const now = Date.now();
    await publish({ ts: localIso(now + 3 * 3600_000), values: { pm25: 1 } }); // 3 h ahead
    await publish({ ts: '1970-01-01T07:00:00+07:00', values: { pm25: 2 } }); // clock reset
    await publish({ ts: localIso(now + 60_000), values: { pm25: 3 } }); // 1 min ahead: within INGEST_MAX_FUTURE_SKEW_S
    await publish({ ts: '2003-05-01T08:00:00+07:00', values: { pm25: 4 } }); // old backlog, still a real time
    await publish([
      { ts: localIso(now - 120_000), values: { pm25: 5 } },
      { ts: localIso(now + 10 * 86_400_000), values: { pm25: 6 } }, // 10 days ahead
      { ts: '1999-12-31T23:59:59+07:00', values: { pm25: 7 } },
    ]);

    const q = await quarantined();
    const codes = q.map((e) => e.reasonCode).sort();
    expect(codes).toEqual(['timestamp_in_future', 'timestamp_in_future', 'timestamp_too_old']);
    // the backlog array was quarantined whole with the index and reason of each refused element
    const partial = q.find((e) => e.payload.startsWith('['))!;
    expect(partial.reason).toMatch(/2 of 3 readings refused: \[1\] .*ahead of the server clock.*; \[2\] .*before 2000-01-01/);

    const recent = await readings(new Date(now - 86_400_000).toISOString(), new Date(now + 3600_000).toISOString());
    expect(recent.map((r) => r.value).sort((a, b) => a - b)).toEqual([3, 5]);
    const old = await readings('2003-05-01T00:00:00Z', '2003-05-02T00:00:00Z');
    expect(old).toEqual([expect.objectContaining({ ts: '2003-05-01T01:00:00.000Z', value: 4 })]);
  });
});

describe('duplicate timestamps', () => {
  it('keeps the first value, records each differing duplicate as a conflict, and ignores plain redeliveries', async () => {
    const ts = '2026-11-01T09:00:00+07:00';
    await publish({ ts, values: { pm25: 10 } });
    await publish({ ts, values: { pm25: 20 } }); // a different value for the same time
    await publish({ ts: '2026-11-01T02:00:00Z', values: { pm25: 10 } }); // the same instant written in UTC, same value: a redelivery
    await publish({ ts, values: { pm25: 10 }, status: { pm25: '01' } }); // same value, other status
    // two readings for one time in one backlog: the first in the array wins
    await publish([
      { ts: '2026-11-01T10:00:00+07:00', values: { pm25: 30 } },
      { ts: '2026-11-01T10:00:00+07:00', values: { pm25: 40 } },
    ]);

    const stored = await readings('2026-11-01T01:00:00Z', '2026-11-01T04:00:00Z');
    expect(stored).toEqual(
      [
        { ts: '2026-11-01T02:00:00.000Z', value: 10, quality: 'valid' },
        { ts: '2026-11-01T03:00:00.000Z', value: 30, quality: 'valid' },
      ].map((r) => expect.objectContaining(r)),
    );

    const res = await t.api<{ data: Array<{ metric: string; ts: string; stored: unknown; refused: unknown; source: string }>; next: number | null }>(
      'GET',
      `/api/v1/stations/${ID}/conflicts`,
    );
    expect(res.status).toBe(200);
    const conflicts = res.body.data.map(({ metric, ts: at, stored: s, refused, source }) => ({ metric, ts: at, stored: s, refused, source }));
    expect(conflicts).toEqual(
      expect.arrayContaining([
        { metric: 'pm25', ts: '2026-11-01T02:00:00.000Z', stored: { value: 10, quality: 'valid' }, refused: { value: 20, quality: 'valid' }, source: 'mqtt' },
        { metric: 'pm25', ts: '2026-11-01T02:00:00.000Z', stored: { value: 10, quality: 'valid' }, refused: { value: 10, quality: 'calibrating' }, source: 'mqtt' },
        { metric: 'pm25', ts: '2026-11-01T03:00:00.000Z', stored: { value: 30, quality: 'valid' }, refused: { value: 40, quality: 'valid' }, source: 'mqtt' },
      ]),
    );
    expect(conflicts).toHaveLength(3);

    // not without a token; 404 for an unknown station
    expect((await t.api('GET', `/api/v1/stations/${ID}/conflicts`, undefined, null)).status).toBe(401);
    expect((await t.api('GET', `/api/v1/stations/NOPE/conflicts`)).status).toBe(404);
  });
});

describe('UTC+7 local times', () => {
  it('reads Circular 10 times (no offset) as Asia/Ho_Chi_Minh, every hour of the day once, and records a differing resend as a conflict', async () => {
    // 24 hourly lines of 2026-03-08 local time: the day the US changed its clocks; Vietnam did not.
    const lines = Array.from({ length: 24 }, (_, h) => `PM2,5\t${h + 0.5}\tug/m3\t20260308${String(h).padStart(2, '0')}0000\t00`);
    const r1 = await t.app.circular10.intake.receive(ID, 'HN_KK_PM_20260308.txt', Buffer.from(lines.join('\r\n')), 'drop');
    expect(r1).toMatchObject({ outcome: 'accepted', rows: 24 });
    const stored = await readings('2026-03-07T17:00:00Z', '2026-03-08T17:00:00Z');
    expect(stored).toHaveLength(24);
    stored.forEach((r, h) => {
      expect(r.ts).toBe(new Date(Date.UTC(2026, 2, 8, h) - 7 * 3600_000).toISOString());
      expect(r.value).toBe(h + 0.5);
    });
    // the same hour re-sent with another value: the first stays, the conflict says where it came from
    const r2 = await t.app.circular10.intake.receive(ID, 'HN_KK_PM_20260308_2.txt', Buffer.from('PM2,5\t99\tug/m3\t20260308070000\t00'), 'drop');
    expect(r2.outcome).toBe('accepted');
    const res = await t.api<{ data: Array<{ ts: string; stored: { value: number }; refused: { value: number }; source: string }> }>(
      'GET',
      `/api/v1/stations/${ID}/conflicts?limit=1`,
    );
    expect(res.body.data[0]).toMatchObject({ ts: '2026-03-08T00:00:00.000Z', stored: { value: 7.5 }, refused: { value: 99 }, source: 'file' });
  });
});
