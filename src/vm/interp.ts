// The eval loop and the call machinery around it. One switch with hot state in locals; spy calls
// link frames instead of recursing in TypeScript; natives that switch or push a frame return
// PENDING and the loop reloads; one catch is the only unwind path (STYLE.md 2-6).
import { Ins, Op, INPLACE_BASE, binOpIndex } from '../bytecode/opcodes.js';
import { CodeObject, CO_GENERATOR, CO_VARARGS, CO_VARKEYWORDS, Const, isCode } from '../bytecode/code.js';
import { Cont, Frame } from './frame.js';
import { AttrSite } from './attrs.js';
import {
  PENDING, Result, Slot, Value, PyObject, PyFunction, PyNative, PyBoundMethod, PyClass, PyCell, PyTuple, PyList,
  PyFloat, PyException, PyNativeIter, PyRangeIter, PyListIter, EXHAUSTED, DONE, PySlice, PyBytes, NotImplemented, Ellipsis, PyModule, PyInstance,
  PyStaticMethod, PyClassMethod, PySuper, typeType, objectType, generatorType, dictType, Namespace, GlobalEntry,
} from './values.js';
import { PyDict, PySet, PyGenerator, GenState } from './objects.js';
import {
  raise, newException, TypeError, NameError, UnboundLocalError, StopIteration, RuntimeError, RecursionError,
  GeneratorExit, AssertionError, SystemError, TaskletExit, MemoryError, ValueError, BaseException, ImportError, KeyError,
  ModuleNotFoundError,
} from './errors.js';
import { typeOf, lookup, isSubtype, computeMro, classChanged, classFacts, classVersion } from './types.js';
import * as ops from './ops.js';
import { repr as reprOf, str as strOf } from './repr.js';
import { Scheduler, Tasklet } from './tasklet.js';
import { Threads } from './threads.js';
import type { EventSink } from './events.js';
import { formatException } from './traceback.js';
import { percentFormat } from './format.js';
import type { KeyProtocol } from './hashtable.js';

/** What the VM needs from its host: output streams, input, module sources, a compiler. */
export interface Host {
  write(stream: 'stdout' | 'stderr', text: string): void;
  /** one line of stdin including its newline (none on a last unterminated line), or null at end of input */
  readLine(): string | null;
  /** source text of a module file, or null when it does not exist */
  readFile(path: string): string | null;
  compile(source: string, filename: string): CodeObject;
  /** wall-clock seconds */
  now(): number;
  /** really block for s seconds (--real-time; the REPL's host wakes up for Ctrl-C) */
  sleep(s: number): void;
}

export type Tracer = (vm: VM, frame: Frame, pc: number, sp: number) => void;

/** Thrown (as a plain object, never an Error) to end the program: sys.exit / SystemExit. */
export interface ClassBuild {
  name: string;
  bases: PyClass[];
  ns: Map<string, Value>;
  meta: Value;
  kw: Map<string, Value> | null;
}

interface BinaryRetry { op: number; a: Value; b: Value; reflected: boolean }

export class VM implements KeyProtocol {
  /** the frame the loop is executing (top of the current chain) */
  frame: Frame | null = null;
  /** the exception being handled (sys.exc_info()), per CPython's exc_info */
  handled: PyException | null = null;
  /** set by a native that switched frames and wants an exception raised in the new current frame */
  pendingThrow: PyException | null = null;
  /** pendingThrow goes on unwinding (a parked tasklet's), its traceback unchanged */
  pendingReraise = false;
  readonly builtins: Map<string, Value> = new Namespace();
  readonly modules = new Map<string, PyModule>();
  /** native module factories, by name */
  readonly nativeModules = new Map<string, (vm: VM) => PyModule>();
  /** spy-source stdlib modules, by name: their source text */
  readonly sourceModules = new Map<string, () => string>();
  recursionLimit = 1000;
  /** depth of TypeScript-level nested loops (sorted keys, __hash__ from a dict...) */
  nesting = 0;
  tracer: Tracer | null = null;
  /** sys.settrace's view of unwinding: an exception reaches a frame (exc), or leaves it (null) */
  unwindHook: ((frame: Frame, exc: PyException | null) => void) | null = null;
  /** scheduling events for `spy trace` (vm/events.ts), or null */
  events: EventSink | null = null;
  /** instructions between periodic checks */
  checkInterval = 100;
  /** polled at the periodic check: set asynchronously by the host on Ctrl-C */
  interruptFlag: Int32Array | null = null;
  /** sys.path-like list of directories searched for `.spy` modules */
  path: string[] = [];
  argv: string[] = [];
  readonly host: Host;
  /** the current tasklet's atomic flag, mirrored here for the ticker line */
  atomic = false;
  /** tasklets and the runnables ring */
  /** the scheduler of the thread holding the GIL */
  scheduler: Scheduler;
  readonly threads: Threads;
  /** set by a switch: the loop resets its ticker for the tasklet switched in when it reloads */
  switched = false;
  /** generator.send, which CALL_METHOD runs inline (set by the builtins) */
  generatorSend: PyNative | null = null;

  constructor(host: Host) {
    this.host = host;
    this.threads = new Threads(this);
    this.scheduler = this.threads.main.sched;
  }

  kwDict(kw: Map<string, Value>): PyDict {
    return ops.dictFromMap(this, kw);
  }

  // ---- KeyProtocol for dict/set keys with user hashing ----------------------------------

  hasCustomHash(v: Value): boolean {
    return ops.hasCustomHash(v);
  }
  hash(v: Value): number {
    return ops.hashValue(this, v);
  }
  equals(a: Value, b: Value): boolean {
    return ops.equalsNested(this, a, b);
  }
  unhashable(v: Value): never {
    throw raise(TypeError, `unhashable type: '${typeOf(v).name}'`);
  }

  // ---- text of values (nested calls to __repr__/__str__) ----------------------------------

  repr(v: Value): string {
    return reprOf(this, v);
  }
  str(v: Value): string {
    return strOf(this, v);
  }
  percentFormat(fmt: string, args: Value): string {
    return percentFormat(this, fmt, args);
  }
  keyError(k: Value): PyException {
    return newException(KeyError, k);
  }

  // ---- modules ---------------------------------------------------------------------------

  /** import: a loaded module, a native one, a `.spy` file on the path, or spy stdlib source. */
  importModule(name: string): PyModule {
    const have = this.modules.get(name);
    if (have) return have;
    const dot = name.lastIndexOf('.');
    if (dot > 0) {
      // a submodule becomes an attribute of its package once loaded
      const parent = this.importModule(name.slice(0, dot));
      const mod = this.importModule1(name);
      parent.dict.set(name.slice(dot + 1), mod);
      return mod;
    }
    return this.importModule1(name);
  }

  /** `from package import name` where name is a submodule not loaded yet: load it, or null. */
  trySubmodule(name: string): PyModule | null {
    if (!this.sourceModules.has(name) && !this.nativeModules.has(name)) return null;
    return this.importModule(name);
  }

  private importModule1(name: string): PyModule {
    const have = this.modules.get(name);
    if (have) return have;
    const native = this.nativeModules.get(name);
    if (native) {
      const m = native(this);
      this.modules.set(name, m);
      this.syncSysModules();
      return m;
    }
    const rel = name.replace(/\./g, '/') + '.spy';
    for (const dir of this.path) {
      const file = dir === '' || dir === '.' ? rel : `${dir}/${rel}`;
      const source = this.host.readFile(file);
      if (source !== null) return this.execModule(name, source, file, file);
    }
    const src = this.sourceModules.get(name);
    if (src !== undefined) return this.execModule(name, src(), `<spy stdlib>/${name}.spy`, null);
    const e = newException(ModuleNotFoundError, `No module named '${name}'`);
    e.dict.set('name', name);
    throw e;
  }

  private execModule(name: string, source: string, filename: string, file: string | null): PyModule {
    const code = this.compileOrRaise(source, filename);
    const globals = new Namespace();
    globals.set('__name__', name);
    globals.set('__doc__', code.docstring);
    if (file !== null) globals.set('__file__', file);
    const mod = new PyModule(name, globals);
    this.modules.set(name, mod);
    this.syncSysModules();
    try {
      this.pushFrame(this.moduleFrame(code, globals), Cont.Host, this.nesting + 1);
      this.runNestedLoop();
    } catch (e) {
      this.modules.delete(name);
      throw e;
    }
    return mod;
  }

  /** sys.modules mirrors the loaded modules. */
  private syncSysModules(): void {
    const sys = this.modules.get('sys');
    const d = sys?.dict.get('modules');
    if (d instanceof PyDict) {
      for (const [k, m] of this.modules) d.table.set(k, m, this);
    }
  }

  /** Compiles through the host; a syntax fault becomes a spy SyntaxError. */
  compileOrRaise(source: string, filename: string): CodeObject {
    try {
      return this.host.compile(source, filename);
    } catch (e) {
      if (e instanceof PyException) throw e;
      throw this.syntaxErrorFrom(e, source, filename);
    }
  }

  /** Set by the host: converts a compiler fault to a spy SyntaxError (the VM never imports the compiler). */
  syntaxErrorFrom: (fault: unknown, source: string, filename: string) => PyException = (fault) => this.toPyException(fault);

  // ---- constants -------------------------------------------------------------------------

  constValues(code: CodeObject): ConstPool {
    if (code.runtime) return code.runtime as ConstPool;
    const vals = code.consts.map((c) => this.materialize(c)) as ConstPool;
    vals.globalCache = code.names.map(() => ({ globals: null, epoch: -1, value: null }));
    vals.attrSites = code.names.map(() => new AttrSite());
    code.runtime = vals;
    return vals;
  }

  private materialize(c: Const): Value {
    if (c === null || typeof c !== 'object') return c;
    if (isCode(c)) return c as unknown as Value;
    if ('float' in c) return new PyFloat(c.float);
    if ('tuple' in c) return new PyTuple(c.tuple.map((x) => this.materialize(x)));
    if ('bytes' in c) return new PyBytes(c.bytes);
    return Ellipsis;
  }

  // ---- calls -----------------------------------------------------------------------------

  /** Links a new frame for `fn` on top of the current one (or makes a generator). */
  callFunction(fn: PyFunction, args: Value[], kw: Map<string, Value> | null, cont: Cont, contData: unknown): Result {
    const code = fn.code;
    const f = new Frame(code, fn.globals, null, fn.simple ? fn.closure : null);
    if (fn.simple && kw === null && args.length === code.argcount) {
      const regs = f.regs;
      for (let i = 0; i < args.length; i++) regs[i] = args[i];
    } else this.bindArgs(fn, f, args, kw);
    if (code.flags & CO_GENERATOR) {
      const gen = new PyGenerator(f, fn.name, fn.qualname);
      f.generator = gen;
      return this.complete(this.frame as Frame, cont, contData, gen, false);
    }
    return this.pushFrame(f, cont, contData);
  }

  pushFrame(f: Frame, cont: Cont, contData: unknown): typeof PENDING {
    const back = this.frame;
    f.back = back;
    f.cont = cont;
    f.contData = contData;
    f.depth = back ? back.depth + 1 : 1;
    if (f.depth > this.recursionLimit) {
      f.back = null;
      throw raise(RecursionError, 'maximum recursion depth exceeded');
    }
    this.frame = f;
    return PENDING;
  }

