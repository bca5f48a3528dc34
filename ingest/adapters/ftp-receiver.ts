/**
 * @module ingest/adapters/ftp-receiver
 * The FTP server that dataloggers upload Circular 10 files to (ftp-srv 4.6, embedded).
 *
 * - Login: user = station id, password = the station's secret (the MQTT credentials, checked by
 *   the same StationAuthenticator).
 * - FTPS: with TLS_CERT_FILE/TLS_KEY_FILE set, explicit TLS (`AUTH TLS`, then TLS on the data
 *   connections too) is offered on the same port. FTP_REQUIRE_TLS `remote` or `all` refuses `USER`
 *   with 530 until the client has switched to TLS (from any address but loopback, or from all),
 *   so the secret never crosses the network in clear; the refusal is counted and audited.
 * - The tree a station sees is virtual (ftp-filesystem.ts): `/<stationId>` and its sub-folders.
 *   A write anywhere else is refused with 550, as are downloads, deletes and renames
 *   (ftp-commands.ts answers RETR, DELE, RNFR, RNTO 550 "not allowed").
 * - STOR: the file's bytes are collected in memory up to CIRCULAR10_MAX_FILE_BYTES; beyond
 *   that the transfer is cut off (552) and the first bytes are quarantined with the reason, so a
 *   50 MB upload never sits in memory. At the end of the upload the write stream's `final` step
 *   awaits ingest, and `226` is sent only after the stream finishes: **a 226 means the
 *   file's good lines are committed and the file, if any line was refused, is in quarantine**.
 *   A database failure answers 550 and the logger sends the file again.
 */
import type { AddressInfo } from 'node:net';
import { posix } from 'node:path';
import { Writable } from 'node:stream';
import { FtpSrv } from 'ftp-srv';
import type { StationAuthenticator } from '../../stations/credentials.js';
import type { Config } from '../../config/index.js';
import type { Logger } from '../../lib/logger.js';
import { createError } from '../../lib/errors.js';
import type { Metrics } from '../../lib/metrics.js';
import type { StationDirectory } from '../../stations/directory.js';
import type { FileIntake } from './file-intake.js';
import type { Security } from '../../security/index.js';
import { FtpRefusal, StationFileSystem } from './ftp-filesystem.js';
import { refuseWith550, storeFile, tlsRequired, useStationCommands, type CommandHandler, type FtpConnectionInternals } from './ftp-commands.js';
export interface FtpReceiverDeps {
  config: Readonly<Config>;
  intake: FileIntake;
  directory: StationDirectory;
  authenticator: StationAuthenticator;
  metrics: Metrics;
  logger: Logger;
  /**
   * The login guard and audit log (security/): FTP logins check the same secret as MQTT, so they
   * share its brute-force limits. Its `tls` (TLS_CERT_FILE/TLS_KEY_FILE) enables AUTH TLS.
   */
  security?: (Pick<Security, 'guard' | 'audit'> & Partial<Pick<Security, 'tls'>>) | undefined;
  /** Which client addresses count as loopback for FTP_REQUIRE_TLS=remote (tests replace it). */
  isLoopback?: (ip: string | undefined) => boolean;
}

export interface FtpReceiver {
  readonly port: number;
  /** Stops accepting logins, waits for uploads being stored, then closes every connection. */
  close(): Promise<void>;
}

/** Bytes of a too-large file kept in quarantine as evidence. */
const KEPT_HEAD_BYTES = 4096;
/** Commands a station never needs (it only uploads), answered 550 "not allowed" (ftp-commands.ts). */
const REFUSED = {
  RETR: 'files cannot be downloaded',
  DELE: 'files cannot be deleted',
  RNFR: 'files cannot be renamed',
  RNTO: 'files cannot be renamed',
  RMD: 'folders cannot be removed',
  APPE: 'send the whole file with STOR',
  STOU: 'name the file',
} as const;
/** Commands left to ftp-srv's blacklist (502 "not implemented"). */
const BLACKLIST = ['SITE', 'REST'];
const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGQUIT'] as const;

