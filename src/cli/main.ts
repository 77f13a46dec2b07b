// The `spy` command: runs, disassembles or traces a program, or starts the REPL. The common
// `spy FILE ...` and `spy run FILE ...` go straight to running; anything else (flags, `dis`,
// --help) is parsed by commander, and the REPL's code (dist/repl.cjs) is loaded only for the
// REPL: both cost start-up time (DESIGN.md decision 10).
// Exit codes: the program's own, 1 for an uncaught error, 2 for bad usage or a missing file.
import { dirname, resolve } from 'node:path';
import { createVM, runProgram, compile, disassemble, syntaxError, readTextFile } from '../index.js';
import { isCode, type CodeObject } from '../bytecode/code.js';
import { installQuitters } from './site.js';
import { ProcessHost } from './host.js';
import { startTrace, TraceOptions } from './tracing.js';
import type { TraceFilter } from './trace.js';
import { formatException } from '../vm/traceback.js';
import { VM } from '../vm/interp.js';
import { VERSION } from './version.js';

const COMMANDS = new Set(['run', 'dis', 'trace', 'help', 'repl']);

export async function main(argv: string[]): Promise<number> {
  const host = new ProcessHost();
  try {
    // the fast path: `spy FILE ARGS...` or `spy run FILE ARGS...` with no options before FILE
    const first = argv[0];
    if (first !== undefined && !first.startsWith('-') && !COMMANDS.has(first)) {
      return runFile(host, first, argv.slice(1), {}, plainRed());
    }
    if (first === 'run' && argv[1] !== undefined && !argv[1].startsWith('-')) {
      return runFile(host, argv[1], argv.slice(2), {}, plainRed());
    }
    if (first === undefined || (first === 'repl' && argv.length === 1)) return await interactive(host);
    return await parseWithCommander(host, argv);
  } finally {
    host.flush();
  }
}

type Paint = (s: string) => string;

/** Red for one-line errors on a terminal (chalk is loaded only on the commander path). */
function plainRed(): Paint {
  // decided at the first message: asking process.stderr makes node build the stream, ~6 ms of
  // a hello world's start-up
  let color: boolean | undefined;
  return (s) => {
    color ??= Boolean(process.stderr.isTTY) && !process.env.NO_COLOR;
    return color ? `\x1b[31m${s}\x1b[39m` : s;
  };
}

/** `spy run`'s options */
interface RunFlags {
  trace?: boolean | TraceOptions;
  seed?: number;
  legacyAtomic?: boolean;
  realTime?: boolean;
}

function runFile(host: ProcessHost, file: string, args: string[], flags: RunFlags, red: Paint): number {
  const source = readTextFile(file);
  if (source === null) {
    host.write('stderr', red(`spy: can't open file '${file}': No such file or directory`) + '\n');
    return 2;
  }
  // CPython (3.9+) names the main script by its absolute path in tracebacks and __file__
  const shown = resolve(file);
  const vm = createVM({
    host, argv: [file, ...args], path: [dirname(shown)],
    seed: flags.seed, legacyAtomic: flags.legacyAtomic, realTime: flags.realTime,
  });
  const trace = flags.trace === true ? { filter: {} } : flags.trace || null;
  let stop: (() => void) | null = null;
  try {
    if (trace !== null) stop = startTrace(vm, trace);
  } catch (e) {
    host.write('stderr', red(`spy: can't write the trace: ${e instanceof Error ? e.message : String(e)}`) + '\n');
    return 2;
  }
  // bin/spy.cjs writes V8's code cache here: everything start-up compiled, not yet the loop
  // (whose cached bytecode measured a slower loop once optimised)
  process.emit('spy:started' as never);
  try {
    return runProgram(vm, source, shown);
  } finally {
    stop?.();
  }
}

/**
 * `spy` with no file: the REPL on a terminal; a script read from standard input otherwise, with
 * no prompts (as `python3 < file` runs it, named <stdin>).
 */
async function interactive(host: ProcessHost): Promise<number> {
  if (process.stdin.isTTY) {
    const { startRepl } = await import('./repl.js');
    return startRepl();
  }
  let source = '';
  for (let line = host.readLine(); line !== null; line = host.readLine()) source += line;
  const vm = createVM({ host, argv: [''], path: [''] });
  installQuitters(vm);
  return runProgram(vm, source, '<stdin>');
}

function disFile(host: ProcessHost, file: string | undefined, code: string | undefined, red: Paint): number {
  // `spy dis FILE:func` (or FILE:Class.method) disassembles one function of FILE
  let func: string | null = null;
  if (code === undefined && file !== undefined && readTextFile(file) === null) {
    const colon = file.lastIndexOf(':');
    if (colon > 0) { func = file.slice(colon + 1); file = file.slice(0, colon); }
  }
  const name = code !== undefined ? '<string>' : file;
  const source = code !== undefined ? code : file !== undefined ? readTextFile(file) : null;
  if (name === undefined || source === null) {
    host.write('stderr', red(name === undefined ? 'spy: dis needs a file or -c source' : `spy: can't open file '${name}': No such file or directory`) + '\n');
    return 2;
  }
  let module: CodeObject;
  try {
    module = compile(source, name);
  } catch (e) {
    host.write('stderr', formatException(new VM(host), syntaxError(e, source, name)));
    return 1;
  }
  const target = func === null ? module : findFunction(module, func);
  if (target === null) {
    host.write('stderr', red(`spy: no function '${func}' in ${name}`) + '\n');
    return 2;
  }
  host.write('stdout', disassemble(target));
  return 0;
}

