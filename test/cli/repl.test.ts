// The REPL as users meet it: the built `spy` on a real pseudo-terminal (test/cli/pty_session.py,
// python3's pty module), driven by keys and compared as whole screens. Each step waits for the
// prompt or text it needs, so nothing depends on timing. Also: standard input that is not a
// terminal runs as a script, without prompts. SPY_PTY_DEBUG=1 prints each session's raw output.
import { describe, it, expect, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VERSION } from '../../src/cli/version.js';

const SPY = 'dist/spy.cjs';
const DRIVER = 'test/cli/pty_session.py';

type Step = { expect: string } | { send: string } | { eof: true } | { repeat: string; until: string; every: number };
interface Session { screen: string; raw: string; code: number | null; error: string | null }

/** The python3 behind any launcher shim, found once (a shim can cost a second a start). */
let python = 'python3';

beforeAll(() => {
  if (!existsSync(SPY)) throw new Error('dist/spy.cjs is missing: run `npm run build` (npm test does)');
  const r = spawnSync('python3', ['-c', 'import sys, pty; print(sys.executable)'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`the pty tests need python3 with its pty module: ${r.stderr || r.error}`);
  python = r.stdout.trim();
}, 60000);

function pty(steps: Step[], env: Record<string, string | undefined> = {}, args: string[] = []): Session {
  const r = spawnSync(python, [DRIVER, process.execPath, SPY, ...args], {
    input: JSON.stringify(steps),
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', SPY_HISTORY: '', SPY_NO_CACHE: '1', ...env },
    timeout: 60000,
  });
  if (r.status !== 0) throw new Error(`pty driver failed: ${r.stderr}`);
  const s = JSON.parse(r.stdout) as Session;
  if (s.error) throw new Error(`${s.error}\n--- screen so far:\n${s.screen}`);
  if (process.env.SPY_PTY_DEBUG) console.log(JSON.stringify(s.raw));
  return s;
}

const at = (text: string): Step => ({ expect: text });
const send = (keys: string): Step => ({ send: keys });
/**
 * At prompt `ps`, type `text` and Enter, and see the Enter echoed: a Ctrl-C sent while output
 * is still unread would have the terminal discard it (ISIG flushes the queues), as for any program.
 */
const line = (ps: '>>> ' | '... ', text: string): Step[] => [at(ps), send(text + '\r'), at('\n')];
const EOF: Step = { eof: true };
const CTRL_C = '\x03';
const CTRL_D = '\x04';

const BANNER = `spy ${VERSION} (Stackless Python's execution model in TypeScript) [Node ${process.version}] on ${process.platform}
Type ":help" for REPL commands; exit() or Ctrl-D leaves.
`;

describe('REPL on a terminal', () => {
  it('prompts, continues blocks, echoes results, shows errors and tracebacks, and leaves on Ctrl-D', () => {
    const s = pty([
      ...line('>>> ', '1 + 1'),
      ...line('>>> ', 'def greet(name):'),
      ...line('... ', '    return f"hello {name}"'),
      ...line('... ', ''),
      ...line('>>> ', 'greet("spy")'),
      ...line('>>> ', '_'),
      ...line('>>> ', 'x = = 1'),
      ...line('>>> ', '1/0'),
      at('>>> '), send('abc'), at('abc'), send(CTRL_C),
      at('>>> '), send(CTRL_D),
      EOF,
    ]);
    expect(s.screen).toBe(`${BANNER}>>> 1 + 1
2
>>> def greet(name):
...     return f"hello {name}"
...
>>> greet("spy")
'hello spy'
>>> _
'hello spy'
>>> x = = 1
  File "<stdin>", line 1
    x = = 1
        ^
SyntaxError: invalid syntax
>>> 1/0
Traceback (most recent call last):
  File "<stdin>", line 1, in <module>
ZeroDivisionError: division by zero
>>> abc
KeyboardInterrupt
>>>
`);
    expect(s.code).toBe(0);
  });

  it('Ctrl-C interrupts running code (a loop, a function, a sleep) with a traceback; the state survives', () => {
    const s = pty([
      ...line('>>> ', 'n = 0'),
      ...line('>>> ', 'while True: n += 1'),
      ...line('... ', ''), send(CTRL_C),
      ...line('>>> ', 'n > 0'),
      ...line('>>> ', 'def spin():'),
      ...line('... ', '    while True: pass'),
      ...line('... ', ''),
      ...line('>>> ', 'spin()'), send(CTRL_C),
      ...line('>>> ', 'import time; time.sleep(60)'), send(CTRL_C),
      // the prompts are built so that the typed line does not contain them
      ...line('>>> ', 'input("name" + "? ")'), at('name? '), send('ada\r'),
      ...line('>>> ', 'input("again" + "? ")'), at('again? '), send(CTRL_C),
      ...line('>>> ', 'exit()'),
      EOF,
    ]);
    expect(s.screen).toBe(`${BANNER}>>> n = 0
>>> while True: n += 1
...
^CTraceback (most recent call last):
  File "<stdin>", line 1, in <module>
KeyboardInterrupt
>>> n > 0
True
>>> def spin():
...     while True: pass
...
>>> spin()
^CTraceback (most recent call last):
  File "<stdin>", line 1, in <module>
  File "<stdin>", line 2, in spin
KeyboardInterrupt
>>> import time; time.sleep(60)
^CTraceback (most recent call last):
  File "<stdin>", line 1, in <module>
KeyboardInterrupt
>>> input("name" + "? ")
name? ada
'ada'
>>> input("again" + "? ")
again?
Traceback (most recent call last):
  File "<stdin>", line 1, in <module>
KeyboardInterrupt
>>> exit()
`);
    expect(s.code).toBe(0);
  });

  it('keeps tasklets alive between inputs, runs them with stackless.run(), and interrupts a spinning one', () => {
    const s = pty([
      ...line('>>> ', 'import stackless'),
      ...line('>>> ', 'ch = stackless.channel()'),
      ...line('>>> ', 'def consumer():'),
      ...line('... ', '    while True:'),
      ...line('... ', '        print("got", ch.receive())'),
      ...line('... ', ''),
      ...line('>>> ', 'c = stackless.tasklet(consumer)()'),
      ...line('>>> ', 'def spin():'),
      ...line('... ', '    while True: pass'),
      ...line('... ', ''),
      ...line('>>> ', 't = stackless.tasklet(spin)()'),
      ...line('>>> ', ':tasklets'),
      ...line('>>> ', 'stackless.run()'), send(CTRL_C),
      ...line('>>> ', 'ch.send("hi")'),
      ...line('>>> ', ':tasklets'),
      ...line('>>> ', 'import sys; sys.exit(3)'),
      EOF,
    ]);
    expect(s.screen).toBe(`${BANNER}>>> import stackless
>>> ch = stackless.channel()
>>> def consumer():
...     while True:
...         print("got", ch.receive())
...
>>> c = stackless.tasklet(consumer)()
>>> def spin():
...     while True: pass
...
>>> t = stackless.tasklet(spin)()
>>> :tasklets
   tasklet  state                  where
*  main     running                (at the prompt)
   #1       runnable, not started  consumer  <stdin>:1
   #2       runnable, not started  spin  <stdin>:1
>>> stackless.run()
^CTraceback (most recent call last):
  File "<stdin>", line 1, in <module>
  File "<stdin>", line 2, in spin
KeyboardInterrupt
>>> ch.send("hi")
got hi
>>> :tasklets
   tasklet  state                           where
*  main     running                         (at the prompt)
   #1       blocked receiving on a channel  consumer  <stdin>:3
>>> import sys; sys.exit(3)
`);
    expect(s.code).toBe(3);
  });

  it('takes lines pasted at once in order, keeps output that ends mid-line, and Ctrl-D at `... ` finishes the statement', () => {
    const s = pty([
      at('>>> '), send('a = 1\rb = a + 1\rb\r'),
      // a prompt shows for each pasted line: wait for the last one's output
      at('\n2\r\n'),
      ...line('>>> ', 'print("no newline", end="")'),
      ...line('>>> ', 'for i in range(2):'),
      ...line('... ', '    i'),
      at('... '), send(CTRL_D),
      at('>>> '), send(CTRL_D),
      EOF,
    ]);
    expect(s.screen).toBe(`${BANNER}>>> a = 1
>>> b = a + 1
>>> b
2
>>> print("no newline", end="")
no newline
>>> for i in range(2):
...     i
...
0
1
>>>
`);
    expect(s.code).toBe(0);
  });

  it('keeps history across sessions in the history file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'spy-repl-'));
    const file = join(dir, 'history');
    const env = { SPY_HISTORY: file };
    pty([...line('>>> ', 'answer = 6 * 7'), ...line('>>> ', 'exit()'), EOF], env);
    expect(readFileSync(file, 'utf8')).toBe('answer = 6 * 7\nexit()\n');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const up = '\x1b[A';
    const s = pty([at('>>> '), send(up + up), at('6 * 7'), send('\r'), ...line('>>> ', 'answer'), at('>>> '), send(CTRL_D), EOF], env);
    expect(s.screen).toBe(`${BANNER}>>> answer = 6 * 7\n>>> answer\n42\n>>>\n`);
    rmSync(dir, { recursive: true });
  });

  it('colours prompts and the last line of an error when NO_COLOR is unset', () => {
    const s = pty([...line('>>> ', '1/0'), at('>>> '), send(CTRL_D), EOF], { NO_COLOR: undefined });
    expect(s.raw).toContain('\x1b[1;35m>>> \x1b[0m');
    expect(s.raw).toContain('\x1b[1;31mZeroDivisionError: division by zero\x1b[0m');
  });

  it('inside atomic, Ctrl-C waits; pressed again it explains, a third time it quits', () => {
    const s = pty([
      ...line('>>> ', 'import stackless'),
      ...line('>>> ', 'with stackless.atomic():'),
      ...line('... ', '    while True: pass'),
      ...line('... ', ''), send(CTRL_C), at('^C'),
      { repeat: CTRL_C, until: 'pending', every: 0.5 },
      send(CTRL_C),
      EOF,
    ]);
    expect(s.screen).toContain('spy: KeyboardInterrupt is pending until the running code reaches a non-atomic check; Ctrl-C again quits spy');
    expect(s.code).toBe(130);
  });

  it('starts with `spy repl` too', () => {
    const s = pty([...line('>>> ', '__name__'), ...line('>>> ', 'quit(4)'), EOF], {}, ['repl']);
    expect(s.screen).toBe(`${BANNER}>>> __name__\n'__main__'\n>>> quit(4)\n`);
    expect(s.code).toBe(4);
  });
});

describe('standard input that is not a terminal', () => {
  function piped(args: string[], input: string): { out: string; err: string; code: number } {
    const r = spawnSync(process.execPath, [SPY, ...args], { input, encoding: 'utf8', env: { ...process.env, SPY_NO_CACHE: '1', NO_COLOR: '1' } });
    return { out: r.stdout, err: r.stderr, code: r.status ?? -1 };
  }

  it('runs as a script named <stdin>: no prompts, no echo, tracebacks without source lines', () => {
    const src = 'print("piped")\n1 + 1\ndef f():\n    return 1/0\n\nf()\n';
    expect(piped([], src)).toEqual({
      out: 'piped\n',
      err: 'Traceback (most recent call last):\n  File "<stdin>", line 6, in <module>\n  File "<stdin>", line 4, in f\nZeroDivisionError: division by zero\n',
      code: 1,
    });
    expect(piped(['repl'], 'import sys\nprint(sys.argv, __name__)\nexit(5)\nprint("not reached")\n')).toEqual({ out: "[''] __main__\n", err: '', code: 5 });
  });
});
