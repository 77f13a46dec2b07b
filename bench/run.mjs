#!/usr/bin/env node
// The benchmark harness behind `npm run bench`: times every program in ../shared/bench (and our
// bench/*.spy) under spy and under python3 in the same run, alternating, and prints the median
// seconds and the ratio spy/CPython as a markdown table, with a start-up row. Outputs must match.
// Node built-ins only. Usage and options: bench/README.md, or `node bench/run.mjs --help`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SHARED_BENCH = resolve(ROOT, '../shared/bench');
const STACKLESS_TOOL = resolve(ROOT, '../shared/tools/stackless-python');

const HELP = `usage: node bench/run.mjs [--rounds N] [--filter TEXT] [--stackless] [--json FILE] [--timeout S]

Runs ../shared/bench/*.py and bench/*.spy with spy and with python3, N rounds each, alternating,
and prints | program | python3 (s) | spy (s) | ratio | with median wall-clock seconds.

  --rounds N     rounds per program and runtime (default 5)
  --filter TEXT  only programs whose name contains TEXT
  --stackless    also run ../shared/bench/stackless/*.py: with spy, and with Stackless Python
                 (../shared/tools/stackless-python) when it is built, else spy's time alone
  --json FILE    also write the raw figures (every round's time, exit codes) to FILE
  --timeout S    give up on one run after S seconds (default 600)

Environment: SPY_CMD replaces the spy command, "node dist/spy.cjs run" (the program's path is
appended), e.g. SPY_CMD=python3 to try the harness before spy runs the programs; PYTHON_CMD
replaces "python3". Exits 1 when a program fails or its outputs differ.`;

function parseArgs(argv) {
  const opts = { rounds: 5, filter: '', stackless: false, json: null, timeout: 600 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) usage(`${arg} needs a value`);
      return argv[++i];
    };
    if (arg === '--rounds') opts.rounds = positiveInt(arg, value());
    else if (arg === '--filter') opts.filter = value();
    else if (arg === '--stackless') opts.stackless = true;
    else if (arg === '--json') opts.json = resolve(value());
    else if (arg === '--timeout') opts.timeout = positiveInt(arg, value());
    else if (arg === '--help' || arg === '-h') {
      console.log(HELP);
      process.exit(0);
    } else usage(`unknown option ${arg}`);
  }
  return opts;
}

function positiveInt(flag, text) {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) usage(`${flag} takes a whole number >= 1, not ${text}`);
  return n;
}

function usage(message) {
  console.error(`bench: ${message}\n\n${HELP}`);
  process.exit(2);
}

// A command is an argv prefix; the program's path is appended.
function splitCommand(text) {
  return text.trim().split(/\s+/).filter(Boolean);
}

function spyCommand() {
  if (process.env.SPY_CMD) return { argv: splitCommand(process.env.SPY_CMD), label: process.env.SPY_CMD };
  const bundle = join(ROOT, 'dist', 'spy.cjs');
  if (!existsSync(bundle)) {
    console.error('bench: dist/spy.cjs is missing; run `npm run build` (npm run bench does) or set SPY_CMD');
    process.exit(2);
  }
  return { argv: [process.execPath, bundle, 'run'], label: 'node dist/spy.cjs run' };
}

// python3 is often a shim (pyenv's is a bash script costing ~0.3 s a start): time the
// interpreter it resolves to instead.
function pythonCommand() {
  const label = process.env.PYTHON_CMD || 'python3';
  const argv = splitCommand(label);
  const probe = spawnSync(argv[0], [...argv.slice(1), '-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' });
  if (probe.status !== 0 || probe.error) {
    console.error(`bench: cannot run ${label}`);
    process.exit(2);
  }
  const executable = probe.stdout.trim();
  return { argv: executable ? [executable, ...argv.slice(1)] : argv, label };
}

