#!/usr/bin/env node
/**
 * `npm run build`: compiles the server to dist/ (tsc -p tsconfig.build.json), builds the web apps
 * (vite, dashboard/web/dist) and copies every file the server reads at run time beside its
 * compiled module (migrations, device profiles, rule packs, Node-RED nodes, the embedded
 * database's worker, the web apps), so `node dist/main.js` runs with production dependencies only.
 * Plain JavaScript on purpose: it must run before anything is compiled.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { missingOutputs } from './build-outputs.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));
const dist = join(root, 'dist');
const args = new Set(process.argv.slice(2));

function run(cmd, cmdArgs) {
  const r = spawnSync(cmd, cmdArgs, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) {
    process.stderr.write(`build: ${cmd} ${cmdArgs.join(' ')} failed (exit ${r.status})\n`);
    process.exit(r.status ?? 1);
  }
}

const bin = (name) => join(root, 'node_modules', '.bin', name);
const t0 = Date.now();
if (!args.has('--server-only')) run(bin('vite'), ['build', '--config', 'dashboard/web/vite.config.ts']);
// a compiled file deleted by hand: the incremental build would not write it again (tools/build-outputs.mjs)
const buildInfo = join(dist, '.tsbuildinfo');
if (existsSync(buildInfo)) {
  const missing = missingOutputs(buildInfo, root, dist);
  if (missing.length > 0) {
    process.stdout.write(`build: ${missing.length} compiled file(s) missing (dist/${missing[0]}${missing.length > 1 ? ', …' : ''}): compiling everything\n`);
    rmSync(buildInfo);
  }
}
run(bin('tsc'), ['-p', 'tsconfig.build.json']);

// Run-time assets: every non-TypeScript file of the server's folders, tests and sources of other tools aside.
const SERVER_DIRS = readdirSync(root).filter((d) => {
  if (['node_modules', 'dist', 'data', 'test', 'bench', 'tools', 'docs', 'deploy', 'test-artifacts', 'dashboard'].includes(d) || d.startsWith('.')) return false;
  return statSync(join(root, d)).isDirectory();
});
const ASSET = /\.(json|sql|mjs|cjs|js|html|csv|txt|png|svg)$/;
let copied = 0;
function copyAssets(dir) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) {
      if (entry.name === 'node_modules' || entry.name === 'test-support') continue;
      copyAssets(p);
    } else if (ASSET.test(entry.name) && !entry.name.endsWith('.test.js')) {
      const target = join(dist, relative(root, p));
      mkdirSync(dirname(target), { recursive: true });
      copyFileSync(p, target);
      copied++;
    }
  }
}
for (const d of SERVER_DIRS) copyAssets(join(root, d));
// The web apps, served by api/web.ts and api/open/public-page.ts from ../dashboard/web/dist relative to their module.
const webDist = join(root, 'dashboard', 'web', 'dist');
if (existsSync(webDist)) cpSync(webDist, join(dist, 'dashboard', 'web', 'dist'), { recursive: true });
process.stdout.write(`build: dist/ ready in ${((Date.now() - t0) / 1000).toFixed(1)} s (${copied} run-time files copied)\n`);
