// The shapes of spy values. Small ints are JS numbers, big ints BigInt, str a JS string,
// bool a JS boolean and None `null` — so the hot loop never boxes them (DESIGN.md decision 8).
// Everything else is a heap object whose `cls` names its spy type. Hot objects set every field
// in the constructor, in one order.
import { CO_GENERATOR, type CodeObject } from '../bytecode/code.js';
import { AttrMap } from './attrs.js';

export type Value = number | bigint | string | boolean | null | PyObject;

/** An unbound local / empty stack slot / "no self" in LOAD_METHOD. Never a user-visible value. */
export type Slot = Value | undefined;

/**
 * A module namespace (globals, builtins) that keeps LOAD_GLOBAL caches honest: rebinding or
 * deleting a name some cache holds bumps `Namespace.epoch`, which every cache entry checks.
 * No instance fields, so a plain Map handed in by a host can be adopted in place.
 */
export class Namespace extends Map<string, Value> {
  /** bumped when a cached name is written in any namespace */
  static epoch = 0;
  /** names some LOAD_GLOBAL cache entry holds */
  static readonly cached = new Set<string>();

  override set(name: string, v: Value): this {
    if (Namespace.cached.has(name)) Namespace.epoch++;
    return super.set(name, v);
  }
  override delete(name: string): boolean {
    if (Namespace.cached.has(name)) Namespace.epoch++;
    return super.delete(name);
  }
  override clear(): void {
    Namespace.epoch++;
    super.clear();
  }
}

/** One LOAD_GLOBAL site's cache: `value` is current while `globals` and `epoch` still match. */
export interface GlobalEntry {
  globals: Map<string, Value> | null;
  epoch: number;
  value: Value;
}

export abstract class PyObject {
  abstract cls: PyClass;
}

export type NativeFn = (args: Value[], kw: Map<string, Value> | null) => Value | typeof PENDING;

/** Returned by natives and helpers that pushed a frame (or switched): the loop must reload. */
export const PENDING: unique symbol = Symbol('pending');
export type Result = Value | typeof PENDING;

export class PyClass extends PyObject {
  cls!: PyClass;
  name: string;
  qualname: string;
  module: string;
  bases: PyClass[];
  mro: PyClass[] = [];
  readonly dict: Map<string, Value>;
  /** the builtin type whose storage instances use (list for `class L(list)`), or null for object */
  base: PyClass | null = null;
  /** set for builtin types; user classes inherit it to know how to build instances */
  nativeKind: string;
  /** bumped on any dict change of this class or a base: invalidates lookup caches */
  version = 0;
  /** lookup()'s answers by name: ABSENT for a name no class on the MRO has */
  readonly cache = new Map<string, Value | typeof ABSENT>();
  cacheVersion = -1;
  /** names along the MRO bound to data descriptors (property, __set__); null when none */
  dataDescriptors: Set<string> | null = null;
  /** the class (or a base) defines __setattr__ in spy */
  customSetattr = false;
  /** `__init__` when construction is object.__new__ then this simple spy function, else null */
  plainInit: PyFunction | null = null;
  factsVersion = -1;
  isException = false;
  /** `__dict__` of instances exists (user classes) */
  hasInstanceDict: boolean;
  /** attributes computed by TypeScript (CPython's getset descriptors): `exc.args`, `f.__name__` */
  readonly getters = new Map<string, (self: Value) => Value>();
  /** user classes only: the namespace came from a class statement */
  isUserClass = false;
  /** builtin types only: `T(args)` in one step when that is all construction does (str(x), int(x)) */
  callFast: NativeFn | null = null;

  constructor(name: string, bases: PyClass[], dict: Map<string, Value>, nativeKind: string, hasInstanceDict: boolean) {
    super();
    this.name = name;
    this.qualname = name;
    this.module = 'builtins';
    this.bases = bases;
    this.dict = dict;
    this.nativeKind = nativeKind;
    this.hasInstanceDict = hasInstanceDict;
  }
}

/** An instance of a user class (whose bases are all plain object-derived). */
export class PyInstance extends PyObject {
  cls: PyClass;
  readonly dict: AttrMap;
  constructor(cls: PyClass) {
    super();
    this.cls = cls;
    this.dict = new AttrMap();
  }
}

export class PyFloat extends PyObject {
  get cls(): PyClass { return floatType; }
  constructor(readonly value: number) { super(); }
}

export class PyTuple extends PyObject {
  cls: PyClass;
  readonly items: Value[];
  /** attributes of instances of tuple subclasses (namedtuple) */
  dict: Map<string, Value> | null = null;
  constructor(items: Value[], cls?: PyClass) {
    super();
    this.cls = cls ?? tupleType;
    this.items = items;
  }
}

export class PyList extends PyObject {
  cls: PyClass;
  items: Value[];
  dict: Map<string, Value> | null = null;
  constructor(items: Value[], cls?: PyClass) {
    super();
    this.cls = cls ?? listType;
    this.items = items;
  }
}

