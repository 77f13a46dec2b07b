// The REPL's interpreter side (src/cli/repl-session.ts) without a terminal: lines pushed one at
// a time, whole transcripts as a terminal would show them (prompt, typed line, output), compared
// with what CPython 3.11's REPL prints for the same lines. The terminal itself (prompts, Ctrl-C,
// history, colour) is tested through a real pseudo-terminal in test/cli/repl.test.ts.
import { describe, it, expect } from 'vitest';
import { compile, readTextFile } from '../../src/index.js';
import { ReplSession, type SessionHost } from '../../src/cli/repl-session.js';

interface Typist {
  session: ReplSession;
  /** types each line; returns the transcript up to the prompt that waits next */
  type(lines: string[]): string;
  /** Ctrl-D at the prompt */
  eof(): string;
  /** a Ctrl-C from the terminal while line n from now runs (it writes that line's id); n <= 0: an earlier line's */
  interrupt(n: number): void;
  exit: number | null;
}

function repl(opts: { color?: boolean; interrupt?: Int32Array } = {}): Typist {
  let text = '';
  const host: SessionHost = {
    write: (_stream, t) => { text += t; },
    readLine: () => null,
    readFile: (p) => readTextFile(p),
    compile: (src, name) => compile(src, name),
    now: () => 0,
    sleep: () => undefined,
    flush: () => undefined,
  };
  const session = new ReplSession(host, { color: opts.color ?? false, interrupt: opts.interrupt });
  let prompt = '>>> ';
  let pushed = 0;
  const t: Typist = {
    session,
    exit: null,
    type(lines) {
      let out = '';
      for (const line of lines) {
        out += prompt + line + '\n';
        text = '';
        const r = session.push(line, ++pushed);
        out += text;
        if (r.kind === 'exit') { t.exit = r.code; return out; }
        prompt = r.kind === 'more' ? '... ' : '>>> ';
      }
      return out + prompt;
    },
    eof() {
      text = '';
      const r = session.finish(++pushed);
      if (r.kind === 'exit') t.exit = r.code;
      prompt = '>>> ';
      return text + prompt;
    },
    interrupt(n) {
      Atomics.store(opts.interrupt as Int32Array, 0, pushed + n);
    },
  };
  return t;
}

const lines = (s: string): string[] => s.split('\n');

describe('REPL: echo and _', () => {
  it('echoes the repr of expression statements except None, and keeps the last in _', () => {
    expect(repl().type(['1+1', '"abc"', 'None', 'print(1); 5; None', '_', '[x * 2 for x in range(3)]', '_[1]'])).toBe(
      `>>> 1+1
2
>>> "abc"
'abc'
>>> None
>>> print(1); 5; None
1
5
>>> _
5
>>> [x * 2 for x in range(3)]
[0, 2, 4]
>>> _[1]
2
>>> `);
  });

  it('echoes expression statements anywhere at the top level, but not inside functions or classes', () => {
    expect(repl().type(lines('for i in range(2): i\n\ndef f():\n    3\n    return 4\n\nf()\nclass C:\n    5\n'))).toBe(
      `>>> for i in range(2): i
... 
0
1
>>> def f():
...     3
...     return 4
... 
>>> f()
4
>>> class C:
...     5
... 
>>> `);
  });

  it('keeps globals, __name__ and sys.argv as CPython does', () => {
    expect(repl().type(['x = 41', 'def inc(): return x + 1', '', 'inc()', '__name__', 'import sys; sys.argv', 'exit'])).toBe(
      `>>> x = 41
>>> def inc(): return x + 1
... 
>>> inc()
42
>>> __name__
'__main__'
>>> import sys; sys.argv
['']
>>> exit
Use exit() or Ctrl-D (i.e. EOF) to exit
>>> `);
  });
});

describe('REPL: when an input is complete', () => {
  it('continues open brackets (across empty lines), backslashes and triple-quoted strings', () => {
    expect(repl().type(['x = (1,', '', '2)', 'x', 'y = 1 + \\', '2', 'y', 's = """a', '', 'b"""', 's', 'd = {', "'k':", '[1]}', 'd'])).toBe(
      `>>> x = (1,
... 
... 2)
>>> x
(1, 2)
>>> y = 1 + \\
... 2
>>> y
3
>>> s = """a
... 
... b"""
>>> s
'a\\n\\nb'
>>> d = {
... 'k':
... [1]}
>>> d
{'k': [1]}
>>> `);
  });

  it('keeps a compound statement open until an empty line, through else, blank-looking lines and decorators', () => {
    expect(repl().type(['if 0:', '  pass', '    ', 'else:', '  "else"', '', '@staticmethod', 'def g(): pass', '', 'type(g).__name__', 'try:', '    1/0', 'except ZeroDivisionError:', '    "caught"', ''])).toBe(
      `>>> if 0:
...   pass
...     
... else:
...   "else"
... 
'else'
>>> @staticmethod
... def g(): pass
... 
>>> type(g).__name__
'staticmethod'
>>> try:
...     1/0
... except ZeroDivisionError:
...     "caught"
... 
'caught'
>>> `);
  });

  it('ignores empty lines, blanks and comments at the primary prompt', () => {
    expect(repl().type(['', '   ', '# a comment', '1'])).toBe('>>> \n>>>    \n>>> # a comment\n>>> 1\n1\n>>> ');
  });
});

