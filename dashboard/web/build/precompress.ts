/**
 * @module dashboard/web/build/precompress
 * Vite plugin: writes `.gz` and `.br` siblings of every built .js, .css and .html file (the
 * server sends them with @fastify/static's `preCompressed` to clients that accept them, so a
 * phone downloads the compressed page without the server compressing per request), and prints
 * each page's weight: its HTML plus every script and stylesheet it loads, gzipped.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import type { Plugin } from 'vite';

const COMPRESSIBLE = /\.(js|css|html|svg|json)$/;

export function precompressPlugin(): Plugin {
  let outDir = '';
  return {
    name: 'quantrac-precompress',
    apply: 'build',
    configResolved(config) {
      outDir = join(config.root, config.build.outDir);
    },
    writeBundle(_options, bundle) {
      const gzSize = new Map<string, { raw: number; gz: number }>();
      for (const name of Object.keys(bundle)) {
        if (!COMPRESSIBLE.test(name)) continue;
        const path = join(outDir, name);
        const body = readFileSync(path);
        const gz = gzipSync(body, { level: 9 });
        gzSize.set(name, { raw: body.length, gz: gz.length });
        if (body.length < 1024) continue; // not worth it; the server sends the original
        writeFileSync(path + '.gz', gz);
        writeFileSync(path + '.br', brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }));
      }
      // A page's weight: the HTML and every /assets/… file it references (entry, preloaded chunks, CSS).
      for (const name of Object.keys(bundle).filter((n) => n.endsWith('.html'))) {
        const html = readFileSync(join(outDir, name), 'utf8');
        const files = [name, ...[...html.matchAll(/(?:src|href)="\/(assets\/[^"]+)"/g)].map((m) => m[1]!)];
        let raw = 0;
        let gz = 0;
        for (const f of files) {
          const s = gzSize.get(f);
          if (!s) continue;
          raw += s.raw;
          gz += s.gz;
        }
        console.log(`page weight ${name}: ${(gz / 1024).toFixed(1)} kB gzipped (${(raw / 1024).toFixed(1)} kB raw) in ${files.length} files: ${files.join(', ')}`);
      }
    },
  };
}