function stacklessCommand() {
  if (!existsSync(STACKLESS_TOOL)) return null;
  const where = spawnSync(STACKLESS_TOOL, ['--where'], { encoding: 'utf8' });
  if (where.status !== 0) return null;
  // Run the interpreter itself, not the bash wrapper, so its start-up is not inflated.
  return { argv: [where.stdout.trim()], label: 'stackless-python' };
}

/** One timed run: wall-clock seconds, exit status, stdout, and the tail of stderr. */
function runOnce(command, file, timeoutSec) {
  const started = performance.now();
  const result = spawnSync(command.argv[0], [...command.argv.slice(1), file], {
    cwd: dirname(file),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 256 * 1024 * 1024,
    timeout: timeoutSec * 1000,
    env: { ...process.env, NO_COLOR: '1' },
  });
  const seconds = (performance.now() - started) / 1000;
  let problem = null;
  if (result.error) problem = result.error.code === 'ETIMEDOUT' ? `timed out after ${timeoutSec} s` : String(result.error.message);
  else if (result.status !== 0) problem = result.signal ? `killed by ${result.signal}` : `exit ${result.status}`;
  const stderrTail = (result.stderr || '').trim().split('\n').slice(-3).join(' / ');
  return { seconds, status: result.status, problem, stdout: result.stdout || '', stderrTail };
}

// A one-line status on stderr, rewritten in place; only when stderr is a terminal.
function progress(text) {
  if (process.stderr.isTTY) process.stderr.write(`\r${text.padEnd(72)}\r`);
}

function median(values) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

function firstDifference(a, b) {
  const la = a.split('\n');
  const lb = b.split('\n');
  for (let i = 0; i < Math.max(la.length, lb.length); i++) {
    if (la[i] !== lb[i]) return `line ${i + 1}: reference ${JSON.stringify(la[i] ?? '<end>')}, spy ${JSON.stringify(lb[i] ?? '<end>')}`;
  }
  return 'outputs differ';
}

/**
 * Times one program: `ref` (python3 or Stackless; may be null) and spy, alternating which goes
 * first each round. A failing runtime stops being run for this program; its row says FAIL.
 */
function benchProgram(name, file, ref, spy, opts) {
  const row = { program: name, file, ref: ref && { command: ref.label, times: [], problem: null }, spy: { command: spy.label, times: [], problem: null } };
  let refOut = null;
  let spyOut = null;
  for (let round = 0; round < opts.rounds; round++) {
    const order = round % 2 === 0 ? ['ref', 'spy'] : ['spy', 'ref'];
    for (const who of order) {
      const side = row[who];
      const command = who === 'ref' ? ref : spy;
      if (!side || side.problem) continue;
      progress(`  ${name}: ${who === 'ref' ? ref.label : 'spy'} round ${round + 1}/${opts.rounds}`);
      const run = runOnce(command, file, opts.timeout);
      if (run.problem) {
        side.problem = run.problem;
        side.stderrTail = run.stderrTail;
        continue;
      }
      side.times.push(run.seconds);
      if (who === 'ref') refOut ??= run.stdout;
      else spyOut ??= run.stdout;
    }
  }
  progress('');
  if (row.ref) row.ref.median = row.ref.problem ? null : median(row.ref.times);
  row.spy.median = row.spy.problem ? null : median(row.spy.times);
  row.match = refOut !== null && spyOut !== null ? refOut === spyOut : null;
  if (row.match === false) row.difference = firstDifference(refOut, spyOut);
  row.ratio = row.match && row.ref?.median ? row.spy.median / row.ref.median : null;
  return row;
}

function fmt(seconds) {
  return seconds === null || seconds === undefined ? '—' : seconds.toFixed(3);
}

function cell(side) {
  if (!side) return 'n/a';
  if (side.problem) return `**FAIL** (${side.problem})`;
  return fmt(side.median);
}

function ratioCell(row) {
  if (row.match === false) return '**MISMATCH**';
  if (row.ratio === null) return '—';
  return row.ratio.toFixed(2);
}