  /**
   * pushFrame for the call fast paths: links `callee` (whose continuation is set) above `caller`.
   * It leaves `this.frame` to the loop, which writes it back only at the edges.
   */
  private enter(callee: Frame, caller: Frame): void {
    callee.back = caller;
    if ((callee.depth = caller.depth + 1) > this.recursionLimit) {
      callee.back = null;
      // the caller raises it; the loop had not written it back (a store of a young frame into
      // the VM on every call would cost the write barrier's slow path)
      this.frame = caller;
      throw raise(RecursionError, 'maximum recursion depth exceeded');
    }
  }

  /** The loop's inline resumption of a suspended generator: `sent` pushed, linked above `caller`. */
  private linkResumed(gen: PyGenerator, sent: Value, caller: Frame, cont: Cont): Frame {
    const g = gen.frame;
    g.regs[g.sp++] = sent;
    gen.state = GenState.Running;
    g.back = caller;
    g.cont = cont;
    g.contData = null;
    g.depth = caller.depth + 1;
    return g;
  }

  /** Binds call arguments into a fresh frame's locals with CPython's rules and messages. */
  bindArgs(fn: PyFunction, f: Frame, args: Value[], kw: Map<string, Value> | null): void {
    const code = fn.code;
    const regs = f.regs;
    const argc = code.argcount;
    const nargs = args.length;
    const kwonly = code.kwonlyCount;
    const hasVarargs = (code.flags & CO_VARARGS) !== 0;
    const hasVarkw = (code.flags & CO_VARKEYWORDS) !== 0;
    const n = Math.min(nargs, argc);
    for (let i = 0; i < n; i++) regs[i] = args[i];
    let slot = argc + kwonly;
    if (hasVarargs) {
      regs[slot++] = new PyTuple(nargs > argc ? args.slice(argc) : []);
    } else if (nargs > argc) {
      const given = nargs;
      const defaults = fn.defaults.length;
      const kwGiven = kw ? [...kw.keys()].filter((k) => code.varnames.indexOf(k) >= argc && code.varnames.indexOf(k) < argc + kwonly).length : 0;
      const takes = defaults ? `from ${argc - defaults} to ${argc}` : `${argc}`;
      const plural = argc === 1 && !defaults ? '' : 's';
      const kwPart = kwGiven ? ` positional argument${given === 1 ? '' : 's'} (and ${kwGiven} keyword-only argument${kwGiven === 1 ? '' : 's'}) were given` : ` ${given === 1 ? 'was' : 'were'} given`;
      if (kwGiven) throw raise(TypeError, `${fn.qualname}() takes ${takes} positional argument${plural} but ${given}${kwPart}`);
      throw raise(TypeError, `${fn.qualname}() takes ${takes} positional argument${plural} but ${given}${kwPart}`);
    }
    let kwdict: PyDict | null = null;
    if (hasVarkw) {
      kwdict = new PyDict();
      regs[slot] = kwdict;
    }
    if (kw) {
      for (const [name, value] of kw) {
        const idx = code.varnames.indexOf(name);
        if (idx >= code.posonlyCount && idx < argc + kwonly && idx >= 0) {
          if (regs[idx] !== undefined) throw raise(TypeError, `${fn.qualname}() got multiple values for argument '${name}'`);
          regs[idx] = value;
        } else if (kwdict) {
          kwdict.table.set(name, value, this);
        } else {
          throw raise(TypeError, `${fn.qualname}() got an unexpected keyword argument '${name}'`);
        }
      }
    }
    if (nargs < argc) {
      const defaults = fn.defaults;
      const firstDefault = argc - defaults.length;
      const missing: string[] = [];
      for (let i = nargs; i < argc; i++) {
        if (regs[i] !== undefined) continue;
        if (i >= firstDefault) regs[i] = defaults[i - firstDefault];
        else missing.push(code.varnames[i]);
      }
      if (missing.length) throw raise(TypeError, `${fn.qualname}() missing ${missing.length} required positional argument${missing.length > 1 ? 's' : ''}: ${listNames(missing)}`);
    }
    if (kwonly) {
      const missing: string[] = [];
      for (let i = argc; i < argc + kwonly; i++) {
        if (regs[i] !== undefined) continue;
        const d = fn.kwdefaults?.get(code.varnames[i]);
        if (d !== undefined) regs[i] = d;
        else missing.push(code.varnames[i]);
      }
      if (missing.length) throw raise(TypeError, `${fn.qualname}() missing ${missing.length} required keyword-only argument${missing.length > 1 ? 's' : ''}: ${listNames(missing)}`);
    }
    this.initCells(fn, f);
  }

  initCells(fn: PyFunction, f: Frame): void {
    const code = fn.code;
    const ncell = code.cellvars.length;
    const nfree = code.freevars.length;
    if (ncell + nfree === 0) return;
    const cells = new Array<PyCell>(ncell + nfree);
    for (let i = 0; i < ncell; i++) {
      const a = code.cell2arg[i];
      cells[i] = new PyCell(a >= 0 ? f.regs[a] : undefined);
    }
    for (let i = 0; i < nfree; i++) cells[ncell + i] = (fn.closure as PyCell[])[i];
    (f as { cells: PyCell[] | null }).cells = cells;
  }

  /**
   * Calls any callable. Spy functions get a frame (PENDING); natives run now. `cont` says what
   * happens to the result in the current frame when it is not returned directly.
   */
  call(fn: Value, args: Value[], kw: Map<string, Value> | null): Result {
    return this.callCont(fn, args, kw, Cont.Push, null);
  }

  callCont(fn: Value, args: Value[], kw: Map<string, Value> | null, cont: Cont, contData: unknown): Result {
    for (;;) {
      if (fn instanceof PyFunction) return this.callFunction(fn, args, kw, cont, contData);
      if (fn instanceof PyNative) {
        const r = fn.fn(args, kw);
        if (r === PENDING || cont === Cont.Push) return r;
        return this.complete(this.frame as Frame, cont, contData, r, false);
      }
      if (fn instanceof PyBoundMethod) {
        args = [fn.self, ...args];
        fn = fn.fn;
        continue;
      }
      if (fn instanceof PyClass) {
        if (fn.callFast !== null) {
          const r = fn.callFast(args, kw);
          return r === PENDING || cont === Cont.Push ? r : this.complete(this.frame as Frame, cont, contData, r, false);
        }
        return this.construct(fn, args, kw, cont, contData);
      }
      const callMethod = fn instanceof PyObject ? lookup(typeOf(fn), '__call__') : undefined;
      if (callMethod === undefined) throw raise(TypeError, `'${typeOf(fn).name}' object is not callable`);
      args = [fn, ...args];
      fn = callMethod;
    }
  }

  /** `cls(*args)`: __new__ then __init__, each a soft call when written in spy. */
  construct(cls: PyClass, args: Value[], kw: Map<string, Value> | null, cont: Cont, contData: unknown): Result {
    if (cls === typeType && args.length === 1 && !kw) return this.finish(cont, contData, typeOf(args[0]));
    const found = lookup(cls, '__new__');
    const newFn = found instanceof PyStaticMethod ? found.fn : found;
    if (cls.nativeKind === 'object' && newFn instanceof PyNative && newFn.owner === objectType) {
      // the common case: a plain class whose __init__ is written in spy
      const init = lookup(cls, '__init__');
      if (init instanceof PyFunction) {
        const obj = new PyInstance(cls);
        return this.callFunction(init, [obj, ...args], kw, Cont.Init, { obj, cont, contData });
      }
    }
    if (!(newFn instanceof PyNative)) {
      const data: InitArgs = { cls, args, kw, cont, contData };
      return this.callCont(newFn as Value, [cls, ...args], kw, Cont.New, data);
    }
    const obj = newFn.fn([cls, ...args], kw);
    if (obj === PENDING) return PENDING;
    if (!ops.isInstanceOf(obj, cls)) return this.finish(cont, contData, obj);
    return this.runInit(obj, cls, args, kw, cont, contData);
  }

  runInit(obj: Value, cls: PyClass, args: Value[], kw: Map<string, Value> | null, cont: Cont, contData: unknown): Result {
    const init = lookup(cls, '__init__');
    if (init instanceof PyFunction) {
      const data: InitData = { obj, cont, contData };
      return this.callFunction(init, [obj, ...args], kw, Cont.Init, data);
    }
    if (init instanceof PyNative) {
      const r = init.fn([obj, ...args], kw);
      if (r === PENDING) return PENDING;
    }
    return this.finish(cont, contData, obj);
  }

  /** Delivers a value computed in TypeScript as if a frame with `cont` had returned it. */
  finish(cont: Cont, contData: unknown, value: Value): Result {
    if (cont === Cont.Push) return value;
    return this.complete(this.frame as Frame, cont, contData, value, false);
  }

  /**
   * A frame returned (or a generator yielded/finished, or a native answered a soft call):
   * apply its continuation to the caller. Returns the value to push when the caller should
   * just push it, else PENDING (the state was written into the caller frame).
   */
  complete(caller: Frame, cont: Cont, data: unknown, value: Value, finished: boolean): Result {
    switch (cont) {
      case Cont.Push: return value;
      case Cont.PushThenNull:
        caller.regs[caller.sp++] = value;
        caller.regs[caller.sp++] = undefined;
        return PENDING;
      case Cont.Discard: case Cont.Store: return PENDING;
      case Cont.Init: {
        const d = data as InitData;
        if (value !== null) throw raise(TypeError, `__init__() should return None, not '${typeOf(value).name}'`);
        return this.finish(d.cont, d.contData, d.obj);
      }
      case Cont.InitPush:
        if (value !== null) throw raise(TypeError, `__init__() should return None, not '${typeOf(value).name}'`);
        return data as Value;
      case Cont.New: {
        const d = data as InitArgs;
        if (!ops.isInstanceOf(value, d.cls)) return this.finish(d.cont, d.contData, value);
        return this.runInit(value, d.cls, d.args, d.kw, d.cont, d.contData);
      }
      case Cont.BinaryRetry: {
        const d = data as BinaryRetry;
        if (value !== NotImplemented) return value;
        return ops.binaryFallback(this, d.op, d.a, d.b, d.reflected);
      }
      case Cont.Contains: return ops.truthy(this, value) !== (data as boolean);
      case Cont.Truth: return ops.truthy(this, value);
      case Cont.NotValue: return !ops.truthy(this, value);
      case Cont.NegateEq: {
        if (value === NotImplemented) {
          const [a, b] = data as [Value, Value];
          return a !== b;
        }
        return !ops.truthy(this, value);
      }
      case Cont.ForNext:
        if (finished) {
          caller.sp--;
          caller.pc = caller.code.code[caller.pc - 1] >> Ins.ARG_SHIFT;
          return PENDING;
        }
        return value;
      case Cont.Send:
        if (finished) {
          caller.sp--;
          const gen = caller.generator;
          if (gen) gen.yieldFrom = null;
          caller.regs[caller.sp++] = value;
          caller.pc = caller.code.code[caller.pc - 1] >> Ins.ARG_SHIFT;
          return PENDING;
        }
        return value;
      case Cont.GenCall:
        if (finished) {
          this.pendingThrow = ops.stopIteration(value);
          return PENDING;
        }
        return value;
      case Cont.GenClose:
        if (!finished) {
          this.pendingThrow = raise(RuntimeError, 'generator ignored GeneratorExit');
          return PENDING;
        }
        return null;
      case Cont.Iter:
        if (!ops.isIterator(value)) throw raise(TypeError, `iter() returned non-iterator of type '${typeOf(value).name}'`);
        return value;
      case Cont.BuildClass: return this.buildClass(data as ClassBuild);
      case Cont.TaskletEnd:
        this.scheduler.finished(data as Tasklet);
        return PENDING;
      case Cont.Host: return value;
    }
  }

