/**
 * @module ingest/adapters/ftp-receiver
 * The FTP server that dataloggers upload Circular 10 files to (ftp-srv 4.6, embedded).
 *
 * - Login: user = station id, password = the station's secret (the MQTT credentials, checked by
 *   the same StationAuthenticator).
 * - The tree a station sees is virtual: `/` holds one folder, `/<stationId>`, where the session
 *   starts. It may create and enter sub-folders there (`2026/11/22/`); nothing is kept on disk.
 *   A write anywhere else (`/OTHER/…`, `../../etc/…`) is refused with 550, as are downloads,
 *   deletes, renames, appends and resumed uploads.
 * - STOR: the file's bytes are collected in memory up to CIRCULAR10_MAX_FILE_BYTES; beyond
 *   that the transfer is cut off (550) and the first bytes are quarantined with the reason, so a
 *   50 MB upload never sits in memory. At the end of the upload the write stream's `final` step
 *   awaits ingest, and ftp-srv sends `226` only after the stream finishes: **a 226 means the
 *   file's good lines are committed and the file, if any line was refused, is in quarantine**.
 *   A database failure answers 550 and the logger sends the file again.
 */
import type { AddressInfo } from 'node:net';
import { posix } from 'node:path';
import { Writable } from 'node:stream';
import { FileSystem, FtpSrv, type FtpConnection } from 'ftp-srv';
import type { StationAuthenticator } from '../../stations/credentials.js';
import type { Config } from '../../config/index.js';
import type { Logger } from '../../lib/logger.js';
import { createError } from '../../lib/errors.js';
import type { Metrics } from '../../lib/metrics.js';
import type { StationDirectory } from '../../stations/directory.js';
import { isAcceptableFileName } from '../../formats/circular10/codec.js';
import type { FileIntake } from './file-intake.js';
import type { Security } from '../../security/index.js';

export interface FtpReceiverDeps {
  config: Readonly<Config>;
  intake: FileIntake;
  directory: StationDirectory;
  authenticator: StationAuthenticator;
  metrics: Metrics;
  logger: Logger;
  /** The login guard and audit log (security/): FTP logins check the same secret as MQTT, so they share its brute-force limits. */
  security?: Pick<Security, 'guard' | 'audit'> | undefined;
}

export interface FtpReceiver {
  readonly port: number;
  /** Stops accepting logins, waits for uploads being stored, then closes every connection. */
  close(): Promise<void>;
}

/** Bytes of a too-large file kept in quarantine as evidence. */
const KEPT_HEAD_BYTES = 4096;
/** Commands a station never needs: it only uploads. */
const BLACKLIST = ['RETR', 'DELE', 'RNFR', 'RNTO', 'RMD', 'APPE', 'STOU', 'SITE', 'REST'];
const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGQUIT'] as const;

class FtpRefusal extends Error {
  constructor(
    message: string,
    readonly code = 550,
  ) {
    super(message);
  }
}

interface StatLike {
  name: string;
  size: number;
  mtime: Date;
  mode: number;
  isDirectory(): boolean;
}

const dirStat = (name: string): StatLike => ({ name, size: 0, mtime: new Date(), mode: 0o755, isDirectory: () => true });

/**
 * The virtual tree of one session. Every path is resolved against the session's folder with
 * POSIX rules (backslashes are separators), so `..` can never leave `/`.
 */
class StationFileSystem extends FileSystem {
  private dir: string;
  private readonly area: string;

  constructor(
    connection: FtpConnection,
    private readonly stationId: string,
    private readonly onUpload: (clientPath: string, fileName: string) => Writable,
    private readonly onDenied: (what: string, path: string) => void,
  ) {
    super(connection, { root: '/', cwd: '/' });
    this.area = `/${stationId}`;
    this.dir = this.area;
  }

  private resolve(path = '.'): string {
    const p = path.replace(/\\/g, '/');
    const joined = posix.normalize(p.startsWith('/') ? p : posix.join(this.dir, p));
    return joined.length > 1 ? joined.replace(/\/+$/, '') : joined;
  }

  private inArea(path: string): boolean {
    return path === this.area || path.startsWith(this.area + '/');
  }

  override currentDirectory(): string {
    return this.dir;
  }

