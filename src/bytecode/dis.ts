// The disassembler: a listing in the spirit of `python -m dis` — line numbers, offsets, jump
// targets marked `>>`, opnames, arguments with their resolved values, handlers, and nested
// code objects after their parent.
import { CodeObject, Const, isCode } from './code.js';
import { Ins, OPCODES, CMP_OPS, binOpLabel } from './opcodes.js';

function lineStarts(source: string): number[] {
  const t = [0];
  for (let i = 0; i < source.length; i++) if (source.charCodeAt(i) === 10) t.push(i + 1);
  return t;
}

function lineAt(starts: number[], offset: number): number {
  let lo = 0, hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid] <= offset) lo = mid; else hi = mid - 1;
  }
  return lo + 1;
}

export function constRepr(c: Const): string {
  if (c === null) return 'None';
  switch (typeof c) {
    case 'number': return String(c);
    case 'bigint': return c.toString();
    case 'boolean': return c ? 'True' : 'False';
    case 'string': return pyStr(c);
  }
  if (isCode(c)) return `<code object ${c.name}, line ${lineAt(lineStarts(c.source), c.firstOffset)}>`;
  if ('float' in c) {
    const f = c.float;
    return Number.isInteger(f) && Math.abs(f) < 1e16 ? `${f}.0` : String(f);
  }
  if ('tuple' in c) return c.tuple.length === 1 ? `(${constRepr(c.tuple[0])},)` : `(${c.tuple.map(constRepr).join(', ')})`;
  if ('bytes' in c) return `b'${[...c.bytes].map((b) => String.fromCharCode(b)).join('')}'`;
  return 'Ellipsis';
}

function pyStr(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  return q + s.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/\t/g, '\\t').replace(new RegExp(q, 'g'), '\\' + q) + q;
}

function argText(code: CodeObject, op: number, arg: number): string {
  const spec = OPCODES[op];
  switch (spec.operand) {
    case 'none': return '';
    case 'const': return `(${constRepr(code.consts[arg])})`;
    case 'local': return `(${code.varnames[arg]})`;
    case 'name': return `(${code.names[arg]})`;
    case 'cell': return `(${arg < code.cellvars.length ? code.cellvars[arg] : code.freevars[arg - code.cellvars.length]})`;
    case 'jump': return `(to ${arg})`;
    case 'cmp': return `(${CMP_OPS[arg]})`;
    case 'binop': return `(${binOpLabel(arg)})`;
    default: return '';
  }
}

export function disassemble(code: CodeObject): string {
  let out = '';
  const todo: CodeObject[] = [code];
  let first = true;
  while (todo.length) {
    const co = todo.shift() as CodeObject;
    if (!first) out += `\nDisassembly of ${constRepr(co)}:\n`;
    first = false;
    out += disassembleOne(co);
    for (const c of co.consts) if (isCode(c)) todo.push(c);
  }
  return out;
}

function disassembleOne(code: CodeObject): string {
  const starts = lineStarts(code.source);
  const targets = new Set<number>();
  for (let pc = 0; pc < code.code.length; pc++) {
    const ins = code.code[pc];
    if (OPCODES[ins & Ins.OP_MASK].operand === 'jump') targets.add(ins >> Ins.ARG_SHIFT);
  }
  for (const h of code.handlers) targets.add(h.target);
  let out = '';
  let lastLine = -1;
  for (let pc = 0; pc < code.code.length; pc++) {
    const ins = code.code[pc];
    const op = ins & Ins.OP_MASK;
    const arg = ins >> Ins.ARG_SHIFT;
    const line = lineAt(starts, code.positions[pc]);
    let prefix = '    ';
    if (line !== lastLine) {
      if (pc > 0) out += '\n';
      prefix = String(line).padStart(4);
      lastLine = line;
    }
    const mark = targets.has(pc) ? '>>' : '  ';
    const spec = OPCODES[op];
    const argCol = spec.operand === 'none' ? '' : String(arg);
    const text = argText(code, op, arg);
    out += `${prefix}    ${mark} ${String(pc).padStart(4)} ${spec.name.padEnd(22)}${argCol.padStart(3)}${text ? ' ' + text : ''}`.trimEnd() + '\n';
  }
  if (code.handlers.length) {
    out += 'ExceptionTable:\n';
    let start = -1;
    for (let pc = 0; pc <= code.code.length; pc++) {
      const h = pc < code.code.length ? code.handlerAt[pc] : -1;
      const prev = pc > 0 ? code.handlerAt[pc - 1] : -1;
      if (h !== prev) {
        if (prev >= 0) out += `  ${start} to ${pc - 1} -> ${code.handlers[prev].target} [${code.handlers[prev].depth}]\n`;
        start = pc;
      }
    }
  }
  return out;
}