  // ---- classes ---------------------------------------------------------------------------

  /** __build_class__(body, name, *bases, **kw): runs the body softly, then makes the class. */
  startClass(args: Value[], kw: Map<string, Value> | null): Result {
    const body = args[0];
    const name = args[1];
    if (!(body instanceof PyFunction) || typeof name !== 'string') throw raise(TypeError, '__build_class__: bad arguments');
    const bases: PyClass[] = [];
    for (const b of args.slice(2)) {
      if (!(b instanceof PyClass)) throw raise(TypeError, `bases must be types`);
      bases.push(b);
    }
    let meta: Value = null;
    if (kw?.has('metaclass')) {
      meta = kw.get('metaclass') as Value;
      kw = new Map(kw);
      kw.delete('metaclass');
      if (!kw.size) kw = null;
    }
    const ns = new Map<string, Value>();
    const f = new Frame(body.code, body.globals, ns, null);
    this.initCells(body, f);
    const data: ClassBuild = { name, bases, ns, meta, kw };
    return this.pushFrame(f, Cont.BuildClass, data);
  }

  buildClass(d: ClassBuild): Result {
    if (d.meta !== null && d.meta !== typeType) {
      return this.call(d.meta, [d.name, new PyTuple(d.bases), ops.dictFromMap(this, d.ns)], d.kw);
    }
    return this.makeClass(d.name, d.bases, d.ns);
  }

  makeClass(name: string, bases: PyClass[], ns: Map<string, Value>): PyClass {
    if (!bases.length) bases = [objectType];
    // the storage kind: the first base that is not plain object
    let nativeKind = 'object';
    for (const b of bases) {
      if (b.nativeKind !== 'object') {
        if (nativeKind !== 'object' && nativeKind !== b.nativeKind) {
          throw raise(TypeError, 'multiple bases have instance lay-out conflict');
        }
        nativeKind = b.nativeKind;
      }
    }
    const classcell = ns.get('__classcell__');
    ns.delete('__classcell__');
    const fixed = new Map<string, Value>();
    for (const [k, v] of ns) {
      // __new__ is an implicit staticmethod, __init_subclass__ and __class_getitem__ implicit classmethods
      if (k === '__new__' && v instanceof PyFunction) fixed.set(k, new PyStaticMethod(v));
      else if (k === '__init_subclass__' && v instanceof PyFunction) fixed.set(k, new PyClassMethod(v));
      else fixed.set(k, v);
    }
    // defining __eq__ without __hash__ makes instances unhashable (CPython's type_new)
    if (fixed.has('__eq__') && !fixed.has('__hash__')) fixed.set('__hash__', null);
    const cls = new PyClass(name, bases, fixed, nativeKind, true);
    cls.cls = typeType;
    cls.isUserClass = true;
    cls.isException = bases.some((b) => b.isException);
    const qual = fixed.get('__qualname__');
    cls.qualname = typeof qual === 'string' ? qual : name;
    fixed.delete('__qualname__');
    const mod = fixed.get('__module__');
    cls.module = typeof mod === 'string' ? mod : '__main__';
    cls.mro = computeMro(cls);
    cls.base = bases.find((b) => b.nativeKind === nativeKind) ?? objectType;
    if (classcell instanceof PyCell) classcell.value = cls;
    classChanged();
    // __set_name__ and __init_subclass__ hooks
    for (const [k, v] of fixed) {
      const setName = v instanceof PyObject ? lookup(typeOf(v), '__set_name__') : undefined;
      if (setName !== undefined) this.callNested(setName, [v, cls, k]);
    }
    const parent = cls.mro[1];
    if (parent) {
      const initSub = lookup(parent, '__init_subclass__');
      if (initSub instanceof PyClassMethod) this.callNested(initSub.fn, [cls]);
    }
    return cls;
  }

  // ---- nested runs (DESIGN.md decision 3) ----------------------------------------------

  /** Calls a spy callable from TypeScript and waits for its answer by running a nested loop. */
  callNested(fn: Value, args: Value[], kw: Map<string, Value> | null = null): Value {
    if (fn instanceof PyNative) {
      const caller = this.scheduler.current;
      const r = fn.fn(args, kw);
      if (r !== PENDING) return r;
      if (this.scheduler.current !== caller) return this.awaitSwitchedNative(caller);
      // a native that pushed a frame: run it to completion below
      return this.runPushed(this.frame as Frame);
    }
    if (this.nesting > MAX_NESTING) throw raise(RecursionError, 'maximum recursion depth exceeded while calling a Python object');
    const entry = new Frame(HOST_CALL_CODE, new Map(), null, null);
    entry.regs[0] = fn;
    entry.regs[1] = new PyTuple(args);
    entry.regs[2] = kw ? ops.dictFromMap(this, kw) : null;
    entry.sp = 3;
    this.pushFrame(entry, Cont.Host, this.nesting + 1);
    entry.depth = entry.back ? entry.back.depth : 0;
    return this.runNestedLoop();
  }

  /** Runs the frame a helper just pushed (softly) to completion and returns its value. */
  finishPushed(): Value {
    return this.runPushed(this.frame as Frame);
  }

  /**
   * A native called from TypeScript switched tasklets (a channel receive inside list(channel)):
   * its result is delivered to `waiter` when it is switched back in. A Host frame on top of the
   * waiter's chain takes that delivery and returns it here; meanwhile this nested loop runs the
   * other tasklets, as a hard switch in Stackless would let them run.
   */
  private awaitSwitchedNative(waiter: Tasklet): Value {
    const top = waiter.frame as Frame;
    const entry = new Frame(HOST_RESUME_CODE, new Map(), null, null);
    entry.back = top;
    entry.cont = Cont.Host;
    entry.contData = this.nesting + 1;
    entry.depth = top.depth;
    waiter.frame = entry;
    return this.runNestedLoop(waiter);
  }

  private runPushed(f: Frame): Value {
    // wrap: the pushed frame's continuation writes into the entry frame below it
    const entry = new Frame(HOST_RESUME_CODE, new Map(), null, null);
    entry.back = f.back;
    entry.cont = Cont.Host;
    entry.contData = this.nesting + 1;
    entry.depth = f.depth - 1;
    f.back = entry;
    return this.runNestedLoop();
  }

  /**
   * Runs the loop nested in the host stack until the Host frame just pushed returns. The tasklet
   * that called counts it (Tasklet.loopsOpen, its nesting_level) while its native caller waits.
   */
  private runNestedLoop(t: Tasklet = this.scheduler.current): Value {
    ++this.nesting;
    t.loopsOpen++;
    this.scheduler.loopOwners[this.nesting] = t;
    try {
      return this.run();
    } finally {
      this.nesting--;
      t.loopsOpen--;
    }
  }

  /** Runs a module code object to completion as the program (or an imported module). */
  runModule(code: CodeObject, globals: Map<string, Value>): Value {
    this.pushFrame(this.moduleFrame(code, globals), Cont.Host, this.nesting);
    return this.run();
  }

  private moduleFrame(code: CodeObject, globals: Map<string, Value>): Frame {
    // a host's plain Map becomes a Namespace in place (it keeps its identity and entries)
    if (!(globals instanceof Namespace)) Object.setPrototypeOf(globals, Namespace.prototype);
    return new Frame(code, globals, globals, null);
  }

  // ---- the loop --------------------------------------------------------------------------

