// One REPL session's interpreter side: a VM whose globals, modules and tasklets live from one
// input to the next. Lines are pushed one at a time (CPython's code.InteractiveConsole.push),
// compiled in 'single' mode and run; `:` commands inspect the VM. No terminal and no threads
// here: repl-worker.ts drives it from the terminal, the unit tests drive it directly.
import { compile, compileInteractive, createVM, disassemble, reportUncaught, syntaxError, type Host, type InteractiveUnit } from '../index.js';
import { isSyntaxFault, type SpySyntaxError } from '../compiler/diagnostics.js';
import type { VM } from '../vm/interp.js';
import { Namespace, PyException, Value } from '../vm/values.js';
import { SystemExit } from '../vm/errors.js';
import { isSubtype } from '../vm/types.js';
import { formatException } from '../vm/traceback.js';
import { traceLine } from './trace.js';
import { installQuitters } from './site.js';
import { TaskletRegistry, taskletsReport, threadsReport, codeOf, disassembleAll } from './repl-inspect.js';

/** What the terminal does next: ask for another line (`... `), prompt afresh (`>>> `), or leave. */
export type PushResult = { kind: 'more' } | { kind: 'done' } | { kind: 'exit'; code: number };

export interface SessionOptions {
  /** colour the last line of tracebacks (the terminal decided: a TTY, NO_COLOR unset) */
  color: boolean;
  /**
   * The host's Ctrl-C flag (the VM polls it at the periodic check). A non-zero value is the id
   * of the run it interrupts, so a Ctrl-C that lands after its run ended cannot hit the next one.
   */
  interrupt?: Int32Array;
}

export const FILENAME = '<stdin>';

/** The session's output goes through a host that can be told to flush when an input is done. */
export interface SessionHost extends Host {
  flush(): void;
}

const MORE: PushResult = { kind: 'more' };
const DONE: PushResult = { kind: 'done' };

export const HELP = `REPL commands (anything else is spy source):
  :dis NAME-or-EXPR   disassemble a function, method or class, or the code of an expression
  :trace on|off       print every executed instruction to stderr
  :tasklets           the live tasklets: state, function and file:line where each stands
  :threads            the simulated threads
  :help               this list
exit() or Ctrl-D leaves; Ctrl-C interrupts running code.
`;

export class ReplSession {
  readonly vm: VM;
  /** the `__main__` namespace every input runs in */
  readonly globals: Namespace;
  private readonly tasklets: TaskletRegistry;
  /** the lines of the input being typed, without newlines */
  private lines: string[] = [];
  /** the id written into the interrupt flag by a Ctrl-C aimed at the current run */
  private runId = 0;

  constructor(readonly host: SessionHost, private readonly opts: SessionOptions) {
    // sys.argv == [''] and sys.path[0] == '' (the current directory), as in CPython's REPL
    // at a prompt, time.sleep(2) should take two seconds: the REPL runs on the wall clock
    const vm = createVM({ host, argv: [''], path: [''], realTime: true });
    this.vm = vm;
    vm.interruptFlag = opts.interrupt ?? null;
    this.tasklets = new TaskletRegistry(vm);
    installQuitters(vm);
    this.globals = new Namespace([['__name__', '__main__'], ['__doc__', null]]);
    this.globals.set('__builtins__', vm.importModule('builtins'));
  }

  /** Lines are buffered: a continuation prompt should be shown. */
  get buffering(): boolean {
    return this.lines.length > 0;
  }

  /**
   * One line typed at the prompt. `runId`: the id a Ctrl-C aimed at this input writes into the
   * interrupt flag (any other non-zero value there is stale and cleared first).
   */
  push(line: string, runId = this.runId + 1): PushResult {
    this.begin(runId);
    let result: PushResult;
    if (this.lines.length === 0 && line.trimStart().startsWith(':')) result = this.command(line.trim());
    else {
      this.lines.push(line);
      result = this.attempt(false);
    }
    return this.afterRun(result);
  }

  /** Ctrl-D at the continuation prompt: what is buffered runs as if ended by an empty line. */
  finish(runId = this.runId + 1): PushResult {
    this.begin(runId);
    if (this.lines.length === 0) return DONE;
    return this.afterRun(this.attempt(true));
  }

  /** A new input starts: a Ctrl-C still flagged for an earlier one is stale. */
  private begin(runId: number): void {
    this.runId = runId;
    const flag = this.vm.interruptFlag;
    if (flag === null) return;
    const seen = Atomics.load(flag, 0);
    if (seen !== 0 && seen !== runId) Atomics.compareExchange(flag, 0, seen, 0);
  }

  /** Ctrl-C at a prompt: the lines typed so far are dropped. */
  reset(): void {
    this.lines = [];
  }

  /** A Ctrl-C that came too late to interrupt anything is reported rather than kept for later. */
  private afterRun(result: PushResult): PushResult {
    const flag = this.vm.interruptFlag;
    if (flag !== null && Atomics.compareExchange(flag, 0, this.runId, 0) === this.runId) {
      this.lines = [];
      this.host.write('stderr', this.paintLast('KeyboardInterrupt\n'));
      if (result.kind === 'more') result = DONE;
    }
    this.host.flush();
    return result;
  }

