// The compiler's front door: source text to a module CodeObject. Parsing, scope analysis and
// code generation; every fault comes out as a SpySyntaxError with an offset.
import { parseModule } from './parse.js';
import { ScopeTable } from './scope.js';
import { CodeGen } from './codegen.js';
import { SpySyntaxError } from './diagnostics.js';
import type { CodeObject } from '../bytecode/code.js';

export function compileModule(source: string, filename: string): CodeObject {
  const mod = parseModule(source);
  const table = new ScopeTable(mod);
  return new CodeGen(table, filename, source).compileModule(mod);
}

/** One REPL input compiled: its code, and whether it is a compound statement (the REPL then waits for an empty line). */
export interface InteractiveUnit { code: CodeObject; compound: boolean }

const COMPOUND = new Set(['If', 'While', 'For', 'Try', 'With', 'FunctionDef', 'ClassDef']);

/**
 * CPython's 'single' mode, what its REPL compiles each input with: expression statements print
 * their repr and set `_`, and a compound statement must stand alone (a statement after its
 * block, without the empty line that ends it, is "invalid syntax" as in CPython's REPL).
 */
export function compileInteractive(source: string, filename: string): InteractiveUnit {
  const mod = parseModule(source);
  const compound = mod.body.length > 0 && COMPOUND.has(mod.body[0].kind);
  if (compound && mod.body.length > 1) throw new SpySyntaxError('SyntaxError', 'invalid syntax', mod.body[1].start);
  const table = new ScopeTable(mod);
  return { code: new CodeGen(table, filename, source, true).compileModule(mod), compound };
}
