/**
 * @module tools/config-table
 * Generates the README's configuration table from the config schema (config/docs.ts), so the
 * documented variables, types and defaults are always the ones the code accepts.
 *   npx tsx tools/config-table.ts                    prints the Markdown table
 *   npx tsx tools/config-table.ts --write README.md  replaces the table between
 *                                                    <!-- config-table:start --> and <!-- config-table:end -->
 * (`npm run docs:config` runs the second.) config/readme-table.test.ts fails when README.md is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { configTable, withConfigTable } from '../config/index.js';

const args = process.argv.slice(2);
const writeAt = args.indexOf('--write');
if (writeAt < 0) {
  process.stdout.write(`${configTable()}\n`);
} else {
  const file = args[writeAt + 1] ?? 'README.md';
  const before = readFileSync(file, 'utf8');
  const after = withConfigTable(before);
  if (after === before) process.stdout.write(`${file}: configuration table already up to date\n`);
  else {
    writeFileSync(file, after);
    process.stdout.write(`${file}: configuration table updated\n`);
  }
}
