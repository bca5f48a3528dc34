/**
 * One variable of the environment a process runs with now, read from Linux's /proc (after an
 * execve, the new one): test/main.test.ts and bench/soak.ts read MALLOC_ARENA_MAX of the app
 * this way (lib/malloc-arenas.ts). Null when unset or unreadable (another system, a process gone).
 */
import { readFileSync } from 'node:fs';

export function environValue(pid: number, name: string): string | null {
  try {
    const kv = readFileSync(`/proc/${pid}/environ`, 'latin1')
      .split('\0')
      .find((x) => x.startsWith(`${name}=`));
    return kv === undefined ? null : kv.slice(name.length + 1);
  } catch {
    return null;
  }
}
