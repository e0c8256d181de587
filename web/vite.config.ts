import { defineConfig } from 'vite';

// The member office is served by the downline binary under /app/, the staff
// console under /staff/ (its assets under /app/assets/ too); the build
// goes to static/dist, which the Go package in this folder embeds (see
// embed.go). JSX is compiled by Vite's own transformer for Preact's automatic
// runtime (tsconfig's jsxImportSource), so no Babel-based plugin is needed.
export default defineConfig({
  base: '/app/',
  build: {
    outDir: 'static/dist',
    emptyOutDir: true,
    target: 'es2022',
    assetsDir: 'assets',
    // No source maps in the binary: they would double its UI payload.
    sourcemap: false,
    // Two apps, one build: the member office (index.html) and the staff
    // console (staff.html) share the chunks of the modules both import.
    rollupOptions: { input: { office: 'index.html', staff: 'staff.html' } },
  },
  server: {
    // `npm run dev` against a `downline serve` on 127.0.0.1:8080.
    proxy: { '/api': 'http://127.0.0.1:8080' },
  },
});
