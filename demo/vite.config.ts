import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import vue from '@vitejs/plugin-vue';
import { defineConfig, type Plugin } from 'vite';

/*
 * The field-service demo: two pages (React app, Vue job board), the Outpost worker they start, and
 * the service worker, built into dist/demo, which the Outpost server serves (`staticDir`).
 *
 *   npx vite build -c demo/vite.config.ts      # build
 *   npx vite -c demo/vite.config.ts            # dev server on :5173, /api proxied to the server
 *                                              # at OUTPOST_URL (default http://localhost:8080)
 */

const here = import.meta.dirname;
const publicDir = resolve(here, '../public');

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)).split('\\').join('/'));
}

/**
 * Builds demo/sw.ts to /sw.js (a fixed name: the registration URL must not change between builds)
 * and writes into it the list of files to keep offline: everything this build emits (HTML, JS,
 * CSS, the Outpost worker bundle) and the public files (manifest, icons), with a version derived
 * from their contents.
 */
function serviceWorker(): Plugin {
  return {
    name: 'field-service-sw',
    apply: 'build',
    // After Vite's own plugins: the HTML pages are added to the bundle in their generateBundle.
    enforce: 'post',
    buildStart() {
      this.emitFile({ type: 'chunk', id: resolve(here, 'sw.ts'), fileName: 'sw.js' });
    },
    generateBundle(_options, bundle) {
      const sw = bundle['sw.js'];
      if (!sw || sw.type !== 'chunk') throw new Error('the service worker chunk is missing');
      const hash = createHash('sha256');
      const files: string[] = [];
      for (const [name, out] of Object.entries(bundle)) {
        if (name === 'sw.js' || name.endsWith('.map')) continue;
        files.push('/' + name);
        hash.update(name).update(out.type === 'chunk' ? out.code : out.source);
      }
      for (const name of filesUnder(publicDir)) {
        files.push('/' + name);
        hash.update(name).update(readFileSync(join(publicDir, name)));
      }
      if (!files.includes('/index.html') || !files.includes('/vue.html')) throw new Error('the HTML pages are not in the bundle yet');
      const precache = { version: hash.digest('hex').slice(0, 16), files: files.sort() };
      if (!sw.code.includes('__PRECACHE__')) throw new Error('sw.ts no longer refers to __PRECACHE__');
      sw.code = sw.code.replaceAll('__PRECACHE__', JSON.stringify(precache));
    },
  };
}

export default defineConfig({
  root: here,
  // The demo imports the package by name and is built from its sources (package.json's exports
  // point at dist/, the published build). Longest names first: 'outpost' is a prefix of the others.
  resolve: {
    alias: [
      { find: /^outpost\/react$/, replacement: resolve(here, '../src/react/index.ts') },
      { find: /^outpost\/vue$/, replacement: resolve(here, '../src/vue/index.ts') },
      { find: /^outpost$/, replacement: resolve(here, '../src/client/index.ts') },
    ],
  },
  publicDir,
  plugins: [react(), vue(), serviceWorker()],
  worker: { format: 'es' },
  build: {
    outDir: resolve(here, '../dist/demo'),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
    rollupOptions: {
      input: { main: resolve(here, 'index.html'), vue: resolve(here, 'vue.html') },
    },
  },
  server: {
    port: 5173,
    // The sync server answers the API and the WebSocket; its allowedOrigins list this origin.
    proxy: { '/api': { target: process.env.OUTPOST_URL ?? 'http://localhost:8080', ws: true } },
  },
});