  /**
   * Executes from `this.frame` until a frame with the Host continuation returns (its value is
   * returned) or an exception unwinds past it (thrown to the TypeScript caller).
   *
   * The local `frame` is the current frame. Like pc and sp, `this.frame` is written back only
   * before anything that may call out, switch or throw (and read again after): storing a young
   * frame into the long-lived VM on every call and return took the write barrier's slow path,
   * about 8 % of fib.py.
   *
   * Every value pc, sp and ticker take is an int32 by construction (`| 0` where it comes from
   * a field or a call), so V8 keeps the three untagged in registers instead of checking and
   * retagging them at every instruction.
   */
  run(): Value {
    let frame = this.frame as Frame;
    let code: Int32Array = frame.code.code;
    let regs: Slot[] = frame.regs;
    let consts: ConstPool = this.constValues(frame.code);
    let names: readonly string[] = frame.code.names;
    let sp = frame.sp | 0;
    let pc = frame.pc | 0;
    let ticker = this.checkInterval | 0;
    let tracer = this.tracer;

    outer: for (;;) {
      frame = this.frame as Frame;
      code = frame.code.code;
      regs = frame.regs;
      consts = this.constValues(frame.code);
      names = frame.code.names;
      sp = frame.sp | 0;
      pc = frame.pc | 0;
      if (this.switched) { ticker = this.scheduler.tickerAfterSwitch(ticker) | 0; this.switched = false; }
      // sys.settrace (or a REPL's :trace) changes it from a native, which then makes the loop reload
      tracer = this.tracer;
      try {
        if (this.pendingThrow) {
          const exc = this.pendingThrow;
          this.pendingThrow = null;
          if (this.pendingReraise) { this.pendingReraise = false; throw new Reraise(exc); }
          throw exc;
        }
        for (;;) {
          if (tracer !== null) { frame.sp = sp; this.frame = frame; tracer(this, frame, pc, sp); }
          const ins = code[pc++];
          // after the fetch, so whatever the check raises is blamed on (and handled at) this instruction
          if (--ticker < 0 && !this.atomic && (ticker = this.periodic(frame, pc, sp) | 0) < 0) continue outer;
          // `let`: LOAD_FAST hands a LOAD_CONST's argument on to its case
          let arg = ins >> Ins.ARG_SHIFT;
          switch (ins & Ins.OP_MASK) {
            case Op.NOP: break;
            case Op.POP_TOP: sp--; break;
            case Op.DUP_TOP: regs[sp] = regs[sp - 1]; sp++; break;
            case Op.DUP_TOP_TWO: regs[sp] = regs[sp - 2]; regs[sp + 1] = regs[sp - 1]; sp += 2; break;
            case Op.ROT_TWO: { const t = regs[sp - 1]; regs[sp - 1] = regs[sp - 2]; regs[sp - 2] = t; break; }
            case Op.ROT_THREE: {
              const t = regs[sp - 1]; regs[sp - 1] = regs[sp - 2]; regs[sp - 2] = regs[sp - 3]; regs[sp - 3] = t; break;
            }
            case Op.ROT_FOUR: {
              const t = regs[sp - 1]; regs[sp - 1] = regs[sp - 2]; regs[sp - 2] = regs[sp - 3]; regs[sp - 3] = regs[sp - 4]; regs[sp - 4] = t; break;
            }
            case Op.LOAD_FAST: {
              const v = regs[arg];
              if (v === undefined) throw raise(UnboundLocalError, `cannot access local variable '${frame.code.varnames[arg]}' where it is not associated with a value`);
              regs[sp++] = v;
              // `i < n`, `n - 1`: a bound LOAD_FAST or a LOAD_CONST right after is done here, one
              // dispatch fewer (neither can raise then, so only a tracer could tell). It still
              // counts as an instruction, and not when a check is due (unless atomic holds the
              // checks off anyway), so that the watchdog interrupts at the same place with or
              // without a tracer.
              if (tracer === null && (ticker > 0 || this.atomic)) {
                const next = code[pc];
                const op = next & Ins.OP_MASK;
                if (op === Op.LOAD_FAST) {
                  const w = regs[next >> Ins.ARG_SHIFT];
                  if (w !== undefined) { regs[sp++] = w; pc++; ticker--; }
                  break;
                }
                if (op !== Op.LOAD_CONST) break;
                // into LOAD_CONST's case, just below, which may finish the operator after it too
                arg = next >> Ins.ARG_SHIFT;
                pc++;
                ticker--;
              } else break;
            }
            // falls through
            case Op.LOAD_CONST: {
              const c = consts[arg];
              // `x % 7`, `n - 1`, `k == 0` and a jump on it: finished here for small ints,
              // counted one by one as LOAD_FAST's fused instructions are
              if (typeof c === 'number' && tracer === null && (ticker > 0 || this.atomic)) {
                const a = regs[sp - 1];
                if (typeof a === 'number') {
                  const next = code[pc];
                  const op2 = next & Ins.OP_MASK;
                  if (op2 === Op.COMPARE_OP) {
                    if ((code[pc + 1] & Ins.OP_MASK) === Op.POP_JUMP_IF_FALSE && (ticker > 1 || this.atomic)) {
                      sp--;
                      pc = compareNumbers(next >> Ins.ARG_SHIFT, a, c) ? pc + 2 : code[pc + 1] >> Ins.ARG_SHIFT;
                      ticker -= 2;
                      break;
                    }
                  } else {
                    const r = smallIntArith(op2, a, c);
                    if (r !== undefined) { regs[sp - 1] = r; pc++; ticker--; break; }
                  }
                }
              }
              regs[sp++] = c;
              break;
            }
            case Op.STORE_FAST: {
              regs[arg] = regs[--sp];
              // `x = ...` then `x`/`y` or the loop's back jump: done here, one dispatch fewer
              // (counted as above)
              if (tracer === null && (ticker > 0 || this.atomic)) {
                const next = code[pc];
                const op = next & Ins.OP_MASK;
                if (op === Op.LOAD_FAST) {
                  const w = regs[next >> Ins.ARG_SHIFT];
                  if (w !== undefined) { regs[sp++] = w; pc++; ticker--; }
                } else if (op === Op.JUMP_ABSOLUTE) { pc = next >> Ins.ARG_SHIFT; ticker--; }
              }
              break;
            }
            case Op.DELETE_FAST:
              if (regs[arg] === undefined) throw raise(UnboundLocalError, `cannot access local variable '${frame.code.varnames[arg]}' where it is not associated with a value`);
              regs[arg] = undefined;
              break;
            case Op.LOAD_DEREF: {
              const v = (frame.cells as PyCell[])[arg].value;
              if (v === undefined) throw this.unboundCell(frame, arg);
              regs[sp++] = v;
              break;
            }
            case Op.STORE_DEREF: (frame.cells as PyCell[])[arg].value = regs[--sp] as Value; break;
            case Op.DELETE_DEREF: {
              const c = (frame.cells as PyCell[])[arg];
              if (c.value === undefined) throw this.unboundCell(frame, arg);
              c.value = undefined;
              break;
            }
            case Op.LOAD_CLASSDEREF: {
              const name = frame.code.freevars[arg - frame.code.cellvars.length];
              let v: Value | undefined = (frame.locals as Map<string, Value>).get(name);
              if (v === undefined) {
                v = (frame.cells as PyCell[])[arg].value as Value | undefined;
                if (v === undefined) throw this.unboundCell(frame, arg);
              }
              regs[sp++] = v;
              break;
            }
            case Op.LOAD_CLOSURE: regs[sp++] = (frame.cells as PyCell[])[arg]; break;
            case Op.LOAD_GLOBAL: {
              const e = consts.globalCache[arg];
              regs[sp++] = e.epoch === Namespace.epoch && e.globals === frame.globals ? e.value : this.loadGlobal(frame, names[arg], e);
              break;
            }
            case Op.STORE_GLOBAL: frame.globals.set(names[arg], regs[--sp] as Value); break;
            case Op.DELETE_GLOBAL:
              if (!frame.globals.delete(names[arg])) throw raise(NameError, `name '${names[arg]}' is not defined`);
              break;
            case Op.LOAD_NAME: {
              const name = names[arg];
              let v = (frame.locals as Map<string, Value>).get(name);
              if (v === undefined) {
                v = frame.globals.get(name);
                if (v === undefined) {
                  v = this.builtins.get(name);
                  if (v === undefined) throw this.nameError(name, frame);
                }
              }
              regs[sp++] = v;
              break;
            }
            case Op.STORE_NAME: (frame.locals as Map<string, Value>).set(names[arg], regs[--sp] as Value); break;
            case Op.DELETE_NAME:
              if (!(frame.locals as Map<string, Value>).delete(names[arg])) throw raise(NameError, `name '${names[arg]}' is not defined`);
              break;

            case Op.LOAD_ATTR: {
              const obj = regs[sp - 1] as Value;
              if (obj instanceof PyInstance) {
                const a = obj.dict, site = consts.attrSites[arg];
                const v = a.shape === site.shape ? a.slots[site.slot] : a.getFor(names[arg], site);
                if (v !== undefined) {
                  const dd = classFacts(obj.cls).dataDescriptors;
                  if (dd === null || !dd.has(names[arg])) { regs[sp - 1] = v; break; }
                }
              }
              frame.sp = --sp; frame.pc = pc; if (this.frame !== frame) this.frame = frame;
              const r = ops.getAttr(this, obj, names[arg], Cont.Push);
              if (r === PENDING) continue outer;
              regs[sp++] = r;
              break;
            }
            case Op.STORE_ATTR: {
              const obj = regs[--sp] as Value;
              const v = regs[--sp] as Value;
              if (obj instanceof PyInstance) {
                const cls = classFacts(obj.cls);
                if (!cls.customSetattr && (cls.dataDescriptors === null || !cls.dataDescriptors.has(names[arg])) && cls !== objectType) {
                  const a = obj.dict, site = consts.attrSites[arg];
                  if (a.shape === site.shape) a.slots[site.slot] = v;
                  else if (a.shape === site.from) { a.shape = site.to; a.slots.push(v); }
                  else a.setFor(names[arg], v, site);
                  break;
                }
              }
              frame.sp = sp; frame.pc = pc; if (this.frame !== frame) this.frame = frame;
              const r = ops.setAttr(this, obj, names[arg], v);
              if (r === PENDING) continue outer;
              break;
            }
            case Op.DELETE_ATTR: {
              const obj = regs[--sp] as Value;
              frame.sp = sp; frame.pc = pc; if (this.frame !== frame) this.frame = frame;
              if (ops.delAttr(this, obj, names[arg]) === PENDING) continue outer;
              break;
            }
            case Op.LOAD_METHOD: {
              const obj = regs[sp - 1] as Value;
              const name = names[arg];
              const site = consts.attrSites[arg];
              const cls = typeOf(obj);
              // the method this site found for this type before (only an instance's own
              // attribute can shadow it, and only instances with a dict are asked)
              if (site.cls === cls && site.version === classVersion() &&
                (!(obj instanceof PyInstance) || obj.dict.shape === site.absent || obj.dict.lacksFor(name, site))) {
                regs[sp - 1] = site.method;
                regs[sp++] = obj;
                break;
              }
              if (obj instanceof PyModule) {
                // `stackless.schedule()`: the module's own name first, as getAttr looks
                const v = obj.dict.get(name);
                if (v !== undefined) { regs[sp - 1] = v; regs[sp++] = undefined; break; }
              }
              const m = lookup(cls, name);
              // an instance dict can shadow the method only where the type gives instances one
              // (str, int and the other primitives never do)
              if ((m instanceof PyFunction || (m instanceof PyNative && m.owner !== null)) &&
                (obj instanceof PyInstance ? obj.dict.shape === site.absent || obj.dict.lacksFor(name, site)
                  : typeof obj !== 'object' || obj === null ||
                    !(obj instanceof PyClass || obj instanceof PyModule || obj instanceof PySuper) &&
                    (!cls.hasInstanceDict || !ops.instanceHas(obj, name)))) {
                // remembered for a type whose values are all asked the same way: instances, or
                // values that cannot have an attribute of their own
                if (obj instanceof PyInstance || !cls.hasInstanceDict && !(obj instanceof PyClass || obj instanceof PyModule || obj instanceof PySuper)) {
                  site.cls = cls; site.version = classVersion(); site.method = m;
                }
                regs[sp - 1] = m;
                regs[sp++] = obj;
                break;
              }
              frame.sp = --sp; frame.pc = pc; if (this.frame !== frame) this.frame = frame;
              const r = ops.getAttr(this, obj, name, Cont.PushThenNull);
              if (r === PENDING) continue outer;
              regs[sp++] = r;
              regs[sp++] = undefined;
              break;
            }
            case Op.BINARY_SUBSCR: {
              const k = regs[--sp] as Value;
              const c = regs[sp - 1] as Value;
              if (c instanceof PyList && typeof k === 'number') {
                const items = c.items;
                const i = k < 0 ? k + items.length : k;
                if (i >= 0 && i < items.length) { regs[sp - 1] = items[i]; break; }
              } else if (c instanceof PyDict && c.cls === dictType && typeof k === 'string') {
                // a plain dict with a str key: no hashing protocol or __missing__ to consult
                const e = c.table.map.get(k);
                if (e !== undefined) { regs[sp - 1] = e.value; break; }
              } else if (typeof c === 'string' && typeof k === 'number') {
                const i = k < 0 ? k + c.length : k;
                if (i >= 0 && i < c.length) { regs[sp - 1] = c[i]; break; }
              }
              frame.sp = --sp; frame.pc = pc; if (this.frame !== frame) this.frame = frame;
              const r = ops.getItem(this, c, k);
              if (r === PENDING) continue outer;
              regs[sp++] = r;
              break;
            }
            case Op.STORE_SUBSCR: {
              const k = regs[--sp] as Value;
              const c = regs[--sp] as Value;
              const v = regs[--sp] as Value;
              if (c instanceof PyList && typeof k === 'number') {
                const items = c.items;
                const i = k < 0 ? k + items.length : k;
                if (i >= 0 && i < items.length) { items[i] = v; break; }
              } else if (c instanceof PyDict && c.cls === dictType && typeof k === 'string') {
                c.table.setStr(k, v);
                break;
              }
              frame.sp = sp; frame.pc = pc; if (this.frame !== frame) this.frame = frame;
              if (ops.setItem(this, c, k, v) === PENDING) continue outer;
              break;
            }
            case Op.DELETE_SUBSCR: {
              const k = regs[--sp] as Value;
              const c = regs[--sp] as Value;
              frame.sp = sp; frame.pc = pc; if (this.frame !== frame) this.frame = frame;
              if (ops.delItem(this, c, k) === PENDING) continue outer;
              break;
            }
            case Op.BUILD_SLICE: {
              if (arg === 3) {
                const step = regs[--sp] as Value, stop = regs[--sp] as Value, start = regs[sp - 1] as Value;
                regs[sp - 1] = new PySlice(start, stop, step);
              } else {
                const stop = regs[--sp] as Value, start = regs[sp - 1] as Value;
                regs[sp - 1] = new PySlice(start, stop, null);
              }
              break;
            }

            case Op.BINARY_ADD: case Op.INPLACE_ADD: {
              const b = regs[--sp] as Value, a = regs[sp - 1] as Value;
              if (typeof a === 'number' && typeof b === 'number') {
                const r = a + b;
                if (r <= 9007199254740991 && r >= -9007199254740991) { regs[sp - 1] = r; break; }
              } else if (typeof a === 'string' && typeof b === 'string') { regs[sp - 1] = a + b; break; }
              frame.sp = --sp; frame.pc = pc; if (this.frame !== frame) this.frame = frame;
              const r = ops.binaryOp(this, (ins & Ins.OP_MASK) === Op.INPLACE_ADD ? INPLACE_BASE + BIN_ADD : BIN_ADD, a, b);
              if (r === PENDING) continue outer;
              regs[sp++] = r;
              break;
            }
            case Op.BINARY_SUBTRACT: case Op.INPLACE_SUBTRACT: {
              const b = regs[--sp] as Value, a = regs[sp - 1] as Value;
              if (typeof a === 'number' && typeof b === 'number') {
                const r = a - b;
                if (r <= 9007199254740991 && r >= -9007199254740991) { regs[sp - 1] = r; break; }
              }
              frame.sp = --sp; frame.pc = pc; if (this.frame !== frame) this.frame = frame;
              const r = ops.binaryOp(this, (ins & Ins.OP_MASK) === Op.INPLACE_SUBTRACT ? INPLACE_BASE + BIN_SUB : BIN_SUB, a, b);
              if (r === PENDING) continue outer;
              regs[sp++] = r;
              break;
            }
            case Op.BINARY_MULTIPLY: {
              const b = regs[--sp] as Value, a = regs[sp - 1] as Value;
              if (typeof a === 'number' && typeof b === 'number') {
                const r = a * b;
                if (r <= 9007199254740991 && r >= -9007199254740991 && r !== 0) { regs[sp - 1] = r; break; }
              }
              frame.sp = --sp; frame.pc = pc; if (this.frame !== frame) this.frame = frame;
              const r = ops.binaryOp(this, BIN_MUL, a, b);
              if (r === PENDING) continue outer;
              regs[sp++] = r;
              break;
            }
            case Op.BINARY_MODULO: {
              const b = regs[--sp] as Value, a = regs[sp - 1] as Value;
              if (typeof a === 'number' && typeof b === 'number') {
                // int32 operands: V8 then uses integer modulo instead of fmod
                if ((a | 0) === a && (b | 0) === b && a >= 0 && b > 0) { regs[sp - 1] = (a | 0) % (b | 0); break; }
                if (a >= 0 && b > 0) {
                  // below 2**52 a division and one correction step is exact and beats fmod
                  if (a < 4503599627370496 && b < 4503599627370496) {
                    let r = a - Math.floor(a / b) * b;
                    if (r < 0) r += b; else if (r >= b) r -= b;
                    regs[sp - 1] = r;
                  } else regs[sp - 1] = a % b;
                  break;
                }
              }
              frame.sp = --sp; frame.pc = pc; if (this.frame !== frame) this.frame = frame;
              const r = ops.binaryOp(this, BIN_MOD, a, b);
              if (r === PENDING) continue outer;
              regs[sp++] = r;
              break;
            }
            case Op.BINARY_FLOOR_DIVIDE: {
              const b = regs[--sp] as Value, a = regs[sp - 1] as Value;
              if (typeof a === 'number' && typeof b === 'number' && a >= 0 && b > 0) {
                regs[sp - 1] = (a | 0) === a && (b | 0) === b ? ((a | 0) / (b | 0)) | 0 : Math.floor(a / b);
                break;
              }
              frame.sp = --sp; frame.pc = pc; if (this.frame !== frame) this.frame = frame;
              const r = ops.binaryOp(this, BIN_FLOORDIV, a, b);
              if (r === PENDING) continue outer;
              regs[sp++] = r;
              break;
            }
            case Op.BINARY_OP: {
              const b = regs[--sp] as Value, a = regs[--sp] as Value;
              frame.sp = sp; frame.pc = pc; if (this.frame !== frame) this.frame = frame;
              const r = ops.binaryOp(this, arg, a, b);
              if (r === PENDING) continue outer;
              regs[sp++] = r;
              break;
            }
            case Op.UNARY_NEGATIVE: case Op.UNARY_POSITIVE: case Op.UNARY_INVERT: {
              const a = regs[sp - 1] as Value;
              if (typeof a === 'number' && (ins & Ins.OP_MASK) === Op.UNARY_NEGATIVE && a !== 0) { regs[sp - 1] = -a; break; }
              frame.sp = --sp; frame.pc = pc; if (this.frame !== frame) this.frame = frame;
              const r = ops.unaryOp(this, ins & Ins.OP_MASK, a);
              if (r === PENDING) continue outer;
              regs[sp++] = r;
              break;
            }
            case Op.UNARY_NOT: {
              const a = regs[sp - 1] as Value;
              frame.sp = sp; frame.pc = pc; if (this.frame !== frame) this.frame = frame;
              regs[sp - 1] = !(a === true || (a !== false && a !== null && a !== 0 && ops.truthy(this, a)));
              break;
            }
            case Op.COMPARE_OP: {
              const b = regs[--sp] as Value, a = regs[sp - 1] as Value;
              if (typeof a === 'number' && typeof b === 'number') {
                const t = compareNumbers(arg, a, b);
                // a conditional jump right after is taken here, one dispatch fewer (CPython's
                // COMPARE_AND_BRANCH); the jump cannot raise, so only a tracer could tell
                const next = code[pc];
                if ((next & Ins.OP_MASK) === Op.POP_JUMP_IF_FALSE && tracer === null && (ticker > 0 || this.atomic)) {
                  sp--;
                  pc = t ? pc + 1 : next >> Ins.ARG_SHIFT;
                  ticker--;
                  break;
                }
                regs[sp - 1] = t;
                break;
              }
              frame.sp = --sp; frame.pc = pc; if (this.frame !== frame) this.frame = frame;
              const r = ops.compareOp(this, arg, a, b);
              if (r === PENDING) continue outer;
              regs[sp++] = r;
              break;
            }
            case Op.IS_OP: {
              const b = regs[--sp] as Value, a = regs[sp - 1] as Value;
              regs[sp - 1] = ops.isSame(a, b) !== (arg === 1);
              break;
            }
            case Op.CONTAINS_OP: {
              const c = regs[--sp] as Value, item = regs[--sp] as Value;
              if (c instanceof PyDict && c.cls === dictType && typeof item === 'string') {
                // `key in d` for a plain dict and a str key, as BINARY_SUBSCR's fast path
                regs[sp++] = c.table.map.has(item) !== (arg === 1);
                break;
              }
              frame.sp = sp; frame.pc = pc; if (this.frame !== frame) this.frame = frame;
              const r = ops.contains(this, c, item, arg === 1);
              if (r === PENDING) continue outer;
              regs[sp++] = r;
              break;
            }

            case Op.JUMP_FORWARD: pc = arg; break;
            case Op.JUMP_ABSOLUTE: pc = arg; break;
            case Op.POP_JUMP_IF_FALSE: {
              const c = regs[--sp] as Value;
              if (c === false || c === null || c === 0) { pc = arg; break; }
              if (c === true || typeof c === 'number') break;
              frame.sp = sp; frame.pc = pc; if (this.frame !== frame) this.frame = frame;
              if (!ops.truthy(this, c)) pc = arg;
              break;
            }
            case Op.POP_JUMP_IF_TRUE: {
              const c = regs[--sp] as Value;
              if (c === true) { pc = arg; break; }
              if (c === false || c === null) break;
              frame.sp = sp; frame.pc = pc; if (this.frame !== frame) this.frame = frame;
              if (ops.truthy(this, c)) pc = arg;
              break;
            }
            case Op.JUMP_IF_FALSE_OR_POP: {
              frame.sp = sp; frame.pc = pc; if (this.frame !== frame) this.frame = frame;
              if (!ops.truthy(this, regs[sp - 1] as Value)) pc = arg; else sp--;
              break;
            }
            case Op.JUMP_IF_TRUE_OR_POP: {
              frame.sp = sp; frame.pc = pc; if (this.frame !== frame) this.frame = frame;
              if (ops.truthy(this, regs[sp - 1] as Value)) pc = arg; else sp--;
              break;
            }

            case Op.GET_ITER: {
              const obj = regs[sp - 1] as Value;
              if (obj instanceof PyNativeIter || obj instanceof PyGenerator) break;
              frame.sp = --sp; frame.pc = pc; if (this.frame !== frame) this.frame = frame;
              const r = ops.getIter(this, obj);
              if (r === PENDING) continue outer;
              regs[sp++] = r;
              break;
            }
            case Op.FOR_ITER: {
              const it = regs[sp - 1] as Value;
              // range and list iterators step here, without a call
              if (it instanceof PyRangeIter) {
                const v = it.cur;
                if (it.stride > 0 ? v < it.stop : v > it.stop) { it.cur = v + it.stride; regs[sp++] = v; } else { sp--; pc = arg; }
                break;
              }
              if (it instanceof PyListIter) {
                const items = it.list.items;
                if (it.index < items.length) regs[sp++] = items[it.index++];
                else { it.index = EXHAUSTED; sp--; pc = arg; }
                break;
              }
              if (it instanceof PyNativeIter) {
                frame.sp = sp; frame.pc = pc; if (this.frame !== frame) this.frame = frame;
                const v = it.next();
                if (v === DONE) { sp--; pc = arg; } else regs[sp++] = v;
                break;
              }
              frame.sp = sp; frame.pc = pc;
              if (it instanceof PyGenerator) {
                if (it.state === GenState.Suspended && frame.depth < this.recursionLimit) {
                  // resume the generator without leaving the try: the common `for x in gen` case
                  const g = this.linkResumed(it, null, frame, Cont.ForNext);
                  frame = g; code = g.code.code; regs = g.regs; names = g.code.names;
                  consts = g.code.runtime as ConstPool;
                  sp = g.sp | 0; pc = g.pc | 0;
                  // `yield x` as a statement drops the None that resumed it: done here, one
                  // dispatch fewer (counted as LOAD_FAST's fused instructions are)
                  if (tracer === null && ticker > 0 && (code[pc] & Ins.OP_MASK) === Op.POP_TOP) { sp--; pc++; ticker--; }
                  break;
                }
                if (this.frame !== frame) this.frame = frame;
                const r = this.resume(it, null, Cont.ForNext, null);
                if (r === PENDING) continue outer;
                regs[sp++] = r;
                break;
              }
              if (this.frame !== frame) this.frame = frame;
              const r = ops.iterNextSoft(this, it);
              if (r === PENDING) continue outer;
              if (r === DONE_VALUE) { sp--; pc = arg; break; }
              regs[sp++] = r;
              break;
            }

            case Op.BUILD_TUPLE: {
              const items = new Array<Value>(arg);
              for (let i = 0; i < arg; i++) items[i] = regs[sp - arg + i] as Value;
              sp -= arg;
              regs[sp++] = new PyTuple(items);
              break;
            }
            case Op.BUILD_LIST: {
              const items = new Array<Value>(arg);
              for (let i = 0; i < arg; i++) items[i] = regs[sp - arg + i] as Value;
              sp -= arg;
              regs[sp++] = new PyList(items);
              break;
            }
            case Op.BUILD_SET: {
              frame.sp = sp; frame.pc = pc; if (this.frame !== frame) this.frame = frame;
              const s = new PySet(false);
              for (let i = 0; i < arg; i++) s.table.set(regs[sp - arg + i] as Value, null, this);
              sp -= arg;
              regs[sp++] = s;
              break;
            }
            case Op.BUILD_MAP: {
              frame.sp = sp; frame.pc = pc; if (this.frame !== frame) this.frame = frame;
              const d = new PyDict();
              for (let i = 0; i < arg; i++) d.table.set(regs[sp - 2 * arg + 2 * i] as Value, regs[sp - 2 * arg + 2 * i + 1] as Value, this);
              sp -= 2 * arg;
              regs[sp++] = d;
              break;
            }
            case Op.BUILD_STRING: {
              let s = '';
              for (let i = 0; i < arg; i++) s += regs[sp - arg + i] as string;
              sp -= arg;
              regs[sp++] = s;
              break;
            }
            case Op.LIST_APPEND: {
              const v = regs[--sp] as Value;
              (regs[sp - arg] as PyList).items.push(v);
              break;
            }
            case Op.SET_ADD: {
              const v = regs[--sp] as Value;
              frame.sp = sp; frame.pc = pc; if (this.frame !== frame) this.frame = frame;
              (regs[sp - arg] as PySet).table.set(v, null, this);
              break;
            }
            case Op.MAP_ADD: {
              const v = regs[--sp] as Value, k = regs[--sp] as Value;
              frame.sp = sp; frame.pc = pc; if (this.frame !== frame) this.frame = frame;
              (regs[sp - arg] as PyDict).table.set(k, v, this);
              break;
            }
            case Op.LIST_EXTEND: {
              const it = regs[--sp] as Value;
              frame.sp = sp; frame.pc = pc; if (this.frame !== frame) this.frame = frame;
              const list = regs[sp - arg] as PyList;
              for (const v of ops.iterate(this, it)) list.items.push(v);
              break;
            }
            case Op.SET_UPDATE: {
              const it = regs[--sp] as Value;
              frame.sp = sp; frame.pc = pc; if (this.frame !== frame) this.frame = frame;
              const set = regs[sp - arg] as PySet;
              for (const v of ops.iterate(this, it)) set.table.set(v, null, this);
              break;
            }
            case Op.DICT_UPDATE: case Op.DICT_MERGE: {
              const m = regs[--sp] as Value;
              frame.sp = sp; frame.pc = pc; if (this.frame !== frame) this.frame = frame;
              ops.dictUpdate(this, regs[sp - arg] as PyDict, m, (ins & Ins.OP_MASK) === Op.DICT_MERGE);
              break;
            }
            case Op.LIST_TO_TUPLE: regs[sp - 1] = new PyTuple((regs[sp - 1] as PyList).items); break;
            case Op.UNPACK_SEQUENCE: {
              const seq = regs[--sp] as Value;
              frame.sp = sp; frame.pc = pc; if (this.frame !== frame) this.frame = frame;
              let items: Value[];
              if ((seq instanceof PyTuple || seq instanceof PyList) && seq.items.length === arg) items = seq.items;
              else {
                items = ops.unpack(this, seq, arg);
              }
              for (let i = arg - 1; i >= 0; i--) regs[sp++] = items[i];
              break;
            }
            case Op.UNPACK_EX: {
              const seq = regs[--sp] as Value;
              frame.sp = sp; frame.pc = pc; if (this.frame !== frame) this.frame = frame;
              const before = arg & 0xff, after = arg >> 8;
              const items = [...ops.iterate(this, seq)];
              if (items.length < before + after) {
                throw raise(ValueError, `not enough values to unpack (expected at least ${before + after}, got ${items.length})`);
              }
              for (let i = items.length - 1; i >= items.length - after; i--) regs[sp++] = items[i];
              regs[sp++] = new PyList(items.slice(before, items.length - after));
              for (let i = before - 1; i >= 0; i--) regs[sp++] = items[i];
              break;
            }
            case Op.FORMAT_VALUE: {
              const spec = (arg & 4) ? regs[--sp] as string : '';
              const v = regs[--sp] as Value;
              frame.sp = sp; frame.pc = pc; if (this.frame !== frame) this.frame = frame;
              regs[sp++] = ops.formatFString(this, v, arg & 3, spec);
              break;
            }

            case Op.MAKE_FUNCTION: {
              const fcode = regs[--sp] as unknown as CodeObject;
              const closure = (arg & 8) ? (regs[--sp] as PyTuple).items as PyCell[] : null;
              const kwdefaults = (arg & 2) ? ops.dictToStringMap(regs[--sp] as PyDict) : null;
              const defaults = (arg & 1) ? (regs[--sp] as PyTuple).items : [];
              regs[sp++] = new PyFunction(fcode, frame.globals, defaults, kwdefaults, closure);
              break;
            }
            case Op.CALL_FUNCTION: {
              const fn = regs[sp - arg - 1];
              if (fn instanceof PyFunction && fn.exactArgs >= 0) {
                const fcode = fn.code;
                const argc = fn.exactArgs;
                const ndef = arg === argc ? 0 : fn.defaults.length;
                if (arg <= argc && arg >= argc - ndef) {
                  const callee = new Frame(fcode, fn.globals, null, fn.closure);
                  const cr = callee.regs;
                  for (let i = 0; i < arg; i++) cr[i] = regs[sp - arg + i];
                  for (let i = arg; i < argc; i++) cr[i] = fn.defaults[i - argc + ndef];
                  sp -= arg + 1;
                  frame.sp = sp; frame.pc = pc;
                  this.enter(callee, frame);
                  // switch to the callee without leaving the try: the call fast path
                  frame = callee; code = fcode.code; regs = cr; names = fcode.names;
                  consts = (fcode.runtime as ConstPool | null) ?? this.constValues(fcode);
                  sp = callee.sp | 0; pc = 0;
                  break;
                }
              }
              if (fn instanceof PyClass && fn.callFast === null) {
                // `cls(args)` of a plain class: object.__new__ inline, __init__ linked like a call
                const init = classFacts(fn).plainInit;
                if (init !== null) {
                  const fcode = init.code;
                  const argc = fcode.argcount;
                  const ndef = init.defaults.length;
                  if (arg + 1 <= argc && arg + 1 >= argc - ndef) {
                    const obj = new PyInstance(fn);
                    const callee = new Frame(fcode, init.globals, null, init.closure);
                    const cr = callee.regs;
                    cr[0] = obj;
                    for (let i = 0; i < arg; i++) cr[i + 1] = regs[sp - arg + i];
                    for (let i = arg + 1; i < argc; i++) cr[i] = init.defaults[i - argc + ndef];
                    sp -= arg + 1;
                    frame.sp = sp; frame.pc = pc;
                    callee.cont = Cont.InitPush;
                    callee.contData = obj;
                    this.enter(callee, frame);
                    frame = callee; code = fcode.code; regs = cr; names = fcode.names;
                    consts = (fcode.runtime as ConstPool | null) ?? this.constValues(fcode);
                    sp = callee.sp | 0; pc = 0;
                    break;
                  }
                }
              }
              const args = argsFrom(regs, sp - arg, arg);
              sp -= arg + 1;
              frame.sp = sp; frame.pc = pc; if (this.frame !== frame) this.frame = frame;
              const r = fn instanceof PyNative ? fn.fn(args, null)
                : fn instanceof PyClass && fn.callFast !== null ? fn.callFast(args, null) : this.call(fn as Value, args, null);
              if (r === PENDING) continue outer;
              regs[sp++] = r;
              break;
            }
            case Op.CALL_METHOD: {
              const self = regs[sp - arg - 1];
              const fn = regs[sp - arg - 2] as Value;
              let args: Value[];
              if (self === undefined) {
                args = argsFrom(regs, sp - arg, arg);
              } else if (fn === this.generatorSend && arg === 1 && self instanceof PyGenerator &&
                self.state === GenState.Suspended && frame.depth < this.recursionLimit) {
                // `gen.send(v)`: resume the generator without leaving the try, as FOR_ITER does
                const sent = regs[sp - 1] as Value;
                frame.sp = sp - 3; frame.pc = pc;
                const g = this.linkResumed(self, sent, frame, Cont.GenCall);
                frame = g; code = g.code.code; regs = g.regs; names = g.code.names;
                consts = g.code.runtime as ConstPool;
                sp = g.sp | 0; pc = g.pc | 0;
                break;
              } else if (fn instanceof PyNative && fn.method !== null) {
                // a builtin method: self apart, no argument-array juggling
                const margs = argsFrom(regs, sp - arg, arg);
                sp -= arg + 2;
                frame.sp = sp; frame.pc = pc; if (this.frame !== frame) this.frame = frame;
                const r = fn.method(self as Value, margs, null);
                if (r === PENDING) continue outer;
                regs[sp++] = r;
                break;
              } else {
                if (fn instanceof PyFunction && arg + 1 === fn.exactArgs) {
                  const callee = new Frame(fn.code, fn.globals, null, fn.closure);
                  const cr = callee.regs;
                  for (let i = 0; i <= arg; i++) cr[i] = regs[sp - arg - 1 + i];
                  sp -= arg + 2;
                  frame.sp = sp; frame.pc = pc;
                  this.enter(callee, frame);
                  const fcode = fn.code;
                  frame = callee; code = fcode.code; regs = cr; names = fcode.names;
                  consts = (fcode.runtime as ConstPool | null) ?? this.constValues(fcode);
                  sp = callee.sp | 0; pc = 0;
                  break;
                }
                args = argsFrom(regs, sp - arg - 1, arg + 1);
              }
              sp -= arg + 2;
              frame.sp = sp; frame.pc = pc; if (this.frame !== frame) this.frame = frame;
              const r = fn instanceof PyNative ? fn.fn(args, null) : this.call(fn, args, null);
              if (r === PENDING) continue outer;
              regs[sp++] = r;
              break;
            }
            case Op.CALL_FUNCTION_KW: {
              const kwnames = (regs[--sp] as PyTuple).items as string[];
              const nkw = kwnames.length;
              const fn = regs[sp - arg - 1] as Value;
              const args = regs.slice(sp - arg, sp - nkw) as Value[];
              const kw = new Map<string, Value>();
              for (let i = 0; i < nkw; i++) kw.set(kwnames[i], regs[sp - nkw + i] as Value);
              sp -= arg + 1;
              frame.sp = sp; frame.pc = pc; if (this.frame !== frame) this.frame = frame;
              const r = this.call(fn, args, kw);
              if (r === PENDING) continue outer;
              regs[sp++] = r;
              break;
            }
            case Op.CALL_FUNCTION_EX: {
              const kwv = (arg & 1) ? regs[--sp] as Value : null;
              const argt = regs[--sp] as PyTuple;
              const fn = regs[--sp] as Value;
              frame.sp = sp; frame.pc = pc; if (this.frame !== frame) this.frame = frame;
              const kw = kwv === null ? null : ops.kwargsMap(this, fn, kwv);
              const r = this.call(fn, argt.items.slice(), kw);
              if (r === PENDING) continue outer;
              regs[sp++] = r;
              break;
            }
            case Op.RETURN_VALUE: {
              const v = regs[--sp] as Value;
              const gen = frame.generator;
              if (gen !== null) gen.state = GenState.Closed;
              const caller = frame.back;
              const cont = frame.cont;
              if (cont === Cont.Host) {
                if (frame.contData !== this.nesting) {
                  // its native caller waits in an outer host loop: go on when that loop runs
                  frame.sp = sp + 1;
                  frame.pc = pc - 1;
                  this.frame = frame;
                  this.scheduler.park(frame.contData as number, null);
                  continue outer;
                }
                this.frame = caller;
                frame.back = null;
                return v;
              }
              frame.back = null;
              const c = caller as Frame;
              if (gen === null && (cont === Cont.Push || (cont === Cont.InitPush && v === null))) {
                // back to the caller without leaving the try: the return fast path
                const out = cont === Cont.Push ? v : frame.contData as Value;
                frame = c; code = c.code.code; regs = c.regs; names = c.code.names;
                consts = c.code.runtime as ConstPool;
                sp = c.sp | 0; pc = c.pc | 0;
                regs[sp++] = out;
                break;
              }
              // the caller is current from here (none when a tasklet ends): the catch must unwind
              // from it if complete() throws
              const data = frame.contData;
              this.frame = caller;
              if (caller !== null) { frame = caller; sp = caller.sp | 0; pc = caller.pc | 0; }
              const r = this.complete(c, cont, data, v, gen !== null);
              if (r !== PENDING) c.regs[c.sp++] = r;
              continue outer;
            }
            case Op.LOAD_BUILD_CLASS: regs[sp++] = this.builtins.get('__build_class__') as Value; break;

            case Op.YIELD_VALUE: {
              const v = regs[--sp] as Value;
              frame.sp = sp; frame.pc = pc;
              const gen = frame.generator as PyGenerator;
              gen.state = GenState.Suspended;
              const caller = frame.back as Frame;
              frame.back = null;
              const yc = frame.cont;
              if (yc === Cont.ForNext || yc === Cont.GenCall || yc === Cont.Send) {
                // a yielded value is simply pushed for these callers: switch without leaving the try
                frame = caller; code = caller.code.code; regs = caller.regs; names = caller.code.names;
                consts = caller.code.runtime as ConstPool;
                sp = caller.sp | 0; pc = caller.pc | 0;
                regs[sp++] = v;
                break;
              }
              const data = frame.contData;
              this.frame = frame = caller; sp = caller.sp | 0; pc = caller.pc | 0;  // as in RETURN_VALUE
              const r = this.complete(caller, yc, data, v, false);
              if (r !== PENDING) caller.regs[caller.sp++] = r;
              continue outer;
            }
            case Op.SEND: {
              const v = regs[--sp] as Value;
              const sub = regs[sp - 1] as Value;
              frame.sp = sp; frame.pc = pc; if (this.frame !== frame) this.frame = frame;
              const gen = frame.generator as PyGenerator;
              gen.yieldFrom = sub;
              let r: Result;
              if (sub instanceof PyGenerator) r = this.resume(sub, v, Cont.Send, null);
              else if (sub instanceof PyNativeIter) {
                const n = sub.next();
                if (n === DONE) {
                  // the delegate is exhausted: `yield from` evaluates to None
                  gen.yieldFrom = null;
                  regs[sp - 1] = null;
                  pc = arg;
                  break;
                }
                r = n;
              } else r = ops.sendToIterator(this, sub, v);
              if (r === PENDING) continue outer;
              if (r === DONE_VALUE) { // cannot happen: iterator exhaustion arrives as StopIteration
                continue outer;
              }
              regs[sp++] = r;
              break;
            }
            case Op.GET_YIELD_FROM_ITER: {
              const obj = regs[sp - 1] as Value;
              if (obj instanceof PyGenerator) break;
              frame.sp = --sp; frame.pc = pc; if (this.frame !== frame) this.frame = frame;
              const r = ops.getIter(this, obj);
              if (r === PENDING) continue outer;
              regs[sp++] = r;
              break;
            }

            case Op.RAISE_VARARGS: {
              frame.sp = sp; frame.pc = pc; if (this.frame !== frame) this.frame = frame;
              if (arg === 0) {
                if (this.handled === null) throw raise(RuntimeError, 'No active exception to reraise');
                throw new Reraise(this.handled);
              }
              const cause = arg === 2 ? regs[--sp] as Value : undefined;
              const excv = regs[--sp] as Value;
              const exc = ops.makeException(this, excv);
              if (cause !== undefined) {
                if (cause === null) exc.cause = null;
                else exc.cause = ops.makeException(this, cause, true);
                exc.suppressContext = true;
              }
              throw exc;
            }
            case Op.RERAISE: throw new Reraise(regs[--sp] as PyException);
            case Op.PUSH_EXC_INFO: {
              const exc = regs[sp - 1] as Value;
              regs[sp - 1] = this.handled;
              regs[sp++] = exc;
              this.handled = exc as PyException;
              break;
            }
            case Op.POP_EXCEPT: this.handled = regs[--sp] as PyException | null; break;
            case Op.POP_EXCEPT_RERAISE: {
              const exc = regs[--sp] as PyException;
              this.handled = regs[--sp] as PyException | null;
              throw new Reraise(exc);
            }
            case Op.CHECK_EXC_MATCH: {
              const t = regs[--sp] as Value;
              frame.sp = sp; frame.pc = pc; if (this.frame !== frame) this.frame = frame;
              regs[sp++] = ops.exceptionMatches(regs[sp - 2] as PyException, t);
              break;
            }
            case Op.LOAD_ASSERTION_ERROR: regs[sp++] = AssertionError; break;

            case Op.BEFORE_WITH: {
              const mgr = regs[--sp] as Value;
              frame.sp = sp; frame.pc = pc; if (this.frame !== frame) this.frame = frame;
              const cls = typeOf(mgr);
              const enter = lookup(cls, '__enter__');
              const exit = lookup(cls, '__exit__');
              if (enter === undefined || exit === undefined) {
                throw raise(TypeError, `'${cls.name}' object does not support the context manager protocol`);
              }
              regs[sp++] = new PyBoundMethod(mgr, exit);
              frame.sp = sp;
              const r = this.callCont(enter, [mgr], null, Cont.Push, null);
              if (r === PENDING) continue outer;
              regs[sp++] = r;
              break;
            }
            case Op.WITH_EXIT: {
              const exit = regs[--sp] as Value;
              frame.sp = sp; frame.pc = pc; if (this.frame !== frame) this.frame = frame;
              const r = this.callCont(exit, [null, null, null], null, Cont.Discard, null);
              if (r === PENDING) continue outer;
              break;
            }
            case Op.WITH_EXCEPT_START: {
              const exc = regs[sp - 1] as PyException;
              const exit = regs[sp - 3] as Value;
              frame.sp = sp; frame.pc = pc; if (this.frame !== frame) this.frame = frame;
              const r = this.callCont(exit, [exc.cls, exc, ops.tracebackObject(exc)], null, Cont.Truth, null);
              if (r === PENDING) continue outer;
              regs[sp++] = ops.truthy(this, r);
              break;
            }

            case Op.IMPORT_NAME: {
              const fromlist = regs[--sp] as Value;
              const level = regs[--sp] as number;
              frame.sp = sp; frame.pc = pc; if (this.frame !== frame) this.frame = frame;
              regs[sp++] = ops.importName(this, names[arg], fromlist, level, frame.globals);
              break;
            }
            case Op.IMPORT_FROM: {
              const mod = regs[sp - 1] as Value;
              frame.sp = sp; frame.pc = pc; if (this.frame !== frame) this.frame = frame;
              regs[sp++] = ops.importFrom(this, mod, names[arg]);
              break;
            }
            case Op.IMPORT_STAR: {
              const mod = regs[--sp] as Value;
              frame.sp = sp; frame.pc = pc; if (this.frame !== frame) this.frame = frame;
              ops.importStar(this, mod, frame.locals as Map<string, Value>);
              break;
            }
            case Op.SETUP_ANNOTATIONS:
              if (frame.locals && !frame.locals.has('__annotations__')) frame.locals.set('__annotations__', new PyDict());
              break;
            case Op.PRINT_EXPR: {
              const v = regs[--sp] as Value;
              frame.sp = sp; frame.pc = pc; if (this.frame !== frame) this.frame = frame;
              if (v !== null) {
                this.host.write('stdout', ops.repr(this, v) + '\n');
                this.builtins.set('_', v);
              }
              break;
            }
            default:
              throw raise(SystemError, `unknown opcode ${ins & Ins.OP_MASK}`);
          }
        }
      } catch (err) {
        this.frame = frame;
        frame.pc = pc;
        frame.sp = sp;
        const r = this.unwind(err);
        if (r !== CONTINUE) return r as never;
      }
    }
  }

