/**
 * Test helper: Quantrac as a real child process (`node --import tsx main.ts`, or the compiled
 * build as `npm start` runs it), so a test can do to it what the field does: kill -9, then start
 * it again on the same DATA_DIR.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

export interface ChildApp {
  proc: ChildProcess;
  httpUrl: string;
  mqttUrl: string;
  /** stdout + stderr so far (for failure messages). */
  output(): string;
  /** Resolves with the exit code or signal once the process has ended. */
  exited: Promise<number | string | null>;
  kill9(): Promise<void>;
  /** SIGTERM (clean shutdown: every held PUBACK drains to a commit); SIGKILL and a thrown error if it has not exited within graceMs (30 s). */
  stop(graceMs?: number): Promise<void>;
}

/** A port that was free a moment ago (bound on port 0, then released): the child needs the same ports after a restart so the stations reconnect to them. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Starts main.ts with the given environment (plus HOST=127.0.0.1, SIMULATE=0, NODE_RED=false,
 * LOG_LEVEL=warn unless given) and waits for its "Quantrac is running" banner. `compiled`: runs
 * `node dist/main.js` instead, as `npm start` does (without tsx's loader and its thread; the
 * caller makes sure the build is current, e.g. bench/lib.ts `buildOnce`).
 */
export async function startChildApp(env: Record<string, string>, timeoutMs = 120_000, { compiled = false }: { compiled?: boolean } = {}): Promise<ChildApp> {
  const proc = spawn(process.execPath, compiled ? ['dist/main.js'] : ['--import', 'tsx', 'main.ts'], {
    cwd: ROOT,
    env: { ...process.env, HOST: '127.0.0.1', SIMULATE: '0', NODE_RED: 'false', LOG_LEVEL: 'warn', ALERTS_TICK_MS: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | string | null>((resolve) => proc.once('exit', (code, signal) => resolve(code ?? signal)));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Quantrac did not start in ${timeoutMs} ms:\n${out}`)), timeoutMs);
    const check = () => {
      if (/Quantrac is running/.test(out) && /Admin login.*\n/.test(out)) {
        clearTimeout(timer);
        proc.stdout!.off('data', check);
        resolve();
      }
    };
    proc.stdout!.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`Quantrac exited (${code}) before it was ready:\n${out}`));
    });
  });
  const http = /Dashboard & API\s+(http:\/\/[^/\s]+)\//.exec(out)?.[1];
  const mqttUrl = /MQTT\s+(mqtt:\/\/\S+)/.exec(out)?.[1];
  if (!http || !mqttUrl) throw new Error(`cannot read the ports from:\n${out}`);
  return {
    proc,
    httpUrl: http,
    mqttUrl,
    output: () => out,
    exited,
    async kill9() {
      proc.kill('SIGKILL');
      await exited;
    },
    async stop(graceMs = 30_000) {
      proc.kill('SIGTERM');
      // a shutdown that hangs must not hang the caller (a test, a benchmark): SIGKILL after graceMs and say so
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((r) => (timer = setTimeout(() => r('late'), graceMs)));
      const how = await Promise.race([exited, late]);
      clearTimeout(timer);
      if (how === 'late') {
        proc.kill('SIGKILL');
        await exited;
        throw new Error(`Quantrac did not shut down within ${graceMs} ms of SIGTERM (killed); its last output:\n${out.slice(-4000)}`);
      }
    },
  };
}

/** Logs in and returns a bearer token. */
export async function login(httpUrl: string, username: string, password: string): Promise<string> {
  const res = await fetch(`${httpUrl}/api/v1/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ username, password }) });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { token: string }).token;
}

/** Registers a station (air-quality) and returns its secret. */
export async function registerStation(httpUrl: string, token: string, id: string): Promise<string> {
  const res = await fetch(`${httpUrl}/api/v1/stations`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ id, name: `Station ${id}`, profile: 'air-quality', lat: 21.03, lon: 105.85, province: 'Hà Nội' }),
  });
  if (res.status !== 201) throw new Error(`station ${id} not created: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { secret: string }).secret;
}
