// What the REPL's `:tasklets`, `:threads` and `:dis` show: the live tasklets with their state and
// where each stands, the simulated threads, and disassembly of a named function or an expression.
// Read-only views of the VM; they change no scheduling state.
import { CodeObject, isCode } from '../bytecode/code.js';
import { disassemble } from '../bytecode/dis.js';
import type { VM } from '../vm/interp.js';
import { HOST_CODES } from '../vm/interp.js';
import type { Frame } from '../vm/frame.js';
import { Tasklet, TASKLET_CODES } from '../vm/tasklet.js';
import { PyBoundMethod, PyClass, PyFunction, PyStaticMethod, PyClassMethod, Value } from '../vm/values.js';
import { positionLine, lineOf } from '../vm/traceback.js';
import { ThreadState } from '../vm/threads.js';

/**
 * The tasklets spy code created, in creation order, held weakly so the REPL keeps none alive
 * that the program dropped. Fed by the scheduler's onCreate hook; only the REPL installs one.
 */
export class TaskletRegistry {
  private refs: WeakRef<Tasklet>[] = [];
  private readonly ids = new WeakMap<Tasklet, number>();
  private nextId = 1;
  /** prune when the list doubles, so a program making many short tasklets costs O(1) each */
  private pruneAt = 64;

  constructor(vm: VM) {
    vm.threads.onCreate = (t) => this.add(t);
  }

  private add(t: Tasklet): void {
    this.ids.set(t, this.nextId++);
    this.refs.push(new WeakRef(t));
    if (this.refs.length >= this.pruneAt) {
      this.prune();
      this.pruneAt = Math.max(64, this.refs.length * 2);
    }
  }

  private prune(): void {
    this.refs = this.refs.filter((r) => r.deref() !== undefined);
  }

  /** Tasklets still alive (bound and not finished), oldest first. */
  live(): Tasklet[] {
    this.prune();
    const out: Tasklet[] = [];
    for (const r of this.refs) {
      const t = r.deref();
      if (t !== undefined && t.alive) out.push(t);
    }
    return out;
  }

  id(t: Tasklet): number {
    return this.ids.get(t) ?? 0;
  }
}

/** The innermost frame of a chain that is spy code (not a host entry or a tasklet's boot frame). */
function userFrame(top: Frame | null): Frame | null {
  for (let f = top; f !== null; f = f.back) {
    if (!HOST_CODES.includes(f.code) && !TASKLET_CODES.includes(f.code)) return f;
  }
  return null;
}

/** `name file:line` for a frame: pc is past the instruction it stands at. */
function frameWhere(f: Frame): string {
  return `${f.code.name}  ${f.code.filename}:${positionLine(f.code, Math.max(0, f.pc - 1))}`;
}

function functionWhere(fn: Value): string {
  if (fn instanceof PyFunction) return `${fn.name}  ${fn.code.filename}:${lineOf(fn.code.source, fn.code.firstOffset)}`;
  return fn === null ? '?' : String((fn as { name?: unknown }).name ?? '?');
}

function stateOf(vm: VM, t: Tasklet): string {
  const sched = vm.scheduler;
  let s: string;
  if (t === sched.current) s = 'running';
  else if (t.blockedOn !== null) {
    s = t.blockedSending ? 'blocked sending on a channel' : 'blocked receiving on a channel';
  } else if (t === sched.runCaller) s = 'waiting in stackless.run()';
  else if (t.inRing) s = t.frame === null && !t.isMain ? 'runnable, not started' : 'runnable';
  else s = 'paused';
  return t.atomic ? `${s}, atomic` : s;
}

function whereOf(vm: VM, t: Tasklet): string {
  if (t === vm.scheduler.current) {
    const f = userFrame(vm.frame);
    return f === null ? '(at the prompt)' : frameWhere(f);
  }
  const f = userFrame(t.frame);
  if (f !== null) return frameWhere(f);
  return functionWhere(t.func);
}

/** `:tasklets`: one row per live tasklet — id, state, function and file:line where it stands. */
export function taskletsReport(vm: VM, registry: TaskletRegistry): string {
  const main = vm.scheduler.main;
  const rows: string[][] = [['', 'tasklet', 'state', 'where']];
  const all = [main, ...registry.live().filter((t) => t !== main)];
  for (const t of all) {
    rows.push([t === vm.scheduler.current ? '*' : '', t.isMain ? 'main' : `#${registry.id(t)}`, stateOf(vm, t), whereOf(vm, t)]);
  }
  return table(rows);
}

/** One simulated OS thread as `:threads` shows it. */
export interface ThreadRow { name: string; tasklets: number; holdsGil: boolean; current: boolean }

/** The simulated threads: each with its live tasklets (its main one included) and the GIL's holder. */
export function threadRows(vm: VM, registry: TaskletRegistry): ThreadRow[] {
  const live = registry.live();
  const threads = vm.threads;
  return threads.live.map((th) => {
    const mine = live.filter((t) => t !== th.sched.main && (t.home ?? threads.main.sched) === th.sched).length;
    const state = th === threads.current ? '' : th.state === ThreadState.Waiting ? ` (${th.waitingFor})` : ' (ready)';
    return { name: th.name + state, tasklets: 1 + mine, holdsGil: th === threads.current, current: th === threads.current };
  });
}

export function threadsReport(vm: VM, registry: TaskletRegistry): string {
  const rows: string[][] = [['', 'thread', 'tasklets', 'GIL']];
  for (const r of threadRows(vm, registry)) {
    rows.push([r.current ? '*' : '', r.name, String(r.tasklets), r.holdsGil ? 'holds it' : '']);
  }
  return table(rows);
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd()).join('\n') + '\n';
}

/**
 * The code objects `:dis` shows for a value: a function's (or a method's, a static or class
 * method's), each method of a class in turn as dis.dis(cls) does; null for anything else.
 */
export function codeOf(v: Value): { title: string | null; code: CodeObject }[] | null {
  if (v instanceof PyBoundMethod) return codeOf(v.fn);
  if (v instanceof PyStaticMethod || v instanceof PyClassMethod) return codeOf(v.fn);
  if (v instanceof PyFunction) return [{ title: null, code: v.code }];
  if (isCode(v)) return [{ title: null, code: v as unknown as CodeObject }];
  if (v instanceof PyClass) {
    const out: { title: string | null; code: CodeObject }[] = [];
    for (const [name, member] of v.dict) {
      const inner = codeOf(member);
      if (inner !== null && !(member instanceof PyClass)) for (const c of inner) out.push({ title: `Disassembly of ${name}:`, code: c.code });
    }
    return out;
  }
  return null;
}

/** Listing text for codeOf's answer: sections separated by blank lines, as dis.dis(cls) prints. */
export function disassembleAll(parts: { title: string | null; code: CodeObject }[]): string {
  return parts.map((p) => (p.title === null ? '' : p.title + '\n') + disassemble(p.code)).join('\n');
}
