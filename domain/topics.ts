/**
 * @module broker/topics
 * The MQTT topic grammar of Quantrac, built and parsed in one place.
 *
 *   stations/{stationId}/readings   station → platform   JSON reading or array of readings (backlog)
 *   stations/{stationId}/state      station → platform   "online" | "offline" (retained; "offline" is the last will)
 *   stations/{stationId}/commands   platform → station   JSON downlink command
 *
 * A station id is 1–64 characters of [A-Za-z0-9_-]: no `/`, `+`, `#` or `$`, so an id can never
 * widen a subscription or reach the reserved `$SYS` tree.
 */

export const STATION_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;
export const TOPIC_ROOT = 'stations';

export type StationTopicKind = 'readings' | 'state' | 'commands';

export interface ParsedTopic {
  stationId: string;
  kind: StationTopicKind;
}

const KINDS: ReadonlySet<string> = new Set<StationTopicKind>(['readings', 'state', 'commands']);

/** True when `id` is a valid station id (see the grammar above). */
export function isStationId(id: string): boolean {
  return STATION_ID_PATTERN.test(id);
}

/** Builds `stations/{stationId}/{kind}`; throws on an invalid id so a bad id never reaches the wire. */
export function stationTopic(stationId: string, kind: StationTopicKind): string {
  if (!isStationId(stationId)) throw new TypeError(`invalid station id: ${JSON.stringify(stationId)}`);
  return `${TOPIC_ROOT}/${stationId}/${kind}`;
}

/**
 * Parses a concrete (wildcard-free) topic. Returns undefined for anything outside the grammar.
 * @example parseTopic('stations/HN-001/readings') // { stationId: 'HN-001', kind: 'readings' }
 */
export function parseTopic(topic: string): ParsedTopic | undefined {
  const parts = topic.split('/');
  if (parts.length !== 3) return undefined;
  const [root, stationId, kind] = parts as [string, string, string];
  if (root !== TOPIC_ROOT || !isStationId(stationId) || !KINDS.has(kind)) return undefined;
  return { stationId, kind: kind as StationTopicKind };
}
