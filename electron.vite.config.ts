import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';

// Three bundles: the main process (Electron entry + the `labboot` CLI share it), the sandboxed
// preload (CommonJS, as Electron requires for sandboxed preloads), and the React renderer.
export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rollupOptions: {
        input: {
          electron: resolve('src-main/electron/main.ts'),
          cli: resolve('src-main/cli/main.ts'),
        },
        output: { format: 'es', entryFileNames: '[name].js' },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      // A sandboxed preload can only require('electron'): bundle zod and the contract into it.
      externalizeDeps: false,
      rollupOptions: {
        input: { preload: resolve('src-main/electron/preload.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: 'src-renderer',
    plugins: [react()],
    build: {
      outDir: 'out/renderer',
      // Minified: the console's first paint is part of the feature (< 1 s).
      minify: true,
      rollupOptions: { input: resolve('src-renderer/index.html') },
    },
  },
});
