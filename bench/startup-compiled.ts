/**
 * Start-up of the compiled build as `npm start` runs it: `node dist/main.js` on a fresh data
 * directory, ports 0, no simulated fleet. Measures the process's wall time until its banner
 * appears and the time the banner itself prints (createApp() to ready). Brings the build up to
 * date first (bench/lib.ts buildOnce); answers undefined without dist/main.js.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildOnce } from './lib.js';

const MAIN_JS = fileURLToPath(new URL('../dist/main.js', import.meta.url));

export interface CompiledStartup {
  /** spawn → banner printed, ms */
  wallMs: number;
  /** what the banner says: createApp() → ready, ms */
  bannerMs: number;
}

export async function measureCompiledStartup(timeoutMs = 120_000): Promise<CompiledStartup | undefined> {
  buildOnce();
  if (!existsSync(MAIN_JS)) return undefined;
  const dataDir = mkdtempSync(join(tmpdir(), 'quantrac-bench-start-'));
  const t0 = performance.now();
  const child = spawn(process.execPath, [MAIN_JS], {
    env: { ...process.env, DATA_DIR: dataDir, HOST: '127.0.0.1', HTTP_PORT: '0', MQTT_PORT: '0', SIMULATE: '0', LOG_LEVEL: 'warn', ADMIN_PASSWORD: 'bench-admin-password' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  try {
    return await new Promise<CompiledStartup>((resolve, reject) => {
      let out = '';
      const timer = setTimeout(() => reject(new Error(`no banner within ${timeoutMs} ms:\n${out}`)), timeoutMs);
      const onData = (d: Buffer) => {
        out += d.toString();
        const m = /Quantrac is running \(started in (\d+) ms\)/.exec(out);
        if (m) {
          clearTimeout(timer);
          resolve({ wallMs: Math.round(performance.now() - t0), bannerMs: Number(m[1]) });
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`dist/main.js exited with ${code} before its banner:\n${out}`));
      });
    });
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
    rmSync(dataDir, { recursive: true, force: true });
  }
}
