// What both benchmark reports share: where things are, the commands for spy, python3 and
// Stackless, one timed run of a program, and the small statistics. Node built-ins only.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const SHARED_BENCH = resolve(ROOT, '../shared/bench');
const STACKLESS_TOOL = resolve(ROOT, '../shared/tools/stackless-python');

// A command is an argv prefix; the program's path (and its arguments) are appended.
function splitCommand(text) {
  return text.trim().split(/\s+/).filter(Boolean);
}

/**
 * spy as users start it, `node bin/spy.cjs run` (the bundle through V8's code cache), or
 * $SPY_CMD. `trace` is the argv that adds --trace, when known.
 */
export function spyCommand() {
  if (process.env.SPY_CMD) return { argv: splitCommand(process.env.SPY_CMD), label: process.env.SPY_CMD, trace: null };
  if (!existsSync(join(ROOT, 'dist', 'spy.cjs'))) {
    console.error('bench: dist/spy.cjs is missing; run `npm run build` (npm run bench does) or set SPY_CMD');
    process.exit(2);
  }
  const launcher = join(ROOT, 'bin', 'spy.cjs');
  return { argv: [process.execPath, launcher, 'run'], label: 'node bin/spy.cjs run', trace: [process.execPath, launcher, 'run', '--trace'] };
}

// python3 is often a shim (pyenv's is a bash script costing ~0.3 s a start): time the
// interpreter it resolves to instead.
export function pythonCommand() {
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

/** Real Stackless Python 3.7, or null when ../shared/tools/stackless-python is not built. */
export function stacklessCommand() {
  if (!existsSync(STACKLESS_TOOL)) return null;
  const where = spawnSync(STACKLESS_TOOL, ['--where'], { encoding: 'utf8' });
  if (where.status !== 0) return null;
  // Run the interpreter itself, not the bash wrapper, so its start-up is not inflated.
  return { argv: [where.stdout.trim()], label: 'stackless-python' };
}

/**
 * CPU seconds (user + system) used by the children this process has waited for, all their
 * threads included, from /proc/self/stat (in clock ticks, 100 a second); null off Linux.
 */
function childrenCpu() {
  try {
    const stat = readFileSync('/proc/self/stat', 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[0] is field 3 of proc(5); cutime and cstime are fields 16 and 17
    return (Number(fields[13]) + Number(fields[14])) / 100;
  } catch {
    return null;
  }
}

/** Whether --cpu can work here. */
export const cpuClockAvailable = () => childrenCpu() !== null;
export const clockName = (opts) => (opts.clock === 'cpu' ? 'CPU' : 'wall-clock');

/**
 * One timed run: wall-clock seconds (or CPU seconds with clock 'cpu'), exit status, stdout,
 * stderr and the tail of stderr.
 */
export function runOnce(command, file, timeoutSec, args = [], argv = command.argv, clock = 'wall') {
  const cpuBefore = clock === 'cpu' ? childrenCpu() : null;
  const started = performance.now();
  const result = spawnSync(argv[0], [...argv.slice(1), file, ...args], {
    cwd: dirname(file),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 256 * 1024 * 1024,
    timeout: timeoutSec * 1000,
    env: { ...process.env, NO_COLOR: '1' },
  });
  const seconds = clock === 'cpu' ? childrenCpu() - cpuBefore : (performance.now() - started) / 1000;
  let problem = null;
  if (result.error) problem = result.error.code === 'ETIMEDOUT' ? `timed out after ${timeoutSec} s` : String(result.error.message);
  else if (result.status !== 0) problem = result.signal ? `killed by ${result.signal}` : `exit ${result.status}`;
  const stderr = result.stderr || '';
  const stderrTail = stderr.trim().split('\n').slice(-3).join(' / ');
  return { seconds, status: result.status, problem, stdout: result.stdout || '', stderr, stderrTail };
}

// A one-line status on stderr, rewritten in place; only when stderr is a terminal.
export function progress(text) {
  if (process.stderr.isTTY) process.stderr.write(`\r${text.padEnd(72)}\r`);
}

export function median(values) {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function firstDifference(a, b) {
  const la = a.split('\n');
  const lb = b.split('\n');
  for (let i = 0; i < Math.max(la.length, lb.length); i++) {
    if (la[i] !== lb[i]) return `line ${i + 1}: reference ${JSON.stringify(la[i] ?? '<end>')}, spy ${JSON.stringify(lb[i] ?? '<end>')}`;
  }
  return 'outputs differ';
}