  /** The periodic check (DESIGN.md decision 4): interrupts now; the scheduler joins in #3. */
  periodic(frame: Frame, pc: number, sp: number): number {
    this.frame = frame;
    const flag = this.interruptFlag;
    if (flag !== null && Atomics.load(flag, 0) !== 0) {
      Atomics.store(flag, 0, 0);
      throw newException(this.builtins.get('KeyboardInterrupt') as PyClass);
    }
    // the fetched instruction has not run: a preempted tasklet re-executes it when resumed
    frame.pc = pc - 1;
    frame.sp = sp;
    const sched = this.scheduler;
    const threads = this.threads;
    threads.elapse(sched.tickerSetTo);
    // with --legacy-atomic the loop's guard lets atomic tasklets through to the GIL part only
    const atomic = sched.current.atomic;
    if (!atomic && sched.tick(this.nesting)) return -1;
    if (this.nesting === 0 && threads.check()) return -1;
    return this.scheduler.nextTicker();
  }

  /** The loop's copy of the running tasklet's atomic flag; the legacy mode keeps it clear. */
  mirrorAtomic(atomic: boolean): void {
    this.atomic = atomic && !this.threads.legacyAtomic;
  }

  /** A tasklet's atomic flag was set or cleared by the program: the trace shows it. */
  atomicChanged(t: Tasklet): void {
    if (this.events !== null) this.events({ kind: 'atomic', thread: this.threads.current, tasklet: t, atomic: t.atomic });
  }

