// sys.settrace, sys.gettrace, sys._getframe and the frame and code objects they show: so that
// debuggers can be written in spy itself. Events as CPython sends them: 'call' as a frame starts
// (the global trace function's answer becomes the frame's f_trace), then to f_trace: 'line' when
// a new line starts (or a loop jumps back), 'opcode' per instruction when f_trace_opcodes is set,
// 'exception' as an exception reaches the frame, 'return' as it ends. Code a trace function runs
// is not traced.
import { Value, PyClass, PyObject, PyTuple, PyException, PyFunction, PENDING, nativeClass, functionType } from '../vm/values.js';
import { raise, ValueError, AttributeError } from '../vm/errors.js';
import * as ops from '../vm/ops.js';
import type { VM, Tracer } from '../vm/interp.js';
import { HOST_CODES } from '../vm/interp.js';
import type { Frame } from '../vm/frame.js';
import { CodeObject } from '../bytecode/code.js';
import { Ins, Op } from '../bytecode/opcodes.js';
import { TASKLET_CODES } from '../vm/tasklet.js';
import { positionLine, lineOf } from '../vm/traceback.js';
import { fn, method, arity, toSmallInt } from './native.js';
import { address, strRepr } from '../vm/repr.js';

export const codeType = nativeClass('code');
export const frameType = nativeClass('frame');

export class PyCode extends PyObject {
  cls: PyClass = codeType;
  dict: Map<string, Value> | null = null;
  constructor(readonly code: CodeObject) { super(); }
}

/** A spy frame as the program sees it, with its trace settings. */
export class PyFrame extends PyObject {
  cls: PyClass = frameType;
  dict: Map<string, Value> | null = null;
  trace: Value = null;
  traceLines = true;
  traceOpcodes = false;
  /** the line of the last 'line' event, and the offset it came from (a jump back is a new line) */
  lastLine = -1;
  lastPc = -1;
  /** during the 'call' event the frame stands on its def line, as in CPython 3.11 */
  atCall = false;
  /** a generator frame is resumed: its 'call' event stands on the yield */
  resumed = false;
  constructor(readonly frame: Frame) { super(); }
}

/** Frames of spy code: the host's and the tasklets' bootstrap frames are not shown. */
function visible(f: Frame | null): Frame | null {
  while (f !== null && (HOST_CODES.includes(f.code) || TASKLET_CODES.includes(f.code))) f = f.back;
  return f;
}

/** co_firstlineno: the line of the def (or class, lambda); 1 for a module. */
function firstLine(code: CodeObject): number {
  return lineOf(code.source, code.firstOffset);
}

