import { resolve } from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/*
 * The operator's dashboard, built into dist/admin, which the Outpost server serves under /admin
 * (behind a dashboard login: docs/server.md, "The dashboard").
 *
 *   npx vite build -c admin/vite.config.ts
 */

const here = import.meta.dirname;

export default defineConfig({
  root: here,
  base: '/admin/',
  plugins: [react()],
  build: {
    outDir: resolve(here, '../dist/admin'),
    emptyOutDir: true,
    target: 'es2022',
    sourcemap: true,
  },
});
