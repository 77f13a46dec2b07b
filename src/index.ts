// The API the CLI, the tests and any embedding share: compile, disassemble, and run a program
// with a given host (stdout/stderr/stdin). Wires the compiler into the VM (the VM never imports
// the compiler itself) and turns a program's end into an exit code.
import { readFileSync, existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileModule } from './compiler/compile.js';
import { isSyntaxFault, locate } from './compiler/diagnostics.js';
import type { CodeObject } from './bytecode/code.js';
import { VM, Host, Tracer } from './vm/interp.js';
import { PyException, PyTuple, Value } from './vm/values.js';
import { newException, SystemExit, SyntaxError as SyntaxErrorCls, IndentationError, TabError, KeyboardInterrupt } from './vm/errors.js';
import { isSubtype } from './vm/types.js';
import { formatException } from './vm/traceback.js';
import { installBuiltins } from './stdlib/builtins.js';
import { installModules } from './stdlib/modules.js';
import { installStackless } from './stdlib/stackless.js';
import { installThread } from './stdlib/thread.js';
import { installSettrace } from './stdlib/settrace.js';

export { disassemble } from './bytecode/dis.js';
export { compileInteractive } from './compiler/compile.js';
export type { InteractiveUnit } from './compiler/compile.js';
export type { Host, Tracer } from './vm/interp.js';
export { VM } from './vm/interp.js';

export function compile(source: string, filename: string): CodeObject {
  return compileModule(source, filename);
}

/** A compiler fault as the spy SyntaxError CPython would raise. */
export function syntaxError(fault: unknown, source: string, filename: string): PyException {
  if (!isSyntaxFault(fault)) throw fault;
  const cls = fault.kind === 'IndentationError' ? IndentationError : fault.kind === 'TabError' ? TabError : SyntaxErrorCls;
  const where = locate(source, fault.offset);
  const end = locate(source, Math.max(fault.offset, fault.endOffset));
  // endOffset -1: CPython knows no end for this fault (and prints no caret)
  const endCol = fault.endOffset < 0 ? -1 : end.line === where.line ? end.column : where.column + 1;
  const exc = newException(cls, fault.msg, new PyTuple([filename, where.line, where.column, where.text + '\n', end.line, endCol]));
  exc.dict.set('filename', filename);
  exc.dict.set('lineno', where.line);
  exc.dict.set('offset', where.column);
  exc.dict.set('text', where.text + '\n');
  exc.dict.set('end_lineno', end.line);
  exc.dict.set('end_offset', endCol);
  exc.dict.set('msg', fault.msg);
  return exc;
}

let stdlibSources: Map<string, () => string> | null = null;

/**
 * The spy-source stdlib modules (src/stdlib/spy/*.spy), found next to this file or the bundle:
 * a reader per module, so that start-up lists the files but reads only what a program imports.
 */
function stdlib(): Map<string, () => string> {
  if (stdlibSources) return stdlibSources;
  stdlibSources = new Map();
  // the CLI runs as a CommonJS bundle (dist/spy.cjs), the tests as ES modules
  const here = typeof __dirname === 'string' ? __dirname : dirname(fileURLToPath(import.meta.url));
  for (const dir of [join(here, 'stdlib'), join(here, '..', 'src', 'stdlib')]) {
    if (!existsSync(join(dir, 'spy'))) continue;
    // modules in spy/, and packages in folders of their own (stacklesslib/__init__.spy …)
    for (const [sub, prefix] of [['spy', ''], ['stacklesslib', 'stacklesslib.']]) {
      const folder = join(dir, sub);
      if (!existsSync(folder)) continue;
      for (const f of readdirSync(folder)) {
        if (!f.endsWith('.spy')) continue;
        const name = f === '__init__.spy' ? prefix.slice(0, -1) : prefix + f.slice(0, -4);
        let source: string | null = null;
        stdlibSources.set(name, () => (source ??= readFileSync(join(folder, f), 'utf8')));
      }
    }
    break;
  }
  return stdlibSources;
}

export interface VMOptions {
  host: Host;
  /** sys.argv, script first */
  argv: string[];
  /** directories searched for `.spy` modules */
  path: string[];
  tracer?: Tracer | null;
  /** chooses among the legal scheduling choices of the simulated threads (default 0) */
  seed?: number;
  /** --legacy-atomic: atomic stops the watchdog but not the GIL handoff, as before the seed's fix */
  legacyAtomic?: boolean;
  /** --real-time: time.sleep and friends use the wall clock instead of the virtual one */
  realTime?: boolean;
}

