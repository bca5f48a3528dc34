/**
 * Where a process's resident memory is (Linux, /proc/<pid>/smaps), for the soak: a rise of RSS
 * with a flat V8 heap may be memory malloc keeps (glibc's main arena grows the brk heap; each
 * thread that mallocs may get an arena of its own, reserved 64 MiB at a time at 64 MiB-aligned
 * addresses, and freed memory inside an arena stays resident until trimmed), V8's pages (anonymous
 * mappings elsewhere), or code and data mapped from files.
 *
 * - brk: the `[heap]` mapping (malloc's main arena);
 * - arenas: anonymous mappings inside a 64 MiB-aligned reservation of exactly 64 MiB made of a
 *   read-write part and an inaccessible rest (how glibc lays out the heap of a thread arena);
 * - anon: every other anonymous mapping (V8's heap pages, its code space, thread stacks, mmap'ed
 *   malloc blocks of 128 KiB and more, WebAssembly memory);
 * - file: mappings of files (the node binary, shared libraries), shared or not.
 */
import { readFileSync } from 'node:fs';

export interface RssParts {
  brkMb: number;
  arenasMb: number;
  anonMb: number;
  fileMb: number;
}

interface Vma {
  start: bigint;
  end: bigint;
  perms: string;
  name: string;
  rssKb: number;
}

const ARENA = 64n * 1024n * 1024n;

/** The mappings of /proc/<pid>/smaps text, in address order. */
export function parseSmaps(text: string): Vma[] {
  const vmas: Vma[] = [];
  for (const line of text.split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) (\S+) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (head) {
      vmas.push({ start: BigInt(`0x${head[1]}`), end: BigInt(`0x${head[2]}`), perms: head[3]!, name: head[4]!.trim(), rssKb: 0 });
      continue;
    }
    const rss = /^Rss:\s+(\d+) kB/.exec(line);
    if (rss && vmas.length > 0) vmas[vmas.length - 1]!.rssKb = Number(rss[1]);
  }
  return vmas;
}

/** The resident memory of `vmas` by part, in MB (MiB). */
export function rssPartsOf(vmas: readonly Vma[]): RssParts {
  const kb = { brk: 0, arenas: 0, anon: 0, file: 0 };
  for (let i = 0; i < vmas.length; i++) {
    const v = vmas[i]!;
    if (v.name === '[heap]') kb.brk += v.rssKb;
    else if (v.name.startsWith('/')) kb.file += v.rssKb;
    else if (v.name === '') {
      // an arena's heap: a read-write part at a 64 MiB boundary, the rest of the 64 MiB inaccessible
      const next = vmas[i + 1];
      const arena =
        v.start % ARENA === 0n &&
        v.perms.startsWith('rw') &&
        (v.end - v.start === ARENA || (next !== undefined && next.name === '' && next.perms.startsWith('---') && next.start === v.end && next.end - v.start === ARENA));
      if (arena) kb.arenas += v.rssKb;
      else kb.anon += v.rssKb;
    } else kb.anon += v.rssKb; // [stack], [anon:…] and the like
  }
  const mb = (n: number) => Math.round(n / 1024);
  return { brkMb: mb(kb.brk), arenasMb: mb(kb.arenas), anonMb: mb(kb.anon), fileMb: mb(kb.file) };
}

/** The resident memory of process `pid` by part; NaN for each when it cannot be read (the process is gone). */
export function rssParts(pid: number): RssParts {
  try {
    return rssPartsOf(parseSmaps(readFileSync(`/proc/${pid}/smaps`, 'utf8')));
  } catch {
    return { brkMb: NaN, arenasMb: NaN, anonMb: NaN, fileMb: NaN };
  }
}
