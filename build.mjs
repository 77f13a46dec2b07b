// Bundles bin/spy.ts and everything it imports into one minified ESM file, dist/spy.mjs.
// Why: importing chevrotain unbundled costs ~0.5 s of module loading; bundled it is ~0.04 s
// (DESIGN.md decision 10). Run by `npm run build` and by `prepare`, so `npm ci` produces it.
import { build } from 'esbuild';

await build({
  entryPoints: ['bin/spy.ts'],
  outfile: 'dist/spy.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  minify: true,
  sourcemap: false,
  legalComments: 'none',
  banner: { js: "import { createRequire as __cr } from 'module'; const require = __cr(import.meta.url);" },
  logLevel: 'warning',
});
