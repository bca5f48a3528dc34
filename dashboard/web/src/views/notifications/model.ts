/**
 * What the notifications screen reads from /api/v1/notifications/*, loaded together, and the
 * small form widgets its panels share (labelled fields, checkbox lists, comma lists).
 */
import { api } from '../../api';
import { h, type Child } from '../../dom';

export interface ContactPoint {
  id: number;
  name: string;
  kind: 'email' | 'sms' | 'chat' | 'webhook';
  settings: Record<string, unknown>;
  secretsSet: string[];
  username: string | null;
  language: 'vi' | 'en';
  enabled: boolean;
  health: { consecutiveFailures: number; lastError: string | null };
}
export interface Policy {
  id: number;
  name: string;
  position: number;
  enabled: boolean;
  matchers: { severities?: string[]; provinces?: string[]; profiles?: string[]; packs?: string[]; stations?: string[]; kinds?: string[] };
  contactPointIds: number[];
  continueMatching: boolean;
  groupBy: 'none' | 'station' | 'province';
  groupWaitSeconds: number;
  repeatIntervalMinutes: number;
  sendResolved: boolean;
  muteTimingIds: number[];
  criticalPassesMute: boolean;
  escalationChainId: number | null;
}
export interface MuteTiming {
  id: number;
  name: string;
  timeZone: string;
  intervals: Array<{ weekdays: number[]; start: string; end: string }>;
}
export interface Schedule {
  id: number;
  name: string;
  timeZone: string;
  rotation: { startsAt: string; shiftHours: number; members: number[] };
  overrides: Array<{ startsAt: string; endsAt: string; contactPointId: number; note?: string }>;
  onCallNow: number | null;
}
export interface Chain {
  id: number;
  name: string;
  levels: Array<{ afterMinutes: number; contactPointIds: number[]; scheduleIds: number[] }>;
}

export interface Model {
  contactPoints: ContactPoint[];
  policies: Policy[];
  mutes: MuteTiming[];
  schedules: Schedule[];
  chains: Chain[];
}

export const BASE = '/api/v1/notifications';

export async function loadModel(): Promise<Model> {
  const [c, p, m, s, ch] = await Promise.all([
    api<{ data: ContactPoint[] }>('GET', `${BASE}/contact-points`),
    api<{ data: Policy[] }>('GET', `${BASE}/policies`),
    api<{ data: MuteTiming[] }>('GET', `${BASE}/mute-timings`),
    api<{ data: Schedule[] }>('GET', `${BASE}/schedules`),
    api<{ data: Chain[] }>('GET', `${BASE}/escalation-chains`),
  ]);
  return { contactPoints: c.data, policies: p.data, mutes: m.data, schedules: s.data, chains: ch.data };
}

export function field(label: string, input: Child): HTMLElement {
  return h('label', { class: 'nt-field' }, h('span', {}, label), input);
}

/** Checkboxes for a set of ids or values; `read()` returns the ticked ones. */
export function checks<T extends string | number>(name: string, options: Array<{ value: T; label: string }>, selected: readonly T[]) {
  const boxes = options.map((o) => ({ o, box: h('input', { type: 'checkbox', name, value: String(o.value), checked: selected.includes(o.value) }) }));
  return {
    el: h('span', { class: 'nt-checks' }, ...boxes.map(({ o, box }) => h('label', { class: 'check' }, box, o.label))),
    read: () => boxes.filter((b) => b.box.checked).map((b) => b.o.value),
  };
}

export const csv = (text: string): string[] =>
  text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

export const nameOf = (list: ReadonlyArray<{ id: number; name: string }>, id: number | null | undefined): string =>
  id == null ? '–' : (list.find((x) => x.id === id)?.name ?? `#${id}`);