function printTable(title, refName, rows) {
  console.log(`\n${title}\n`);
  if (rows.length === 0) {
    console.log('(no program matched)');
    return;
  }
  console.log(`| program | ${refName} (s) | spy (s) | ratio |`);
  console.log('|---|---:|---:|---:|');
  for (const row of rows) console.log(`| ${row.program} | ${cell(row.ref)} | ${cell(row.spy)} | ${ratioCell(row)} |`);
  const notes = [];
  for (const row of rows) {
    if (row.match === false) notes.push(`- ${row.program}: OUTPUT MISMATCH, ${row.difference}`);
    for (const [who, side] of [['spy', row.spy], [refName, row.ref]]) {
      if (side?.problem) notes.push(`- ${row.program}: ${who} failed (${side.problem})${side.stderrTail ? `: ${side.stderrTail}` : ''}`);
    }
  }
  if (notes.length) console.log('\n' + notes.join('\n'));
}

function listPrograms(dir, ext) {
  if (!existsSync(dir)) return null;
  return readdirSync(dir)
    .filter((f) => f.endsWith(ext))
    .sort()
    .map((f) => join(dir, f));
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const spy = spyCommand();
  const python = pythonCommand();
  const wanted = (file) => basename(file).includes(opts.filter);

  const programs = [];
  const shared = listPrograms(SHARED_BENCH, '.py');
  if (shared === null) console.error(`bench: ${SHARED_BENCH} is missing; skipping the shared programs`);
  else programs.push(...shared.map((f) => ({ name: basename(f), file: f })));
  programs.push(...(listPrograms(join(ROOT, 'bench'), '.spy') ?? []).map((f) => ({ name: `bench/${basename(f)}`, file: f })));

  const startedAt = new Date().toISOString();
  const rows = [];
  for (const p of programs.filter((p) => wanted(p.file))) rows.push(benchProgram(p.name, p.file, python, spy, opts));

  // Start-up: spy on a one-line program against python3 on the same file.
  let startup = null;
  if (wanted('hello world')) {
    const dir = mkdtempSync(join(tmpdir(), 'spy-bench-'));
    const hello = join(dir, 'hello.py');
    writeFileSync(hello, 'print("hello world")\n');
    startup = benchProgram('hello world start-up', hello, python, spy, { ...opts, rounds: Math.max(opts.rounds, 10) });
    startup.file = '(one-line print program)';
    rmSync(dir, { recursive: true, force: true });
  }

  let stacklessRows = null;
  let stackless = null;
  if (opts.stackless) {
    stackless = stacklessCommand();
    const files = listPrograms(join(SHARED_BENCH, 'stackless'), '.py') ?? [];
    if (!stackless) console.error('bench: Stackless Python is not built (../shared/tools/stackless-python --build); timing spy alone');
    stacklessRows = files.filter(wanted).map((f) => benchProgram(`stackless/${basename(f)}`, f, stackless, spy, opts));
  }

  console.log(`spy: ${spy.label} · reference: ${python.label} · ${opts.rounds} rounds, median wall-clock seconds · ratio = spy / reference`);
  printTable('CPython', python.label, startup ? [...rows, startup] : rows);
  if (stacklessRows) printTable('Stackless', stackless ? 'stackless' : 'stackless (not built)', stacklessRows);

  if (opts.json) {
    const strip = (row) => row && { ...row, file: row.file?.startsWith('/') ? relative(ROOT, row.file) : row.file };
    const report = { startedAt, node: process.version, spy: spy.label, reference: python.label, rounds: opts.rounds, programs: rows.map(strip), startup: strip(startup), stackless: stacklessRows?.map(strip) ?? null };
    writeFileSync(opts.json, JSON.stringify(report, null, 2) + '\n');
    console.error(`bench: wrote ${opts.json}`);
  }

  const all = [...rows, ...(startup ? [startup] : []), ...(stacklessRows ?? [])];
  const bad = all.filter((r) => r.match === false || r.spy.problem || r.ref?.problem);
  process.exit(bad.length ? 1 : 0);
}

main();