  /** An exception left a thread's main tasklet: reported as CPython reports a dying thread. */
  reportThreadException(exc: PyException): void {
    this.host.write('stderr', `Exception in thread ${this.threads.current.name}:\n${formatException(this, exc)}`);
  }

  /** LOAD_GLOBAL's slow path: globals, then builtins; remembers the answer in the site's entry. */
  private loadGlobal(frame: Frame, name: string, e: GlobalEntry): Value {
    const g = frame.globals;
    let v = g.get(name);
    if (v === undefined) {
      v = this.builtins.get(name);
      if (v === undefined) throw this.nameError(name, frame);
    }
    if (g instanceof Namespace && this.builtins instanceof Namespace) {
      Namespace.cached.add(name);
      e.globals = g;
      e.epoch = Namespace.epoch;
      e.value = v;
    }
    return v;
  }

  private nameError(name: string, frame: Frame): PyException {
    const e = raise(NameError, `name '${name}' is not defined`);
    e.dict.set('name', name);
    const locals = frame.locals;
    const builtins = this.builtins;
    e.scopeNames = () => [
      locals ? [...locals.keys()] : [...frame.code.varnames, ...frame.code.cellvars, ...frame.code.freevars],
      [...frame.globals.keys()],
      [...builtins.keys()],
    ];
    return e;
  }

