/**
 * The spatial judgement without the database (validation/scheduled-spatial.ts): the consensus is
 * the nearest `maxNeighbours` stations with a mean that hour; below that cap it judges exactly as
 * the plain definition (every station of the profile within the radius), checked against a naive
 * reference over random networks; and a dense network's work yields to the event loop.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { StationHourMean } from '../store/qc-scheduled.js';
import { defaultSpatialConfigOf, spatialSettings, SPATIAL_DEFAULTS } from './scheduled-config.js';
import { evaluateSpatial, MAD_TO_SIGMA, median, type SpatialFinding } from './scheduled-spatial.js';
import { haversineKm } from './spatial-neighbours.js';

const HOUR = Date.UTC(2026, 11, 1, 3);
/** about 1.11 km per 0.01° of latitude */
const at = (stationId: string, lat: number, mean: number, extra: Partial<StationHourMean> = {}): StationHourMean => ({
  stationId,
  profileId: 'air-quality',
  lat,
  lon: 105.85,
  metric: 'pm25',
  hour: HOUR,
  mean,
  n: 60,
  ...extra,
});

/** The definition, pair by pair: every other station of the profile, metric and hour within the radius. */
function naive(means: readonly StationHourMean[]): string[] {
  const out: string[] = [];
  for (const self of means) {
    const c = defaultSpatialConfigOf(self.stationId, self.profileId);
    const minDelta = c.minDelta[self.metric];
    if (!c.enabled || minDelta === undefined) continue;
    const values = means
      .filter(
        (o) => o !== self && o.profileId === self.profileId && o.metric === self.metric && o.hour === self.hour && haversineKm(self.lat, self.lon, o.lat, o.lon) <= c.radiusKm,
      )
      .map((o) => o.mean);
    if (values.length < c.minNeighbours) continue;
    const med = median(values);
    const mad = median(values.map((v) => Math.abs(v - med)));
    const limit = Math.max(c.k * MAD_TO_SIGMA * mad, minDelta);
    if (Math.abs(self.mean - med) > limit) out.push(`${self.stationId}/${self.metric}/${self.hour}`);
  }
  return out;
}
const key = (f: SpatialFinding) => `${f.stationId}/${f.metric}/${f.hour}`;