export function createVM(opts: VMOptions): VM {
  const vm = new VM(opts.host);
  vm.argv = opts.argv;
  vm.path = opts.path;
  vm.syntaxErrorFrom = syntaxError;
  installBuiltins(vm);
  installModules(vm);
  installStackless(vm);
  installThread(vm);
  installSettrace(vm);
  for (const [name, src] of stdlib()) vm.sourceModules.set(name, src);
  vm.tracer = opts.tracer ?? null;
  vm.threads.setSeed(opts.seed ?? 0);
  vm.threads.legacyAtomic = opts.legacyAtomic ?? false;
  vm.threads.realTime = opts.realTime ?? false;
  return vm;
}

/**
 * Runs a program to its end and returns the exit code: 0, sys.exit's code, or 1 after printing
 * a traceback. Nothing escapes as a JavaScript exception.
 */
export function runProgram(vm: VM, source: string, filename: string): number {
  let exc: PyException;
  try {
    const code = vm.compileOrRaise(source, filename);
    const globals = new Map<string, Value>([['__name__', '__main__'], ['__file__', filename], ['__doc__', code.docstring]]);
    globals.set('__builtins__', null);
    vm.modules.set('__main__', new (class { })() as never);
    vm.modules.delete('__main__');
    vm.runModule(code, globals);
  } catch (e) {
    exc = e instanceof PyException ? e : vm.toPyException(e);
    const status = reportUncaught(vm, exc);
    return Math.max(status, shutdown(vm));
  }
  return shutdown(vm);
}

/** As CPython at exit: threading waits for its non-daemon threads. Returns an exit status. */
function shutdown(vm: VM): number {
  const threading = vm.modules.get('threading');
  const wait = threading?.dict.get('_shutdown');
  if (wait === undefined || vm.threads.deadlocked) return 0;
  try {
    vm.callNested(wait, []);
    return 0;
  } catch (e) {
    return reportUncaught(vm, e instanceof PyException ? e : vm.toPyException(e));
  }
}

export function reportUncaught(vm: VM, exc: PyException): number {
  try {
    if (isSubtype(exc.cls, SystemExit)) {
      const a = exc.args.items;
      const code = a.length === 0 ? null : a.length === 1 ? a[0] : exc.args;
      if (code === null) return 0;
      if (typeof code === 'number') return code & 0xff;
      if (typeof code === 'boolean') return code ? 1 : 0;
      vm.host.write('stderr', vm.str(code) + '\n');
      return 1;
    }
    vm.host.write('stderr', formatException(vm, exc));
    return isSubtype(exc.cls, KeyboardInterrupt) ? 130 : 1;
  } catch (e) {
    vm.host.write('stderr', `spy: error while printing an exception: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
}

export interface RunOptions { file: string; source?: string; argv?: string[]; stdin?: string; seed?: number; legacyAtomic?: boolean }
export interface RunResult { stdout: string; stderr: string; exitCode: number }

/** Runs a file with captured output: the tests' entry point. */
export function runFile(opts: RunOptions): RunResult {
  let stdout = '';
  let stderr = '';
  const lines = opts.stdin === undefined ? [] : opts.stdin.split(/(?<=\n)/);
  let lineIndex = 0;
  const host: Host = {
    write: (stream, text) => { if (stream === 'stdout') stdout += text; else stderr += text; },
    readLine: () => (lineIndex < lines.length ? lines[lineIndex++] : null),
    readFile: (path) => readTextFile(path),
    compile: (src, name) => compile(src, name),
    now: () => Date.now() / 1000,
    sleep: () => undefined,
  };
  const source = opts.source ?? readTextFile(opts.file);
  if (source === null) {
    return { stdout, stderr: `spy: can't open file '${opts.file}': No such file or directory\n`, exitCode: 2 };
  }
  const vm = createVM({ host, argv: [opts.file, ...(opts.argv ?? [])], path: [dirname(opts.file)], seed: opts.seed, legacyAtomic: opts.legacyAtomic });
  const exitCode = runProgram(vm, source, opts.file);
  return { stdout, stderr, exitCode };
}

export function readTextFile(path: string): string | null {
  try {
    if (!statSync(path).isFile()) return null;
    return readFileSync(path, 'utf8');
  } catch {
    return null;
  }
}
