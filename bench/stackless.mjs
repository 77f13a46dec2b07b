// The Stackless part of `npm run bench`: rates of tasklet operations under spy and under real
// Stackless Python 3.7. Each program runs twice per round, with its work count n and with a
// start-up count (0), so rate = work / (time(n) − time(0)) leaves out start-up and compiling;
// memory per parked tasklet is read from /proc while n tasklets wait. Node built-ins only.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, SHARED_BENCH, clockName, firstDifference, median, progress, runOnce } from './common.mjs';

const HERE = join(ROOT, 'bench', 'stackless');
const HANDOFFS = { min: 5e6, text: '≥ 5 M/s' };
const SWITCHES = { min: 10e6, text: '≥ 10 M/s' };
/** the instruction loop of preempt.spy and watchdog.py, per step, as the runtime counts it */
const perStep = (cal) => cal.loopInstructions;

/**
 * A measured program: `file` runs with args(n) for the work and args(base) for start-up alone;
 * each rate is `per` units of work for each unit of n (a number, or a function of the
 * instruction calibration). `shared` programs in ../shared/bench/stackless are copied with
 * their size read from argv, so one file (one bytecode-cache entry) serves both counts.
 */
const MEASUREMENTS = [
  { id: 'pingpong', title: 'channel ping-pong, 2 tasklets (bench/stackless/pingpong.spy)', file: 'pingpong.spy', n: 1_000_000,
    rates: [{ unit: 'round trips/s', per: 1 }, { unit: 'handoffs/s', per: 2, goal: HANDOFFS }] },
  { id: 'channel', title: 'one-way channel handoffs (channel.py)', shared: ['channel.py', /^N = \d+$/m, 'N = ARG'], n: 1_000_000,
    rates: [{ unit: 'handoffs/s', per: 1, goal: HANDOFFS }] },
  { id: 'spawn', title: 'tasklet create+run+finish (spawn.spy)', file: 'spawn.spy', n: 300_000,
    rates: [{ unit: 'tasklets/s', per: 1 }] },
  { id: 'schedule', title: 'schedule() among 1000 tasklets (schedule.spy)', file: 'schedule.spy', n: 4000,
    rates: [{ unit: 'switches/s', per: 1000, goal: SWITCHES }] },
  { id: 'switch', title: 'schedule() between 2 tasklets (switch.py)', shared: ['switch.py', /^N = \d+$/m, 'N = ARG'], n: 1_000_000,
    rates: [{ unit: 'switches/s', per: 2, goal: SWITCHES }] },
  { id: 'off', group: 'watchdog', title: '4 CPU-bound tasklets, watchdog off: run() (preempt.spy)', file: 'preempt.spy', extra: ['off'], n: 3_000_000,
    rates: [{ unit: 'instructions/s', per: (cal) => 4 * perStep(cal) }] },
  { id: 'run100', group: 'watchdog', title: 'the same under run(100), re-inserting each interrupted tasklet', file: 'preempt.spy', extra: ['run', '100'], n: 3_000_000,
    rates: [{ unit: 'instructions/s', per: (cal) => 4 * perStep(cal) }] },
  { id: 'armed', group: 'watchdog', title: 'the same under run(10**9): the watchdog counts but never fires', file: 'preempt.spy', extra: ['run', '1000000000'], n: 3_000_000,
    rates: [{ unit: 'instructions/s', per: (cal) => 4 * perStep(cal) }] },
  { id: 'watchdog', title: 'one loop under run(1000) (watchdog.py)', shared: ['watchdog.py', /loop\(8000000\)/, 'loop(ARG)'], n: 8_000_000,
    rates: [{ unit: 'instructions/s', per: perStep }] },
  // quadratic in spy today (channel.ts shifts an array of waiters), so fewer rounds
  { id: 'park', title: '200k tasklets park on one channel, then are released (park.py)', shared: ['park.py', /^N = \d+$/m, 'N = ARG'], n: 200_000, maxRounds: 3,
    rates: [{ unit: 'tasklets/s', per: 1 }] },
];

/** Watchdog overhead rows: how much of the watchdog-off instruction rate each variant loses. */
const OVERHEADS = [
  { of: 'run100', title: 'watchdog overhead, run(100) vs off (median of each round\'s pair)', goal: { max: 5, text: '≤ 5 %' } },
  { of: 'armed', title: 'watchdog overhead, run(10**9) vs off (counting alone)' },
];

const PARK = { file: 'park.spy', n: 100_000, goal: { max: 1024, text: '≤ 1 KB' } };

