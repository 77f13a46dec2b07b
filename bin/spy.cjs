#!/usr/bin/env node
// The installed `spy` command: loads the bundle that `npm run build` (run by `npm ci`) produces.
// CommonJS on purpose: it starts faster than an ES module launcher.
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const bundle = join(__dirname, '..', 'dist', 'spy.cjs');
if (!existsSync(bundle)) {
  process.stderr.write('spy: dist/spy.cjs is missing; run `npm run build` first\n');
  process.exit(2);
}
require(bundle);
