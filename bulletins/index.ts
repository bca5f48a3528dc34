/**
 * @module bulletins
 * Daily and monthly bulletins per province and for the whole system: composed from stored data
 * (compose.ts; model.ts has its shape), rendered as HTML and CSV (and PDF where Chromium is
 * installed), stored (store/bulletins.ts; a period published again is a new version, the older
 * ones kept and listed), revised when a reviewer changes the validation of data they report on
 * (revise.ts, on the bus's `validationChanged`), announced on the bus
 * (`bulletinPublished`, which Node-RED's quantrac-bulletin node delivers to flows), and produced
 * on schedule with a catch-up at start (scheduler.ts). Generations run one at a time.
 *
 * @example
 * const bulletins = createBulletins({ config, db, bus, profiles, logger });
 * await bulletins.start();
 * await bulletins.generate({ kind: 'daily', period: '2026-11-21', scope: 'all' }, { actor: 'admin', trigger: 'request' });
 * await bulletins.close();
 */
import type { Config } from '../config/index.js';
import type { LoadedProfile } from '../device-profiles/index.js';
import type { EventBus } from '../domain/events.js';
import type { Logger } from '../lib/logger.js';
import { createError } from '../lib/errors.js';
import { bulletinExists, publishBulletin, type BulletinMeta } from '../store/bulletins.js';
import type { Db } from '../store/index.js';
import { activeProvinces } from '../store/stations.js';
import { createComposer, type Composer } from './compose.js';
import type { Bulletin, BulletinKind, BulletinScope } from './model.js';
import { periodRange, scopeOf } from './period.js';
import { summarize } from './summary.js';
import { createPdfPrinter, type PdfPrinter } from './pdf.js';
import { renderCsv } from './render-csv.js';
import { renderHtml } from './render-html.js';
import { decimalsFromProfiles } from './precision.js';
import { duePeriods, startSchedule, type Scheduler } from './scheduler.js';
import { createSerial } from '../lib/serial.js';
import { listenForRevisions } from './revise.js';

/** Longest a shutdown waits for a bulletin run under way, ms. */
const CLOSE_WAIT_MS = 10_000;

export { localDate, periodRange, provinceOf, scopeOf } from './period.js';
export type { Bulletin, BulletinKind, BulletinScope, BulletinSummary } from './model.js';

export interface BulletinsDeps {
  config: Readonly<Config>;
  db: Db;
  bus: EventBus;
  profiles: ReadonlyMap<string, LoadedProfile>;
  logger: Logger;
  /** The clock (epoch ms); tests replace it. */
  now?: () => number;
  /** Rule packs folder for the QCVN limits (default: the shipped packs). */
  packsDir?: string;
  /** Several nodes: only the node holding the timer lease runs scheduled bulletins (default: always). */
  isLeader?: () => boolean;
}

export interface BulletinRequest {
  kind: BulletinKind;
  /** YYYY-MM-DD (daily) or YYYY-MM (monthly) */
  period: string;
  scope: BulletinScope;
}

export interface Bulletins {
  /** Starts the schedule (when BULLETIN_ENABLED) and catches up what is due but missing, in the background. */
  start(): Promise<void>;
  /** Composes, renders, stores (a new version when the period and scope already have one, with `reason`) and announces one bulletin. */
  generate(req: BulletinRequest, by: { actor: string; trigger: 'schedule' | 'request'; reason?: string }): Promise<BulletinMeta>;
  /** Runs the scheduled work now in the background (e.g. when this node becomes the leader); no-op when BULLETIN_ENABLED is off. */
  catchUp(): void;
  /** Produces every due bulletin (latest daily and monthly period, 'all' and each province) that is not stored yet and has a station to report on. */
  runDue(at?: number): Promise<BulletinMeta[]>;
  /** The model a bulletin is rendered from (not stored). */
  compose(req: BulletinRequest): Promise<Bulletin>;
  /** Resolves when every generation started so far (scheduled or requested) has finished. */
  idle(): Promise<void>;
  /** Why PDFs are not produced here, or undefined. */
  readonly pdfUnavailable: string | undefined;
  close(): Promise<void>;
}