describe('spatial consistency, the judgement', () => {
  it('takes the consensus of the nearest maxNeighbours, not of every station in the radius', async () => {
    // 30 near stations read 100, 40 farther ones (still within 10 km) read 10; the station reads 100
    const near = Array.from({ length: 30 }, (_, i) => at(`N${String(i).padStart(2, '0')}`, 21.001 + i * 0.0001, 100));
    const far = Array.from({ length: 40 }, (_, i) => at(`F${String(i).padStart(2, '0')}`, 21.05 + i * 0.0001, 10));
    const self = at('SELF', 21.0, 100);
    const findings = await evaluateSpatial([self, ...near, ...far], defaultSpatialConfigOf);
    expect(SPATIAL_DEFAULTS.maxNeighbours).toBe(30);
    // with every station in the radius the median would be 10 and SELF flagged; its 30 nearest agree with it
    expect(findings.find((f) => f.stationId === 'SELF')).toBeUndefined();
    // nor is any far one: its 30 nearest are far ones too, all at 10
    expect(findings.map(key)).toEqual([]);
    // a drifting station in the near cluster is flagged against its nearest, with 30 neighbours
    const drifting = await evaluateSpatial([at('SELF', 21.0, 160), ...near, ...far], defaultSpatialConfigOf);
    expect(drifting.find((f) => f.stationId === 'SELF')?.detail).toMatchObject({ median: 100, neighbours: 30 });
  });

  it('takes minNeighbours when it is set above maxNeighbours', async () => {
    const near = Array.from({ length: 40 }, (_, i) => at(`N${String(i).padStart(2, '0')}`, 21.001 + i * 0.0001, 100));
    const { configOf } = spatialSettings([{ scope: 'station:SELF', config: { spatial: { minNeighbours: 35 } } }]);
    const findings = await evaluateSpatial([at('SELF', 21.0, 160), ...near], configOf);
    expect(findings.find((f) => f.stationId === 'SELF')?.detail).toMatchObject({ neighbours: 35, median: 100 });
  });

  it('skips neighbours silent that hour and takes the next nearest', async () => {
    const near = Array.from({ length: 30 }, (_, i) => at(`N${String(i).padStart(2, '0')}`, 21.001 + i * 0.0001, 100));
    const next = Array.from({ length: 10 }, (_, i) => at(`M${String(i).padStart(2, '0')}`, 21.02 + i * 0.0001, 50));
    // the nearest 10 report another metric only this hour
    const silent = near.slice(0, 10).map((m) => ({ ...m, metric: 'pm10' }));
    const findings = await evaluateSpatial([at('SELF', 21.0, 50), ...silent, ...near.slice(10), ...next], defaultSpatialConfigOf);
    const self = findings.find((f) => f.stationId === 'SELF');
    // 20 near at 100 and the 10 next at 50: 30 neighbours, median 100, SELF at 50 flagged
    expect(self?.detail).toMatchObject({ neighbours: 30, median: 100 });
  });

  it('judges as the definition does while no station has more than maxNeighbours in its radius', async () => {
    const station = fc.record({
      lat: fc.double({ min: 20.95, max: 21.1, noNaN: true }),
      lon: fc.double({ min: 105.75, max: 105.9, noNaN: true }),
      metric: fc.oneof({ arbitrary: fc.constant('pm25'), weight: 4 }, fc.constantFrom('no2', 'wind_dir')),
      profileId: fc.oneof({ arbitrary: fc.constant('air-quality'), weight: 4 }, fc.constant('hydromet')),
      hour: fc.constantFrom(HOUR, HOUR + 3_600_000),
      // mostly a consensus near 20, sometimes a station far off it
      mean: fc.oneof({ arbitrary: fc.double({ min: 19, max: 22, noNaN: true }), weight: 4 }, { arbitrary: fc.double({ min: 0, max: 90, noNaN: true }), weight: 1 }),
    });
    let flagged = 0;
    await fc.assert(
      fc.asyncProperty(fc.array(station, { minLength: 10, maxLength: 30, size: 'max' }), async (list) => {
        const means = list.map((m, i) => ({ ...m, stationId: `S${i}`, n: 60 }));
        const got = (await evaluateSpatial(means, defaultSpatialConfigOf, { sliceMs: 0 })).map(key).sort();
        expect(got).toEqual(naive(means).sort());
        flagged += got.length;
      }),
      { numRuns: 200 },
    );
    // the property was not met by flagging nothing
    expect(flagged).toBeGreaterThan(50);
  });

  it('a station turned off is not judged but is still a neighbour of the others', async () => {
    const { configOf } = spatialSettings([{ scope: 'station:B', config: { spatial: { enabled: false } } }]);
    const means = [at('A', 21.0, 10), at('B', 21.001, 10), at('C', 21.002, 10), at('D', 21.003, 90), at('E', 21.004, 10)];
    const flagged = (await evaluateSpatial(means, configOf)).map((f) => f.stationId);
    expect(flagged).toEqual(['D']);
    const withoutB = (
      await evaluateSpatial(
        means.filter((m) => m.stationId !== 'B'),
        configOf,
      )
    ).map((f) => f.stationId);
    expect(withoutB).toEqual(['D']);
    // D needs 3 neighbours: without B and E it is not judged
    expect(
      await evaluateSpatial(
        means.filter((m) => m.stationId !== 'B' && m.stationId !== 'E'),
        configOf,
      ),
    ).toEqual([]);
  });

  it('lets the event loop turn while it judges a dense network (1,000 stations in one place)', async () => {
    const means: StationHourMean[] = [];
    for (let s = 0; s < 1000; s++) for (let h = 0; h < 3; h++) means.push(at(`S${s}`, 21.03, 20 + (s % 7), { hour: HOUR + h * 3_600_000 }));
    let turns = 0;
    const ticker = setInterval(() => turns++, 0);
    try {
      const findings = await evaluateSpatial(means, defaultSpatialConfigOf, { sliceMs: 0 });
      expect(findings).toEqual([]);
    } finally {
      clearInterval(ticker);
    }
    expect(turns).toBeGreaterThan(0);
  });
});
