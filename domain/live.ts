/**
 * @module dashboard/shared/live
 * The shapes the operations center's server sends and its page reads (type-only: imported by
 * dashboard/server/realtime.ts and by dashboard/web/src, never bundled as code).
 *
 * Socket.io protocol (path /socket.io/, same port as the API):
 *   client → server  'subscribe' (room, ack)   room = 'overview' | 'alerts' | `station:${id}`
 *                    'unsubscribe' (room, ack)
 *   server → client  'overview' OverviewFrame  to room overview
 *                    'readings' ReadingsFrame   to room station:{id}
 *                    'alerts'   AlertsFrame     to room alerts
 * Frames are batched: at most one per room every REALTIME_FRAME_MS (250 ms by default).
 */

export type LiveState = 'online' | 'stale' | 'offline';
export type Severity = 'info' | 'warning' | 'critical';

export interface StationLive {
  id: string;
  name: string;
  profile: string;
  province: string | null;
  lat: number;
  lon: number;
  enabled: boolean;
  /** online: a reading within 3 × the profile's interval; stale: connected but silent; offline: neither. */
  state: LiveState;
  /** ISO 8601, or null when nothing arrived recently. */
  lastReadingAt: string | null;
  /** Newest hourly VN_AQI of the last 3 hours, with its category key (alerts/indices/categories.ts). */
  aqi: number | null;
  aqiCategory: string | null;
  /** Surface-water stations: newest hourly VN_WQI of the last 3 hours and its class key (domain/indices/categories.ts VN_WQI_CLASSES). Optional: older nodes do not send it. */
  vnWqi?: number | null;
  vnWqiClass?: string | null;
}

export interface Kpi {
  stations: { total: number; online: number; stale: number; offline: number };
  /** Alerts in state firing, by severity. */
  firing: Record<Severity, number>;
  /** Readings received today (local day in the agency's zone, config.timezone) / readings expected from enabled stations, 0..1; null before any are expected. */
  completenessToday: number | null;
  /** Readings committed per second, mean over the last 10 s. */
  readingsPerSecond: number;
}

export interface OverviewSnapshot {
  generatedAt: string;
  stations: StationLive[];
  kpi: Kpi;
  map: { tileUrl: string; tileAttribution: string };
}

/** Only the stations whose state, AQI or name changed since the previous frame, and the KPIs. */
export interface OverviewFrame {
  stations: StationLive[];
  kpi: Kpi;
}

export interface LiveReading {
  metric: string;
  /** epoch ms */
  ts: number;
  value: number | null;
  quality: string;
}

export interface ReadingsFrame {
  station: string;
  readings: LiveReading[];
}

/** GET /api/v1/alerts item (dashboard/server/routes/alerts.ts alertJson). */
export interface AlertJson {
  id: number;
  station: string;
  rule: string;
  state: 'pending' | 'firing' | 'acknowledged' | 'resolved';
  severity: Severity;
  level: number | null;
  value: number | null;
  message: { en: string; vi: string };
  silenced: boolean;
  openedAt: string;
  firingAt: string | null;
  clearingSince: string | null;
  acknowledged: { at: string; by: string | null; comment: string | null } | null;
  resolved: { at: string; by: string | null; reason: string | null } | null;
  projectedAt: string | null;
  updatedAt: string;
}

export interface AlertsFrame {
  alerts: Array<{ alert: AlertJson; transition: string; notify: boolean }>;
}

export interface SubscribeAck {
  ok: boolean;
  error?: string;
}
