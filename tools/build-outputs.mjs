/**
 * What tsc's incremental build says it compiled and is not there. It trusts its record
 * (dist/.tsbuildinfo): a compiled file deleted by hand is not written again until its source
 * changes, and `npm start` then fails on a missing module. tools/build.mjs asks this before
 * compiling and, if anything is missing, compiles everything.
 * Reads the record's `root` (the program's own sources, as ids into `fileNames`, 1-based, single
 * or as inclusive ranges) as TypeScript 5.x writes it; a record it cannot read names nothing.
 * Plain JavaScript: it runs before anything is compiled.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * The compiled `.js` files (paths relative to `outDir`) of the sources `buildInfo` records, below
 * `rootDir`, that are not in `outDir`.
 */
export function missingOutputs(buildInfo, rootDir, outDir) {
  let record;
  try {
    record = JSON.parse(readFileSync(buildInfo, 'utf8'));
  } catch {
    return [];
  }
  const { root, fileNames } = record ?? {};
  if (!Array.isArray(root) || !Array.isArray(fileNames)) return [];
  const ids = root.flatMap((r) => (Array.isArray(r) ? Array.from({ length: r[1] - r[0] + 1 }, (_, i) => r[0] + i) : [r]));
  const missing = [];
  for (const id of ids) {
    const name = fileNames[id - 1];
    if (typeof name !== 'string' || !/\.[cm]?ts$/.test(name) || /\.d\.[cm]?ts$/.test(name)) continue;
    const source = relative(rootDir, resolve(dirname(buildInfo), name));
    if (source.startsWith('..')) continue;
    const out = source
      .replace(/\.ts$/, '.js')
      .replace(/\.mts$/, '.mjs')
      .replace(/\.cts$/, '.cjs');
    if (!existsSync(join(outDir, out))) missing.push(out);
  }
  return missing;
}