export async function createFtpReceiver(deps: FtpReceiverDeps): Promise<FtpReceiver> {
  const { config, intake, directory, authenticator, metrics } = deps;
  const log = deps.logger.child({ component: 'ftp' });
  const maxBytes = config.circular10.maxFileBytes;
  const pending = new Set<Promise<unknown>>();
  let closing = false;

  function track<T>(p: Promise<T>): Promise<T> {
    pending.add(p);
    const done = () => pending.delete(p);
    p.then(done, done);
    return p;
  }

  /** The write stream of one upload: bounded buffer, and `final` awaits the commit. */
  function uploadStream(stationId: string, clientPath: string): Writable {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    const stream = new Writable({
      write(chunk: Buffer, _encoding, callback) {
        if (tooLarge) return callback();
        size += chunk.byteLength;
        if (size <= maxBytes) {
          chunks.push(chunk);
          return callback();
        }
        tooLarge = true;
        chunks.push(chunk);
        const head = Buffer.concat(chunks).subarray(0, KEPT_HEAD_BYTES);
        chunks.length = 0;
        const reason = `file is larger than the limit of ${maxBytes} bytes (CIRCULAR10_MAX_FILE_BYTES); transfer cut off, first ${head.byteLength} bytes kept`;
        track(intake.refuse(stationId, `ftp:${clientPath}`, head, 'payload_too_large', reason, 'ftp')).then(
          () => callback(new FtpRefusal(`${posix.basename(clientPath)}: ${reason}`, 552)),
          (err: unknown) => callback(err as Error),
        );
      },
      final(callback) {
        const payload = Buffer.concat(chunks);
        chunks.length = 0;
        track(intake.receive(stationId, `ftp:${clientPath}`, payload, 'ftp')).then(
          (r) => {
            log.debug({ stationId, clientPath, outcome: r.outcome, rows: r.rows }, 'file stored');
            callback();
          },
          (err: unknown) => {
            log.error({ err, stationId, clientPath }, 'file could not be stored; refused so that the logger sends it again');
            callback(new FtpRefusal('the file could not be stored now; send it again'));
          },
        );
      },
    });
    // ftp-srv ends an upload by emitting 'close' on the stream when it has 'close' listeners (a
    // pipe adds one): end it then, as ftp-srv's own file system does, so that `final` runs.
    stream.once('close', () => stream.end());
    return stream;
  }

  const tls = deps.security?.tls;
  const policy = config.ftp.requireTls;
  if (policy !== 'off' && !tls) {
    throw createError('QT_ERR_CONFIG_INVALID', `Invalid configuration:\n  - FTP_REQUIRE_TLS=${policy} needs TLS_CERT_FILE and TLS_KEY_FILE (the certificate FTPS uses)`, {
      details: { problems: ['FTP_REQUIRE_TLS: no certificate configured'] },
    });
  }

  /** USER from a client that must use TLS and has not sent AUTH TLS: 530 before the secret is sent in clear. */
  const checkTls: CommandHandler = async (connection, command, next) => {
    if (connection.secure || !tlsRequired(policy, connection.ip, deps.isLoopback)) return next();
    const stationId = command.arg ?? '';
    const source = String(connection.ip ?? 'unknown');
    metrics.ftpDenied.inc({ action: 'login' });
    log.warn({ stationId, ip: connection.ip, requireTls: policy }, 'FTP login refused: TLS required (FTP_REQUIRE_TLS)');
    deps.security?.audit.record({ actor: stationId || '-', role: 'station', sourceIp: source, action: 'ftp.login', outcome: 'denied', details: { reason: 'tls_required' } });
    return connection.reply(530, 'TLS required: send AUTH TLS before logging in (explicit FTPS)');
  };
  const onRefused = (connection: FtpConnectionInternals, command: { directive: string }) => {
    metrics.ftpDenied.inc({ action: 'command' });
    log.warn({ ip: connection.ip, directive: command.directive }, 'FTP command refused: stations only upload');
  };
  const handlers: Record<string, CommandHandler> = { USER: checkTls, STOR: storeFile };
  for (const [directive, message] of Object.entries(REFUSED)) handlers[directive] = refuseWith550(message, onRefused);

  const before = new Map(SIGNALS.map((s) => [s, new Set(process.listeners(s))]));
  const server = new FtpSrv({
    url: `ftp://${config.ftp.host}:${config.ftp.port}`,
    pasv_url: config.ftp.pasvUrl,
    pasv_min: config.ftp.pasvMin,
    pasv_max: config.ftp.pasvMax,
    anonymous: false,
    greeting: 'Quantrac: Circular 10/2021/TT-BTNMT file upload',
    // Explicit FTPS (AUTH TLS) on the plain port; ftp:// keeps ftp-srv from making it implicit.
    tls: tls ? { cert: tls.cert, key: tls.key, minVersion: 'TLSv1.2' } : false,
    // Not ftp-srv's `timeout`: it also arms an uncleared timer of that length on every
    // disconnect, which keeps the process alive for minutes after close(). Idle control
    // connections are timed out below instead (ftp-srv closes a connection on 'timeout').
    timeout: 0,
    log: log as never,
  });
  (server as unknown as NodeJS.EventEmitter).on('connect', ({ connection }: { connection: FtpConnectionInternals & { commandSocket?: { setTimeout(ms: number): void } } }) => {
    if (config.ftp.idleTimeoutMs > 0) connection.commandSocket?.setTimeout(config.ftp.idleTimeoutMs);
    useStationCommands(connection, handlers);
  });
  // ftp-srv installs SIGTERM/SIGINT handlers that call process.exit; main.ts owns signals.
  for (const s of SIGNALS) for (const l of process.listeners(s)) if (!before.get(s)!.has(l)) process.removeListener(s, l);

  server.on('login', ({ connection, username, password }, resolve, reject) => {
    if (closing) return reject(createError('QT_ERR_SHUTTING_DOWN', 'server is shutting down'));
    const stationId = username;
    const source = String(connection.ip ?? 'unknown');
    const decision = deps.security?.guard.check('station', stationId, source);
    if (decision && !decision.allowed) {
      metrics.ftpDenied.inc({ action: 'login' });
      deps.security?.audit.record({ actor: stationId || '-', role: 'station', sourceIp: source, action: 'ftp.login', outcome: 'locked', details: { scope: decision.scope } });
      return reject(
        createError('QT_ERR_RATE_LIMITED', `too many failed logins; try again in ${decision.retryAfterSeconds} s`, { details: { retryAfterSeconds: decision.retryAfterSeconds } }),
      );
    }
    authenticator
      .verify(stationId, password)
      .then((ok) => {
        if (!ok || !directory.get(stationId)) {
          metrics.ftpDenied.inc({ action: 'login' });
          log.warn({ stationId, ip: connection.ip }, 'FTP login refused: bad station id or secret');
          if (deps.security) {
            deps.security.audit.record({ actor: stationId || '-', role: 'station', sourceIp: source, action: 'ftp.login', outcome: 'denied' });
            const locked = deps.security.guard.failure('station', stationId, source);
            if (locked.lockedSource || locked.lockedAccount) {
              deps.security.audit.record({
                actor: stationId || '-',
                role: 'station',
                sourceIp: source,
                action: 'auth.lockout',
                target: locked.lockedAccount ? `station:${stationId}` : `source:${source}`,
                outcome: 'locked',
                details: { channel: 'ftp' },
              });
            }
          }
          return reject(createError('QT_ERR_STATION_AUTH', 'bad station id or secret'));
        }
        deps.security?.guard.success('station', stationId, source);
        const onDenied = (what: string, path: string) => {
          metrics.ftpDenied.inc({ action: 'write' });
          log.warn({ stationId, what, path }, 'FTP write refused: outside the station area or not a .txt file');
        };
        resolve({
          fs: new StationFileSystem(connection, stationId, (clientPath) => uploadStream(stationId, clientPath), onDenied),
          blacklist: BLACKLIST,
        });
      })
      .catch((err: unknown) => {
        log.error({ err, stationId }, 'FTP login check failed');
        reject(createError('QT_ERR_STORE_UNAVAILABLE', 'authentication unavailable', { cause: err }));
      });
  });
  server.on('client-error', ({ context, error }) => {
    log.debug({ context, err: error }, 'FTP client error');
  });
  (server as unknown as NodeJS.EventEmitter).on('server-error', ({ error }: { error: unknown }) => log.error({ err: error }, 'FTP server error'));

  await server.listen();
  const port = (server as unknown as { server: { address(): AddressInfo } }).server.address().port;
  log.info({ host: config.ftp.host, port }, 'FTP receiver listening');

  return {
    port,
    async close() {
      closing = true;
      await Promise.allSettled([...pending]);
      await server.close();
    },
  };
}
