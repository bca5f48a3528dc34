/**
 * @module cluster
 * Multi-node mode on existing engines (docs/SCALING.md): with `REDIS_URL` set, several Quantrac
 * nodes behind a load balancer share
 * - MQTT routing and sessions: Aedes with `mqemitter-redis` (a publish on one node reaches
 *   subscribers on every node, and a client id connecting on node B closes its session on node A)
 *   and `aedes-persistence-redis` (subscriptions, retained messages, QoS 1 in-flight packets);
 * - the live stream: socket.io's Redis adapter (a frame emitted on node A reaches clients on B);
 * - one TimescaleDB server (DATABASE_URL; the embedded database serves one node and is refused);
 * - alert evaluation, split so that nothing is evaluated twice:
 *   readings are evaluated on the node that ingests them (a station has one MQTT session at a
 *   time, and the database allows one open alert per station and rule, so a station that moves
 *   to another node has its open alert adopted there, not duplicated); timer-driven work (no-data
 *   checks, escalation, reminders) runs only on the node holding a Redis lease. The lease holder
 *   learns when readings arrive on other nodes from `remoteReadingsSeen` receipts relayed here.
 *
 * - changes made through one node's API: the station directory and the alert engine announce
 *   them on the bus (`stationChanged`, `alertRulesChanged`); they are relayed here and the other
 *   nodes re-read them (`directory.refresh`, `alerts.reloadRules`, which announce nothing, so a
 *   change never echoes back).
 *
 * With `REDIS_URL` empty every method is a no-op and the node runs alone, in memory.
 */
import { hostname } from 'node:os';
import { Redis } from 'ioredis';
import mqemitterRedis from 'mqemitter-redis';
import aedesPersistenceRedis from 'aedes-persistence-redis';
import { createAdapter } from '@socket.io/redis-adapter';
import type { ServerOptions } from 'socket.io';
import type { Config } from '../config/index.js';
import type { EventBus, EventMap } from '../domain/events.js';
import type { Logger } from '../lib/logger.js';
import type { BrokerClusterOptions } from '../broker/index.js';
import type { StationDirectory } from '../stations/directory.js';
import type { AlertEngine } from '../alerts/engine.js';

const OWNER = 'cluster';
const RECEIPTS_CHANNEL = 'quantrac:receipts';
const CHANGES_CHANNEL = 'quantrac:changes';
const LEASE_KEY = 'quantrac:lease:timers';
/** Receipts are relayed at most this often, ms: a no-data check needs minutes, not milliseconds. */
const RECEIPT_FLUSH_MS = 1000;

/** Renews the lease only if this node still holds it. */
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end`;
/** Releases the lease only if this node holds it. */
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end`;

export interface Cluster {
  readonly enabled: boolean;
  readonly nodeId: string;
  /** Spread into Aedes.createBroker's options. */
  readonly brokerOptions: BrokerClusterOptions;
  /** socket.io adapter (Redis) or undefined. */
  readonly socketAdapter: ServerOptions['adapter'] | undefined;
  /** True while this node runs the timer-driven work (always true on a single node). */
  isLeader(): boolean;
  /** Called with true when this node gains the lease, false when it loses it. */
  onLeadershipChange(listener: (leader: boolean) => void): void;
  /**
   * Relays changes made through this node's API to the other nodes, and applies theirs here: a
   * station registered, edited or given a new secret (`stationChanged`: the other nodes re-read
   * it and forget the verified secret they cached), rules and silences saved or deleted
   * (`alertRulesChanged`: re-read). Listens on `bus` as owner 'cluster'; applies a change from
   * another node through `targets`' public re-read methods only. No-op on a single node.
   */
  relayChanges(bus: EventBus, targets: ChangeTargets): void;
  /** Starts the receipt relay on the bus and the lease (after the other components are up). */
  start(bus: EventBus): Promise<void>;
  /** Destroys the Aedes persistence (after the broker closed), the relay, the lease and the Redis connections. */
  close(): Promise<void>;
}