// Counts the bytecode instructions a Python runtime executes (3.7+: opcode tracing), for the
// instruction calibration of the reference and of a SPY_CMD that is a Python.
const COUNT_OPCODES = `import sys, runpy
n = [0]
def local(frame, event, arg):
    if event == 'opcode':
        n[0] += 1
    return local
def outer(frame, event, arg):
    frame.f_trace_opcodes = True
    return local
path = sys.argv[1]
sys.argv = sys.argv[1:]
sys.settrace(outer)
runpy.run_path(path, run_name='__main__')
sys.settrace(None)
sys.stderr.write('opcodes %d\\n' % n[0])`;

/** Instructions a runtime executes for `preempt.spy a direct`, or null when it cannot say. */
function countInstructions(command, file, a, timeout) {
  const args = [String(a), 'direct'];
  if (command.trace) {
    const run = runOnce(command, file, timeout, args, command.trace);
    return run.problem ? null : run.stderr.split('\n').filter(Boolean).length;
  }
  const run = runOnce(command, file, timeout, args, [...command.argv, '-c', COUNT_OPCODES]);
  const m = /opcodes (\d+)/.exec(run.stderr);
  return run.problem || !m ? null : Number(m[1]);
}

/** Instructions per loop step: two traced sizes, so start-up and the rest cancel out. */
function calibrate(command, timeout) {
  const file = join(HERE, 'preempt.spy');
  const small = countInstructions(command, file, 1000, timeout);
  const large = countInstructions(command, file, 2000, timeout);
  if (small === null || large === null) return { loopInstructions: null };
  return { loopInstructions: (large - small) / (4 * 1000) };
}

/** The measured file: ours as it is, a shared one copied with its size taken from argv. */
function materialize(m, dir) {
  if (!m.shared) return join(HERE, m.file);
  const [name, pattern, template] = m.shared;
  const source = readFileSync(join(SHARED_BENCH, 'stackless', name), 'utf8');
  if (!pattern.test(source)) throw new Error(`bench: ${name} no longer matches ${pattern}; update bench/stackless.mjs`);
  const path = join(dir, name);
  writeFileSync(path, 'import sys\n' + source.replace(pattern, template.replace('ARG', 'int(sys.argv[1])')));
  return path;
}

/**
 * Times a group of measurements under each runtime. Per round and runtime each measurement
 * runs with start-up alone (n = 0), then with its work (n); net seconds = work − start-up. The
 * runtimes alternate which goes first, and the measurements of one group (the watchdog
 * variants) run back to back, so a burst of load on a shared machine hits them alike.
 */
function timeGroup(group, runtimes, opts) {
  const rounds = Math.min(opts.rounds, ...group.map(({ m }) => m.maxRounds ?? Infinity));
  const args = (m, n) => [String(n), ...(m.extra ?? [])];
  const sidesOf = group.map(() => runtimes.map((rt) => ({ who: rt.who, net: [], full: [], base: [], problem: null, stderrTail: '', out: null })));
  // a runtime that fails one measurement stops for the whole group
  const status = runtimes.map(() => ({ problem: null }));
  const fail = (i, run) => {
    status[i].problem = run.problem;
    for (const sides of sidesOf) Object.assign(sides[i], { problem: run.problem, stderrTail: run.stderrTail });
  };
  for (const [i, rt] of runtimes.entries()) {
    for (const { m, file } of group) {
      // untimed: fills the bytecode cache and the page cache
      const warm = status[i].problem ? null : runOnce(rt.command, file, opts.timeout, args(m, 0));
      if (warm?.problem) fail(i, warm);
    }
  }
  for (const [i] of turns(group.map(({ m }) => m.id).join(' + '), runtimes, status, rounds)) {
    for (const [k, { m, file }] of group.entries()) {
      const { command } = runtimes[i];
      const base = runOnce(command, file, opts.timeout, args(m, 0), command.argv, opts.clock);
      const full = base.problem ? base : runOnce(command, file, opts.timeout, args(m, m.n), command.argv, opts.clock);
      if (full.problem) { fail(i, full); break; }
      const side = sidesOf[k][i];
      side.base.push(base.seconds);
      side.full.push(full.seconds);
      side.net.push(full.seconds - base.seconds);
      side.out ??= full.stdout;
    }
  }
  for (const side of sidesOf.flat()) side.netMedian = side.problem ? null : median(side.net);
  return sidesOf;
}

/**
 * Each round's turns: [runtime index, its side], the runtimes alternating which goes first,
 * skipping one that has failed. Shows progress on a terminal.
 */
function* turns(label, runtimes, sides, rounds) {
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? [...runtimes.keys()] : [...runtimes.keys()].reverse();
    for (const i of order) {
      if (sides[i].problem) continue;
      progress(`  ${label}: ${runtimes[i].who} round ${round + 1}/${rounds}`);
      yield [i, sides[i]];
    }
  }
  progress('');
}

/** Reads VmRSS and VmHWM (bytes) of a running process from /proc, or null off Linux. */
function memoryOf(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return null;
  }
}

