/**
 * @module forward
 * Re-emits a station's accepted data as Circular 10/2021/TT-BTNMT files to upstream FTP servers
 * (the ministry, another agency), per target: `{name, url, stations | profile, everyMinutes}`.
 *
 * Every `everyMinutes`, for each target:
 * 1. collect: readings of the target's stations *received* since the cursor (so late and
 *    backfilled files are forwarded too; measurement times older than FORWARD_LOOKBACK_DAYS are
 *    skipped), one file per station and measurement time, written durably to the outbox in
 *    measurement-time order, then the cursor moves;
 * 2. send: the outbox in order over one FTP connection (basic-ftp); a file moves to sent/ only
 *    after the upstream's 226. On the first failure sending stops, and resumes with the same
 *    file after FORWARD_RETRY_MS (doubling up to 10 minutes) or at the next round: an outage
 *    loses nothing and changes no order.
 *
 * A top-level folder, not ingest/: forwarding reads what is stored and writes to the outside; it
 * never calls ingest and ingest never waits for it.
 *
 * Status codes reflect validation (forward/status.ts): files go out as readings arrive, so they
 * carry the station's status and the ingest-time checks' flags; a reviewer's later decision
 * (the bus's `validationChanged` for an action) sends the files of the measurement times it
 * touched AGAIN with the new statuses (within FORWARD_LOOKBACK_DAYS, at most
 * RESEND_MAX_TIMES times per change), after what is already in the outbox; the upstream keys
 * rows on station, parameter and time, so the later file corrects the earlier one.
 *
 * The first round of a new target starts from the moment it was first configured (data already
 * stored before is not re-sent). File names use the station's attributes
 * `circular10: {province, facility, station}` when set, else the station's province, `QUANTRAC`
 * and the station id.
 */
import { timeZoneOr, utcOffsetMinutes } from '../lib/time.js';
import { createError } from '../lib/errors.js';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'basic-ftp';
import type { Config, ForwardTarget } from '../config/index.js';
import type { EventBus } from '../domain/events.js';
import type { LoadedProfile } from '../device-profiles/index.js';
import { circular10FileName, formatCircular10, type Circular10Line } from '../formats/circular10/codec.js';
import type { StationDirectory } from '../stations/directory.js';
import type { Logger } from '../lib/logger.js';
import type { Metrics } from '../lib/metrics.js';
import type { Db } from '../store/index.js';
import { readingsAtTimesOf, readingsReceivedBetween, receivedUpperBound, type ForwardRow } from '../store/forwarding.js';
import type { Station } from '../store/stations.js';
import { openOutbox, type Outbox } from './outbox.js';
import { forwardStatus } from './status.js';

export interface ForwarderDeps {
  config: Readonly<Config>;
  db: Db;
  directory: StationDirectory;
  profiles: ReadonlyMap<string, LoadedProfile>;
  metrics: Metrics;
  logger: Logger;
  /** Rows are collected up to the database clock minus this, ms (see store/forwarding). */
  commitMarginMs?: number;
  /** Where reviewers' validation changes are heard (to send the touched times again); none = no re-sending. */
  bus?: EventBus;
}

export interface Forwarder {
  /** Collects and sends every target now (or one); resolves when the round is over (sent or failed). */
  runNow(target?: string): Promise<void>;
  /** Files waiting per target. */
  pending(target: string): Promise<string[]>;
  close(): Promise<void>;
}

const MAX_RETRY_MS = 600_000;
const FTP_TIMEOUT_MS = 30_000;
/** Measurement times sent again per validation change, at most (a month of one-minute data). */
export const RESEND_MAX_TIMES = 45_000;

function stationsOf(target: ForwardTarget, directory: StationDirectory): Station[] {
  const ids = new Set(target.stations ?? []);
  return directory.all().filter((s) => ids.has(s.id) || (target.profile !== undefined && s.profileId === target.profile));
}

function nameParts(station: Station): { province: string; facility: string; station: string } {
  const c = (station.attributes['circular10'] ?? {}) as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' && v.length > 0 ? v : undefined);
  return {
    province: str(c['province']) ?? station.province ?? 'VN',
    facility: str(c['facility']) ?? 'QUANTRAC',
    station: str(c['station']) ?? station.id,
  };
}

function parseUrl(url: string): { host: string; port: number; user: string; password: string; dir: string } {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: u.port ? Number(u.port) : 21,
    user: decodeURIComponent(u.username) || 'anonymous',
    password: decodeURIComponent(u.password),
    dir: decodeURIComponent(u.pathname) || '/',
  };
}

