// `spy trace`: instruction lines and scheduling events, the filters, --output, and the timeline
// JSON (its structure as chrome://tracing and Perfetto need it), through the built command.
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SPY = 'dist/spy.cjs';
let dir = '';

function spy(args: string[]): { out: string; err: string; code: number } {
  const r = spawnSync(process.execPath, [SPY, ...args], { encoding: 'utf8', env: { ...process.env, SPY_NO_CACHE: '1', NO_COLOR: '1' } });
  return { out: r.stdout, err: r.stderr, code: r.status ?? -1 };
}

const PROGRAM = `import stackless
ch = stackless.channel()
def producer():
    for i in range(3):
        ch.send(i * 10)
def consumer():
    for i in range(3):
        print("got", ch.receive())
stackless.tasklet(producer)()
stackless.tasklet(consumer)()
stackless.run()
`;
const INSTRUCTION = /^ +(\d+) T(\d+) t(\d+) (\S+) (\S+):(\d+) @(\d+) ([A-Z_]+) .* \| .*$/;
const EVENT = /^ +(\d+) -- (switch|channel|tempval|atomic|GIL|thread|timer|watchdog) /;

beforeAll(() => {
  if (!existsSync(SPY)) throw new Error('dist/spy.cjs is missing: run `npm run build` (npm test does)');
  dir = mkdtempSync(join(tmpdir(), 'spy-trace-'));
  writeFileSync(join(dir, 'pc.spy'), PROGRAM);
});
afterAll(() => rmSync(dir, { recursive: true }));