/** The code object of a function by qualified name (`f`, `C.m`, `outer.<locals>.inner` or just `inner`). */
function findFunction(module: CodeObject, name: string): CodeObject | null {
  const all: CodeObject[] = [];
  const walk = (co: CodeObject): void => {
    for (const c of co.consts) if (isCode(c)) { all.push(c); walk(c); }
  };
  walk(module);
  return all.find((c) => c.qualname === name) ?? all.find((c) => c.qualname.replace(/\.<locals>/g, '') === name) ?? all.find((c) => c.name === name) ?? null;
}

/** `spy trace`'s options as commander gives them */
interface TraceFlags extends RunFlags {
  function?: string;
  tasklet?: number;
  thread?: number;
  lines?: TraceFilter['lines'];
  events?: boolean;
  fromStep?: number;
  maxSteps?: number;
  output?: string;
  timeline?: string;
}

async function parseWithCommander(host: ProcessHost, argv: string[]): Promise<number> {
  const { Command, CommanderError, InvalidArgumentError } = await import('commander');
  const parseNumber = (text: string): number => {
    const n = Number(text);
    if (!/^\d+$/.test(text) || !Number.isSafeInteger(n)) throw new InvalidArgumentError('a non-negative integer is needed.');
    return n;
  };
  const parseLines = (text: string): TraceFilter['lines'] => {
    const m = /^(.+):(\d+)(?:-(\d+))?$/.exec(text);
    if (m === null) throw new InvalidArgumentError('FILE:A-B is needed, e.g. prog.spy:10-20.');
    return { file: m[1], from: Number(m[2]), to: Number(m[3] ?? m[2]) };
  };
  const { Chalk } = await import('chalk');
  const colorErr = Boolean(process.stderr.isTTY) && !process.env.NO_COLOR;
  const paint = new Chalk({ level: colorErr ? 1 : 0 });
  const red: Paint = (s) => paint.red(s);
  let exitCode = 0;
  const program = new Command();
  program
    .name('spy')
    .description("Stackless Python's execution model, rebuilt in TypeScript")
    .version(VERSION, '-V, --version')
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({
      writeOut: (s) => host.write('stdout', s),
      writeErr: (s) => host.write('stderr', s),
      outputError: (s, write) => write(red(s.replace(/^error: /, 'spy: '))),
    });

  /** A command that runs a program: its arguments and the scheduling options. */
  const runCommand = (name: string, description: string, isDefault = false): InstanceType<typeof Command> => program
    .command(name, { isDefault })
    .description(description)
    .argument('<file>', 'the program')
    .argument('[args...]', 'arguments for the program (sys.argv[1:])')
    .option('--seed <n>', 'choose among the legal scheduling choices of threads (default 0)', parseNumber)
    .option('--legacy-atomic', "atomic stops the watchdog but not the GIL handoff (before the seed's fix)")
    .option('--real-time', 'time and sleep use the wall clock instead of the virtual clock')
    .passThroughOptions();

  runCommand('run', 'run a .spy program', true)
    .option('--trace', 'print every executed instruction and scheduling event to stderr')
    .action((file: string, args: string[], opts: RunFlags) => {
      exitCode = runFile(host, file, args, opts, red);
    });

  runCommand('trace', 'run a program, printing each instruction and scheduling event to stderr')
    .option('--function <name>', 'only instructions of functions with this name')
    .option('--tasklet <id>', 'only this tasklet (numbered as the trace first meets them; main is 0)', parseNumber)
    .option('--thread <id>', 'only this thread (1 is the main thread)', parseNumber)
    .option('--lines <file:a-b>', 'only instructions on these lines of a file (a suffix of its path)', parseLines)
    .option('--events', 'scheduling events only: switches, channels, tempvals, atomic, GIL, threads, timers')
    .option('--from-step <n>', 'start showing at this instruction step', parseNumber)
    .option('--max-steps <n>', 'show at most this many steps', parseNumber)
    .option('--output <file>', 'write the trace to a file instead of stderr')
    .option('--timeline <file>', 'also write the run as Chrome/Perfetto trace event JSON')
    .action((file: string, args: string[], opts: TraceFlags) => {
      const filter: TraceFilter = {
        function: opts.function, tasklet: opts.tasklet, thread: opts.thread, lines: opts.lines,
        eventsOnly: opts.events, fromStep: opts.fromStep, maxSteps: opts.maxSteps,
      };
      const trace: TraceOptions = { filter, output: opts.output, timeline: opts.timeline };
      exitCode = runFile(host, file, args, { ...opts, trace }, red);
    });

  program
    .command('dis')
    .description('disassemble a program (or -c source, or one function: FILE:func)')
    .argument('[file]', 'the program, or FILE:func for one function (FILE:Class.method for a method)')
    .option('-c, --code <source>', 'disassemble this source text instead of a file')
    .action((file: string | undefined, opts: { code?: string }) => {
      exitCode = disFile(host, file, opts.code, red);
    });

  let repl = false;
  program
    .command('repl')
    .description('the interactive interpreter (also `spy` with no file; standard input that is not a terminal runs as a script)')
    .action(() => { repl = true; });

  try {
    program.parse(argv, { from: 'user' });
    if (repl) return await interactive(host);
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode === 0 ? 0 : 2;
    host.write('stderr', `spy: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  return exitCode;
}