  private unboundCell(frame: Frame, i: number): PyException {
    const code = frame.code;
    if (i < code.cellvars.length) {
      return raise(UnboundLocalError, `cannot access local variable '${code.cellvars[i]}' where it is not associated with a value`);
    }
    return raise(NameError, `cannot access free variable '${code.freevars[i - code.cellvars.length]}' where it is not associated with a value in enclosing scope`);
  }

  // ---- generators ------------------------------------------------------------------------

  /** Resumes a generator with a sent value: links its frame above the current one. */
  resume(gen: PyGenerator, sent: Value, cont: Cont, contData: unknown): Result {
    if (gen.state === GenState.Running) throw raise(ValueError, 'generator already executing');
    if (gen.state === GenState.Closed) {
      if (cont === Cont.ForNext) {
        const caller = this.frame as Frame;
        return this.complete(caller, cont, contData, null, true);
      }
      if (cont === Cont.Send) return this.complete(this.frame as Frame, cont, contData, null, true);
      throw ops.stopIteration(null);
    }
    const f = gen.frame;
    if (gen.state === GenState.Created) {
      if (sent !== null) throw raise(TypeError, "can't send non-None value to a just-started generator");
    } else {
      f.regs[f.sp++] = sent;
    }
    gen.state = GenState.Running;
    return this.pushFrame(f, cont, contData);
  }

