/**
 * The planner's Vite config. One vtk.js (36.4.1) serves cornerstone3d and our own 3D code; cornerstone's
 * dependencies need the npm `events` package in the browser. The page is cross-origin isolated so the
 * DICOM decode workers share one buffer per volume (SharedArrayBuffer).
 */
import { createRequire } from 'node:module';
import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

const require = createRequire(import.meta.url);
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  plugins: [react()],
  resolve: { alias: { events: require.resolve('events/') } },
  worker: { format: 'es' },
  server: { host: '127.0.0.1', port: 5173, headers: isolation },
  preview: { host: '127.0.0.1', port: 4173, headers: isolation },
  build: { target: 'es2022', chunkSizeWarningLimit: 8000 },
});
