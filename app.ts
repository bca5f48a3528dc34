/**
 * @module app
 * The composition root: config → store → station directory → ingest → broker → HTTP →
 * simulators, and close() in reverse (simulators stop, the broker stops accepting, ingest
 * drains every held PUBACK to a commit, then the broker, HTTP and the database close).
 * main.ts only reads the environment, calls createApp and handles signals; tests call
 * createApp directly with ports 0 and a temporary DATA_DIR.
 */
import { createBroker, type Broker } from './broker/index.js';
import { createStationAuthenticator } from './stations/credentials.js';
import { resolveConfig, type Config, type ConfigInput } from './config/index.js';
import { createTokenService, newTokenKey } from './auth/tokens.js';
import { createApiTokenService } from './auth/api-tokens.js';
import { startBackfillRefresher } from './store/backfill.js';
import { createHttpServer, type HttpServer } from './api/index.js';
import { loadProfiles, type LoadedProfile } from './device-profiles/index.js';
import { createIngest, type Ingest } from './ingest/index.js';
import { loadStationDirectory, type StationDirectory } from './stations/directory.js';
import { EventBus } from './domain/events.js';
import { createLogger, type Logger } from './lib/logger.js';
import { watchEventLoop } from './lib/loop-watch.js';
import { registerEmbeddedMemoryMetrics } from './store/embedded/metrics.js';
import { registerGateMetrics } from './store/gate-metrics.js';
import { createMetrics, type Metrics } from './lib/metrics.js';
import type { HeapGrowthLimit } from './lib/heap.js';
import { watchLiveHeap } from './lib/heap-live.js';
import { generateSecret, hashSecret } from './lib/passwords.js';
import { createStore, type Store } from './store/index.js';
import { syncProfiles } from './store/stations.js';
import { getUserByName, initSetting, upsertUser } from './store/users.js';
import { prepareSimulation, type Simulation } from './simulators/embedded.js';
import { createAlertEngine, type AlertEngine } from './alerts/engine.js';
import { startAutomation, type Automation } from './automation/index.js';
import { createBulletins, type Bulletins } from './bulletins/index.js';
import { createNotifier, type Notifier } from './notify/index.js';
import { createFileIntake, type FileIntake } from './ingest/adapters/file-intake.js';
import { createFtpReceiver, type FtpReceiver } from './ingest/adapters/ftp-receiver.js';
import { createDropFolder, type DropFolder } from './ingest/adapters/drop-folder.js';
import { createForwarder, type Forwarder } from './forward/index.js';
import { createSecurity, type Security } from './security/index.js';
import { startMqttTls } from './security/tls.js';
import { createCluster, type Cluster } from './cluster/index.js';
import { createConnectionStateWriter } from './store/connection-states.js';
import { createJobMonitor, type JobMonitor } from './store/job-monitor.js';
import { startQcSchedule, type QcSchedule } from './validation/scheduled.js';
import { createValidationService, type ValidationService } from './validation/service.js';

/** A shutdown step running longer than this is logged (which step, how long). */
const SLOW_CLOSE_MS = 5000;

export interface App {
  config: Readonly<Config>;
  logger: Logger;
  metrics: Metrics;
  bus: EventBus;
  store: Store;
  profiles: ReadonlyMap<string, LoadedProfile>;
  directory: StationDirectory;
  ingest: Ingest;
  alerts: AlertEngine;
  broker: Broker;
  http: HttpServer;
  /** Multi-node mode (REDIS_URL); disabled (no-op) on a single node. */
  cluster: Cluster;
  simulation: Simulation | undefined;
  /** Node-RED, when NODE_RED is on. */
  automation: Automation | undefined;
  /** Daily and monthly bulletins (scheduled when BULLETIN_ENABLED; generated on request through the API). */
  bulletins: Bulletins;
  /** Notifications and on-call (notify/): contact points, policies, escalation, ack links. */
  notifier: Notifier;
  /** The database background jobs' health, checked every minute (store/job-monitor.ts): /healthz, /metrics, `databaseJobFailing`. */
  jobs: JobMonitor;
  /** The scheduled validation checks (validation/scheduled.ts): spatial consistency every validation.scheduleSeconds. */
  qcSchedule: QcSchedule;
  /** Reviewers' actions, approvals, reports, check configuration and windows (validation/service.ts, issue 18). */
  validation: ValidationService;
  ports: { mqtt: number; http: number; ftp?: number | undefined; mqttTls?: number | undefined };
  /** Login guard, station limits, audit log, TLS (security/). */
  security: Security;
  /** Circular 10 files: the intake shared by FTP and the drop folder, and forwarding upstream. */
  circular10: { intake: FileIntake; ftp: FtpReceiver | undefined; dropFolder: DropFolder | undefined; forwarder: Forwarder | undefined };
  /** Set only when the admin password was generated at this start (print it once). */
  generatedAdminPassword: string | undefined;
  /** Milliseconds from createApp() to ready. */
  startupMs: number;
  close(): Promise<void>;
}

