#!/usr/bin/env node
// `npm run bench:threads`: the simulated threads' figures (issue 4): lock acquire/release
// uncontended and contended, cross-thread channel handoffs, GIL handoffs, and the cost of the
// GIL check and the atomic guard on the ticker loop. Each program times itself on the wall clock
// (spy's --real-time) and prints its rates; spy only, since the threads are spy's own.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const SPY = resolve(HERE, '../../dist/spy.cjs');
let failed = false;
for (const name of readdirSync(HERE).filter((f) => f.endsWith('.spy')).sort()) {
  const r = spawnSync(process.execPath, [SPY, 'run', '--real-time', join(HERE, name)], { encoding: 'utf8' });
  console.log(`## ${name}\n${r.stdout}${r.stderr}`);
  if (r.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
