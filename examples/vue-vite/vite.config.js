import vue from '@vitejs/plugin-vue';
import { defineConfig } from 'vite';

// Nothing Outpost-specific is needed for `vite build`: Vite bundles the client's worker from
// `new Worker(new URL(…, import.meta.url))`. For `vite` (dev) see docs/bundlers.md.
export default defineConfig({
  plugins: [vue()],
  optimizeDeps: { exclude: ['outpost'] },
  server: { proxy: { '/api': { target: 'http://localhost:8080', ws: true } } },
});