  /** Compiles the buffered lines: runs them when they are a whole statement, else asks for more. */
  private attempt(final: boolean): PushResult {
    const source = this.lines.join('\n') + '\n';
    const ended = final || this.lines[this.lines.length - 1] === '';
    let unit: InteractiveUnit;
    try {
      unit = compileInteractive(source, FILENAME);
    } catch (e) {
      if (!isSyntaxFault(e)) throw e;
      if (!final && needsMore(e, source, ended)) return MORE;
      this.lines = [];
      this.report(syntaxError(e, source, FILENAME));
      return DONE;
    }
    // a compound statement goes on until an empty line, as in CPython's REPL
    if (unit.compound && !ended) return MORE;
    this.lines = [];
    return this.run(unit);
  }

  private run(unit: InteractiveUnit): PushResult {
    const vm = this.vm;
    try {
      vm.runModule(unit.code, this.globals);
      return DONE;
    } catch (e) {
      return this.uncaught(e);
    } finally {
      // whatever the input left half-done at the top level is over: the next starts clean
      vm.handled = null;
      vm.pendingThrow = null;
      vm.pendingReraise = false;
    }
  }

  private uncaught(e: unknown): PushResult {
    const vm = this.vm;
    const exc = e instanceof PyException ? e : vm.toPyException(e);
    if (isSubtype(exc.cls, SystemExit)) return { kind: 'exit', code: reportUncaught(vm, exc) };
    this.report(exc);
    return DONE;
  }

  private report(exc: PyException): void {
    let text: string;
    try {
      text = formatException(this.vm, exc);
    } catch (e) {
      text = `spy: error while printing an exception: ${e instanceof Error ? e.message : String(e)}\n`;
    }
    this.host.write('stderr', this.paintLast(text));
  }

  /** Bold red on the last line of an error report (the exception's type and message). */
  private paintLast(text: string): string {
    if (!this.opts.color) return text;
    const body = text.replace(/\n$/, '');
    const cut = body.lastIndexOf('\n') + 1;
    return `${body.slice(0, cut)}\x1b[1;31m${body.slice(cut)}\x1b[0m\n`;
  }

  // ---- REPL commands ---------------------------------------------------------------------

  private command(text: string): PushResult {
    const space = text.search(/\s/);
    const name = space < 0 ? text : text.slice(0, space);
    const arg = space < 0 ? '' : text.slice(space).trim();
    const out = (s: string): PushResult => { this.host.write('stdout', s); return DONE; };
    try {
      switch (name) {
        case ':help': return out(HELP);
        case ':tasklets': return out(taskletsReport(this.vm, this.tasklets));
        case ':threads': return out(threadsReport(this.vm, this.tasklets));
        case ':trace': return this.trace(arg);
        case ':dis': return this.dis(arg);
      }
    } catch (e) {
      return this.uncaught(e);
    }
    this.host.write('stderr', `spy: unknown command '${name}' (:help lists the commands)\n`);
    return DONE;
  }

  private trace(arg: string): PushResult {
    const vm = this.vm;
    if (arg === 'on') vm.tracer = (v, frame, pc, sp) => this.host.write('stderr', traceLine(v, frame, pc, sp));
    else if (arg === 'off') vm.tracer = null;
    else {
      this.host.write('stderr', 'spy: usage: :trace on|off\n');
      return DONE;
    }
    this.host.write('stdout', `tracing is ${arg}\n`);
    return DONE;
  }

  /**
   * `:dis NAME` shows the function, method or class a (dotted) name holds; anything else is
   * compiled as source and its code shown, so `:dis f(x) + 1` evaluates nothing.
   */
  private dis(arg: string): PushResult {
    if (arg === '') {
      this.host.write('stderr', 'spy: usage: :dis NAME-or-EXPR\n');
      return DONE;
    }
    if (/^[A-Za-z_]\w*(\.[A-Za-z_]\w*)*$/.test(arg)) {
      const value = this.resolve(arg.split('.'));
      const parts = value === undefined ? null : codeOf(value);
      if (parts !== null && parts.length > 0) {
        this.host.write('stdout', disassembleAll(parts));
        return DONE;
      }
    }
    try {
      this.host.write('stdout', disassemble(compile(arg, FILENAME)));
    } catch (e) {
      this.report(syntaxError(e, arg, FILENAME));
    }
    return DONE;
  }

  /** The value of a dotted name in the session, or undefined when some part is missing. */
  private resolve(path: string[]): Value | undefined {
    const vm = this.vm;
    let v = this.globals.get(path[0]) ?? vm.builtins.get(path[0]);
    const getattr = vm.builtins.get('getattr') as Value;
    for (const attr of path.slice(1)) {
      if (v === undefined) return undefined;
      try {
        v = vm.callNested(getattr, [v, attr]);
      } catch {
        return undefined;
      }
    }
    return v;
  }
}

/**
 * Whether a syntax fault only says the input stops early: an open bracket or triple-quoted
 * string (even across empty lines), or — before the empty line that ends an input — a block
 * header still waiting for its body, a `try` for its handlers, a backslash or a decorator for
 * the next line. Like CPython's REPL, `1 +` at the end of a line is an error at once.
 */
function needsMore(fault: SpySyntaxError, source: string, ended: boolean): boolean {
  const msg = fault.msg;
  if (msg.endsWith('was never closed') || msg.startsWith('unterminated triple-quoted string')) return true;
  if (ended) return false;
  if (fault.offset >= source.length) return true;
  const atEnd = fault.offset >= source.length - 1;
  return atEnd && (msg.startsWith('expected an indented block') || msg === "expected 'except' or 'finally' block");
}
