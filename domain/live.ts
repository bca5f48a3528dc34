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

import type { TypeIndex } from './type-index.js';

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
  /**
   * online: reporting, or connected for less than 3 × the profile's interval (its first reading is
   * not due yet); stale: connected (MQTT session up) but silent for longer; offline: neither
   * connected nor reporting. Only `offline` means disconnected.
   */
  state: LiveState;
  /** Its MQTT session is up now. (connected, reporting, completenessToday: optional, older nodes do not send them.) */
  connected?: boolean;
  /** A reading arrived within 3 × the profile's interval (by any way: MQTT, HTTP, files). */
  reporting?: boolean;
  /**
   * Today's completeness (the station's local day), percent 0–100 with one decimal, by the analyst
   * API's definition (GET /api/v1/completeness): Σ valid ÷ Σ (expected − calibrating − fault −
   * maintenance) over its metrics; null when nothing was expected or the station is disabled.
   */
  completenessToday?: number | null;
  /** ISO 8601, or null when nothing arrived recently. */
  lastReadingAt: string | null;
  /** Newest hourly VN_AQI of the last 3 hours, with its category key (alerts/indices/categories.ts). */
  aqi: number | null;
  aqiCategory: string | null;
  /** Surface-water stations: newest hourly VN_WQI of the last 3 hours and its class key (domain/indices/categories.ts VN_WQI_CLASSES). Optional: older nodes do not send it. */
  vnWqi?: number | null;
  vnWqiClass?: string | null;
  /**
   * Hydromet, salinity and wastewater stations: their own index (domain/type-index.ts) from the
   * newest valid values: flood alarm level reached, salinity class, or metrics over the station's
   * limits; null without a value (or without the station's levels/limits: see typeIndexMissing).
   * Optional: older nodes and other types do not send it.
   */
  typeIndex?: TypeIndex | null;
  /** The station has no alarm levels (hydromet: attribute floodLevels) or no limits (wastewater) of its own. */
  typeIndexMissing?: 'levels' | 'limits';
}

export interface Kpi {
  /**
   * Stations by state (online + stale + offline = total), and how many are connected (MQTT session
   * up) and reporting (a reading within 3 intervals): "disconnected" is `offline` (or total − connected
   * for MQTT stations), never stale.
   */
  stations: { total: number; online: number; stale: number; offline: number; connected: number; reporting: number };
  /** Alerts in state firing, by severity. */
  firing: Record<Severity, number>;
  /**
   * Today's completeness of the enabled stations (each in its local day), 0..1, by the analyst API's
   * definition: Σ valid ÷ Σ (expected − calibrating − fault − maintenance); null before any are expected.
   */
  completenessToday: number | null;
  /** Readings committed per minute, mean over the last 5 minutes (over at least the last minute just after start). */
  readingsPerMinute: number;
  /** readingsPerMinute ÷ 60, kept for older pages. */
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
  /** The value's unit from the device profile (µg/m³, mg/L…); null for rules without a metric. Optional: older nodes do not send it. */
  unit?: string | null;
  /** Without the rule packs' verification tags ([V], [C]…). */
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