describe('REPL: errors', () => {
  it('shows syntax errors with a caret and goes on, the input dropped', () => {
    expect(repl().type(['x = = 1', '1 +', "'abc", 'if 1:', '  2', 'x = 5', '  x = 1', 'x = 3', 'x'])).toBe(
      `>>> x = = 1
  File "<stdin>", line 1
    x = = 1
        ^
SyntaxError: invalid syntax
>>> 1 +
  File "<stdin>", line 1
    1 +
       ^
SyntaxError: invalid syntax
>>> 'abc
  File "<stdin>", line 1
    'abc
    ^
SyntaxError: unterminated string literal (detected at line 1)
>>> if 1:
...   2
... x = 5
  File "<stdin>", line 3
    x = 5
    ^
SyntaxError: invalid syntax
>>>   x = 1
  File "<stdin>", line 1
    x = 1
IndentationError: unexpected indent
>>> x = 3
>>> x
3
>>> `);
  });

  it('prints tracebacks without source lines (standard input cannot be read back) and keeps the state', () => {
    expect(repl().type(['def f(n):', '    return 10 // n', '', 'f(0)', 'f(5)', 'undefined_name', 'raise ValueError("bad")', 'try:', '    1/0', 'except Exception:', '    pass', '', 'raise KeyError(1)'])).toBe(
      `>>> def f(n):
...     return 10 // n
... 
>>> f(0)
Traceback (most recent call last):
  File "<stdin>", line 1, in <module>
  File "<stdin>", line 2, in f
ZeroDivisionError: integer division or modulo by zero
>>> f(5)
2
>>> undefined_name
Traceback (most recent call last):
  File "<stdin>", line 1, in <module>
NameError: name 'undefined_name' is not defined
>>> raise ValueError("bad")
Traceback (most recent call last):
  File "<stdin>", line 1, in <module>
ValueError: bad
>>> try:
...     1/0
... except Exception:
...     pass
... 
>>> raise KeyError(1)
Traceback (most recent call last):
  File "<stdin>", line 1, in <module>
KeyError: 1
>>> `);
  });

  it('colours the last line of an error on a terminal', () => {
    expect(repl({ color: true }).type(['1/0'])).toBe(
      '>>> 1/0\nTraceback (most recent call last):\n  File "<stdin>", line 1, in <module>\n\x1b[1;31mZeroDivisionError: division by zero\x1b[0m\n>>> ');
  });
});

describe('REPL: leaving', () => {
  it('exit() and quit() leave with 0 or their code, sys.exit with its code', () => {
    for (const [line, code] of [['exit()', 0], ['quit(4)', 4], ['import sys; sys.exit(3)', 3], ['raise SystemExit', 0]] as const) {
      const t = repl();
      t.type([line]);
      expect(t.exit, line).toBe(code);
    }
  });

  it('sys.exit with a message prints it and leaves with 1', () => {
    const t = repl();
    expect(t.type(['import sys', 'sys.exit("bye")'])).toBe('>>> import sys\n>>> sys.exit("bye")\nbye\n');
    expect(t.exit).toBe(1);
  });

  it('Ctrl-D at the continuation prompt finishes the statement, or reports why it cannot', () => {
    const t = repl();
    expect(t.type(['if 1:', '  5'])).toBe('>>> if 1:\n...   5\n... ');
    expect(t.eof()).toBe('5\n>>> ');
    expect(t.type(['x = (1,'])).toBe('>>> x = (1,\n... ');
    expect(t.eof()).toBe(`  File "<stdin>", line 1
    x = (1,
        ^
SyntaxError: '(' was never closed
>>> `);
    expect(t.exit).toBe(null);
  });
});