export async function createForwarder(deps: ForwarderDeps): Promise<Forwarder> {
  const { config, db, directory, profiles, metrics } = deps;
  const log = deps.logger.child({ component: 'forward' });
  const margin = deps.commitMarginMs ?? 2000;
  const forwardDir = join(config.dataDir, 'forward');
  let closed = false;

  interface TargetState {
    target: ForwardTarget;
    outbox: Outbox;
    /** Serialises rounds of one target (timer, retry, runNow). */
    chain: Promise<void>;
    timer?: NodeJS.Timeout | undefined;
    retryTimer?: NodeJS.Timeout | undefined;
    retryMs: number;
  }
  const states = new Map<string, TargetState>();

  for (const target of config.forwarding.targets) {
    const outbox = await openOutbox(forwardDir, target.name);
    if (!(await outbox.readCursor())) {
      const upTo = await receivedUpperBound(db, 0);
      await outbox.writeCursor({ receivedUpTo: upTo.toISOString(), seq: outbox.seq });
    }
    states.set(target.name, { target, outbox, chain: Promise.resolve(), retryMs: config.forwarding.retryMs });
    metrics.forwardOutbox.set({ target: target.name }, (await outbox.pending()).length);
  }

  function fileOf(station: Station, rows: ForwardRow[]): { name: string; content: string } | undefined {
    const loaded = profiles.get(station.profileId);
    if (!loaded) return undefined;
    // the file is in the station's local time (its zone, else the agency's), at the offset of its first reading
    const offset = utcOffsetMinutes(timeZoneOr(station.timezone, timeZoneOr(config.timezone)), rows[0]?.ts.getTime() ?? Date.now());
    const lines: Circular10Line[] = [];
    for (const r of rows) {
      const def = loaded.profile.metrics[r.metric];
      if (!def) continue;
      lines.push({ symbol: def.symbol ?? r.metric, value: r.value, unit: def.unit, ts: r.ts.getTime(), status: forwardStatus(r.quality, r.qc, r.review), decimals: def.decimals });
    }
    if (lines.length === 0) return undefined;
    return { name: circular10FileName(nameParts(station), rows[0]!.ts.getTime(), offset), content: formatCircular10(lines, offset) };
  }

  /** Adds one file per (station, ts) of rows ordered by ts then station; returns how many. */
  async function queueFiles(outbox: Outbox, stations: ReadonlyMap<string, Station>, rows: readonly ForwardRow[]): Promise<number> {
    let added = 0;
    for (let i = 0; i < rows.length;) {
      let j = i;
      const { stationId, ts } = rows[i]!;
      while (j < rows.length && rows[j]!.stationId === stationId && rows[j]!.ts.getTime() === ts.getTime()) j++;
      const station = stations.get(stationId);
      const file = station ? fileOf(station, rows.slice(i, j)) : undefined;
      if (file) {
        await outbox.add(file.name, file.content);
        added++;
      }
      i = j;
    }
    return added;
  }

  /** Queues the files of the times a reviewer's change touched again, for every target of the station. */
  async function resend(state: TargetState, e: { stationId: string; metrics: readonly string[]; from: number; to: number }): Promise<void> {
    const station = stationsOf(state.target, directory).find((s) => s.id === e.stationId);
    if (!station) return;
    const from = Math.max(e.from, Date.now() - config.forwarding.lookbackDays * 86_400_000);
    if (from >= e.to) return;
    const rows = await readingsAtTimesOf(db, { stationId: station.id, metrics: e.metrics, from: new Date(from), to: new Date(e.to), limit: RESEND_MAX_TIMES });
    const added = await queueFiles(state.outbox, new Map([[station.id, station]]), rows);
    if (added > 0) {
      metrics.forwardFiles.inc({ target: state.target.name, outcome: 'queued' }, added);
      log.info({ target: state.target.name, stationId: station.id, files: added }, 'validation changed: files queued again with the new statuses');
    }
  }

  async function collect(state: TargetState): Promise<void> {
    const { target, outbox } = state;
    const cursor = (await outbox.readCursor())!;
    const upTo = await receivedUpperBound(db, margin);
    if (upTo.getTime() <= Date.parse(cursor.receivedUpTo)) return;
    const stations = new Map(stationsOf(target, directory).map((s) => [s.id, s]));
    const rows = await readingsReceivedBetween(db, {
      stationIds: [...stations.keys()],
      after: new Date(cursor.receivedUpTo),
      upTo,
      tsAfter: new Date(upTo.getTime() - config.forwarding.lookbackDays * 86_400_000),
    });
    // rows are ordered by ts, station, metric: one file per (station, ts)
    const added = await queueFiles(outbox, stations, rows);
    await outbox.writeCursor({ receivedUpTo: upTo.toISOString(), seq: outbox.seq });
    if (added > 0) {
      metrics.forwardFiles.inc({ target: target.name, outcome: 'queued' }, added);
      log.debug({ target: target.name, files: added, readings: rows.length }, 'files queued for upstream');
    }
  }

  /** Sends the outbox in order; true when it is empty afterwards. */
  async function send(state: TargetState): Promise<boolean> {
    const { target, outbox } = state;
    const names = await outbox.pending();
    metrics.forwardOutbox.set({ target: target.name }, names.length);
    if (names.length === 0) return true;
    const { host, port, user, password, dir } = parseUrl(target.url);
    const client = new Client(FTP_TIMEOUT_MS);
    let sent = 0;
    try {
      await client.access({ host, port, user, password, secure: false });
      if (dir !== '/') await client.ensureDir(dir);
      for (const name of names) {
        if (closed) break;
        await client.uploadFrom(createReadStream(join(outbox.dir, name)), outbox.remoteNameOf(name));
        await outbox.markSent(name);
        sent++;
      }
      return sent === names.length;
    } catch (err) {
      metrics.forwardFiles.inc({ target: target.name, outcome: 'failed' });
      log.warn({ err, target: target.name, host, port, waiting: names.length - sent }, 'upstream FTP failed; files stay in the outbox, in order');
      return false;
    } finally {
      client.close();
      if (sent > 0) metrics.forwardFiles.inc({ target: target.name, outcome: 'sent' }, sent);
      metrics.forwardOutbox.set({ target: target.name }, names.length - sent);
    }
  }

  function round(state: TargetState, withCollect: boolean): Promise<void> {
    const run = async () => {
      if (closed) return;
      if (withCollect) await collect(state);
      const done = await send(state);
      clearTimeout(state.retryTimer);
      state.retryTimer = undefined;
      if (done) {
        state.retryMs = config.forwarding.retryMs;
      } else if (!closed) {
        state.retryTimer = setTimeout(() => {
          round(state, false).catch((err: unknown) => log.error({ err, target: state.target.name }, 'forwarding retry failed'));
        }, state.retryMs);
        state.retryMs = Math.min(MAX_RETRY_MS, state.retryMs * 2);
      }
    };
    state.chain = state.chain.then(run, run);
    return state.chain;
  }

  for (const state of states.values()) {
    const every = state.target.everyMinutes * 60_000;
    const tick = () => {
      state.timer = setTimeout(() => {
        round(state, true)
          .catch((err: unknown) => log.error({ err, target: state.target.name }, 'forwarding round failed'))
          .finally(() => {
            if (!closed) tick();
          });
      }, every);
    };
    tick();
    // Whatever a previous run left in the outbox goes out now.
    round(state, false).catch((err: unknown) => log.error({ err, target: state.target.name }, 'forwarding of the previous outbox failed'));
  }
  if (states.size > 0) log.info({ targets: [...states.keys()] }, 'forwarding to upstream FTP servers');

  // A reviewer's action (not an approval: it changes no status) is sent again after the target's queued rounds.
  deps.bus?.on('forward', 'validationChanged', (e) => {
    if (e.actionId === null || closed) return;
    for (const state of states.values()) {
      const run = async () => {
        if (closed) return;
        await resend(state, e);
        await send(state);
      };
      state.chain = state.chain
        .then(run, run)
        .catch((err: unknown) => log.error({ err, target: state.target.name, stationId: e.stationId }, 'sending again after a validation change failed'));
    }
  });

  return {
    async runNow(name) {
      const selected = name === undefined ? [...states.values()] : [states.get(name)].filter((s): s is TargetState => s !== undefined);
      if (name !== undefined && selected.length === 0) throw createError('QT_ERR_NOT_FOUND', `no forwarding target named ${name}`);
      await Promise.all(selected.map((s) => round(s, true)));
    },
    async pending(name) {
      const state = states.get(name);
      if (!state) throw createError('QT_ERR_NOT_FOUND', `no forwarding target named ${name}`);
      return state.outbox.pending();
    },
    async close() {
      closed = true;
      for (const s of states.values()) {
        clearTimeout(s.timer);
        clearTimeout(s.retryTimer);
      }
      await Promise.allSettled([...states.values()].map((s) => s.chain));
    },
  };
}