/**
 * Runs park.spy with n tasklets: when it prints its first line they are all blocked and it
 * waits on stdin; the resident set size is read then, and a newline lets it finish.
 */
function parkedMemory(command, file, n, timeoutSec) {
  return new Promise((resolvePromise) => {
    const [exe, ...rest] = command.argv;
    const child = spawn(exe, [...rest, file, String(n)], { cwd: HERE, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    let memory = null;
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutSec * 1000);
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      if (memory === null && stdout.includes('\n')) {
        memory = memoryOf(child.pid) ?? { rss: NaN, hwm: NaN };
        child.stdin.end('\n');
      }
    });
    child.stderr.on('data', (chunk) => { stderr += chunk; });
    child.stdin.on('error', () => {}); // it may have died before reading
    let failed = null;
    child.on('error', (err) => { failed = err.message; });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      const problem = failed ?? (signal ? `killed by ${signal}` : code !== 0 ? `exit ${code}` : memory === null ? 'printed nothing' : null);
      resolvePromise({ memory, stdout, problem, stderrTail: stderr.trim().split('\n').slice(-3).join(' / ') });
    });
  });
}

/** Bytes of resident memory per parked tasklet: (RSS with n parked − RSS with none) / n. */
async function measurePark(runtimes, opts) {
  const file = join(HERE, PARK.file);
  const sides = runtimes.map((rt) => ({ who: rt.who, perTasklet: [], peakPerTasklet: [], problem: null, stderrTail: '', out: null }));
  for (const [i, side] of turns('parked memory', runtimes, sides, opts.rounds)) {
    const none = await parkedMemory(runtimes[i].command, file, 0, opts.timeout);
    const many = none.problem ? none : await parkedMemory(runtimes[i].command, file, PARK.n, opts.timeout);
    if (many.problem) { Object.assign(side, { problem: many.problem, stderrTail: many.stderrTail }); continue; }
    side.perTasklet.push((many.memory.rss - none.memory.rss) / PARK.n);
    side.peakPerTasklet.push((many.memory.hwm - none.memory.hwm) / PARK.n);
    side.out ??= many.stdout;
  }
  // NaN when /proc cannot be read (not Linux): shown as —
  const usable = (values) => (values.some((v) => !Number.isFinite(v)) ? null : median(values));
  for (const side of sides) {
    side.median = side.problem ? null : usable(side.perTasklet);
    side.peakMedian = side.problem ? null : usable(side.peakPerTasklet);
  }
  return sides;
}

function fmtRate(x) {
  if (x === null || !Number.isFinite(x) || x <= 0) return '—';
  if (x >= 1e6) return `${(x / 1e6).toFixed(2)} M`;
  if (x >= 1e3) return `${(x / 1e3).toFixed(1)} k`;
  return x.toFixed(0);
}

function met(value, goal) {
  if (!goal || value === null || !Number.isFinite(value)) return '';
  const ok = goal.min !== undefined ? value >= goal.min : value <= goal.max;
  return ok ? 'yes' : '**no**';
}

/**
 * Runs every measurement under spy and (when built) Stackless and prints one markdown table:
 * | measurement | unit | stackless | spy | spy/stackless | goal for spy | met |. Returns the
 * rows (for --json) and whether anything failed or disagreed.
 */
