#!/usr/bin/env node
// Where does spy spend its time on one program? Bundles spy unminified (so the profile names
// src/ functions, which dist/spy.cjs's minified names do not), runs the program under
// `node --cpu-prof`, and prints the functions with the most self time and their src/ file.
// Usage: node bench/profile.mjs [--top N] [--keep DIR] [--no-inline] [--lines NAME] FILE [ARGS...]
// (never run by CI). --no-inline turns V8's inlining off, so callees stop hiding inside the
// loop's own time; --lines NAME also lists the hottest source lines of function NAME.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');

function parseArgs(argv) {
  const opts = { top: 25, keep: null, inline: true, lines: null, program: null, args: [] };
  let i = 0;
  for (; i < argv.length && argv[i].startsWith('--'); i++) {
    if (argv[i] === '--top') opts.top = Number(argv[++i]);
    else if (argv[i] === '--keep') opts.keep = resolve(argv[++i]);
    else if (argv[i] === '--no-inline') opts.inline = false;
    else if (argv[i] === '--lines') opts.lines = argv[++i];
    else fail(`unknown option ${argv[i]}`);
  }
  if (i >= argv.length) fail('usage: node bench/profile.mjs [--top N] [--keep DIR] [--no-inline] [--lines NAME] FILE [ARGS...]');
  opts.program = resolve(argv[i]);
  opts.args = argv.slice(i + 1);
  return opts;
}

function fail(message) {
  console.error(`profile: ${message}`);
  process.exit(2);
}

const opts = parseArgs(process.argv.slice(2));
const work = opts.keep ?? mkdtempSync(join(tmpdir(), 'spy-profile-'));
const bundle = join(work, 'spy-profile.cjs');
// One bundle with the compiler inside (dist/ loads it lazily; the profile does not care).
await build({
  entryPoints: [join(ROOT, 'bin/spy.ts')], outfile: bundle, bundle: true, platform: 'node',
  target: 'node20', format: 'cjs', minify: false, logLevel: 'error',
  logOverride: { 'empty-import-meta': 'silent' },
});

const v8Flags = opts.inline ? [] : ['--no-turbo-inlining'];
const run = spawnSync(process.execPath, [...v8Flags, '--cpu-prof', '--cpu-prof-dir', work, bundle, 'run', opts.program, ...opts.args], {
  stdio: ['inherit', 'ignore', 'inherit'], env: { ...process.env, SPY_NO_CACHE: '1' },
});
if (run.status !== 0) console.error(`profile: the program exited with ${run.status}`);
const profileFile = readdirSync(work).find((f) => f.endsWith('.cpuprofile'));
if (!profileFile) fail('no profile was written');
const profile = JSON.parse(readFileSync(join(work, profileFile), 'utf8'));

// Self time per node = its samples × the sampling interval; summed per function and location.
const selfSamples = new Map();
for (const id of profile.samples) selfSamples.set(id, (selfSamples.get(id) ?? 0) + 1);
const bundleLines = readFileSync(bundle, 'utf8').split('\n');
const totals = new Map();
for (const node of profile.nodes) {
  const n = selfSamples.get(node.id) ?? 0;
  if (n === 0) continue;
  const f = node.callFrame;
  const key = `${f.functionName || '(anonymous)'}\t${where(f)}`;
  totals.set(key, (totals.get(key) ?? 0) + n);
}
const all = profile.samples.length;
console.log(`${all} samples, ${((profile.endTime - profile.startTime) / 1e6).toFixed(2)} s`);
console.log('self %  function  (source)');
for (const [key, n] of [...totals].sort((a, b) => b[1] - a[1]).slice(0, opts.top)) {
  const [name, loc] = key.split('\t');
  console.log(`${((100 * n) / all).toFixed(1).padStart(5)}  ${name}  ${loc}`);
}
if (opts.lines !== null) hotLines(opts.lines);
if (!opts.keep) rmSync(work, { recursive: true, force: true });
else console.log(`profile kept in ${join(work, profileFile)}`);

/** The src/ file a bundled function came from: esbuild marks each module with a `// path` line. */
function where(frame) {
  if (!frame.url.endsWith('spy-profile.cjs')) return frame.url ? frame.url.replace(/^file:\/\//, '') : '(native)';
  for (let line = frame.lineNumber; line >= 0; line--) {
    const m = /^\/\/ (\S+\.ts)$/.exec(bundleLines[line] ?? '');
    if (m) return m[1];
  }
  return `bundle:${frame.lineNumber + 1}`;
}

/** The lines of function `name` with the most samples (V8 records positionTicks per line). */
function hotLines(name) {
  const ticks = new Map();
  let total = 0;
  for (const node of profile.nodes) {
    if (node.callFrame.functionName !== name) continue;
    for (const { line, ticks: n } of node.positionTicks ?? []) {
      ticks.set(line, (ticks.get(line) ?? 0) + n);
      total += n;
    }
  }
  console.log(`\nhottest lines of ${name} (${total} samples; % of all samples):`);
  for (const [line, n] of [...ticks].sort((a, b) => b[1] - a[1]).slice(0, opts.top)) {
    console.log(`${((100 * n) / all).toFixed(1).padStart(5)}  ${(bundleLines[line - 1] ?? '').trim().slice(0, 110)}`);
  }
}
