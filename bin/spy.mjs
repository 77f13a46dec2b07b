#!/usr/bin/env node
// The installed `spy` command: loads the bundle that `npm run build` (run by `npm ci`) produces.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bundle = new URL('../dist/spy.mjs', import.meta.url);
if (!existsSync(fileURLToPath(bundle))) {
  process.stderr.write('spy: dist/spy.mjs is missing; run `npm run build` first\n');
  process.exit(2);
}
await import(bundle.href);