export class PyCell extends PyObject {
  get cls(): PyClass { return cellType; }
  value: Slot;
  constructor(value: Slot) { super(); this.value = value; }
}

export class PyFunction extends PyObject {
  get cls(): PyClass { return functionType; }
  name: string;
  qualname: string;
  defaults: Value[];
  kwdefaults: Map<string, Value> | null;
  readonly closure: PyCell[] | null;
  readonly dict: Map<string, Value> = new Map();
  doc: Value;
  module: Value;
  /** plain positional signature without cells: the CALL fast path applies */
  readonly simple: boolean;
  /** for a simple function that is not a generator, its argument count (else -1): a call with
   * exactly that many positional arguments just copies them into the new frame */
  readonly exactArgs: number;
  constructor(
    readonly code: CodeObject,
    readonly globals: Map<string, Value>,
    defaults: Value[],
    kwdefaults: Map<string, Value> | null,
    closure: PyCell[] | null,
  ) {
    super();
    this.name = code.name;
    this.qualname = code.qualname;
    this.defaults = defaults;
    this.kwdefaults = kwdefaults;
    this.closure = closure;
    this.doc = code.docstring;
    this.module = globals.get('__name__') ?? null;
    this.simple = code.kwonlyCount === 0 && (code.flags & 3) === 0 && code.cellvars.length === 0;
    this.exactArgs = this.simple && (code.flags & CO_GENERATOR) === 0 ? code.argcount : -1;
  }
}

export class PyNative extends PyObject {
  get cls(): PyClass { return this.owner === null ? builtinFunctionType : methodDescriptorType; }
  constructor(
    readonly name: string,
    readonly fn: NativeFn,
    /** the type this is a method of (for reprs and self checks), or null for a plain function */
    readonly owner: PyClass | null = null,
    readonly module: string = 'builtins',
    /** for methods: the body taking self apart from the arguments, so CALL_METHOD needs no slice */
    readonly method: ((self: Value, args: Value[], kw: Map<string, Value> | null) => Value | typeof PENDING) | null = null,
  ) { super(); }
}

export class PyBoundMethod extends PyObject {
  /** CPython: a builtin bound to its object is a builtin_function_or_method, not a method */
  get cls(): PyClass { return this.fn instanceof PyNative ? builtinFunctionType : methodType; }
  constructor(readonly self: Value, readonly fn: Value) { super(); }
}

export class PyModule extends PyObject {
  get cls(): PyClass { return moduleType; }
  constructor(readonly name: string, readonly dict: Map<string, Value>) { super(); }
}

export class PySlice extends PyObject {
  get cls(): PyClass { return sliceType; }
  constructor(readonly start: Value, readonly stop: Value, readonly step: Value) { super(); }
}

export class PyRange extends PyObject {
  get cls(): PyClass { return rangeType; }
  constructor(readonly start: number, readonly stop: number, readonly step: number) { super(); }
  get length(): number {
    const { start, stop, step } = this;
    if (step > 0) return stop > start ? Math.floor((stop - start - 1) / step) + 1 : 0;
    return start > stop ? Math.floor((start - stop - 1) / -step) + 1 : 0;
  }
}

export class PyProperty extends PyObject {
  get cls(): PyClass { return propertyType; }
  constructor(readonly fget: Value, readonly fset: Value, readonly fdel: Value, readonly doc: Value) { super(); }
}

export class PyStaticMethod extends PyObject {
  get cls(): PyClass { return staticmethodType; }
  constructor(readonly fn: Value) { super(); }
}

export class PyClassMethod extends PyObject {
  get cls(): PyClass { return classmethodType; }
  constructor(readonly fn: Value) { super(); }
}

export class PySuper extends PyObject {
  get cls(): PyClass { return superType; }
  constructor(readonly thisClass: PyClass, readonly self: Value, readonly selfClass: PyClass) { super(); }
}

/** Iterators implemented in TypeScript: `next` returns DONE when exhausted. */
export const DONE: unique symbol = Symbol('done');
/** a negative answer in a class's lookup cache */
export const ABSENT = Symbol('absent');
export class PyNativeIter extends PyObject {
  cls: PyClass;
  constructor(private readonly step: () => Value | typeof DONE, cls?: PyClass) {
    super();
    this.cls = cls ?? iteratorType;
  }
  next(): Value | typeof DONE {
    return this.step();
  }
}

const NO_STEP = (): typeof DONE => DONE;

/** range()'s iterator: FOR_ITER steps it inline, everything else calls next() */
export class PyRangeIter extends PyNativeIter {
  cur: number;
  readonly stop: number;
  readonly stride: number;
  constructor(r: PyRange, cls: PyClass) {
    super(NO_STEP, cls);
    this.cur = r.start;
    this.stop = r.stop;
    this.stride = r.step;
  }
  override next(): Value | typeof DONE {
    const v = this.cur;
    if (this.stride > 0 ? v >= this.stop : v <= this.stop) return DONE;
    this.cur = v + this.stride;
    return v;
  }
}