export function installSettrace(vm: VM): void {
  const codes = new WeakMap<CodeObject, PyCode>();
  const frames = new WeakMap<Frame, PyFrame>();
  const codeOf = (c: CodeObject): PyCode => {
    let o = codes.get(c);
    if (o === undefined) { o = new PyCode(c); codes.set(c, o); }
    return o;
  };
  const frameOf = (f: Frame): PyFrame => {
    let o = frames.get(f);
    if (o === undefined) { o = new PyFrame(f); frames.set(f, o); }
    return o;
  };

  // ---- code objects ----
  const C = (v: Value): CodeObject => (v as PyCode).code;
  const codeGetters: [string, (c: CodeObject) => Value][] = [
    ['co_name', (c) => c.name],
    ['co_qualname', (c) => c.qualname],
    ['co_filename', (c) => c.filename],
    ['co_firstlineno', (c) => firstLine(c)],
    ['co_argcount', (c) => c.argcount],
    ['co_posonlyargcount', (c) => c.posonlyCount],
    ['co_kwonlyargcount', (c) => c.kwonlyCount],
    ['co_varnames', (c) => new PyTuple(c.varnames.slice())],
    ['co_cellvars', (c) => new PyTuple(c.cellvars.slice())],
    ['co_freevars', (c) => new PyTuple(c.freevars.slice())],
    ['co_names', (c) => new PyTuple(c.names.slice())],
    ['co_nlocals', (c) => c.varnames.length],
    ['co_flags', (c) => c.flags],
  ];
  for (const [name, get] of codeGetters) codeType.getters.set(name, (v) => get(C(v)));
  method(codeType, '__repr__', (self) => {
    const c = C(self);
    return `<code object ${c.name} at ${address(self as PyObject)}, file ${strRepr(c.filename)}, line ${firstLine(c)}>`;
  });
  functionType.getters.set('__code__', (f) => codeOf((f as PyFunction).code));

  // ---- frame objects ----
  const F = (v: Value): PyFrame => v as PyFrame;
  const localsOf = (f: Frame): Value => {
    if (f.locals !== null) return ops.dictFromMap(vm, f.locals);
    const m = new Map<string, Value>();
    f.code.varnames.forEach((name, i) => { const v = f.regs[i]; if (v !== undefined) m.set(name, v as Value); });
    const ncell = f.code.cellvars.length;
    [...f.code.cellvars, ...f.code.freevars].forEach((name, i) => {
      const cell = f.cells?.[i];
      if (cell !== undefined && cell.value !== undefined && (i >= ncell || !m.has(name))) m.set(name, cell.value as Value);
    });
    return ops.dictFromMap(vm, m);
  };
  const frameGetters: [string, (p: PyFrame) => Value][] = [
    ['f_code', (p) => codeOf(p.frame.code)],
    ['f_lineno', (p) => (p.atCall ? firstLine(p.frame.code) : positionLine(p.frame.code, Math.max(0, p.frame.pc - (p.resumed ? 2 : 1))))],
    ['f_lasti', (p) => 2 * p.frame.pc],
    ['f_locals', (p) => localsOf(p.frame)],
    ['f_globals', (p) => ops.dictFromMap(vm, p.frame.globals)],
    ['f_back', (p) => { const b = visible(p.frame.back); return b === null ? null : frameOf(b); }],
    ['f_trace', (p) => p.trace],
    ['f_trace_lines', (p) => p.traceLines],
    ['f_trace_opcodes', (p) => p.traceOpcodes],
  ];
  for (const [name, get] of frameGetters) frameType.getters.set(name, (v) => get(F(v)));
  method(frameType, '__setattr__', (self, args) => {
    const p = F(self);
    switch (args[0]) {
      case 'f_trace': p.trace = args[1]; return null;
      case 'f_trace_lines': p.traceLines = ops.truthy(vm, args[1]); return null;
      case 'f_trace_opcodes': p.traceOpcodes = ops.truthy(vm, args[1]); return null;
    }
    throw raise(AttributeError, `'frame' object attribute '${String(args[0])}' is read-only`);
  });
  method(frameType, '__repr__', (self) => {
    const f = F(self).frame;
    return `<frame at ${address(self as PyObject)}, file ${strRepr(f.code.filename)}, line ${positionLine(f.code, Math.max(0, f.pc - 1))}, code ${f.code.name}>`;
  });

  // ---- the tracer ----
  let globalTrace: Value = null;
  /** inside a trace function: nothing is traced */
  let inTrace = false;
  /** frames whose 'call' event has been sent */
  const started = new WeakSet<Frame>();

  const call = (p: PyFrame, target: Value, event: string, arg: Value): Value => {
    inTrace = true;
    try {
      return vm.callNested(target, [p, event, arg]);
    } finally {
      inTrace = false;
    }
  };
  /** Calls the frame's local trace function; its answer replaces it (None stops local events). */
  const local = (p: PyFrame, event: string, arg: Value): void => {
    if (p.trace === null) return;
    const r = call(p, p.trace, event, arg);
    p.trace = r;
  };

  const hook: Tracer = (_vm, frame, pc, sp) => {
    if (inTrace || globalTrace === null && !frames.has(frame)) return;
    const code = frame.code;
    if (HOST_CODES.includes(code) || TASKLET_CODES.includes(code)) return;
    const p = frameOf(frame);
    // as if the instruction were fetched: f_lineno and an exception a trace function raises
    // both belong to it
    frame.pc = pc + 1;
    frame.sp = sp;
    if (!started.has(frame)) {
      started.add(frame);
      if (globalTrace !== null) {
        p.atCall = !p.resumed;
        try {
          const r = call(p, globalTrace, 'call', null);
          if (r !== null) p.trace = r;
        } finally {
          p.atCall = false;
          p.resumed = false;
        }
      }
    }
    if (p.trace === null) return;
    const line = positionLine(code, pc);
    if (p.traceLines && (line !== p.lastLine || pc < p.lastPc) && isLineStart(code, pc)) {
      p.lastLine = line;
      local(p, 'line', null);
    }
    p.lastPc = pc;
    if (p.traceOpcodes && p.trace !== null) local(p, 'opcode', null);
    const op = code.code[pc] & Ins.OP_MASK;
    if ((op === Op.RETURN_VALUE || op === Op.YIELD_VALUE) && p.trace !== null) local(p, 'return', frame.regs[sp - 1] as Value);
    if (op === Op.YIELD_VALUE) {
      // each resumption of a generator is a new 'call'
      started.delete(frame);
      p.resumed = true;
    }
  };
  const unwound = (frame: Frame, exc: PyException | null): void => {
    if (inTrace) return;
    const p = frames.get(frame);
    if (p === undefined || p.trace === null) return;
    if (exc !== null) local(p, 'exception', new PyTuple([exc.cls, exc, null]));
    else local(p, 'return', null);
  };

  const previous = vm.nativeModules.get('sys');
  if (previous === undefined) return;
  vm.nativeModules.set('sys', () => {
    const sys = previous(vm);
    const set = (name: string, value: Value): void => { sys.dict.set(name, value); };
    set('settrace', fn('settrace', (args) => {
      arity('settrace', args, 1, 1);
      globalTrace = args[0];
      // the frames running now are not traced ('call' comes for frames that start from here on)
      for (let f = vm.frame; f !== null; f = f.back) started.add(f);
      const cli = vm.tracer !== hook ? vm.tracer : null;
      vm.tracer = globalTrace === null ? cli : cli === null ? hook : (v, f, pc, sp) => { cli(v, f, pc, sp); hook(v, f, pc, sp); };
      vm.unwindHook = globalTrace === null ? null : unwound;
      // the loop reads its tracer when it reloads: make it reload, with settrace's None pushed
      const f = vm.frame as Frame;
      f.regs[f.sp++] = null;
      return PENDING;
    }, 'sys'));
    set('gettrace', fn('gettrace', () => globalTrace, 'sys'));
    set('_getframe', fn('_getframe', (args) => {
      let depth = args.length ? toSmallInt(vm, args[0]) : 0;
      let f = visible(vm.frame);
      while (depth > 0 && f !== null) { f = visible(f.back); depth--; }
      if (f === null) throw raise(ValueError, 'call stack is not deep enough');
      return frameOf(f);
    }, 'sys'));
    return sys;
  });
}

/** Whether the instruction at pc begins its line (CPython sends 'line' only there). */
function isLineStart(code: CodeObject, pc: number): boolean {
  return pc === 0 || positionLine(code, pc - 1) !== positionLine(code, pc);
}
