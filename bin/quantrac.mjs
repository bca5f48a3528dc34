#!/usr/bin/env node
// `npx quantrac …` (package.json "bin"): runs the TypeScript command line (cli/index.ts) through
// tsx, a runtime dependency, as `npm start` runs main.ts; no build step. Plain JavaScript so that
// node runs it as it is.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../cli/index.ts');
const code = await main(process.argv.slice(2), process.env);
process.exitCode = code;
// each command closes its pools and the embedded worker; do not wait for a handle left behind
setTimeout(() => process.exit(code), 100).unref();
