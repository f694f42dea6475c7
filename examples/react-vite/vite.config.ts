import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Nothing Outpost-specific is needed for `vite build`: Vite bundles the client's worker from
// `new Worker(new URL(…, import.meta.url))`. For `vite` (dev) see docs/bundlers.md.
export default defineConfig({
  plugins: [react()],
  optimizeDeps: { exclude: ['outpost'] },
  server: { proxy: { '/api': { target: 'http://localhost:8080', ws: true } } },
});