export async function stacklessReport(spy, stackless, opts) {
  const runtimes = [...(stackless ? [{ who: 'stackless', command: stackless }] : []), { who: 'spy', command: spy }];
  const wanted = (text) => text.includes(opts.filter);
  const dir = mkdtempSync(join(tmpdir(), 'spy-bench-stackless-'));
  const selected = MEASUREMENTS.filter((m) => wanted(m.id) || wanted(m.title) || (m.group && wanted(m.group)));
  const calibration = {};
  const counted = selected.some((m) => m.rates.some((rate) => typeof rate.per === 'function'));
  for (const rt of runtimes) calibration[rt.who] = counted ? calibrate(rt.command, opts.timeout) : { loopInstructions: null };

  const results = [];
  const notes = [];
  let bad = false;
  // consecutive measurements with the same `group` are timed together
  const groups = [];
  for (const m of selected) {
    const last = groups.at(-1);
    if (m.group && last?.[0].m.group === m.group) last.push({ m, file: materialize(m, dir) });
    else groups.push([{ m, file: materialize(m, dir) }]);
  }
  for (const group of groups) {
    const sidesOf = timeGroup(group, runtimes, opts);
    for (const [k, { m }] of group.entries()) {
      results.push({ ...m, file: m.shared ? `../shared/bench/stackless/${m.shared[0]}` : `bench/stackless/${m.file}`, shared: undefined, sides: sidesOf[k] });
      bad = check(m.title, sidesOf[k], notes) || bad;
    }
  }
  let park = null;
  if (wanted('park') || wanted('memory')) {
    park = await measurePark(runtimes, opts);
    bad = check('parked memory', park, notes) || bad;
  }
  rmSync(dir, { recursive: true, force: true });

  const who = runtimes.map((rt) => rt.who);
  const ref = who.includes('stackless') ? 'stackless' : null;
  console.log(`\nStackless rates (${opts.rounds} rounds, medians; rate = work / (${clockName(opts)} time with work − without); ${ref ? 'stackless = Stackless Python 3.7.9' : 'Stackless Python not built'})\n`);
  if (results.length === 0 && park === null) {
    console.log('(no measurement matched)');
    return { bad, json: null };
  }
  console.log(`| measurement | unit | ${ref ?? 'stackless'} | spy | spy / stackless | goal for spy | met |`);
  console.log('|---|---|---:|---:|---:|---|---|');
  const rateOf = (r, rate, w) => {
    const side = r.sides.find((s) => s.who === w);
    const per = typeof rate.per === 'function' ? rate.per(calibration[w]) : rate.per;
    return side && side.netMedian > 0 && per ? (r.n * per) / side.netMedian : null;
  };
  const line = (title, unit, refText, spyText, ratio, goal, ok) => console.log(`| ${title} | ${unit} | ${refText} | ${spyText} | ${ratio} | ${goal} | ${ok} |`);
  const ratioText = (a, b) => (a && b ? (b / a).toFixed(2) : '—');
  for (const r of results) {
    for (const [k, rate] of r.rates.entries()) {
      const a = ref ? rateOf(r, rate, 'stackless') : null;
      const b = rateOf(r, rate, 'spy');
      line(k === 0 ? r.title : '〃', rate.unit, ref ? fmtRate(a) : 'n/a', fmtRate(b), ratioText(a, b), rate.goal?.text ?? '', met(b, rate.goal));
    }
  }
  for (const o of OVERHEADS) {
    const on = results.find((r) => r.id === o.of);
    const off = results.find((r) => r.id === 'off');
    if (!on || !off) continue;
    // per round, from the two runs of that round (the same work, so rate ∝ 1 / net seconds)
    const pct = (w) => {
      const a = on.sides.find((s) => s.who === w);
      const b = off.sides.find((s) => s.who === w);
      if (!a || !b || a.problem || b.problem) return null;
      const losses = a.net.map((net, r) => (net > 0 && b.net[r] > 0 ? 100 * (1 - b.net[r] / net) : null)).filter((x) => x !== null);
      return median(losses);
    };
    const [a, b] = [ref ? pct('stackless') : null, pct('spy')];
    const show = (x) => (x === null ? '—' : `${x.toFixed(1)} %`);
    line(o.title, 'instructions/s lost', ref ? show(a) : 'n/a', show(b), '', o.goal?.text ?? '', met(b, o.goal));
  }
  if (park) {
    const val = (w) => park.find((s) => s.who === w)?.median ?? null;
    const [a, b] = [ref ? val('stackless') : null, val('spy')];
    const show = (x) => (x === null ? '—' : `${Math.round(x)}`);
    line(`memory per parked tasklet: RSS with ${PARK.n / 1000}k blocked on a channel − with none (park.spy)`, 'bytes', ref ? show(a) : 'n/a', show(b), ratioText(a, b), PARK.goal.text, met(b, PARK.goal));
  }
  const instr = who.map((w) => `${w} ${calibration[w].loopInstructions ?? '?'}`).join(', ');
  console.log('\nspy / stackless > 1: spy is faster (for bytes: spy uses more).');
  if (counted) console.log(`Bytecode instructions per loop step (traced): ${instr}.`);
  if (park) console.log(`Peak RSS growth per parked tasklet: ${park.map((s) => `${s.who} ${s.peakMedian === null ? '—' : Math.round(s.peakMedian)}`).join(', ')} bytes.`);
  if (notes.length) console.log('\n' + notes.join('\n'));
  return { bad, json: { calibration, measurements: results.map(stripFunctions), park } };
}

/** Notes a failure or a spy/Stackless output difference; true when there was one. */
function check(title, sides, notes) {
  let bad = false;
  for (const side of sides) {
    if (side.problem) { notes.push(`- ${title}: ${side.who} failed (${side.problem})${side.stderrTail ? `: ${side.stderrTail}` : ''}`); bad = true; }
  }
  const [a, b] = sides;
  if (b && a.out !== null && b.out !== null && a.out !== b.out) {
    notes.push(`- ${title}: OUTPUT MISMATCH, ${firstDifference(a.out, b.out)}`);
    bad = true;
  }
  return bad;
}

function stripFunctions(r) {
  return { ...r, rates: r.rates.map((rate) => ({ ...rate, per: typeof rate.per === 'function' ? 'instructions per step × steps' : rate.per })) };
}