export interface AppOptions {
  logger?: Logger;
  /** The alert engine's clock (tests replace it). */
  now?: () => number;
  /** The clock session tokens are signed and checked against (tests of session renewal replace it). */
  authNow?: () => number;
  /** The process's heap growth limit (main.ts: lib/heap.ts), shown on /metrics. */
  heapGrowth?: HeapGrowthLimit;
}

/** Creates the `admin` user at first start (or resets its password when ADMIN_PASSWORD is set). */
async function ensureAdmin(store: Store, config: Readonly<Config>): Promise<string | undefined> {
  const existing = await getUserByName(store.db, 'admin');
  if (config.adminPassword) {
    await upsertUser(store.db, 'admin', await hashSecret(config.adminPassword), 'admin');
    return undefined;
  }
  if (existing) return undefined;
  const generated = generateSecret(12);
  await upsertUser(store.db, 'admin', await hashSecret(generated), 'admin');
  return generated;
}

export async function createApp(input: Readonly<Config> | ConfigInput = {}, options: AppOptions = {}): Promise<App> {
  const t0 = performance.now();
  const config = Object.isFrozen(input) ? (input as Readonly<Config>) : resolveConfig(input as ConfigInput);
  const logger = options.logger ?? createLogger(config.logLevel);
  const metrics = createMetrics();
  const bus = new EventBus(({ owner, event, error }) => {
    metrics.listenerFailures.inc({ owner, event });
    logger.error({ err: error, owner, event }, 'event listener failed');
  });
  const profiles = loadProfiles();

  const store = await createStore(config, logger.child({ component: 'store' }));
  registerGateMetrics(metrics, store.db.gate);
  if (store.db.embedded) registerEmbeddedMemoryMetrics(metrics, store.db.embedded, logger.child({ component: 'store' }));
  // A blocked main thread holds the broker, ingest and the live stream: counted and logged.
  const loopWatch = watchEventLoop({ logger: logger.child({ component: 'event-loop' }), onBlock: () => metrics.eventLoopBlocks.inc() });
  // What the main thread keeps live (the heap after each full collection), beside Node's heap gauges.
  const liveHeap = watchLiveHeap(metrics, options.heapGrowth);
  // What close() undoes, in reverse order of creation; each step named, so a shutdown that hangs says where.
  const closers: Array<{ what: string; close: () => Promise<void> }> = [
    { what: 'event-loop watch', close: async () => loopWatch.close() },
    { what: 'live heap watch', close: async () => liveHeap.close() },
    { what: 'database', close: () => store.close() },
  ];
  const onClose = (what: string, close: () => Promise<void>): void => {
    closers.push({ what, close });
  };
  const closeAll = async () => {
    for (const { what, close } of closers.splice(0).reverse()) {
      const t = performance.now();
      const slow = setTimeout(() => logger.warn({ step: what, waitedMs: Math.round(performance.now() - t) }, 'shutdown: still closing'), SLOW_CLOSE_MS);
      await close().catch((err: unknown) => logger.error({ err, step: what }, 'error while closing'));
      clearTimeout(slow);
      const ms = performance.now() - t;
      if (ms >= SLOW_CLOSE_MS) logger.warn({ step: what, ms: Math.round(ms) }, 'shutdown: a slow step');
    }
  };

  try {
    // Stations' connection state is written behind, one statement per 500 ms
    // (store/connection-states.ts): a reconnecting fleet would otherwise put one commit per
    // station in front of the readings. Closed just before the database, after the broker's
    // last disconnects.
    const connectionStates = createConnectionStateWriter(store.db, logger.child({ component: 'store' }));
    onClose('connectionStates', () => connectionStates.close());
    await syncProfiles(
      store.db,
      [...profiles.values()].map((p) => p.profile),
    );
    const generatedAdminPassword = await ensureAdmin(store, config);
    const tokenKey = await initSetting(store.db, 'auth.token_key', newTokenKey());
    const apiTokens = createApiTokenService(store.db, tokenKey, config.analytics.tokenCacheMs);
    const tokens = createTokenService(tokenKey, options.authNow ?? Date.now, apiTokens);
    const authenticator = createStationAuthenticator(store.db);
    // Login guard, per-station limits, audit log, TLS; closed (audit flushed) after the broker and HTTP.
    const security = createSecurity({ config, db: store.db, logger, metrics, ...(options.now ? { now: options.now } : {}) });
    onClose('security', () => security.close());
    const directory = await loadStationDirectory(store.db, { bus, defaultTimeZone: config.timezone, onSecretChanged: (id) => authenticator.forget(id) });

    // Multi-node mode (REDIS_URL): shared MQTT routing/sessions, socket.io fan-out, timer lease.
    // Closed after the broker (closers run in reverse), before the database.
    const cluster = await createCluster({ config, logger });
    onClose('cluster', () => cluster.close());

    const ingest = createIngest({ config, db: store.db, profiles, directory, bus, metrics, logger: logger.child({ component: 'ingest' }) });
    onClose('ingest', () => ingest.close());

    bus.on('store', 'stationStateChanged', ({ stationId, state, at }) => {
      if (directory.get(stationId)?.connectionState === state) return;
      directory.update(stationId, { connectionState: state, connectionChangedAt: new Date(at) });
      connectionStates.record(stationId, state, new Date(at));
    });

    const alerts = createAlertEngine({
      db: store.db,
      bus,
      directory,
      profiles,
      logger,
      tickMs: config.alerts.tickMs,
      timeZone: config.timezone,
      indexThrottleMs: config.alerts.indexThrottleMs,
      timerOwner: cluster.isLeader,
      ...(options.now ? { now: options.now } : {}),
    });
    await alerts.start();
    onClose('alerts', () => alerts.close());
    // Notifications listen to alertChanged and only enqueue; closed before the engine and the store.
    const notifier = await createNotifier({
      db: store.db,
      bus,
      logger,
      metrics,
      directory,
      profiles,
      alerts,
      dataDir: config.dataDir,
      defaultBaseUrl: config.automation.publicUrl || `http://localhost:${config.http.port}`,
      tickMs: config.alerts.tickMs > 0 ? Math.min(config.alerts.tickMs, 1000) : 0,
      ...(options.now ? { now: options.now } : {}),
    });
    onClose('notifier', () => notifier.close());

    // Multi-node mode: stations, rules and silences changed here (announced on the bus) are re-read by the other nodes.
    cluster.relayChanges(bus, { directory, alerts });

    const broker = await createBroker({
      config,
      ingest,
      directory,
      authenticator,
      bus,
      metrics,
      logger,
      security,
      // an oversized publish, cut down as it streamed in: its head is quarantined, then acknowledged
      async quarantineOversized(stationId, topic, head, reason) {
        await ingest.handleParsed(stationId, { rows: [], refused: [{ index: null, code: 'payload_too_large', reason }], readingCount: 0 }, head, 'mqtt', topic);
      },
      clusterOptions: cluster.brokerOptions,
    });
    onClose('broker', () => broker.close());
    // Before the broker closes its clients, let every held PUBACK reach its commit.
    onClose('broker stops accepting, held PUBACKs drain', async () => {
      await broker.stopAccepting();
      await ingest.drain();
    });
    const mqttTls = security.tls
      ? await startMqttTls({ tls: security.tls, port: config.security.mqttTlsPort, host: config.host, handle: (socket) => broker.handleStream(socket), logger })
      : undefined;
    if (mqttTls) onClose('mqttTls', () => mqttTls.stopAccepting());

    // Long or bulk work takes the background lane of the database gate (store/db-gate.ts): an ingest commit
    // waits for at most the one statement running, never behind a queue of it.
    const backfill = startBackfillRefresher({
      db: store.db.lane('background', 'backfill refresh'),
      bus,
      logger: logger.child({ component: 'aggregate-backfill' }),
      intervalMs: config.analytics.backfillRefreshMs,
    });
    onClose('backfill', () => backfill.close());
    // Failing or late database jobs (retention, compression, aggregate refreshes) in /healthz and /metrics.
    const jobs = createJobMonitor({ db: store.db, embedded: store.embeddedJobs, bus, metrics, logger: logger.child({ component: 'db-jobs' }) });
    onClose('jobs', () => jobs.close());
    jobs.poll().catch((err: unknown) => logger.warn({ err }, 'reading the database jobs failed'));
    // Scheduled validation checks (spatial consistency) on the leader; 0 s = never on a timer.
    const qcSchedule = startQcSchedule({
      db: store.db.lane('background', 'scheduled checks'),
      bus,
      logger,
      intervalMs: config.validation.scheduleSeconds * 1000,
      isLeader: () => cluster.isLeader(),
      timeZone: config.timezone,
      // one node: every committed reading is on this bus, so the timer judges again only the changed hours
      watchLateReadings: !cluster.enabled,
      ...(options.now ? { now: options.now } : {}),
    });
    onClose('qcSchedule', () => qcSchedule.close());

    const bulletins = createBulletins({ config, db: store.db.lane('background', 'bulletins'), bus, profiles, logger, isLeader: () => cluster.isLeader() });
    // Reviewers' actions and approvals (validation/service.ts); closed after HTTP, once the write under way is done.
    const validation = createValidationService({ db: store.db, bus, log: logger.child({ component: 'validation' }), stations: directory, profiles, config });
    onClose('validation', () => validation.close());
    const http = await createHttpServer({
      config,
      db: store.db,
      directory,
      profiles,
      tokens,
      apiTokens,
      metrics,
      broker,
      alerts,
      bus,
      logger,
      ingest,
      stationAuth: authenticator,
      socketAdapter: cluster.socketAdapter,
      security,
      bulletins,
      notifier,
      jobs,
      validation,
    });
    // A node that takes over the timer work first re-reads the open alerts other nodes changed.
    cluster.onLeadershipChange((leader) => {
      if (leader) alerts.reloadOpenAlerts().catch((err: unknown) => logger.error({ err }, 'reloading open alerts failed'));
    });
    await cluster.start(bus);
    onClose('http', () => http.close());

    let automation: Automation | undefined;
    if (config.automation.enabled) {
      automation = await startAutomation(http.app.server, { config, db: store.db, bus, alerts, broker, directory, profiles, logger, security, tokens });
      http.intercept(automation.handle);
      onClose('automation', () => automation!.close());
    }
    // First run with simulation: stations new at this start replay recent history through ingest
    // (SIMULATE_BACKFILL_HOURS, simulators/backfill.ts) before the bulletins catch up, so indices,
    // alerts and yesterday's bulletin exist at once; the fleet itself connects last, below.
    const preparedSimulation =
      config.simulate > 0
        ? await prepareSimulation({ config, directory, profiles, mqttPort: broker.port, logger: logger.child({ component: 'simulators' }), backfill: ingest })
        : undefined;
    if (preparedSimulation?.backfill) {
      await ingest.drain();
      await alerts.idle();
    }
    // After Node-RED, so a flow receives the bulletins caught up at start; closes before it.
    await bulletins.start();
    cluster.onLeadershipChange((leader) => {
      if (leader) bulletins.catchUp();
    });
    onClose('bulletins', () => bulletins.close());

    // Circular 10 files (FTP, drop folder) and forwarding upstream; each closes before ingest drains.
    const intake = createFileIntake({ config, ingest, directory, profiles, metrics, logger: logger.child({ component: 'circular10' }) });
    let ftp: FtpReceiver | undefined;
    if (config.ftp.enabled) {
      ftp = await createFtpReceiver({ config, intake, directory, authenticator, metrics, logger, security });
      onClose('ftp', () => ftp!.close());
    }
    let dropFolder: DropFolder | undefined;
    if (config.dropFolder.dir) {
      dropFolder = await createDropFolder({ config, intake, logger });
      onClose('dropFolder', () => dropFolder!.close());
    }
    let forwarder: Forwarder | undefined;
    if (config.forwarding.targets.length > 0) {
      forwarder = await createForwarder({ config, db: store.db, directory, profiles, metrics, logger, bus });
      onClose('forwarder', () => forwarder!.close());
    }

    let simulation: Simulation | undefined;
    if (preparedSimulation) {
      simulation = await preparedSimulation.start();
      onClose('simulation', () => simulation!.close());
    }

    return {
      config,
      logger,
      metrics,
      bus,
      store,
      profiles,
      directory,
      ingest,
      alerts,
      broker,
      http,
      cluster,
      simulation,
      automation,
      bulletins,
      notifier,
      jobs,
      qcSchedule,
      validation,
      ports: { mqtt: broker.port, http: http.port, ftp: ftp?.port, mqttTls: mqttTls?.port },
      security,
      circular10: { intake, ftp, dropFolder, forwarder },
      generatedAdminPassword,
      startupMs: Math.round(performance.now() - t0),
      close: closeAll,
    };
  } catch (err) {
    await closeAll();
    throw err;
  }
}
