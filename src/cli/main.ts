// The `spy` command: parses argv with commander and runs, disassembles or traces a program.
// Exit codes: the program's own, 1 for an uncaught error, 2 for bad usage or a missing file.
import { Command, CommanderError } from 'commander';
import { Chalk } from 'chalk';
import { dirname, resolve } from 'node:path';
import { createVM, runProgram, compile, disassemble, syntaxError, reportUncaught, readTextFile } from '../index.js';
import { ProcessHost } from './host.js';
import { traceLine } from './trace.js';
import { formatException } from '../vm/traceback.js';
import { VM } from '../vm/interp.js';
import { VERSION } from './version.js';


export function main(argv: string[]): number {
  const host = new ProcessHost();
  const colorErr = Boolean(process.stderr.isTTY) && !process.env.NO_COLOR;
  const paint = new Chalk({ level: colorErr ? 1 : 0 });
  let exitCode = 0;
  const program = new Command();
  program
    .name('spy')
    .description("Stackless Python's execution model, rebuilt in TypeScript")
    .version(VERSION, '-V, --version')
    .enablePositionalOptions()
    .exitOverride()
    .configureOutput({
      writeOut: (s) => process.stdout.write(s),
      writeErr: (s) => process.stderr.write(s),
      outputError: (s, write) => write(paint.red(s.replace(/^error: /, 'spy: '))),
    });

  program
    .command('run', { isDefault: true })
    .description('run a .spy program')
    .argument('<file>', 'the program')
    .argument('[args...]', 'arguments for the program (sys.argv[1:])')
    .option('--trace', 'print every executed instruction to stderr')
    .passThroughOptions()
    .action((file: string, args: string[], opts: { trace?: boolean }) => {
      const source = readTextFile(file);
      if (source === null) {
        process.stderr.write(paint.red(`spy: can't open file '${file}': No such file or directory`) + '\n');
        exitCode = 2;
        return;
      }
      // CPython (3.9+) names the main script by its absolute path in tracebacks and __file__
      const shown = resolve(file);
      const vm = createVM({
        host, argv: [file, ...args], path: [dirname(shown)],
        tracer: opts.trace ? (v, frame, pc, sp) => host.write('stderr', traceLine(v, frame, pc, sp)) : null,
      });
      exitCode = runProgram(vm, source, shown);
    });

  program
    .command('dis')
    .description('disassemble a program (or -c source)')
    .argument('[file]', 'the program')
    .option('-c, --code <source>', 'disassemble this source text instead of a file')
    .action((file: string | undefined, opts: { code?: string }) => {
      const name = opts.code !== undefined ? '<string>' : file;
      const source = opts.code !== undefined ? opts.code : file !== undefined ? readTextFile(file) : null;
      if (name === undefined || source === null) {
        process.stderr.write(paint.red(name === undefined ? 'spy: dis needs a file or -c source' : `spy: can't open file '${name}': No such file or directory`) + '\n');
        exitCode = 2;
        return;
      }
      try {
        host.write('stdout', disassemble(compile(source, name)));
      } catch (e) {
        const vm = new VM(host);
        host.write('stderr', formatException(vm, syntaxError(e, source, name)));
        exitCode = 1;
      }
    });

  try {
    program.parse(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      host.flush();
      return e.exitCode === 0 ? 0 : 2;
    }
    host.write('stderr', `spy: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
    exitCode = 1;
  }
  host.flush();
  void reportUncaught;
  return exitCode;
}