/** a list's iterator: it sees the list change while it runs, as CPython's does */
export class PyListIter extends PyNativeIter {
  index = 0;
  constructor(readonly list: PyList, cls: PyClass) {
    super(NO_STEP, cls);
  }
  override next(): Value | typeof DONE {
    const items = this.list.items;
    if (this.index < items.length) return items[this.index++];
    this.index = EXHAUSTED;
    return DONE;
  }
}

/** past any list's end, for good (still a small int, so the field stays one) */
export const EXHAUSTED = 0x3fffffff;

export class PyBytes extends PyObject {
  get cls(): PyClass { return bytesType; }
  constructor(readonly bytes: Uint8Array) { super(); }
}

export class PyNotImplemented extends PyObject {
  get cls(): PyClass { return notImplementedType; }
}

export class PyEllipsis extends PyObject {
  get cls(): PyClass { return ellipsisType; }
}

/** Exception instances. `args` is the tuple given to the constructor. */
export class PyException extends PyObject {
  cls: PyClass;
  args: PyTuple;
  dict: Map<string, Value>;
  traceback: TracebackEntry | null = null;
  cause: PyException | null = null;
  context: PyException | null = null;
  suppressContext = false;
  /** NameError only: the names in scope where it was raised, for "Did you mean" */
  scopeNames: (() => string[][]) | null = null;
  constructor(cls: PyClass, args: PyTuple) {
    super();
    this.cls = cls;
    this.args = args;
    this.dict = new Map();
  }
}

/** One line of a traceback: newest entries are at the head (CPython's tb_next chain order). */
export interface TracebackEntry {
  readonly code: CodeObject;
  readonly pc: number;
  readonly next: TracebackEntry | null;
}

// ---- the builtin type objects ---------------------------------------------------------
// Created here (empty) so every module can refer to them; stdlib/builtins fills their dicts.

function builtinType(name: string, nativeKind = name, hasDict = false): PyClass {
  return new PyClass(name, [], new Map(), nativeKind, hasDict);
}

export const typeType = builtinType('type');
export const objectType = builtinType('object');
export const intType = builtinType('int');
export const boolType = builtinType('bool');
export const floatType = builtinType('float');
export const strType = builtinType('str');
export const bytesType = builtinType('bytes');
export const noneType = builtinType('NoneType');
export const tupleType = builtinType('tuple');
export const listType = builtinType('list');
export const dictType = builtinType('dict');
export const setType = builtinType('set');
export const frozensetType = builtinType('frozenset');
export const rangeType = builtinType('range');
export const sliceType = builtinType('slice');
export const functionType = builtinType('function', 'function', true);
export const builtinFunctionType = builtinType('builtin_function_or_method');
export const methodType = builtinType('method');
export const methodDescriptorType = builtinType('method_descriptor');
export const cellType = builtinType('cell');
export const moduleType = builtinType('module');
export const propertyType = builtinType('property');
export const staticmethodType = builtinType('staticmethod');
export const classmethodType = builtinType('classmethod');
export const superType = builtinType('super');
export const iteratorType = builtinType('iterator');
export const generatorType = builtinType('generator');
export const notImplementedType = builtinType('NotImplementedType');
export const ellipsisType = builtinType('ellipsis');
export const codeType = builtinType('code');

export const NotImplemented = new PyNotImplemented();
export const Ellipsis = new PyEllipsis();

for (const t of [typeType, objectType, intType, boolType, floatType, strType, bytesType, noneType, tupleType, listType,
  dictType, setType, frozensetType, rangeType, sliceType, functionType, builtinFunctionType, methodType, cellType,
  moduleType, propertyType, staticmethodType, classmethodType, superType, iteratorType, generatorType,
  notImplementedType, ellipsisType, codeType, methodDescriptorType]) {
  t.cls = typeType;
  if (t !== objectType) {
    t.bases = [t === boolType ? intType : objectType];
  }
}
for (const t of [typeType, objectType, intType, boolType, floatType, strType, bytesType, noneType, tupleType, listType,
  dictType, setType, frozensetType, rangeType, sliceType, functionType, builtinFunctionType, methodType, cellType,
  moduleType, propertyType, staticmethodType, classmethodType, superType, iteratorType, generatorType,
  notImplementedType, ellipsisType, codeType, methodDescriptorType]) {
  t.mro = t === objectType ? [objectType] : t === boolType ? [boolType, intType, objectType] : [t, objectType];
  t.base = t === objectType ? null : t;
}
objectType.base = null;

/** A builtin class deriving from object, created by another module (iterators, views, tasklet). */
export function nativeClass(name: string, module = 'builtins', nativeKind = name): PyClass {
  const t = new PyClass(name, [objectType], new Map(), nativeKind, false);
  t.cls = typeType;
  t.mro = [t, objectType];
  t.base = t;
  t.module = module;
  return t;
}
