// A frame is plain heap data: the loop runs the frame at the top of the current chain and a
// call just links a new one (DESIGN.md decision 2). `cont` says what the caller does with the
// value this frame returns or yields — CPython's init shim, Lua's finishOp, as an enum.
import type { CodeObject } from '../bytecode/code.js';
import type { PyCell, Slot, Value } from './values.js';
import type { PyGenerator } from './objects.js';

export const enum Cont {
  /** push the value on the caller's stack (an ordinary call) */
  Push,
  /** push the value, then an empty slot: LOAD_METHOD answered by a property or __getattr__ */
  PushThenNull,
  /** drop the value */
  Discard,
  /** `__init__` returned: it must be None; push the new instance kept in contData */
  Init,
  /** `__init__` of a plain `cls(...)` call returned: it must be None; push contData (the instance) */
  InitPush,
  /** an operator dunder returned: NotImplemented means try the reflected one (contData: BinaryRetry) */
  BinaryRetry,
  /** push bool(value) for `in` (contData: negate flag) */
  Contains,
  /** `for`'s __next__: push the value; StopIteration (or a generator's return) leaves the loop */
  ForNext,
  /** `yield from`: a yielded value is pushed for YIELD_VALUE; a return pushes it and jumps past SEND */
  Send,
  /** next()/send()/throw() called as functions: a generator's return raises StopIteration(value) */
  GenCall,
  /** close(): a yield is a RuntimeError; GeneratorExit or StopIteration finish with None */
  GenClose,
  /** a class body finished: build the class from its namespace (contData: ClassBuild) */
  BuildClass,
  /** the bottom frame of a host call (the main program or a nested call): the loop returns */
  Host,
  /** __exit__ of a with statement on the exception path: push its result */
  Truth,
  /** __bool__ / __len__ answered for a conditional jump (contData: jump info) */
  NotValue,
  /** __eq__ answered for `!=` with no __ne__: push the negation unless NotImplemented */
  NegateEq,
  /** __setitem__, __setattr__, __delitem__ from a store opcode: drop the result */
  Store,
  /** __iter__ returned: push it as the iterator */
  Iter,
  /** a `__new__` returned: run __init__ on it if it is an instance of the class (contData: InitArgs) */
  New,
  /** the bottom frame of a tasklet returned: the tasklet is done (contData: the Tasklet) */
  TaskletEnd,
}

export class Frame {
  pc = 0;
  sp: number;
  /** locals in [0, nlocals), the value stack above them */
  readonly regs: Slot[];
  /** cellvars then freevars */
  readonly cells: PyCell[] | null;
  /** the namespace mapping of a module or class body; null for functions */
  readonly locals: Map<string, Value> | null;
  back: Frame | null = null;
  cont: Cont = Cont.Push;
  contData: unknown = null;
  /** the generator that owns this frame, if any */
  generator: PyGenerator | null = null;
  /** number of frames below this one on its chain, for the recursion limit */
  depth = 0;

  constructor(
    readonly code: CodeObject,
    readonly globals: Map<string, Value>,
    locals: Map<string, Value> | null,
    cells: PyCell[] | null,
  ) {
    const n = code.varnames.length;
    // holey on purpose: filling costs more than the holes do on this hot path
    this.regs = new Array<Slot>(n + code.maxStack);
    this.sp = n;
    this.cells = cells;
    this.locals = locals;
  }
}

