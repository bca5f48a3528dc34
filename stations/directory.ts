/**
 * @module stations/directory
 * The registered stations and their profiles, held in memory so that the ingest hot path never
 * queries the database to learn what a station is. Loaded at start; every creation or secret
 * rotation goes through here so the memory, the database and the broker's credential cache
 * agree. Each stored change is announced as `stationChanged` on the bus (cluster/ relays it to
 * the other nodes); `refresh()`, which applies a change made elsewhere, announces nothing.
 */
import { DEFAULT_TIME_ZONE } from '../lib/time.js';
import { createError } from '../lib/errors.js';
import type { EventBus } from '../domain/events.js';
import { generateSecret, hashSecret } from '../lib/passwords.js';
import type { Db } from '../store/index.js';
import { createStation, getStation, listStations, setSecretHash, updateStation, type NewStation, type Station, type StationPatch } from '../store/stations.js';

export interface StationDirectory {
  get(id: string): Station | undefined;
  all(): Station[];
  readonly size: number;
  /** Creates a station with a new secret; undefined if the id is taken. The secret is returned once and stored only hashed. */
  register(station: NewStation): Promise<{ station: Station; secret: string } | undefined>;
  /** Replaces a station's secret; the old one stops working at once. */
  rotateSecret(id: string): Promise<string>;
  /** Updates the in-memory copy (e.g. connection state). */
  update(id: string, patch: Partial<Station>): void;
  /** Changes stored fields (name, province, enabled, attributes) and the memory together. */
  patch(id: string, patch: StationPatch): Promise<Station>;
  /** Re-reads one station from the database (multi-node mode: another node changed it). */
  refresh(id: string): Promise<void>;
}

export interface StationDirectoryDeps {
  /** Receives `stationChanged` after every stored change. */
  bus: EventBus;
  /** Called when a station's secret may have changed (the broker forgets the one it verified). */
  onSecretChanged: (stationId: string) => void;
  /** The zone of a station registered without one: the agency's (config.timezone; default Asia/Ho_Chi_Minh). */
  defaultTimeZone?: string;
}

/**
 * @example const directory = await loadStationDirectory(db, { bus, onSecretChanged: (id) => authenticator.forget(id) });
 */
export async function loadStationDirectory(db: Db, deps: StationDirectoryDeps): Promise<StationDirectory> {
  const { bus, onSecretChanged } = deps;
  const byId = new Map<string, Station>();
  const changed = (stationId: string) => bus.emit('stationChanged', { stationId });
  for (const s of await listStations(db)) byId.set(s.id, s);
  return {
    get: (id) => byId.get(id),
    all: () => [...byId.values()],
    get size() {
      return byId.size;
    },
    async register(input) {
      const secret = generateSecret();
      const station = await createStation(db, { ...input, timezone: input.timezone ?? deps.defaultTimeZone ?? DEFAULT_TIME_ZONE }, await hashSecret(secret));
      if (!station) return undefined;
      byId.set(station.id, station);
      changed(station.id);
      return { station, secret };
    },
    async rotateSecret(id) {
      const secret = generateSecret();
      await setSecretHash(db, id, await hashSecret(secret));
      onSecretChanged(id);
      changed(id);
      return secret;
    },
    async patch(id, patch) {
      const station = await updateStation(db, id, patch);
      if (!station) throw createError('QT_ERR_NOT_FOUND', `station ${id} does not exist`);
      byId.set(id, { ...station, connectionState: byId.get(id)?.connectionState ?? station.connectionState });
      changed(id);
      return byId.get(id)!;
    },
    update(id, patch) {
      const s = byId.get(id);
      if (s) byId.set(id, { ...s, ...patch });
    },
    async refresh(id) {
      const station = await getStation(db, id);
      if (!station) byId.delete(id);
      else byId.set(id, { ...station, connectionState: byId.get(id)?.connectionState ?? station.connectionState });
      onSecretChanged(id);
    },
  };
}
