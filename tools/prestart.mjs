#!/usr/bin/env node
/**
 * Runs before `npm start`: on a development checkout (TypeScript installed) the build is brought
 * up to date, so the README's `npm install && npm start` still does all the set-up; in a
 * production install (`npm ci --omit=dev`, the Docker image) dist/ must already be there.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const hasCompiler = existsSync(join(root, 'node_modules', '.bin', 'tsc'));
if (hasCompiler) {
  const r = spawnSync(process.execPath, [join(root, 'tools', 'build.mjs')], { cwd: root, stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
if (!existsSync(join(root, 'dist', 'main.js'))) {
  process.stderr.write('dist/main.js is missing and TypeScript is not installed: run `npm ci && npm run build` first (or use the Docker image).\n');
  process.exit(1);
}
