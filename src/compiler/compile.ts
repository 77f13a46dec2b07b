// The compiler's front door: source text to a module CodeObject. Parsing, scope analysis and
// code generation; every fault comes out as a SpySyntaxError with an offset.
import { parseModule } from './parse.js';
import { ScopeTable } from './scope.js';
import { CodeGen } from './codegen.js';
import type { CodeObject } from '../bytecode/code.js';

export function compileModule(source: string, filename: string): CodeObject {
  const mod = parseModule(source);
  const table = new ScopeTable(mod);
  return new CodeGen(table, filename, source).compileModule(mod);
}
