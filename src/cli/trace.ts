// `spy trace` / `spy run --trace`: one line per executed instruction — step, thread, tasklet,
// function, file:line, offset, opname, argument with its value, top of the stack — with the
// scheduling events (vm/events.ts) on lines of their own between them.
import { Ins, OPCODES } from '../bytecode/opcodes.js';
import { constRepr } from '../bytecode/dis.js';
import type { VM } from '../vm/interp.js';
import type { Frame } from '../vm/frame.js';
import type { CodeObject } from '../bytecode/code.js';
import type { Tasklet } from '../vm/tasklet.js';
import type { SchedEvent } from '../vm/events.js';
import { positionLine } from '../vm/traceback.js';

/** Which instructions and events to show. */
export interface TraceFilter {
  function?: string;
  tasklet?: number;
  thread?: number;
  /** file (a suffix of its path) and an inclusive line range */
  lines?: { file: string; from: number; to: number };
  /** scheduling events only */
  eventsOnly?: boolean;
  fromStep?: number;
  maxSteps?: number;
}

export interface Paint {
  op: (s: string) => string;
  event: (s: string) => string;
  dim: (s: string) => string;
}

export const NO_PAINT: Paint = { op: (s) => s, event: (s) => s, dim: (s) => s };

function short(vm: VM, v: unknown): string {
  // the common values without a call into the VM: a trace shows millions of them
  if (typeof v === 'number' && Number.isInteger(v)) return String(v);
  if (v === null) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (v === undefined) return '<null>';
  let s: string;
  try {
    s = vm.repr(v as never);
  } catch {
    s = '<?>';
  }
  return s.length > 40 ? s.slice(0, 37) + '...' : s;
}

/** The operand of the instruction at pc, with the value it names where that is cheap to tell. */
function operand(vm: VM, frame: Frame, op: number, arg: number): string {
  const code = frame.code;
  switch (OPCODES[op].operand) {
    case 'none': return '';
    case 'const': return `${arg} (${constRepr(code.consts[arg])})`;
    case 'local': {
      const v = frame.regs[arg];
      return `${arg} (${code.varnames[arg]}=${v === undefined ? '<unbound>' : short(vm, v)})`;
    }
    case 'name': return `${arg} (${code.names[arg]})`;
    default: return String(arg);
  }
}

/** The simplest line (no step, thread or tasklet): for callers without a Trace, such as a REPL. */
export function traceLine(vm: VM, frame: Frame, pc: number, sp: number): string {
  const code = frame.code;
  const ins = code.code[pc];
  const op = ins & Ins.OP_MASK;
  const top = sp > code.varnames.length ? short(vm, frame.regs[sp - 1]) : '';
  return `${code.filename}:${positionLine(code, pc)} ${code.name} ${String(pc).padStart(4)} ${OPCODES[op].name.padEnd(20)} ${operand(vm, frame, op, ins >> Ins.ARG_SHIFT).padEnd(16)} | ${top}\n`;
}

/** One traced run: numbers the steps and the tasklets, filters, and formats. */
export class Trace {
  /** instructions executed so far (all of them, whatever is shown) */
  step = 0;
  private readonly ids = new WeakMap<Tasklet, number>();
  private nextId = 0;
  private readonly lastStep: number;
  /** the tasklet of the previous line and its number: it rarely changes between two lines */
  private lastTasklet: Tasklet | null = null;
  private lastId = 0;
  /** per code object and offset: `function file:line @offset OPNAME`, the part that never changes */
  private readonly fixed = new WeakMap<CodeObject, string[]>();

  constructor(
    private readonly vm: VM,
    private readonly out: (text: string) => void,
    private readonly filter: TraceFilter = {},
    private readonly paint: Paint = NO_PAINT,
  ) {
    this.lastStep = filter.maxSteps === undefined ? Infinity : (filter.fromStep ?? 0) + filter.maxSteps;
  }

  /** A tasklet's number: the order in which the trace first met it (main is 0). */
  id(t: Tasklet): number {
    let n = this.ids.get(t);
    if (n === undefined) {
      n = this.nextId++;
      this.ids.set(t, n);
    }
    return n;
  }

