/**
 * @module ingest/adapters/drop-folder
 * Circular 10 files placed in a watched folder, for agencies whose FTP server already exists.
 *
 * Layout (the folder names the station; file names are free, as dataloggers name them):
 *
 * ```
 * <DROP_DIR>/<stationId>/[any/sub/folders/]<name>.txt   files to read
 * <DROP_DIR>/done/<stationId>/<same path>               stored (good lines committed; refused lines in quarantine)
 * <DROP_DIR>/rejected/<stationId>/<same path>           refused as a whole (unknown station, too large, no good line)
 * <DROP_DIR>/rejected/<stationId>/<same path>.reason.txt   why
 * ```
 *
 * Only `*.txt` files are read; anything else (a `.tmp` being written) is left alone. A file is
 * read once its size and modification time have not changed for DROP_SETTLE_MS, and moved only
 * after its outcome is durable, so a crash means it is read again (and stored once: duplicates
 * are dropped by the database). A file larger than CIRCULAR10_MAX_FILE_BYTES is not read whole:
 * its first bytes are kept in quarantine. Station ids `done` and `rejected` cannot use the folder.
 */
import { mkdir, open, readFile, readdir, rename, stat, writeFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import type { Config } from '../../config/index.js';
import type { Logger } from '../../lib/logger.js';
import type { FileIntake } from './file-intake.js';

export interface DropFolderDeps {
  config: Readonly<Config>;
  intake: FileIntake;
  logger: Logger;
  now?: () => number;
}

export interface DropFolder {
  /** Scans once and processes every settled file; resolves when they are all moved. */
  scan(): Promise<void>;
  close(): Promise<void>;
}

const KEPT_HEAD_BYTES = 4096;
const CONCURRENCY = 32;
const RESERVED = new Set(['done', 'rejected']);

async function walk(dir: string, out: string[]): Promise<void> {
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue;
    const full = join(dir, entry.name);
    if (entry.isDirectory()) await walk(full, out);
    else if (entry.isFile() && /\.txt$/i.test(entry.name)) out.push(full);
  }
}

async function readHead(file: string, bytes: number): Promise<Buffer> {
  const handle = await open(file, 'r');
  try {
    const buf = Buffer.alloc(bytes);
    const { bytesRead } = await handle.read(buf, 0, bytes, 0);
    return buf.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** Moves a file, keeping an existing file of the same name (a second copy gets a suffix). */
async function moveTo(file: string, target: string): Promise<string> {
  await mkdir(dirname(target), { recursive: true });
  let dest = target;
  for (let n = 1; ; n++) {
    try {
      await stat(dest);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') break; // a free name
      throw err;
    }
    dest = target.replace(/(\.txt)?$/i, (ext) => `.${n}${ext}`);
  }
  await rename(file, dest);
  return dest;
}

export async function createDropFolder(deps: DropFolderDeps): Promise<DropFolder> {
  const { config, intake } = deps;
  const now = deps.now ?? Date.now;
  const log = deps.logger.child({ component: 'drop-folder' });
  const root = config.dropFolder.dir;
  const { settleMs, pollMs } = config.dropFolder;
  const maxBytes = config.circular10.maxFileBytes;
  await mkdir(root, { recursive: true });
  /** path → last seen size/mtime and since when unchanged */
  const watching = new Map<string, { size: number; mtimeMs: number; since: number }>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let closed = false;

  async function reject(file: string, stationId: string | null, rel: string, reason: string): Promise<void> {
    const dest = await moveTo(file, join(root, 'rejected', rel));
    await writeFile(`${dest}.reason.txt`, `${new Date(now()).toISOString()} ${stationId ?? '(no station)'}: ${reason}\n`);
    log.warn({ file: rel, reason }, 'dropped file rejected');
  }

  async function processFile(file: string, size: number): Promise<void> {
    const rel = relative(root, file);
    const parts = rel.split(sep);
    const stationId = parts.length > 1 ? parts[0]! : null;
    const origin = `drop:${rel.split(sep).join('/')}`;
    if (stationId === null) {
      await intake.refuse(null, origin, Buffer.alloc(0), 'file_refused', 'file is not in a station folder', 'drop');
      return reject(file, null, join('_unsorted', rel), `put files in ${root}/<stationId>/`);
    }
    if (size > maxBytes) {
      const head = await readHead(file, KEPT_HEAD_BYTES);
      const reason = `file is ${size} bytes, larger than the limit of ${maxBytes} (CIRCULAR10_MAX_FILE_BYTES); first ${head.byteLength} bytes kept in quarantine`;
      await intake.refuse(stationId, origin, head, 'payload_too_large', reason, 'drop');
      return reject(file, stationId, rel, reason);
    }
    const payload = await readFile(file);
    const result = await intake.receive(stationId, origin, payload, 'drop');
    const nothingStored = result.outcome === 'refused' || result.outcome === 'quarantined' || (result.outcome === 'repeat' && result.rows === 0 && result.refused.length > 0);
    if (nothingStored) {
      const reasons = result.refused.map((r) => r.reason).join('\n');
      return reject(file, stationId, rel, reasons || 'refused');
    }
    await moveTo(file, join(root, 'done', rel));
  }

  async function scanOnce(): Promise<void> {
    const files: string[] = [];
    for (const entry of await readdir(root, { withFileTypes: true })) {
      if (entry.name.startsWith('.') || RESERVED.has(entry.name)) continue;
      const full = join(root, entry.name);
      if (entry.isDirectory()) await walk(full, files);
      else if (entry.isFile() && /\.txt$/i.test(entry.name)) files.push(full);
    }
    files.sort();
    const t = now();
    const ready: Array<{ file: string; size: number }> = [];
    const present = new Set(files);
    for (const p of watching.keys()) if (!present.has(p)) watching.delete(p);
    for (const file of files) {
      let s;
      try {
        s = await stat(file);
      } catch (err) {
        log.debug({ err, file }, 'dropped file vanished before it was read');
        continue;
      }
      const seen = watching.get(file);
      if (!seen || seen.size !== s.size || seen.mtimeMs !== s.mtimeMs) {
        watching.set(file, { size: s.size, mtimeMs: s.mtimeMs, since: t });
        if (settleMs > 0) continue;
      } else if (t - seen.since < settleMs) continue;
      ready.push({ file, size: s.size });
    }
    let next = 0;
    const worker = async () => {
      while (next < ready.length && !closed) {
        const { file, size } = ready[next++]!;
        try {
          await processFile(file, size);
          watching.delete(file);
        } catch (err) {
          // Left in place: the next scan tries again (a database outage, a file still locked).
          log.error({ err, file }, 'dropped file could not be processed; will retry');
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, ready.length) }, worker));
  }

  function schedule(): void {
    if (closed) return;
    timer = setTimeout(() => {
      running = scanOnce()
        .catch((err: unknown) => log.error({ err, root }, 'drop folder scan failed'))
        .finally(() => {
          running = undefined;
          schedule();
        });
    }, pollMs);
  }
  schedule();
  log.info({ root, pollMs, settleMs }, 'watching drop folder');

  return {
    async scan() {
      while (running) await running;
      running = scanOnce();
      try {
        await running;
      } finally {
        running = undefined;
      }
    },
    async close() {
      closed = true;
      clearTimeout(timer);
      while (running) await running;
    },
  };
}