  override async chdir(path?: string): Promise<string> {
    const target = this.resolve(path);
    if (target !== '/' && !this.inArea(target)) throw new FtpRefusal(`${target}: no such folder`);
    this.dir = target;
    return this.dir;
  }

  override async mkdir(path: string): Promise<string> {
    const target = this.resolve(path);
    if (!this.inArea(target)) {
      this.onDenied('mkdir', target);
      throw new FtpRefusal(`${target}: outside your area ${this.area}`);
    }
    return target;
  }

  override async list(path?: string): Promise<StatLike[]> {
    const target = this.resolve(path);
    if (target === '/') return [dirStat(this.stationId)];
    if (this.inArea(target)) return [];
    throw new FtpRefusal(`${target}: no such folder`);
  }

  override async get(fileName: string): Promise<StatLike> {
    const target = this.resolve(fileName);
    if (target === '/' || this.inArea(target)) {
      // Folders exist on demand; files are not kept once stored, so SIZE/MDTM of a file says so.
      if (/\.[A-Za-z0-9]{1,4}$/.test(target)) throw new FtpRefusal(`${target}: files are not kept after they are stored`);
      return dirStat(posix.basename(target) || '/');
    }
    throw new FtpRefusal(`${target}: no such file or folder`);
  }

  override write(fileName: string, { append = false, start = undefined }: { append?: boolean; start?: unknown } = {}): { stream: Writable; clientPath: string } {
    const target = this.resolve(fileName);
    if (!this.inArea(target)) {
      this.onDenied('write', target);
      throw new FtpRefusal(`${fileName}: outside your area ${this.area}`);
    }
    const name = posix.basename(target);
    if (!isAcceptableFileName(name)) {
      this.onDenied('write', target);
      throw new FtpRefusal(`${name}: only Circular 10 .txt files are accepted`, 553);
    }
    if (append || (typeof start === 'number' && start > 0)) throw new FtpRefusal('appending to or resuming a file is not supported; send the whole file');
    return { stream: this.onUpload(target, name), clientPath: target };
  }

  override async read(): Promise<never> {
    throw new FtpRefusal('files cannot be downloaded');
  }

  override async delete(): Promise<never> {
    throw new FtpRefusal('files cannot be deleted');
  }

  override async rename(): Promise<never> {
    throw new FtpRefusal('files cannot be renamed');
  }

  override async chmod(): Promise<never> {
    throw new FtpRefusal('permissions cannot be changed');
  }

  override getUniqueName(): string {
    throw new FtpRefusal('STOU is not supported');
  }
}

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

  const before = new Map(SIGNALS.map((s) => [s, new Set(process.listeners(s))]));
  const server = new FtpSrv({
    url: `ftp://${config.ftp.host}:${config.ftp.port}`,
    pasv_url: config.ftp.pasvUrl,
    pasv_min: config.ftp.pasvMin,
    pasv_max: config.ftp.pasvMax,
    anonymous: false,
    greeting: 'Quantrac: Circular 10/2021/TT-BTNMT file upload',
    // Not ftp-srv's `timeout`: it also arms an uncleared timer of that length on every
    // disconnect, which keeps the process alive for minutes after close(). Idle control
    // connections are timed out below instead (ftp-srv closes a connection on 'timeout').
    timeout: 0,
    log: log as never,
  });
  (server as unknown as NodeJS.EventEmitter).on('connect', ({ connection }: { connection: { commandSocket?: { setTimeout(ms: number): void } } }) => {
    if (config.ftp.idleTimeoutMs > 0) connection.commandSocket?.setTimeout(config.ftp.idleTimeoutMs);
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
      return reject(createError('QT_ERR_RATE_LIMITED', `too many failed logins; try again in ${decision.retryAfterSeconds} s`, { details: { retryAfterSeconds: decision.retryAfterSeconds } }));
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
              deps.security.audit.record({ actor: stationId || '-', role: 'station', sourceIp: source, action: 'auth.lockout', target: locked.lockedAccount ? `station:${stationId}` : `source:${source}`, outcome: 'locked', details: { channel: 'ftp' } });
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
  const port = ((server as unknown as { server: { address(): AddressInfo } }).server.address()).port;
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