  private inWindow(): boolean {
    return this.step >= (this.filter.fromStep ?? 0) && this.step < this.lastStep;
  }

  /** The loop's tracer hook: counts the step and prints it when the filters let it through. */
  readonly instruction = (vm: VM, frame: Frame, pc: number, sp: number): void => {
    const step = ++this.step;
    const f = this.filter;
    if (f.eventsOnly || !this.inWindow()) return;
    const code = frame.code;
    if (f.function !== undefined && code.name !== f.function) return;
    const thread = vm.threads.current.ident;
    if (f.thread !== undefined && thread !== f.thread) return;
    const current = vm.scheduler.current;
    if (current !== this.lastTasklet) { this.lastTasklet = current; this.lastId = this.id(current); }
    const tasklet = this.lastId;
    if (f.tasklet !== undefined && tasklet !== f.tasklet) return;
    if (f.lines !== undefined) {
      const line = positionLine(code, pc);
      if (!(code.filename.endsWith(f.lines.file) && line >= f.lines.from && line <= f.lines.to)) return;
    }
    const ins = code.code[pc];
    const op = ins & Ins.OP_MASK;
    const top = sp > code.varnames.length ? short(vm, frame.regs[sp - 1]) : '';
    let fixed = this.fixed.get(code);
    if (fixed === undefined) { fixed = []; this.fixed.set(code, fixed); }
    let head = fixed[pc];
    if (head === undefined) {
      const p = this.paint;
      head = fixed[pc] = `${code.name} ${p.dim(`${code.filename}:${positionLine(code, pc)}`)} @${pc} ${p.op(OPCODES[op].name)} `;
    }
    this.out(`${String(step).padStart(7)} T${thread} t${tasklet} ${head}${operand(vm, frame, op, ins >> Ins.ARG_SHIFT)} | ${top}\n`);
  };

  /** The events hook: one line per scheduling event. */
  readonly event = (e: SchedEvent): void => {
    if (!this.inWindow() || !this.shows(e)) return;
    this.out(this.paint.event(`${String(this.step).padStart(7)} -- ${this.describe(e)}`) + '\n');
  };

  private shows(e: SchedEvent): boolean {
    const f = this.filter;
    if (f.thread !== undefined) {
      const threads = e.kind === 'gil' ? [e.from.ident, e.to.ident] : [e.thread.ident];
      if (!threads.includes(f.thread)) return false;
    }
    if (f.tasklet !== undefined) {
      const ts = e.kind === 'switch' ? [e.from, e.to] : e.kind === 'channel' ? [e.tasklet, e.partner] : 'tasklet' in e ? [e.tasklet] : [];
      if (!ts.some((t) => t !== null && this.id(t) === f.tasklet)) return false;
    }
    return true;
  }

  describe(e: SchedEvent): string {
    const vm = this.vm;
    const t = (x: Tasklet): string => `t${this.id(x)}`;
    switch (e.kind) {
      case 'switch': return `switch T${e.thread.ident}: ${t(e.from)} -> ${t(e.to)} (${e.why})`;
      case 'channel': {
        const what = e.sending ? `sends ${short(vm, e.value)}` : e.partner !== null ? `receives ${short(vm, e.value)}` : 'receives';
        return `channel ${t(e.tasklet)} ${what}${e.partner !== null ? ` ${e.sending ? 'to' : 'from'} ${t(e.partner)}` : ''}: ${e.decision}`;
      }
      case 'tempval': return `tempval ${e.action === 'store' ? 'stored for' : 'claimed by'} ${t(e.tasklet)}: ${short(vm, e.value)}`;
      case 'atomic': return `atomic ${t(e.tasklet)} = ${e.atomic ? 1 : 0}`;
      case 'gil': return `GIL T${e.from.ident} -> T${e.to.ident} (${e.why})`;
      case 'thread': return `thread T${e.thread.ident} (${e.thread.name}) ${e.action === 'start' ? 'started' : 'ended'}`;
      case 'timer': return `timer wakes T${e.thread.ident} at t=${e.at.toFixed(6)}`;
      case 'watchdog': return `watchdog interrupts ${t(e.tasklet)} on T${e.thread.ident}`;
    }
  }
}
