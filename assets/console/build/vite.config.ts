// Vite builds the console into one script and one stylesheet with fixed
// names (console.js, console.css) beside index.html, referenced relatively
// (the page is served at /console/). build.mjs runs this build and copies
// the outputs into assets/console/.
//
// Dev loop: `QUIRE_URL=http://127.0.0.1:PORT npm run dev` serves the source
// with hot reload and proxies the API (/graphql, its WebSocket /graphql/ws,
// /files) to a running `quire serve`.

import { defineConfig } from 'vite';

const quire = process.env.QUIRE_URL ?? 'http://127.0.0.1:8080';

export default defineConfig({
  base: './',
  oxc: {
    jsx: { runtime: 'automatic', importSource: 'preact' },
  },
  build: {
    outDir: process.env.CONSOLE_OUT_DIR ?? 'dist',
    emptyOutDir: true,
    assetsDir: '',
    assetsInlineLimit: 0,
    cssCodeSplit: false,
    modulePreload: false,
    sourcemap: false,
    target: 'es2022',
    reportCompressedSize: false,
    rolldownOptions: {
      output: {
        entryFileNames: 'console.js',
        chunkFileNames: 'console-[name].js',
        assetFileNames: (info) => (info.names.some((n) => n.endsWith('.css')) ? 'console.css' : '[name][extname]'),
        codeSplitting: false,
        comments: { legal: false },
      },
    },
  },
  server: {
    port: 5173,
    strictPort: false,
    proxy: {
      '/graphql': { target: quire, ws: true, changeOrigin: true },
      '/files': { target: quire, changeOrigin: true },
    },
  },
});
