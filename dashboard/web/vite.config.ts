/**
 * The operations center's build: `npm run build:web` (vite build --config dashboard/web/vite.config.ts)
 * writes dashboard/web/dist/, which dashboard/server/web.ts serves at /.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { vnMapPlugin } from './build/vn-map.js';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/',
  plugins: [vnMapPlugin()],
  // The page is served offline by our own server: no CDN, no public dir.
  publicDir: false,
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // A single small bundle: no module-preload polyfill (it would be inline-free anyway, but it is dead weight for Chromium).
    modulePreload: { polyfill: false },
    chunkSizeWarningLimit: 400,
    reportCompressedSize: true,
  },
  logLevel: 'warn',
});
