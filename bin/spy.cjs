#!/usr/bin/env node
// The installed `spy` command: loads the bundle that `npm run build` (run by `npm ci`) produces.
// CommonJS on purpose: it starts faster than an ES module launcher.
//
// It compiles the bundle with V8's code cache, kept next to spy's bytecode cache: parsing and
// compiling 250 KB of JavaScript is a third of spy's start-up, and the cache skips most of it.
// The first `spy run` writes it when start-up is over ('spy:started', just before the program
// runs): with the loop's bytecode in it too, the optimised loop measured 10-15 % slower.
// SPY_NO_CACHE=1, or any failure to read or write the cache, means compiling as `require` does.
const { existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } = require('node:fs');
const { homedir } = require('node:os');
const { dirname, join } = require('node:path');
const Module = require('node:module');
const vm = require('node:vm');

const bundle = join(__dirname, '..', 'dist', 'spy.cjs');
if (!existsSync(bundle)) {
  process.stderr.write('spy: dist/spy.cjs is missing; run `npm run build` first\n');
  process.exit(2);
}

const cacheFile = codeCacheFile();
if (cacheFile === null) {
  require(bundle);
} else {
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    // no cache yet: this run writes it
  }
  const script = new vm.Script(Module.wrap(readFileSync(bundle, 'utf8')), { filename: bundle, cachedData });
  if (cachedData === undefined || script.cachedDataRejected) {
    process.once('spy:started', () => {
      try {
        mkdirSync(dirname(cacheFile), { recursive: true });
        const tmp = `${cacheFile}.${process.pid}`;
        writeFileSync(tmp, script.createCachedData());
        renameSync(tmp, cacheFile);
      } catch {
        // a read-only cache directory: the next run compiles again
      }
    });
  }
  const mod = new Module(bundle, module);
  mod.filename = bundle;
  mod.paths = Module._nodeModulePaths(dirname(bundle));
  script.runInThisContext()
    .call(mod.exports, mod.exports, Module.createRequire(bundle), mod, bundle, dirname(bundle));
}

/** One file per bundle build and node version; null when caching is off. */
function codeCacheFile() {
  if (process.env.SPY_NO_CACHE) return null;
  try {
    const { size, mtimeMs } = statSync(bundle);
    const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
    const key = `${process.version}-${process.arch}-${size}-${Math.floor(mtimeMs)}`;
    return join(base, 'spy', 'v8', `spy-${key}.cache`);
  } catch {
    return null;
  }
}
