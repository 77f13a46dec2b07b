// Bundles the `spy` command into dist/: spy.cjs (CLI, VM, stdlib) and compiler.cjs (lexer,
// parser, code generator, Chevrotain). Why two: importing chevrotain costs ~0.1 s of start-up,
// and with the bytecode cache an unchanged program never needs the compiler (DESIGN.md
// decision 10). The compiler bundle is CommonJS so the VM can load it synchronously on demand.
// Run by `npm run build` and by `prepare`, so `npm ci` produces it.
import { build } from 'esbuild';

const common = { bundle: true, platform: 'node', target: 'node20', minify: true, legalComments: 'none', logLevel: 'warning' };

await build({
  ...common,
  entryPoints: ['src/compiler/compile.ts'],
  outfile: 'dist/compiler.cjs',
  format: 'cjs',
});

/** In the CLI bundle, `compiler/compile.js` becomes a stub that requires dist/compiler.cjs on first use. */
const lazyCompiler = {
  name: 'lazy-compiler',
  setup(b) {
    b.onResolve({ filter: /\/compiler\/compile\.js$/ }, () => ({ path: 'lazy-compiler', namespace: 'spy' }));
    b.onLoad({ filter: /^lazy-compiler$/, namespace: 'spy' }, () => ({
      contents: `
        let loaded = null;
        function compiler() {
          const file = './compiler.cjs'; // a variable, so esbuild leaves the require alone
          return (loaded ??= require(file));
        }
        export function compileModule(source, filename) {
          return compiler().compileModule(source, filename);
        }
        export function compileInteractive(source, filename) {
          return compiler().compileInteractive(source, filename);
        }`,
      loader: 'js',
    }));
  },
};

/**
 * In the CLI bundle, main.ts's `import('./repl.js')` requires dist/repl.cjs on first use: the REPL
 * costs `spy FILE` nothing. A require, not an import(): bin/spy.cjs runs the bundle as a vm.Script
 * (for V8's code cache), where a dynamic import has no loader.
 */
const lazyRepl = {
  name: 'lazy-repl',
  setup(b) {
    b.onResolve({ filter: /^\.\/repl\.js$/ }, () => ({ path: 'lazy-repl', namespace: 'spy' }));
    b.onLoad({ filter: /^lazy-repl$/, namespace: 'spy' }, () => ({
      contents: `
        export function startRepl(...args) {
          const file = './repl.cjs'; // a variable, so esbuild leaves the require alone
          return require(file).startRepl(...args);
        }`,
      loader: 'js',
    }));
  },
};

await build({
  ...common,
  entryPoints: ['bin/spy.ts'],
  // CommonJS: Node loads it and its builtin modules (fs, path...) without ESM translation,
  // which measured ~20 ms of start-up
  outfile: 'dist/spy.cjs',
  format: 'cjs',
  plugins: [lazyCompiler, lazyRepl],
  // src/index.ts reads import.meta only when __dirname is missing (under vitest's ES modules)
  logOverride: { 'empty-import-meta': 'silent' },
});

// The REPL: its terminal side (loaded by spy.cjs on demand) and its interpreter thread, a
// worker with the VM and stdlib of its own (the compiler stays in compiler.cjs)
await build({
  ...common,
  entryPoints: ['src/cli/repl.ts'],
  outfile: 'dist/repl.cjs',
  format: 'cjs',
});
await build({
  ...common,
  entryPoints: ['src/cli/repl-worker.ts'],
  outfile: 'dist/repl-worker.cjs',
  format: 'cjs',
  plugins: [lazyCompiler],
  logOverride: { 'empty-import-meta': 'silent' },
});