  /** gen.throw(exc): raise exc at the generator's suspension point (or in its delegate). */
  throwInto(gen: PyGenerator, exc: PyException, cont: Cont): Result {
    if (gen.state === GenState.Running) throw raise(ValueError, 'generator already executing');
    if (gen.state === GenState.Closed || gen.state === GenState.Created) {
      gen.state = GenState.Closed;
      if (gen.state === GenState.Closed && cont === Cont.GenClose) return null;
      throw exc;
    }
    const sub = gen.yieldFrom;
    if (sub instanceof PyGenerator && sub.state === GenState.Suspended && isSubtype(exc.cls, GeneratorExit)) {
      // close the delegate first, as CPython's gen_close_iter does
      this.callNested(lookup(generatorTypeRef(), 'close') as Value, [sub]);
      gen.yieldFrom = null;
    }
    gen.state = GenState.Running;
    this.pushFrame(gen.frame, cont, null);
    if (sub instanceof PyGenerator && sub.state === GenState.Suspended) {
      // the delegating frame waits at its YIELD_VALUE, as while the delegate normally runs
      gen.frame.pc -= 1;
      sub.state = GenState.Running;
      this.pushFrame(sub.frame, Cont.Send, null);
      this.pendingThrow = exc;
      return PENDING;
    }
    if (sub !== null && sub !== undefined) gen.yieldFrom = null;
    this.pendingThrow = exc;
    return PENDING;
  }

  // ---- unwinding (the one path) ---------------------------------------------------------

  /**
   * Turns whatever was thrown into a spy exception, then pops frames until a handler takes
   * it (CONTINUE: the loop reloads) or a Host frame is passed (rethrown to TypeScript).
   */
  private unwind(err: unknown): unknown {
    let reraise = false;
    let exc: PyException;
    if (err instanceof Reraise) { exc = err.exc; reraise = true; }
    else exc = this.toPyException(err);
    let frame = this.frame as Frame;
    if (!reraise) {
      this.attachContext(exc);
      exc.traceback = { code: frame.code, pc: frame.pc - 1, next: exc.traceback };
    }
    for (;;) {
      const code = frame.code;
      if (this.unwindHook !== null) this.unwindHook(frame, exc);
      const h = frame.pc > 0 ? code.handlerAt[frame.pc - 1] : -1;
      if (h >= 0) {
        const handler = code.handlers[h];
        frame.sp = code.varnames.length + handler.depth;
        frame.regs[frame.sp++] = exc;
        frame.pc = handler.target;
        this.frame = frame;
        return CONTINUE;
      }
      // no handler here: this frame is finished
      if (this.unwindHook !== null) this.unwindHook(frame, null);
      const gen = frame.generator;
      if (gen !== null) {
        gen.state = GenState.Closed;
        if (isSubtype(exc.cls, StopIteration)) {
          const rt = raise(RuntimeError, 'generator raised StopIteration');
          rt.cause = exc; rt.context = exc; rt.suppressContext = true;
          rt.traceback = exc.traceback;
          exc = rt;
        }
      }
      const caller = frame.back;
      const cont = frame.cont;
      frame.back = null;
      this.frame = caller;
      if (cont === Cont.TaskletEnd) {
        // the exception left a tasklet: TaskletExit ends it quietly, anything else goes to main
        const t = frame.contData as Tasklet;
        if (isSubtype(exc.cls, TaskletExit)) this.scheduler.finished(t);
        else this.scheduler.died(t, exc);
        return CONTINUE;
      }
      if (cont === Cont.Host && frame.contData !== this.nesting) {
        // as at RETURN_VALUE: this Host frame's loop is not the innermost one; wait for it
        frame.back = caller;
        this.frame = frame;
        this.scheduler.park(frame.contData as number, exc);
        return CONTINUE;
      }
      if (cont === Cont.Host || caller === null) throw exc;
      if (cont === Cont.ForNext && gen === null && isSubtype(exc.cls, StopIteration)) {
        caller.sp--;
        caller.pc = caller.code.code[caller.pc - 1] >> Ins.ARG_SHIFT;
        return CONTINUE;
      }
      if (cont === Cont.Send && isSubtype(exc.cls, StopIteration)) {
        caller.sp--;
        if (caller.generator) caller.generator.yieldFrom = null;
        caller.regs[caller.sp++] = ops.stopIterationValue(exc);
        caller.pc = caller.code.code[caller.pc - 1] >> Ins.ARG_SHIFT;
        return CONTINUE;
      }
      if (cont === Cont.GenClose && (isSubtype(exc.cls, GeneratorExit) || isSubtype(exc.cls, StopIteration))) {
        caller.regs[caller.sp++] = null;
        return CONTINUE;
      }
      if (cont === Cont.Send && caller.generator) caller.generator.yieldFrom = null;
      frame = caller;
      exc.traceback = { code: frame.code, pc: frame.pc - 1, next: exc.traceback };
    }
  }

  /** Sets __context__ to the exception being handled, as CPython does on raise. */
  private attachContext(exc: PyException): void {
    const handled = this.handled;
    if (handled !== null && handled !== exc && exc.context === null) {
      // avoid cycles
      let c: PyException | null = handled;
      while (c !== null) { if (c === exc) return; c = c.context; }
      exc.context = handled;
    }
  }

  toPyException(err: unknown): PyException {
    if (err instanceof PyException) return err;
    if (err instanceof RangeError && /call stack/i.test(err.message)) {
      return raise(RecursionError, 'maximum recursion depth exceeded');
    }
    if (err instanceof RangeError && /(Invalid array length|Invalid string length|allocation)/i.test(err.message)) {
      return raise(MemoryError, err.message);
    }
    const msg = err instanceof Error ? `internal error: ${err.message}` : `internal error: ${String(err)}`;
    return raise(SystemError, msg);
  }
}

/** RERAISE / bare `raise`: the exception keeps its traceback, no new entry is added. */
export class Reraise {
  constructor(readonly exc: PyException) {}
}

/** CodeObject.runtime: the materialized constants, and per name a LOAD_GLOBAL cache entry and an attribute site */
type ConstPool = Value[] & { globalCache: GlobalEntry[]; attrSites: AttrSite[] };

interface InitData { obj: Value; cont: Cont; contData: unknown }
interface InitArgs { cls: PyClass; args: Value[]; kw: Map<string, Value> | null; cont: Cont; contData: unknown }

const CONTINUE = Symbol('continue');
function generatorTypeRef(): PyClass {
  return generatorType;
}
/** nested loops cost host stack; beyond this many a RecursionError beats a host overflow */
const MAX_NESTING = 300;
/** FOR_ITER's "exhausted" answer from a helper */
export const DONE_VALUE = DONE as unknown as Value;

const BIN_ADD = binOpIndex('+');
const BIN_SUB = binOpIndex('-');
const BIN_MUL = binOpIndex('*');
const BIN_MOD = binOpIndex('%');
const BIN_FLOORDIV = binOpIndex('//');

/** A call's arguments as a fresh array: literals for the common small counts beat slice(). */
function argsFrom(regs: Slot[], from: number, n: number): Value[] {
  switch (n) {
    case 0: return [];
    case 1: return [regs[from] as Value];
    case 2: return [regs[from] as Value, regs[from + 1] as Value];
    case 3: return [regs[from] as Value, regs[from + 1] as Value, regs[from + 2] as Value];
    default: return regs.slice(from, from + n) as Value[];
  }
}

function listNames(names: string[]): string {
  const q = names.map((n) => `'${n}'`);
  if (q.length === 1) return q[0];
  if (q.length === 2) return `${q[0]} and ${q[1]}`;
  return `${q.slice(0, -1).join(', ')}, and ${q[q.length - 1]}`;
}

/** The entry frame of a nested call: `fn(*args, **kwargs)` then return to the host. */
const HOST_CALL_CODE = new CodeObject(
  '<host>', '<host>', '<host>', '', 0, 0, 0, 0, [], [], [], [], [], [],
  Int32Array.from([Op.CALL_FUNCTION_EX | (1 << Ins.ARG_SHIFT), Op.RETURN_VALUE]),
  Int32Array.from([0, 0]), [], Int32Array.from([-1, -1]), 4, 0, null,
);
/** The entry frame under a frame a native pushed: return whatever it leaves on the stack. */
const HOST_RESUME_CODE = new CodeObject(
  '<host>', '<host>', '<host>', '', 0, 0, 0, 0, [], [], [], [], [], [],
  Int32Array.from([Op.RETURN_VALUE]), Int32Array.from([0]), [], Int32Array.from([-1]), 4, 0, null,
);
export const HOST_CODES: readonly CodeObject[] = [HOST_CALL_CODE, HOST_RESUME_CODE];

export { PyDict, PySet, PyGenerator, GenState, BaseException, ImportError };

/**
 * `a OP b` for the opcode at hand when it is + - * or % and both operands and the answer are
 * small ints, as the opcodes' own fast paths compute it; undefined sends it the long way.
 */
function smallIntArith(op: number, a: number, b: number): number | undefined {
  let r: number;
  switch (op) {
    case Op.BINARY_ADD: case Op.INPLACE_ADD: r = a + b; break;
    case Op.BINARY_SUBTRACT: case Op.INPLACE_SUBTRACT: r = a - b; break;
    // not 0: it could be -0, which the long way makes 0
    case Op.BINARY_MULTIPLY: r = a * b; if (r === 0) return undefined; break;
    case Op.BINARY_MODULO:
      // int32 operands: V8 then uses integer modulo instead of fmod
      return (a | 0) === a && (b | 0) === b && a >= 0 && b > 0 ? (a | 0) % (b | 0) : undefined;
    default: return undefined;
  }
  return r <= 9007199254740991 && r >= -9007199254740991 ? r : undefined;
}

/** COMPARE_OP's argument (`<` `<=` `==` `!=` `>` `>=`) applied to two small ints */
function compareNumbers(op: number, a: number, b: number): boolean {
  switch (op) {
    case 0: return a < b;
    case 1: return a <= b;
    case 2: return a === b;
    case 3: return a !== b;
    case 4: return a > b;
    default: return a >= b;
  }
}