/** What a change from another node is applied to: re-reads that announce nothing (no echo). */
export interface ChangeTargets {
  directory: Pick<StationDirectory, 'refresh'>;
  alerts: Pick<AlertEngine, 'reloadRules'>;
}

export interface ClusterDeps {
  config: Readonly<Config>;
  logger: Logger;
}

type Receipt = EventMap['remoteReadingsSeen']['receipts'][number];
/** A change made through one node's API that the other nodes re-read from the database. */
type Change = { kind: 'station'; id: string } | { kind: 'rules' };

/**
 * @example const cluster = await createCluster({ config, logger }); … createBroker({ …, cluster }); await cluster.start(bus); … await cluster.close();
 */
export async function createCluster(deps: ClusterDeps): Promise<Cluster> {
  const { config, logger } = deps;
  const nodeId = config.cluster.nodeId || `${hostname()}-${process.pid}`;
  if (!config.cluster.redisUrl) {
    return {
      enabled: false,
      nodeId,
      brokerOptions: {},
      socketAdapter: undefined,
      isLeader: () => true,
      onLeadershipChange() {},
      relayChanges() {},
      async start() {},
      async close() {},
    };
  }

  const log = logger.child({ component: 'cluster', node: nodeId });
  const url = config.cluster.redisUrl;
  const leaseMs = config.cluster.leaseMs;
  // One connection per role: a subscribed ioredis connection cannot run other commands.
  const redisOptions = { maxRetriesPerRequest: null, lazyConnect: true } as const;
  const cmd = new Redis(url, redisOptions);
  const pub = new Redis(url, redisOptions);
  const sub = new Redis(url, redisOptions);
  const ioPub = new Redis(url, redisOptions);
  const ioSub = new Redis(url, redisOptions);
  const mqPub = new Redis(url, redisOptions);
  const mqSub = new Redis(url, redisOptions);
  const persistConn = new Redis(url, redisOptions);
  const connections = [cmd, pub, sub, ioPub, ioSub, mqPub, mqSub, persistConn];
  for (const c of connections) c.on('error', (err: Error) => log.warn({ err: err.message }, 'redis connection error (ioredis reconnects)'));
  try {
    await Promise.all(connections.map((c) => c.connect()));
  } catch (err) {
    connections.forEach((c) => c.disconnect());
    throw err;
  }

  const mq = mqemitterRedis({ pubConn: mqPub, subConn: mqSub });
  const persistence = aedesPersistenceRedis({ conn: persistConn });
  const socketAdapter = createAdapter(ioPub, ioSub, { key: 'quantrac:socket.io' });

  let leader = false;
  const listeners: Array<(leader: boolean) => void> = [];
  const setLeader = (value: boolean) => {
    if (value === leader) return;
    leader = value;
    log.info({ leader }, value ? 'this node now runs the timer-driven alert work' : 'this node no longer holds the timer lease');
    for (const l of listeners) l(value);
  };

  async function leaseStep(): Promise<void> {
    if (leader) {
      const renewed = (await cmd.eval(RENEW, 1, LEASE_KEY, nodeId, String(leaseMs))) as number;
      if (renewed !== 1) setLeader(false);
    }
    if (!leader) {
      const got = await cmd.set(LEASE_KEY, nodeId, 'PX', leaseMs, 'NX');
      if (got === 'OK') setLeader(true);
    }
  }

  // ---- receipts: which stations reported here, for the other nodes' no-data checks and overview ----
  const pending = new Map<string, Receipt>();
  let leaseTimer: NodeJS.Timeout | undefined;
  let receiptTimer: NodeJS.Timeout | undefined;
  let bus: EventBus | undefined;
  /** The bus relayChanges listens on (normally the same as `bus`). */
  let relayBus: EventBus | undefined;

  function flushReceipts(): void {
    if (pending.size === 0) return;
    const receipts = [...pending.values()];
    pending.clear();
    pub.publish(RECEIPTS_CHANNEL, JSON.stringify({ node: nodeId, receipts })).catch((err: unknown) => log.warn({ err }, 'relaying receipts failed'));
  }

  let applyChange: ((change: Change) => Promise<void>) | undefined;
  const announce = (change: Change) => {
    pub.publish(CHANGES_CHANNEL, JSON.stringify({ node: nodeId, ...change })).catch((err: unknown) => log.error({ err, change }, 'announcing a change to the other nodes failed'));
  };

  sub.on('message', (channel: string, message: string) => {
    if (channel === CHANGES_CHANNEL) {
      let change: Change & { node?: string };
      try {
        change = JSON.parse(message) as Change & { node?: string };
      } catch (err) {
        return log.warn({ err }, 'unreadable change message');
      }
      if (change.node === nodeId || !applyChange) return;
      applyChange(change).catch((err: unknown) => log.error({ err, change }, 'applying a change from another node failed'));
      return;
    }
    if (channel !== RECEIPTS_CHANNEL || !bus) return;
    try {
      const parsed = JSON.parse(message) as EventMap['remoteReadingsSeen'];
      if (parsed.node === nodeId || !Array.isArray(parsed.receipts)) return;
      bus.emit('remoteReadingsSeen', { node: String(parsed.node), receipts: parsed.receipts });
    } catch (err) {
      log.warn({ err }, 'unreadable receipt message');
    }
  });

  return {
    enabled: true,
    nodeId,
    brokerOptions: { id: nodeId, mq, persistence },
    socketAdapter,
    isLeader: () => leader,
    onLeadershipChange(listener) {
      listeners.push(listener);
    },
    relayChanges(b, { directory, alerts }) {
      relayBus = b;
      applyChange = async (change) => {
        if (change.kind === 'station' && typeof change.id === 'string') await directory.refresh(change.id);
        else if (change.kind === 'rules') await alerts.reloadRules();
      };
      b.on(OWNER, 'stationChanged', ({ stationId }) => announce({ kind: 'station', id: stationId }));
      b.on(OWNER, 'alertRulesChanged', () => announce({ kind: 'rules' }));
    },
    async start(b) {
      bus = b;
      bus.on(OWNER, 'readingsAccepted', ({ readings }) => {
        const at = Date.now();
        for (const r of readings) {
          const k = `${r.stationId}\u0000${r.metric}`;
          const p = pending.get(k);
          if (p) {
            p.count += 1;
            if (r.ts > p.ts) p.ts = r.ts;
            p.receivedAt = at;
          } else pending.set(k, { stationId: r.stationId, metric: r.metric, ts: r.ts, receivedAt: at, count: 1 });
        }
      });
      await sub.subscribe(RECEIPTS_CHANNEL, CHANGES_CHANNEL);
      await leaseStep();
      leaseTimer = setInterval(
        () =>
          leaseStep().catch((err: unknown) => {
            log.warn({ err }, 'lease renewal failed; giving up the timer work until Redis answers');
            setLeader(false);
          }),
        Math.max(250, Math.floor(leaseMs / 3)),
      );
      leaseTimer.unref();
      receiptTimer = setInterval(flushReceipts, RECEIPT_FLUSH_MS);
      receiptTimer.unref();
    },
    async close() {
      if (leaseTimer) clearInterval(leaseTimer);
      if (receiptTimer) clearInterval(receiptTimer);
      bus?.removeOwner(OWNER);
      relayBus?.removeOwner(OWNER); // normally the same bus: removing twice is harmless
      flushReceipts();
      if (leader) await cmd.eval(RELEASE, 1, LEASE_KEY, nodeId).catch((err: unknown) => log.warn({ err }, 'releasing the lease failed (it expires by itself)'));
      setLeader(false);
      await Promise.race([
        new Promise<void>((resolve) => (persistence as { destroy(cb: () => void): void }).destroy(() => resolve())),
        new Promise((r) => setTimeout(r, 2000).unref()),
      ]);
      await Promise.all(connections.map((c) => c.quit().catch(() => c.disconnect())));
    },
  };
}
