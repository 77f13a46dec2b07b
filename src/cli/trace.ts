// `spy run --trace`: one line per executed instruction — line, offset, opname, argument and
// the top of the stack — the first cut of the opcode-level tracer.
import { OPCODES, OP_MASK, ARG_SHIFT } from '../bytecode/opcodes.js';
import { constRepr } from '../bytecode/dis.js';
import type { VM } from '../vm/interp.js';
import type { Frame } from '../vm/frame.js';
import { positionLine } from '../vm/traceback.js';

function short(vm: VM, v: unknown): string {
  if (v === undefined) return '<null>';
  let s: string;
  try {
    s = vm.repr(v as never);
  } catch {
    s = '<?>';
  }
  return s.length > 40 ? s.slice(0, 37) + '...' : s;
}

export function traceLine(vm: VM, frame: Frame, pc: number, sp: number): string {
  const code = frame.code;
  const ins = code.code[pc];
  const op = ins & OP_MASK;
  const arg = ins >>> ARG_SHIFT;
  const spec = OPCODES[op];
  let argText = '';
  switch (spec.operand) {
    case 'none': break;
    case 'const': argText = `${arg} (${constRepr(code.consts[arg])})`; break;
    case 'local': argText = `${arg} (${code.varnames[arg]})`; break;
    case 'name': argText = `${arg} (${code.names[arg]})`; break;
    default: argText = String(arg);
  }
  const top = sp > code.varnames.length ? short(vm, frame.regs[sp - 1]) : '';
  return `${code.filename}:${positionLine(code, pc)} ${code.name} ${String(pc).padStart(4)} ${spec.name.padEnd(20)} ${argText.padEnd(16)} | ${top}\n`;
}
