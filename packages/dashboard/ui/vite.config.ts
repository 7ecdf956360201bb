import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));

// Built into dist/ui and served by the orchestrator at `/` (same origin as the API and socket.io).
export default defineConfig({
  root: here,
  base: './',
  plugins: [react()],
  logLevel: 'warn',
  build: { outDir: '../dist/ui', emptyOutDir: true, chunkSizeWarningLimit: 1024, sourcemap: false },
});
