/**
 * The operations center's build: `npm run build:web` (vite build --config dashboard/web/vite.config.ts)
 * writes dashboard/web/dist/, which dashboard/server/web.ts serves at /. A second entry,
 * public.html, is the citizens' open-data page served at /public (open/index.ts): it shares only
 * the small modules both import (DOM helpers, index categories, the map outline), never the
 * operations center's Leaflet, uPlot or socket.io.
 */
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';
import { precompressPlugin } from './build/precompress.js';
import { vnMapPlugin } from './build/vn-map.js';

const root = fileURLToPath(new URL('.', import.meta.url));

export default defineConfig({
  root,
  base: '/',
  plugins: [vnMapPlugin(), precompressPlugin()],
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
    rollupOptions: {
      input: { index: fileURLToPath(new URL('index.html', import.meta.url)), public: fileURLToPath(new URL('public.html', import.meta.url)) },
    },
  },
  logLevel: 'warn',
});
