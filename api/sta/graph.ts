/**
 * @module api/sta/graph
 * The entities of one request, built on demand from the station directory, the device profiles
 * and each series' first/last reading, and how they relate (navigation). Everything but
 * Observations fits in memory (one entity per station, profile, metric or station × metric);
 * Observations stay in SQL (./observations.ts). Built per request so it is never stale.
 */
import { stationMetrics } from '../../analytics/catalog.js';
import type { LoadedProfile } from '../../device-profiles/index.js';
import type { Station } from '../../store/stations.js';
import type { Db } from '../../store/index.js';
import type { StationDirectory } from '../../stations/directory.js';
import type { Resolver } from './odata/evaluate.js';
import { datastreamRow, featureOfInterestRow, historicalLocationRow, locationRow, observedPropertyRows, sensorRow, thingRow, type Row } from './entities.js';
import { MODEL, type EntitySet } from './model.js';

export interface GraphDeps {
  db: Db;
  directory: StationDirectory;
  profiles: ReadonlyMap<string, LoadedProfile>;
}

export type MemorySet = Exclude<EntitySet, 'Observations'>;

export class EntityGraph {
  private readonly sets = new Map<MemorySet, Row[]>();
  private readonly datastreams = new Map<string, Row[]>();
  private readonly stations: Station[];

  constructor(
    private readonly deps: GraphDeps,
    readonly base: string,
  ) {
    this.stations = deps.directory.all().sort((a, b) => a.id.localeCompare(b.id));
  }

  /** Every entity of a set (Datastreams: of the given stations only, when named). */
  async all(set: MemorySet, stationIds?: readonly string[]): Promise<Row[]> {
    if (set === 'Datastreams') {
      const wanted = stationIds ? this.stations.filter((s) => stationIds.includes(s.id)) : this.stations;
      const missing = wanted.filter((s) => !this.datastreams.has(s.id));
      if (missing.length > 0) {
        const metrics = await stationMetrics(this.deps.db, this.deps.profiles, missing);
        for (const s of missing)
          this.datastreams.set(
            s.id,
            (metrics.get(s.id) ?? []).map((m) => datastreamRow(this.base, s, m)),
          );
      }
      return wanted.flatMap((s) => this.datastreams.get(s.id) ?? []);
    }
    let rows = this.sets.get(set);
    if (!rows) {
      rows = this.build(set);
      this.sets.set(set, rows);
    }
    return rows;
  }

  private build(set: Exclude<MemorySet, 'Datastreams'>): Row[] {
    const { base, stations } = this;
    const profiles = [...this.deps.profiles.values()].map((p) => p.profile).sort((a, b) => a.id.localeCompare(b.id));
    switch (set) {
      case 'Things':
        return stations.flatMap((s) => {
          const p = this.deps.profiles.get(s.profileId)?.profile;
          return p ? [thingRow(base, s, p)] : [];
        });
      case 'Locations':
        return stations.map((s) => locationRow(base, s));
      case 'HistoricalLocations':
        return stations.map((s) => historicalLocationRow(base, s));
      case 'FeaturesOfInterest':
        return stations.map((s) => featureOfInterestRow(base, s));
      case 'Sensors':
        return profiles.map((p) => sensorRow(base, p));
      case 'ObservedProperties':
        return observedPropertyRows(base, profiles);
    }
  }

  async get(set: MemorySet, id: string): Promise<Row | undefined> {
    const scope = set === 'Datastreams' ? [id.split(':')[0]!] : undefined;
    return (await this.all(set, scope)).find((r) => r.id === id);
  }

  /** The stations whose Datastreams a navigation from `row` of `set` reaches (undefined = all). */
  private datastreamScope(set: EntitySet, row: Row): string[] | undefined {
    if (set === 'Things' || set === 'Datastreams' || set === 'Observations') return row.stationId ? [row.stationId] : [];
    if (set === 'Sensors') return this.stations.filter((s) => s.profileId === row.id).map((s) => s.id);
    if (set === 'ObservedProperties') return this.stations.filter((s) => this.deps.profiles.get(s.profileId)?.profile.metrics[row.id]).map((s) => s.id);
    return undefined;
  }

  /** The entities that `row` of `set` reaches by navigation property `nav` (not Observations). */
  async related(set: EntitySet, row: Row, nav: string): Promise<Row[]> {
    const target = MODEL[set].navigation[nav]?.target;
    if (!target || target === 'Observations') return [];
    await this.all(target, target === 'Datastreams' ? this.datastreamScope(set, row) : undefined);
    return this.relatedLoaded(set, row, nav);
  }

  /** As `related`, from what is already loaded (for filters; load the sets a path crosses first). */
  relatedLoaded(set: EntitySet, row: Row, nav: string): Row[] {
    const target = MODEL[set].navigation[nav]?.target;
    if (!target || target === 'Observations') return [];
    if (target === 'Datastreams') {
      const rows = [...this.datastreams.values()].flat();
      if (set === 'Things') return rows.filter((d) => d.stationId === row.id);
      if (set === 'Sensors') return rows.filter((d) => d.profileId === row.id);
      if (set === 'ObservedProperties') return rows.filter((d) => d.metric === row.id);
      return rows.filter((d) => d.id === `${row.stationId}:${row.metric}`);
    }
    const rows = this.sets.get(target) ?? [];
    const key = target === 'Sensors' ? row.profileId : target === 'ObservedProperties' ? row.metric : row.stationId;
    return rows.filter((r) => r.id === key);
  }

  /** Loads what a filter or order on `set` needs to follow `paths` in memory. */
  async prepare(set: EntitySet, paths: readonly (readonly string[])[], stationIds?: readonly string[]): Promise<void> {
    for (const path of paths) {
      let current = set;
      for (const seg of path) {
        const nav = MODEL[current].navigation[seg];
        if (!nav) break;
        current = nav.target;
        if (current !== 'Observations') await this.all(current, stationIds);
      }
    }
  }

  /** The metrics a station's profile measures. */
  metricsOf(stationId: string): string[] {
    const s = this.deps.directory.get(stationId);
    return Object.keys((s && this.deps.profiles.get(s.profileId)?.profile.metrics) ?? {});
  }

  /** Reads property paths of one entity, following to-one navigation in memory. */
  resolver(set: EntitySet, row: Row): Resolver {
    return (path) => {
      let current = set;
      let r: Row | undefined = row;
      for (let i = 0; i < path.length; i++) {
        const seg = path[i]!;
        const nav = MODEL[current].navigation[seg];
        if (nav) {
          r = r && this.relatedLoaded(current, r, seg)[0];
          if (!r) return undefined;
          current = nav.target;
          continue;
        }
        let value: unknown = r!.json[seg];
        for (const sub of path.slice(i + 1)) value = value && typeof value === 'object' ? (value as Record<string, unknown>)[sub] : undefined;
        return value;
      }
      return undefined;
    };
  }
}