export function createBulletins(deps: BulletinsDeps): Bulletins {
  const { config, db, bus, profiles } = deps;
  const logger = deps.logger.child({ component: 'bulletins' });
  const now = deps.now ?? Date.now;
  const isLeader = deps.isLeader ?? (() => true);
  const decimals = decimalsFromProfiles(profiles);
  const composer: Composer = createComposer({ db, config, profiles, ...(deps.packsDir ? { packsDir: deps.packsDir } : {}) });
  const pdf: PdfPrinter = createPdfPrinter({ mode: config.bulletins.pdf, executablePath: config.bulletins.chromiumPath });
  let scheduler: Scheduler | undefined;
  let closed = false;
  // One generation at a time (and a scheduled run never overlaps a requested one).
  const serial = createSerial();
  const background = new Set<Promise<unknown>>();

  function compose(req: BulletinRequest): Promise<Bulletin> {
    return req.kind === 'daily' ? composer.daily(req.period, req.scope, now()) : composer.monthly(req.period, req.scope, now());
  }

  async function produce(req: BulletinRequest, by: { actor: string; trigger: 'schedule' | 'request'; reason?: string }, skipEmpty = false): Promise<BulletinMeta | undefined> {
    if (closed) throw createError('QT_ERR_SHUTTING_DOWN', 'bulletins are closed');
    const { periodStart } = periodRange(req.kind, req.period, config.timezone);
    const model = await compose(req);
    // A scheduled bulletin with no station to report on (a fresh installation, a province whose
    // stations came later) is not published; one asked for is, empty.
    if (skipEmpty && model.stations.length === 0) return undefined;
    const html = renderHtml(model, decimals);
    const csv = renderCsv(model, decimals);
    let pdfBytes: Buffer | null = null;
    try {
      pdfBytes = (await pdf.print(html)) ?? null;
    } catch (err) {
      // The HTML and CSV are still published; the PDF is missing from this one.
      logger.error({ err, kind: req.kind, period: req.period, scope: req.scope }, 'printing the bulletin to PDF failed');
    }
    const meta = await publishBulletin(db, {
      kind: req.kind,
      periodStart,
      scope: req.scope,
      generatedAt: new Date(model.generatedAt),
      generatedBy: by.actor,
      html,
      csv,
      pdf: pdfBytes,
      summary: summarize(model),
      revisionReason: by.reason ?? (by.trigger === 'request' ? `generated again at the request of ${by.actor}` : null),
    });
    logger.info(
      { id: meta.id, kind: req.kind, period: req.period, scope: req.scope, version: meta.version, pdf: pdfBytes !== null, trigger: by.trigger, reason: meta.revisionReason },
      'bulletin published',
    );
    bus.emit('bulletinPublished', { bulletin: meta, period: req.period, trigger: by.trigger, html, csv, pdf: pdfBytes });
    return meta;
  }

  async function runDueNow(at: number): Promise<BulletinMeta[]> {
    const { day, month } = duePeriods(config.bulletins, at, config.timezone);
    const scopes: BulletinScope[] = ['all', ...(await activeProvinces(db)).map((p) => scopeOf(p))];
    const made: BulletinMeta[] = [];
    for (const [kind, period] of [
      ['daily', day],
      ['monthly', month],
    ] as const) {
      const { periodStart } = periodRange(kind, period, config.timezone);
      for (const scope of scopes) {
        if (closed) return made;
        if (await bulletinExists(db, kind, periodStart, scope)) continue;
        try {
          const meta = await produce({ kind, period, scope }, { actor: 'schedule', trigger: 'schedule' }, true);
          if (meta) made.push(meta);
        } catch (err) {
          logger.error({ err, kind, period, scope }, 'scheduled bulletin failed');
        }
      }
    }
    return made;
  }

  function inBackground(p: Promise<unknown>): void {
    const tracked = p.catch((err: unknown) => logger.error({ err }, 'bulletin run failed')).finally(() => background.delete(tracked));
    background.add(tracked);
  }

  // Bulletins already published over data whose validation changed are published again (a new
  // version), off the reviewer's request, one at a time with the other runs, on the node where
  // the change was made (the event is not relayed to other nodes).
  listenForRevisions({
    db,
    bus,
    logger,
    timeZone: config.timezone,
    schedule(fn) {
      if (!closed) inBackground(serial(fn));
    },
    produce: (req, reason) => produce(req, { actor: 'validation', trigger: 'schedule', reason }),
  });

  return {
    async start() {
      if (config.bulletins.pdf === 'on' && pdf.unavailable)
        logger.error({ reason: pdf.unavailable }, 'BULLETIN_PDF=on but PDF cannot be produced here: bulletins are published without PDF');
      else if (pdf.unavailable && config.bulletins.pdf === 'auto') logger.info({ reason: pdf.unavailable }, 'bulletins are published without PDF');
      if (!config.bulletins.enabled) return;
      const scheduled = () => {
        if (isLeader()) inBackground(serial(() => runDueNow(now())));
      };
      scheduler = startSchedule(config.bulletins, scheduled, config.timezone);
      scheduled(); // catch up what was missed while no node ran
    },
    catchUp() {
      if (config.bulletins.enabled && !closed && isLeader()) inBackground(serial(() => runDueNow(now())));
    },
    generate: (req, by) => serial(async () => (await produce(req, by))!),
    runDue: (at) => serial(() => runDueNow(at ?? now())),
    compose,
    async idle() {
      await Promise.allSettled([...background]);
      await serial(async () => undefined); // everything queued before has settled
    },
    get pdfUnavailable() {
      return pdf.unavailable;
    },
    async close() {
      closed = true;
      scheduler?.stop();
      // First stop the printer: a bulletin being printed then fails fast (logged) and the catch-up
      // loop stops at its next scope, so a shutdown never waits for Chromium.
      await pdf.close();
      if (pdf.lastCloseError) logger.warn({ err: pdf.lastCloseError }, 'closing the PDF printer at shutdown failed');
      // A browser that never finished starting cannot be closed from here: wait for the run under
      // way for at most CLOSE_WAIT_MS, then let the process go on shutting down (logged).
      const settled = Promise.allSettled([...background]).then(() => serial(async () => undefined));
      let timer: NodeJS.Timeout | undefined;
      const gaveUp = await Promise.race([settled.then(() => false), new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(true), CLOSE_WAIT_MS)))]);
      clearTimeout(timer);
      if (gaveUp) logger.warn({ waitedMs: CLOSE_WAIT_MS }, 'a bulletin run was still under way at shutdown; not waiting for it');
    },
  };
}
