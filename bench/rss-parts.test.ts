import { readFileSync } from 'node:fs';
import { Worker } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { parseSmaps, rssParts, rssPartsOf } from './rss-parts.js';

// A slice of a real node process's /proc/<pid>/smaps (fields other than Rss left out).
const SMAPS = `55d4c8a00000-55d4ce1a1000 r-xp 00000000 fd:01 1311 /usr/bin/node
Rss:               20480 kB
55d4d0000000-55d4d2000000 rw-p 00000000 00:00 0                          [heap]
Rss:                4096 kB
7f4ad4000000-7f4ad4144000 rw-p 00000000 00:00 0 
Rss:                1224 kB
7f4ad4144000-7f4ad8000000 ---p 00000000 00:00 0 
Rss:                   0 kB
7f4ab4000000-7f4ab4002000 rw-p 00000000 00:00 0 
Rss:                   8 kB
7f4ab4002000-7f4ad4000000 ---p 00000000 00:00 0 
Rss:                   0 kB
7f4b0c000000-7f4b10000000 rw-p 00000000 00:00 0 
Rss:                2048 kB
7f4b20001000-7f4b24001000 rw-p 00000000 00:00 0 
Rss:                3072 kB
7ffd1c000000-7ffd1c021000 rw-p 00000000 00:00 0                          [stack]
Rss:                 132 kB
`;

describe('the parts of a process RSS', () => {
  it("tells malloc's main arena, its thread arenas, other anonymous memory and files apart", () => {
    const vmas = parseSmaps(SMAPS);
    expect(vmas).toHaveLength(9);
    // an arena is 64 MiB at a 64 MiB boundary (read-write then inaccessible, or read-write whole);
    // the 512 MiB reservation at a 64 MiB boundary and the unaligned 64 MiB mapping are not
    expect(rssPartsOf(vmas)).toEqual({ brkMb: 4, arenasMb: 3, anonMb: 3, fileMb: 20 });
    expect(rssPartsOf(vmas.slice(4, 7))).toEqual({ brkMb: 0, arenasMb: 2, anonMb: 0, fileMb: 0 });
  });

  it('adds up to the RSS the kernel reports for this process', async () => {
    const worker = new Worker('setInterval(() => {}, 1000)', { eval: true });
    try {
      await new Promise((r) => worker.once('online', r));
      const parts = rssParts(process.pid);
      const rss = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))![1]) / 1024;
      const sum = parts.brkMb + parts.arenasMb + parts.anonMb + parts.fileMb;
      expect(Math.abs(sum - rss)).toBeLessThan(8);
      expect(parts.fileMb).toBeGreaterThan(1);
      expect(parts.anonMb).toBeGreaterThan(1);
    } finally {
      await worker.terminate();
    }
  });
});
