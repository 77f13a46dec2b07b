#!/usr/bin/env node
// The benchmark harness behind `npm run bench`: times every program in ../shared/bench (and our
// bench/*.spy) under spy and under python3 in the same run, alternating, and prints the median
// seconds and the ratio spy/CPython as a markdown table, with a start-up row. Outputs must match.
// Then the tasklet rates of bench/stackless.mjs, against Stackless Python (`--only` picks one).
// Node built-ins only. Usage and options: bench/README.md, or `node bench/run.mjs --help`.
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, relative, resolve } from 'node:path';
import { ROOT, SHARED_BENCH, clockName, cpuClockAvailable, firstDifference, median, progress, pythonCommand, runOnce, spyCommand, stacklessCommand } from './common.mjs';
import { stacklessReport } from './stackless.mjs';

const HELP = `usage: node bench/run.mjs [--rounds N] [--filter TEXT] [--only cpython|stackless] [--cpu] [--json FILE] [--timeout S]

Part cpython: runs ../shared/bench/*.py and bench/*.spy with spy and with python3, N rounds each,
alternating, and prints | program | python3 (s) | spy (s) | ratio | with median seconds.
Part stackless: tasklet rates (channel handoffs, switches, tasklets, watchdog overhead, bytes
per parked tasklet) with spy and with Stackless Python (../shared/tools/stackless-python) when
it is built, else spy alone.

  --rounds N     rounds per program and runtime (default 5)
  --filter TEXT  only programs (or Stackless measurements) whose name contains TEXT
  --only PART    run one part: cpython or stackless (npm run bench:stackless); default both
  --cpu          measure CPU seconds (user + system, all threads) instead of wall-clock ones:
                 steadier on a busy machine, but it counts V8's compiler and GC threads too
  --json FILE    also write the raw figures (every round's time, exit codes) to FILE
  --timeout S    give up on one run after S seconds (default 600)

Environment: SPY_CMD replaces the spy command, "node bin/spy.cjs run" (the program's path is
appended), e.g. SPY_CMD=python3 to try the harness before spy runs the programs; PYTHON_CMD
replaces "python3". Exits 1 when a program fails or its outputs differ.`;

function parseArgs(argv) {
  const opts = { rounds: 5, filter: '', cpython: true, stackless: true, clock: 'wall', json: null, timeout: 600 };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) usage(`${arg} needs a value`);
      return argv[++i];
    };
    if (arg === '--rounds') opts.rounds = positiveInt(arg, value());
    else if (arg === '--filter') opts.filter = value();
    else if (arg === '--only') {
      const part = value();
      if (part !== 'cpython' && part !== 'stackless') usage(`--only takes cpython or stackless, not ${part}`);
      Object.assign(opts, { cpython: part === 'cpython', stackless: part === 'stackless' });
    } else if (arg === '--cpu') {
      if (!cpuClockAvailable()) usage('--cpu reads /proc/self/stat, which this system does not have');
      opts.clock = 'cpu';
    } else if (arg === '--json') opts.json = resolve(value());
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
      const run = runOnce(command, file, opts.timeout, [], command.argv, opts.clock);
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

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const spy = spyCommand();
  const startedAt = new Date().toISOString();
  const report = { startedAt, node: process.version, spy: spy.label, rounds: opts.rounds };
  let bad = false;

  if (opts.cpython) {
    const { rows, startup, python } = cpythonRows(spy, opts);
    console.log(`spy: ${spy.label} · reference: ${python.label} · ${opts.rounds} rounds, median ${clockName(opts)} seconds · ratio = spy / reference`);
    printTable('CPython', python.label, startup ? [...rows, startup] : rows);
    const strip = (row) => row && { ...row, file: row.file?.startsWith('/') ? relative(ROOT, row.file) : row.file };
    Object.assign(report, { reference: python.label, programs: rows.map(strip), startup: strip(startup) });
    bad = [...rows, ...(startup ? [startup] : [])].some((r) => r.match === false || r.spy.problem || r.ref?.problem);
  }

  if (opts.stackless) {
    const stackless = stacklessCommand();
    if (!stackless) console.error('bench: Stackless Python is not built (../shared/tools/stackless-python --build); measuring spy alone');
    const result = await stacklessReport(spy, stackless, opts);
    report.stackless = result.json;
    bad ||= result.bad;
  }

  if (opts.json) {
    writeFileSync(opts.json, JSON.stringify(report, null, 2) + '\n');
    console.error(`bench: wrote ${opts.json}`);
  }
  process.exit(bad ? 1 : 0);
}

/** The CPython comparison: every shared program and bench/*.spy, and the start-up row. */
function cpythonRows(spy, opts) {
  const python = pythonCommand();
  const wanted = (file) => basename(file).includes(opts.filter);
  const programs = [];
  const shared = listPrograms(SHARED_BENCH, '.py');
  if (shared === null) console.error(`bench: ${SHARED_BENCH} is missing; skipping the shared programs`);
  else programs.push(...shared.map((f) => ({ name: basename(f), file: f })));
  programs.push(...(listPrograms(join(ROOT, 'bench'), '.spy') ?? []).map((f) => ({ name: `bench/${basename(f)}`, file: f })));

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
  return { rows, startup, python };
}

await main();
