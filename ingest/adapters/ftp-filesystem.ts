/**
 * @module ingest/adapters/ftp-filesystem
 * The virtual file system one FTP session of a station sees (ftp-srv's declared `FileSystem`
 * seam): `/` holds one folder, `/<stationId>`, where the session starts. The station may create
 * and enter sub-folders there (`2026/11/22/`); nothing is kept on disk. A write anywhere else
 * (`/OTHER/…`, `../../etc/…`), a name that is not a Circular 10 `.txt` file, downloads, deletes,
 * renames, appends and resumed uploads are refused with an `FtpRefusal` (550 unless it says otherwise).
 */
import { posix } from 'node:path';
import type { Writable } from 'node:stream';
import { FileSystem, type FtpConnection } from 'ftp-srv';
import { isAcceptableFileName } from '../../formats/circular10/codec.js';

/** A refusal with its FTP reply code: 550 (not allowed / not stored) unless said otherwise, 552 for a file over the size limit. */
export class FtpRefusal extends Error {
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
export class StationFileSystem extends FileSystem {
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
      throw new FtpRefusal(`${name}: only Circular 10 .txt files are accepted`);
    }
    if (append || (typeof start === 'number' && start > 0)) throw new FtpRefusal('appending to or resuming a file is not supported; send the whole file');
    return { stream: this.onUpload(target, name), clientPath: target };
  }

  // RETR, DELE, RNFR and RNTO never reach these (ftp-commands.ts answers them 550 first); kept
  // so that no path through ftp-srv can read, delete or rename.
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
