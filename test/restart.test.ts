/**
 * A restart on the same DATA_DIR keeps every reading, the quarantine, the stations and their
 * credentials; a clean shutdown acknowledges nothing it has not committed.
 */
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { localIso, startTestApp, tempDataDir } from './helpers/app.js';

const dataDir = tempDataDir();
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

describe('restart on the same DATA_DIR', () => {
  it('keeps readings, quarantine, stations and secrets', async () => {
    const first = await startTestApp({}, dataDir);
    const s = await first.createStation({ id: 'KEEP-01', profile: 'salinity' });
    const client = await first.connectStation(s.id, s.secret);
    const base = Date.now() - 5 * 3_600_000;
    // 200 publishes in flight at once: every PUBACK must mean "committed"
    await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        client.publishAsync(`stations/${s.id}/readings`, JSON.stringify({ ts: localIso(base + i * 60_000), values: { salinity: 0.5 + i / 100, water_level: 1.2 } }), { qos: 1 }),
      ),
    );
    await client.publishAsync(`stations/${s.id}/readings`, 'not json', { qos: 1 });
    await first.close();

    const second = await startTestApp({}, dataDir);
    try {
      const rows = await second.api<{ data: Array<{ metric: string; value: number }> }>(
        'GET',
        `/api/v1/stations/${s.id}/readings?from=${new Date(Date.now() - 2 * 86_400_000).toISOString()}&limit=100000`,
      );
      expect(rows.body.data).toHaveLength(400);
      expect(rows.body.data.filter((r) => r.metric === 'salinity').at(-1)!.value).toBeCloseTo(2.49);
      const q = await second.api<{ data: Array<{ reasonCode: string }> }>('GET', `/api/v1/quarantine?station=${s.id}`);
      expect(q.body.data.map((e) => e.reasonCode)).toEqual(['invalid_json']);
      // the secret survives: the station reconnects and keeps publishing into the reopened hypertable
      const again = await second.connectStation(s.id, s.secret);
      await again.publishAsync(`stations/${s.id}/readings`, JSON.stringify({ ts: localIso(Date.now() - 1000), values: { salinity: 4.2 } }), { qos: 1 });
      const after = await second.api<{ data: unknown[] }>(
        'GET',
        `/api/v1/stations/${s.id}/readings?from=${new Date(Date.now() - 2 * 86_400_000).toISOString()}&metric=salinity&limit=100000`,
      );
      expect(after.body.data).toHaveLength(201);
    } finally {
      await second.close();
    }
  });
});
