/**
 * @module dashboard/web/alert-watch
 * The open alerts of the whole network, kept for the signed-in page: loaded from the API, kept
 * current by the live stream's `alerts` room, reloaded after a reconnect. One per session, shared
 * by the shell's banner, the overview and the wall, so a new alert is seen on every page.
 */
import type { AlertJson, AlertsFrame } from '../../../domain/live';
import { api } from './api';
import type { Live } from './live';

export type AlertChange = AlertsFrame['alerts'][number];

export interface AlertWatch {
  /** Open alerts (pending, firing, acknowledged), in no particular order. */
  open(): AlertJson[];
  /** A station's name, or its id until the directory is loaded. */
  stationName(id: string): string;
  /** `changes` are the live frame's entries; null after a full reload from the API. */
  onChange(fn: (changes: readonly AlertChange[] | null) => void): () => void;
  reload(): Promise<void>;
  close(): void;
}

export function createAlertWatch(live: Live): AlertWatch {
  const alerts = new Map<number, AlertJson>();
  const names = new Map<string, string>();
  const listeners = new Set<(changes: readonly AlertChange[] | null) => void>();
  let closed = false;
  let namesLoading: Promise<void> | undefined;

  const emit = (changes: readonly AlertChange[] | null) => {
    for (const fn of listeners) fn(changes);
  };

  function loadNames(): Promise<void> {
    namesLoading ??= api<{ data: Array<{ id: string; name: string }> }>('GET', '/api/v1/stations')
      .then((res) => {
        for (const s of res.data) names.set(s.id, s.name);
      })
      .catch((err: unknown) => console.warn('alerts: station names not loaded', err))
      .finally(() => {
        namesLoading = undefined;
      });
    return namesLoading;
  }

  async function reload(): Promise<void> {
    const [res] = await Promise.all([api<{ data: AlertJson[] }>('GET', '/api/v1/alerts?state=open&limit=1000'), names.size === 0 ? loadNames() : undefined]);
    if (closed) return;
    alerts.clear();
    for (const a of res.data) if (a.state !== 'resolved') alerts.set(a.id, a);
    emit(null);
  }

  const offAlerts = live.subscribe('alerts', 'alerts', (f: AlertsFrame) => {
    let unknown = false;
    for (const { alert } of f.alerts) {
      if (alert.state === 'resolved') alerts.delete(alert.id);
      else alerts.set(alert.id, alert);
      if (!names.has(alert.station)) unknown = true;
    }
    if (unknown) void loadNames().then(() => !closed && emit([]));
    emit(f.alerts);
  });
  const offReconnect = live.onReconnect(() => void reload().catch((err: unknown) => console.warn('alerts: reload failed', err)));
  void reload().catch((err: unknown) => console.warn('alerts: loading failed', err));

  return {
    open: () => [...alerts.values()],
    stationName: (id) => names.get(id) ?? id,
    onChange(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
    reload,
    close() {
      closed = true;
      offAlerts();
      offReconnect();
      listeners.clear();
    },
  };
}
