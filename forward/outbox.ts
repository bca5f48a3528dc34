/**
 * @module forward/outbox
 * A durable, ordered queue of files on disk for one upstream target:
 *
 * ```
 * DATA_DIR/forward/outbox/<target>/<seq:12>_<circular10 name>   waiting, sent in seq order
 * DATA_DIR/forward/sent/<target>/<seq:12>_<circular10 name>     confirmed by the upstream (226)
 * DATA_DIR/forward/<target>.cursor.json                         {receivedUpTo, seq}
 * ```
 *
 * A file is written to a temporary name, fsync'd, renamed into place and the folder fsync'd, so
 * after a crash a file in the outbox is whole. The cursor is written the same way after the
 * files it covers; a crash in between re-emits those readings (at least once; the upstream keys
 * rows on station, parameter and time).
 */
import { createError } from '../lib/errors.js';
import { mkdir, open, readFile, readdir, rename } from 'node:fs/promises';
import { join } from 'node:path';

export interface Cursor {
  /** Readings received up to this time (ISO 8601) are in the outbox or sent. */
  receivedUpTo: string;
  seq: number;
}

export interface Outbox {
  readonly dir: string;
  readonly sentDir: string;
  /** Sequence number of the last file added. */
  readonly seq: number;
  readCursor(): Promise<Cursor | undefined>;
  writeCursor(cursor: Cursor): Promise<void>;
  /** Adds a file after the last one; returns its outbox name. */
  add(remoteName: string, content: string): Promise<string>;
  /** Outbox names in sending order. */
  pending(): Promise<string[]>;
  /** Moves a sent file to sent/. */
  markSent(name: string): Promise<void>;
  /** The name the upstream gets (without the sequence prefix). */
  remoteNameOf(name: string): string;
}

const SEQ_DIGITS = 12;

async function fsyncPath(path: string, flags = 'r'): Promise<void> {
  const handle = await open(path, flags);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes a file so that it is either absent or whole after a crash. */
export async function writeDurably(path: string, content: string | Buffer, dir: string): Promise<void> {
  const tmp = `${path}.tmp`;
  const handle = await open(tmp, 'w');
  try {
    await handle.writeFile(content);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(tmp, path);
  await fsyncPath(dir);
}

export async function openOutbox(forwardDir: string, target: string): Promise<Outbox> {
  const dir = join(forwardDir, 'outbox', target);
  const sentDir = join(forwardDir, 'sent', target);
  const cursorFile = join(forwardDir, `${target}.cursor.json`);
  await mkdir(dir, { recursive: true });
  await mkdir(sentDir, { recursive: true });

  const list = async () => (await readdir(dir)).filter((n) => /^\d{12}_/.test(n) && !n.endsWith('.tmp')).sort();
  const stored = await readCursorFile();
  // After a crash the outbox may hold files newer than the cursor: never reuse their numbers.
  const last = (await list()).at(-1);
  let seq = Math.max(stored?.seq ?? 0, last ? Number(last.slice(0, SEQ_DIGITS)) : 0);

  async function readCursorFile(): Promise<Cursor | undefined> {
    try {
      return JSON.parse(await readFile(cursorFile, 'utf8')) as Cursor;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw createError('QT_ERR_FORWARD_FAILED', `forwarding cursor ${cursorFile} is unreadable: ${(err as Error).message}`, { cause: err });
    }
  }

  const outbox: Outbox = {
    dir,
    sentDir,
    readCursor: readCursorFile,
    async writeCursor(cursor) {
      await writeDurably(cursorFile, JSON.stringify(cursor), forwardDir);
    },
    async add(remoteName, content) {
      seq += 1;
      const name = `${String(seq).padStart(SEQ_DIGITS, '0')}_${remoteName}`;
      await writeDurably(join(dir, name), content, dir);
      return name;
    },
    pending: list,
    async markSent(name) {
      await rename(join(dir, name), join(sentDir, name));
    },
    remoteNameOf: (name) => name.slice(SEQ_DIGITS + 1),
    get seq() {
      return seq;
    },
  };
  return outbox;
}
