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
import { traceLine } from './trace.js';
import { formatException } from '../vm/traceback.js';
import { VM } from '../vm/interp.js';
import { VERSION } from './version.js';

const COMMANDS = new Set(['run', 'dis', 'help', 'repl']);

export async function main(argv: string[]): Promise<number> {
  const host = new ProcessHost();
  try {
    // the fast path: `spy FILE ARGS...` or `spy run FILE ARGS...` with no options before FILE
    const first = argv[0];
    if (first !== undefined && !first.startsWith('-') && !COMMANDS.has(first)) {
      return runFile(host, first, argv.slice(1), false, plainRed());
    }
    if (first === 'run' && argv[1] !== undefined && !argv[1].startsWith('-')) {
      return runFile(host, argv[1], argv.slice(2), false, plainRed());
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
  const color = Boolean(process.stderr.isTTY) && !process.env.NO_COLOR;
  return color ? (s) => `\x1b[31m${s}\x1b[39m` : (s) => s;
}

function runFile(host: ProcessHost, file: string, args: string[], trace: boolean, red: Paint): number {
  const source = readTextFile(file);
  if (source === null) {
    host.write('stderr', red(`spy: can't open file '${file}': No such file or directory`) + '\n');
    return 2;
  }
  // CPython (3.9+) names the main script by its absolute path in tracebacks and __file__
  const shown = resolve(file);
  const vm = createVM({
    host, argv: [file, ...args], path: [dirname(shown)],
    tracer: trace ? (v, frame, pc, sp) => host.write('stderr', traceLine(v, frame, pc, sp)) : null,
  });
  return runProgram(vm, source, shown);
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

async function parseWithCommander(host: ProcessHost, argv: string[]): Promise<number> {
  const { Command, CommanderError } = await import('commander');
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

  program
    .command('run', { isDefault: true })
    .description('run a .spy program')
    .argument('<file>', 'the program')
    .argument('[args...]', 'arguments for the program (sys.argv[1:])')
    .option('--trace', 'print every executed instruction to stderr')
    .passThroughOptions()
    .action((file: string, args: string[], opts: { trace?: boolean }) => {
      exitCode = runFile(host, file, args, Boolean(opts.trace), red);
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