describe('REPL: tasklets and commands', () => {
  const setup = lines(`import stackless
ch = stackless.channel()
def producer(n):
    for i in range(n):
        ch.send(i)

def consumer():
    while True:
        print('got', ch.receive())

p = stackless.tasklet(producer)(2)
c = stackless.tasklet(consumer)()`);

  it('keeps tasklets alive between inputs; stackless.run() at the prompt runs them; :tasklets shows where each stands', () => {
    const t = repl();
    t.type(setup);
    expect(t.type([':tasklets', 'stackless.run()', ':tasklets', 'c.blocked, p.alive', ':threads'])).toBe(
      `>>> :tasklets
   tasklet  state                  where
*  main     running                (at the prompt)
   #1       runnable, not started  producer  <stdin>:1
   #2       runnable, not started  consumer  <stdin>:1
>>> stackless.run()
got 0
got 1
>>> :tasklets
   tasklet  state                           where
*  main     running                         (at the prompt)
   #2       blocked receiving on a channel  consumer  <stdin>:3
>>> c.blocked, p.alive
(True, False)
>>> :threads
   thread      tasklets  GIL
*  MainThread  2         holds it
>>> `);
  });

  it(':dis shows a function, a method, a class or the code of an expression, evaluating nothing', () => {
    const t = repl();
    t.type(lines('class C:\n    def m(self):\n        return 1\n\ncalls = 0\ndef f():\n    global calls\n    calls += 1\n'));
    expect(t.type([':dis C.m'])).toBe(`>>> :dis C.m
   3          0 LOAD_CONST              0 (1)
              1 RETURN_VALUE
>>> `);
    expect(t.type([':dis C'])).toBe(`>>> :dis C
Disassembly of m:
   3          0 LOAD_CONST              0 (1)
              1 RETURN_VALUE
>>> `);
    expect(t.type([':dis f() + 1', 'calls'])).toBe(`>>> :dis f() + 1
   1          0 LOAD_NAME               0 (f)
              1 CALL_FUNCTION           0
              2 LOAD_CONST              0 (1)
              3 BINARY_ADD
              4 POP_TOP
              5 LOAD_CONST              1 (None)
              6 RETURN_VALUE
>>> calls
0
>>> `);
    expect(t.type([':dis x +'])).toBe(`>>> :dis x +
  File "<stdin>", line 1
    x +
       ^
SyntaxError: invalid syntax
>>> `);
  });

  it(':trace on|off toggles the instruction tracer; unknown commands are named', () => {
    const t = repl();
    expect(t.type([':trace on', '7', ':trace off', '8', ':trace', ':nope'])).toBe(
      `>>> :trace on
tracing is on
>>> 7
<stdin>:1 <module>    0 LOAD_CONST           0 (7)            | 
<stdin>:1 <module>    1 PRINT_EXPR                            | 7
7
<stdin>:2 <module>    2 LOAD_CONST           1 (None)         | 
<stdin>:2 <module>    3 RETURN_VALUE                          | None
>>> :trace off
tracing is off
>>> 8
8
>>> :trace
spy: usage: :trace on|off
>>> :nope
spy: unknown command ':nope' (:help lists the commands)
>>> `);
  });
});

describe('REPL: interrupts', () => {
  it('a Ctrl-C for the running input raises KeyboardInterrupt in it; the state survives', () => {
    const flag = new Int32Array(new SharedArrayBuffer(8));
    const t = repl({ interrupt: flag });
    expect(t.type(['n = 0', 'while True: n += 1'])).toBe('>>> n = 0\n>>> while True: n += 1\n... ');
    t.interrupt(1);
    expect(t.type(['', 'n > 0'])).toBe(
      `... 
Traceback (most recent call last):
  File "<stdin>", line 1, in <module>
KeyboardInterrupt
>>> n > 0
True
>>> `);
  });

  it('inside atomic the interrupt waits for the next non-atomic check', () => {
    const flag = new Int32Array(new SharedArrayBuffer(8));
    const t = repl({ interrupt: flag });
    t.type(['import stackless', 'done = []', 'with stackless.atomic():', '    for i in range(5000): pass', '    done.append(i)']);
    t.interrupt(1);
    expect(t.type(['', 'done'])).toBe(
      `... 
Traceback (most recent call last):
  File "<stdin>", line 1, in <module>
KeyboardInterrupt
>>> done
[4999]
>>> `);
  });

  it('a Ctrl-C meant for an earlier input is dropped; one too late for its input is reported', () => {
    const flag = new Int32Array(new SharedArrayBuffer(8));
    const t = repl({ interrupt: flag });
    t.interrupt(-5);
    expect(t.type(['1'])).toBe('>>> 1\n1\n>>> ');
    expect(Atomics.load(flag, 0)).toBe(0);
    t.interrupt(1);
    expect(t.type(['2'])).toBe('>>> 2\n2\nKeyboardInterrupt\n>>> ');
  });
});
