/**
 * @module lib/malloc-arenas
 * glibc's malloc arenas capped at two for the app's process (issue 20). glibc gives each thread
 * that allocates an arena of its own (up to eight a core) and keeps what it frees there: over a
 * 60-minute soak at an agency's load the RSS crept +19.5 MB/hour with glibc's default and stayed
 * flat with `MALLOC_ARENA_MAX=2` (−25.3 MB/hour, run side by side; README, Soak), at no measured
 * cost in throughput. glibc reads the variable once, when the process starts, so the app cannot
 * set it for itself: `npm start` (main.ts) starts the process again in place with it
 * (`process.execve`: the same pid, the same arguments and descriptors, nothing run yet but this
 * check), before the app's modules are loaded. Where that does not apply nothing happens:
 * another system than Linux, a Node without `process.execve` (before 22.15), or a value the
 * operator set (any value, glibc's default included: `MALLOC_ARENA_MAX=16` on two cores).
 */

/** The arenas the app's process runs with unless the operator set MALLOC_ARENA_MAX. */
export const ARENA_CAP = '2';

type Execve = (file: string, args?: readonly string[], env?: NodeJS.ProcessEnv) => never;

/** Whether the process is to start again with the cap (see the module header). */
export function needsArenaCap(platform: NodeJS.Platform, env: NodeJS.ProcessEnv, execve: Execve | undefined): execve is Execve {
  return platform === 'linux' && env.MALLOC_ARENA_MAX === undefined && typeof execve === 'function';
}

/**
 * Replaces this process with itself started with MALLOC_ARENA_MAX=2 when needsArenaCap says so
 * (never returns then); returns at once otherwise, and when the system refuses the call (the
 * reason on stderr: the app then runs with glibc's default).
 */
export function capMallocArenas(env: NodeJS.ProcessEnv = process.env): void {
  const execve = process.execve?.bind(process);
  if (!needsArenaCap(process.platform, env, execve)) return;
  try {
    execve(process.execPath, [process.execPath, ...process.execArgv, ...process.argv.slice(1)], { ...env, MALLOC_ARENA_MAX: ARENA_CAP });
  } catch (err) {
    process.stderr.write(`MALLOC_ARENA_MAX=${ARENA_CAP} not applied (${err instanceof Error ? err.message : String(err)}): glibc's default arenas\n`);
  }
}
