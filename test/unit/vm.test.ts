// VM behaviour reached through the API rather than program output: the periodic check polls
// the interrupt flag (Ctrl-C), deep recursion becomes RecursionError, and a VM's output is
// the same byte for byte on every run.
import { describe, it, expect } from 'vitest';
import { createVM, runProgram, runFile, compile, type Host } from '../../src/index.js';

function captureHost(): Host & { out: string; err: string } {
  const h = {
    out: '',
    err: '',
    write(stream: 'stdout' | 'stderr', text: string) { if (stream === 'stdout') h.out += text; else h.err += text; },
    readLine: () => null,
    readFile: () => null,
    compile,
    now: () => 0,
    sleep: () => undefined,
  };
  return h;
}

describe('periodic check', () => {
  it('turns a raised interrupt flag into KeyboardInterrupt at the next check', () => {
    const host = captureHost();
    const vm = createVM({ host, argv: ['loop.spy'], path: ['.'] });
    const flag = new Int32Array(new SharedArrayBuffer(4));
    vm.interruptFlag = flag;
    Atomics.store(flag, 0, 1);
    const code = runProgram(vm, 'n = 0\nwhile True:\n    n += 1\n', 'loop.spy');
    expect(code).toBe(130);
    expect(host.err).toBe('Traceback (most recent call last):\n  File "loop.spy", line 2, in <module>\n    while True:\nKeyboardInterrupt\n');
    expect(Atomics.load(flag, 0)).toBe(0);
  });

  it('can be caught like any exception', () => {
    const host = captureHost();
    const vm = createVM({ host, argv: ['c.spy'], path: ['.'] });
    vm.interruptFlag = new Int32Array(new SharedArrayBuffer(4));
    Atomics.store(vm.interruptFlag, 0, 1);
    const code = runProgram(vm, 'try:\n    while True:\n        pass\nexcept KeyboardInterrupt:\n    print("stopped")\n', 'c.spy');
    expect(code).toBe(0);
    expect(host.out).toBe('stopped\n');
  });
});

describe('host safety', () => {
  it('nested host calls that recurse end in RecursionError, not a host stack overflow', () => {
    const r = runFile({ file: 'r.spy', source: 'class R:\n    def __repr__(self):\n        return repr(self)\ntry:\n    repr(R())\nexcept RecursionError:\n    print("recursion")\n' });
    expect(r).toEqual({ stdout: 'recursion\n', stderr: '', exitCode: 0 });
  });

  it('runs are deterministic', () => {
    const src = 'import random\nrandom.seed(7)\nprint([random.randint(0, 99) for _ in range(5)], {3, 1, 2}, hash((1, 2)))\n';
    const a = runFile({ file: 'd.spy', source: src });
    const b = runFile({ file: 'd.spy', source: src });
    expect(a.exitCode).toBe(0);
    expect(b).toEqual(a);
  });
});

describe('blocking under native code (DESIGN.md 3)', () => {
  // Stackless hard-switches C stacks; spy runs other tasklets in a loop nested on the host stack.
  // Here a and b both block under sorted() keys, b's loop on top of a's. When feeder wakes a,
  // a's key returns, but its sorted() is not on top of the host stack: a waits (parked) until
  // b's loop is gone. Stackless prints both sorted lists; spy cannot, and says so or, at exit,
  // kills the tasklets still waiting under native calls (as Stackless kills those with C state).
  const program = (mainWaits: string): string => [
    'import stackless',
    'ch, ch2 = stackless.channel(), stackless.channel()',
    'def a():',
    '    print("a sorted", sorted([3, 1, 2], key=lambda x: ch.receive()))',
    'def b():',
    '    print("b sorted", sorted([3, 1, 2], key=lambda x: ch2.receive()))',
    'def feeder():',
    '    for v in (1, 2, 3):',
    '        ch.send(v)',
    '    print("feeder done")',
    'stackless.tasklet(a)()',
    'stackless.tasklet(b)()',
    'stackless.tasklet(feeder)()',
    mainWaits,
    'print("main done")',
  ].join('\n') + '\n';
  const msg = 'cannot switch tasklets here: the ones that could run wait for native code further up the stack to return (spy cannot switch host stacks the way Stackless switches C stacks)';

  it('run() returns when only parked tasklets are left; at exit b is killed and a finishes', () => {
    const r = runFile({ file: 'n.spy', source: program('stackless.run()') });
    expect(r).toEqual({ stdout: 'main done\na sorted [3, 1, 2]\n', stderr: '', exitCode: 0 });
  });

  it('a tasklet that blocks with only parked tasklets runnable gets a RuntimeError saying why', () => {
    const wait = 'try:\n    stackless.channel().receive()\nexcept RuntimeError as e:\n    print("main:", e)';
    const r = runFile({ file: 'n.spy', source: program(wait) });
    expect(r).toEqual({ stdout: `main: ${msg}\nmain done\n`, stderr: '', exitCode: 0 });
  });
});