describe('spy trace', () => {
  it('prints every instruction and the scheduling events on stderr, in step order; stdout is the program\'s', () => {
    const r = spy(['trace', join(dir, 'pc.spy')]);
    expect(r.code).toBe(0);
    expect(r.out).toBe('got 0\ngot 10\ngot 20\n');
    const lines = r.err.trimEnd().split('\n');
    let last = 0;
    const kinds = new Set<string>();
    for (const line of lines) {
      const m = INSTRUCTION.exec(line) ?? EVENT.exec(line);
      expect(m, line).not.toBeNull();
      const step = Number((m as RegExpExecArray)[1]);
      expect(step).toBeGreaterThanOrEqual(last);
      last = step;
      if (EVENT.test(line)) kinds.add((m as RegExpExecArray)[2]);
    }
    expect([...kinds].sort()).toEqual(['channel', 'switch', 'tempval']);
    expect(lines.filter((l) => INSTRUCTION.test(l)).length).toBe(last);
    // the handoffs say who runs next, as the channel's preference decides
    expect(lines.some((l) => / -- channel t1 sends 0: blocks \(balance 1\)$/.test(l))).toBe(true);
    expect(lines.some((l) => / -- channel t2 receives 0 from t1: handoff, preference -1: the receiver goes on$/.test(l))).toBe(true);
    expect(lines.some((l) => / -- tempval stored for t2: 10$/.test(l))).toBe(true);
  });

  it('--events shows only events; --function, --tasklet and --lines narrow the instructions', () => {
    const file = join(dir, 'pc.spy');
    const events = spy(['trace', '--events', file]).err.trimEnd().split('\n');
    expect(events.every((l) => EVENT.test(l))).toBe(true);
    const fn = spy(['trace', '--function', 'consumer', file]).err.trimEnd().split('\n').filter((l) => INSTRUCTION.test(l));
    expect(fn.length).toBeGreaterThan(10);
    expect(fn.every((l) => (INSTRUCTION.exec(l) as RegExpExecArray)[4] === 'consumer')).toBe(true);
    const t2 = spy(['trace', '--tasklet', '2', file]).err.trimEnd().split('\n');
    expect(t2.filter((l) => INSTRUCTION.test(l)).every((l) => (INSTRUCTION.exec(l) as RegExpExecArray)[3] === '2')).toBe(true);
    expect(t2.filter((l) => EVENT.test(l)).every((l) => /\bt2\b/.test(l))).toBe(true);
    const lines = spy(['trace', '--lines', 'pc.spy:4-5', file]).err.trimEnd().split('\n').filter((l) => INSTRUCTION.test(l));
    expect(lines.length).toBeGreaterThan(0);
    expect(lines.every((l) => ['4', '5'].includes((INSTRUCTION.exec(l) as RegExpExecArray)[6]))).toBe(true);
  });

  it('--from-step and --max-steps show a window; --output writes a file', () => {
    const out = join(dir, 'trace.txt');
    const r = spy(['trace', '--from-step', '20', '--max-steps', '15', '--output', out, join(dir, 'pc.spy')]);
    expect(r.err).toBe('');
    const steps = readFileSync(out, 'utf8').trimEnd().split('\n').filter((l) => INSTRUCTION.test(l)).map((l) => Number((INSTRUCTION.exec(l) as RegExpExecArray)[1]));
    expect(steps).toEqual(Array.from({ length: 15 }, (_, i) => 20 + i));
  });

  it('a trace or timeline file that cannot be written is one line and exit 2, before the program runs', () => {
    for (const flag of ['--output', '--timeline']) {
      const r = spy(['trace', flag, join(dir, 'no', 'such', 'dir.txt'), join(dir, 'pc.spy')]);
      expect(r.code).toBe(2);
      expect(r.out).toBe('');
      expect(r.err).toMatch(/^spy: can't write the trace: ENOENT[^\n]*\n$/);
    }
  });

  it('the watchdog interrupts at the same instruction with and without the tracer (fused instructions count one by one)', () => {
    // fib's `n < 2` / `n - 1`, the loop's `i + 1` / `i < k` and the POP_TOP after a resumed
    // `yield` are what the loop fuses when untraced
    const file = join(dir, 'watchdog.spy');
    writeFileSync(file, `import stackless
state = [0, 0]
def fib(n):
    if n < 2:
        return n
    return fib(n - 1) + fib(n - 2)
def upto(k):
    for j in range(k):
        yield j
def work():
    i = 0
    while i < 60:
        i = i + 1
        state[0] = i
        state[1] = fib(i % 7)
        for v in upto(i % 4):
            state[1] += v
stackless.tasklet(work)()
seen = []
while True:
    t = stackless.run(37)
    if t is None:
        break
    seen.append((state[0], state[1]))
    t.insert()
print(len(seen), seen)
`);
    const plain = spy(['run', file]);
    const traced = spy(['trace', '--output', join(dir, 'watchdog.trace'), file]);
    expect(plain.code).toBe(0);
    expect(Number(plain.out.split(' ')[0])).toBeGreaterThan(50);
    expect(traced.out).toBe(plain.out);
  });

  it('the same run traces the same, byte for byte', () => {
    const a = spy(['trace', '--seed', '4', '--legacy-atomic', '--events', 'programs/stackless_seed_race.spy']);
    const b = spy(['trace', '--seed', '4', '--legacy-atomic', '--events', 'programs/stackless_seed_race.spy']);
    expect(a.err.length).toBeGreaterThan(1000);
    expect(b).toEqual(a);
    expect(a.err).toMatch(/ -- GIL T\d -> T\d \(check interval\)\n/);
    expect(a.err).toMatch(/ -- thread T2 \(Thread-1 \(thread_main\)\) started\n/);
  });
});

interface TraceEvent { ph: string; name: string; pid: number; tid: number; ts?: number; dur?: number; id?: number; args?: { name?: string } }

describe('spy trace --timeline', () => {
  it('writes Chrome trace event JSON: a named track per thread, tasklet slices, paired flows, markers', () => {
    const json = join(dir, 'timeline.json');
    const r = spy(['trace', '--events', '--timeline', json, '--legacy-atomic', '--seed', '2', 'programs/stackless_seed_race.spy']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(readFileSync(json, 'utf8')) as { traceEvents: TraceEvent[] };
    const evs = doc.traceEvents;
    const names = evs.filter((e) => e.ph === 'M' && e.name === 'thread_name').map((e) => e.args?.name);
    expect(names).toEqual(['T1 MainThread', 'T2 Thread-1 (thread_main)', 'T3 Thread-2 (thread_main)']);
    const tids = new Set(evs.filter((e) => e.ph === 'M' && e.name === 'thread_name').map((e) => e.tid));
    for (const e of evs) {
      expect(['X', 'M', 'i', 's', 'f']).toContain(e.ph);
      expect(e.pid).toBe(1);
      if (e.ph !== 'M') {
        expect(tids.has(e.tid)).toBe(true);
        expect(Number.isInteger(e.ts)).toBe(true);
      }
      if (e.ph === 'X') expect(e.dur).toBeGreaterThan(0);
    }
    // a thread runs one tasklet at a time: its slices never overlap
    for (const tid of tids) {
      const slices = evs.filter((e) => e.ph === 'X' && e.tid === tid).sort((a, b) => (a.ts as number) - (b.ts as number));
      for (let i = 1; i < slices.length; i++) expect(slices[i].ts as number).toBeGreaterThanOrEqual((slices[i - 1].ts as number) + (slices[i - 1].dur as number));
    }
    // each flow starts once and ends once, not before it starts
    const starts = new Map(evs.filter((e) => e.ph === 's').map((e) => [e.id, e]));
    const ends = evs.filter((e) => e.ph === 'f');
    expect(ends.length).toBeGreaterThan(0);
    for (const f of ends) {
      const s = starts.get(f.id);
      expect(s).toBeDefined();
      expect(f.ts as number).toBeGreaterThanOrEqual((s as TraceEvent).ts as number);
    }
    expect(evs.some((e) => e.ph === 'i' && e.name.startsWith('GIL -> T'))).toBe(true);
    expect(evs.filter((e) => e.ph === 'X').length).toBeGreaterThan(10);
  });
});
