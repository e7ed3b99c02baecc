import { defineConfig } from 'vitest/config';
import react from '@vitejs/plugin-react';

// Built into the jar's web/ folder; the server rewrites "/assets/" under --static-prefix at serve time.
export default defineConfig({
  plugins: [react()],
  base: '/',
  build: {
    outDir: 'target/classes/web',
    emptyOutDir: true,
    sourcemap: false,
    chunkSizeWarningLimit: 1024,
  },
  server: { proxy: { '/ajax-api': 'http://127.0.0.1:5000', '/api': 'http://127.0.0.1:5000' } },
  test: {
    environment: 'jsdom',
    include: ['src/**/*.test.{ts,tsx}'],
  },
});
