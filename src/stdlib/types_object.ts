// object, type, int, float, bool, NoneType, exceptions, property/staticmethod/classmethod,
// slice and range: their constructors (__new__/__init__) and methods, as CPython defines them.
import {
  Value, PyObject, PyClass, PyFloat, PyTuple, PyList, PyInstance, PyException, PyProperty, PyStaticMethod,
  PyClassMethod, PySlice, PyRange, PyNative, PyFunction, PENDING, NotImplemented, PyBytes,
  typeType, objectType, intType, boolType, floatType, propertyType, staticmethodType, classmethodType, sliceType,
  rangeType, noneType, bytesType, tupleType, strType,
} from '../vm/values.js';
import { PyDict, PySet } from '../vm/objects.js';
import {
  raise, EXCEPTION_CLASSES, BaseException, TypeError, ValueError, OverflowError, StopIteration, KeyError,
  SyntaxError as SyntaxErrorCls,
} from '../vm/errors.js';
import { typeOf, lookup, isSubtype } from '../vm/types.js';
import * as ops from '../vm/ops.js';
import * as N from '../vm/numbers.js';
import { builtinRepr } from '../vm/repr.js';
import type { VM } from '../vm/interp.js';
import { method, arity, toInt, toSmallInt, toFloat, checkKw, kwArg } from './native.js';
import { parseIntLiteral, parseFloatLiteral } from './types_str.js';
import { identityOf } from '../vm/hashtable.js';

function newFn(cls: PyClass, f: (cls: PyClass, args: Value[], kw: Map<string, Value> | null) => Value): void {
  cls.dict.set('__new__', new PyStaticMethod(new PyNative('__new__', (args, kw) => {
    const c = args[0];
    if (!(c instanceof PyClass)) throw raise(TypeError, `${cls.name}.__new__(X): X is not a type object (${typeOf(c).name})`);
    if (!isSubtype(c, cls)) throw raise(TypeError, `${cls.name}.__new__(${c.name}): ${c.name} is not a subtype of ${cls.name}`);
    return f(c, args.slice(1), kw);
  }, cls)));
}

export function installObjectMethods(vm: VM): void {
  // ---- object ----
  const objectNew = (cls: PyClass, args: Value[]): Value => {
    if (args.length && (lookup(cls, '__init__') === objectInit || lookup(cls, '__new__') !== objectNewFn)) {
      if (lookup(cls, '__new__') !== objectNewFn) throw raise(TypeError, 'object.__new__() takes exactly one argument (the type to instantiate)');
      throw raise(TypeError, `${cls.name}() takes no arguments`);
    }
    return instantiate(cls);
  };
  newFn(objectType, (cls, args) => objectNew(cls, args));
  const objectNewFn = objectType.dict.get('__new__') as Value;
  method(objectType, '__init__', (self, args) => {
    if (args.length) {
      const cls = typeOf(self);
      if (lookup(cls, '__init__') !== objectInit) throw raise(TypeError, 'object.__init__() takes exactly one argument (the instance to initialize)');
      if (lookup(cls, '__new__') === objectNewFn) throw raise(TypeError, `${cls.name}() takes no arguments`);
    }
    return null;
  });
  const objectInit = objectType.dict.get('__init__') as Value;
  method(objectType, '__repr__', (self) => builtinRepr(vm, self as PyObject));
  method(objectType, '__str__', (self) => vm.repr(self));
  method(objectType, '__eq__', (self, args) => (self === args[0] ? true : NotImplemented));
  method(objectType, '__ne__', (self, args) => {
    const eq = lookup(typeOf(self), '__eq__');
    if (eq === undefined) return NotImplemented;
    const r = vm.callNested(eq, [self, args[0]]);
    return r === NotImplemented ? r : !ops.truthy(vm, r);
  });
  for (const n of ['__lt__', '__le__', '__gt__', '__ge__']) method(objectType, n, () => NotImplemented);
  method(objectType, '__hash__', (self) => ops.builtinHash(vm, self));
  method(objectType, '__setattr__', (self, args) => ops.genericSetattr(self, args[0] as string, args[1]));
  method(objectType, '__delattr__', (self, args) => {
    const d = ops.instanceDict(self);
    if (!d || !d.delete(args[0] as string)) throw raise(TypeError, `'${typeOf(self).name}' object has no attribute '${String(args[0])}'`);
    return null;
  });
  method(objectType, '__getattribute__', (self, args) => ops.getAttrNested(vm, self, args[0] as string));
  method(objectType, '__format__', (self, args) => {
    if (args[0] !== '') throw raise(TypeError, `unsupported format string passed to ${typeOf(self).name}.__format__`);
    return vm.str(self);
  });
  method(objectType, '__dir__', (self) => new PyList([...(ops.instanceDict(self)?.keys() ?? [])]));
  objectType.dict.set('__init_subclass__', new PyClassMethod(new PyNative('__init_subclass__', () => null, objectType)));

  // ---- type ----
  newFn(typeType, (cls, args) => {
    if (args.length === 1) return typeOf(args[0]);
    if (args.length !== 3) throw raise(TypeError, 'type() takes 1 or 3 arguments');
    const [name, bases, ns] = args;
    if (typeof name !== 'string') throw raise(TypeError, `type.__new__() argument 1 must be str, not ${typeOf(name).name}`);
    const bl = bases instanceof PyTuple ? bases.items.map((b) => b as PyClass) : [];
    const m = new Map<string, Value>();
    if (ns instanceof PyDict) for (const e of ns.table.entries()) m.set(e.key as string, e.value);
    if (!m.has('__module__')) m.set('__module__', vm.frame?.globals.get('__name__') ?? '__main__');
    const c = vm.makeClass(name, bl, m);
    if (cls !== typeType) c.cls = cls;
    return c;
  });
  method(typeType, '__init__', () => null);
  method(typeType, 'mro', (self) => new PyList((self as PyClass).mro));
  method(typeType, '__subclasses__', () => new PyList([]));
  method(typeType, '__repr__', (self) => builtinRepr(vm, self as PyObject));
  method(typeType, '__call__', (self, args, kw) => vm.construct(self as PyClass, args, kw, 0, null));

  // ---- NoneType ----
  newFn(noneType, () => null);

  // ---- int ----
  newFn(intType, (cls, args, kw) => {
    checkKw('int', kw, ['base']);
    if (args.length > 2) throw raise(TypeError, `int() takes at most 2 arguments (${args.length} given)`);
    const baseV = args.length > 1 ? args[1] : kwArg(kw, 'base');
    let r: N.Int;
    if (args.length === 0) r = 0;
    else if (baseV !== undefined) {
      const s = args[0];
      if (typeof s !== 'string') throw raise(TypeError, "int() can't convert non-string with explicit base");
      const base = toSmallInt(vm, baseV);
      if (base !== 0 && (base < 2 || base > 36)) throw raise(ValueError, 'int() base must be >= 2 and <= 36, or 0');
      r = parseIntLiteral(s, base);
    } else r = intFrom(vm, args[0]);
    if (cls !== intType) {
      if (cls === boolType) return ops.truthy(vm, r);
      throw raise(TypeError, `subclassing int is not supported (${cls.name})`);
    }
    return r;
  });
  method(intType, 'bit_length', (self) => {
    const v = N.big(toInt(vm, self));
    return (v < 0n ? -v : v).toString(2).replace(/^0$/, '').length;
  });
  method(intType, 'bit_count', (self) => {
    const v = N.big(toInt(vm, self));
    return [...(v < 0n ? -v : v).toString(2)].filter((c) => c === '1').length;
  });
  method(intType, 'conjugate', (self) => toInt(vm, self));
  method(intType, '__index__', (self) => toInt(vm, self));
  method(intType, '__int__', (self) => toInt(vm, self));
  method(intType, '__float__', (self) => new PyFloat(N.intToFloat(toInt(vm, self))));
  method(intType, '__hash__', (self) => ops.builtinHash(vm, self));
  method(intType, '__repr__', (self) => vm.repr(self));
  method(intType, '__format__', (self, args) => ops.formatValue(vm, self, args[0] as string));
  method(intType, 'as_integer_ratio', (self) => new PyTuple([toInt(vm, self), 1]));
  method(intType, 'to_bytes', (self, args, kw) => {
    const n = N.big(toInt(vm, self));
    const length = toSmallInt(vm, args[0] ?? kwArg(kw, 'length') ?? 1);
    const order = (args[1] ?? kwArg(kw, 'byteorder') ?? 'big') as string;
    const out = new Uint8Array(length);
    let x = n < 0n ? (1n << BigInt(8 * length)) + n : n;
    if (x >= 1n << BigInt(8 * length)) throw raise(OverflowError, 'int too big to convert');
    for (let i = length - 1; i >= 0; i--) { out[i] = Number(x & 255n); x >>= 8n; }
    if (order === 'little') out.reverse();
    return new PyBytes(out);
  });
  intType.dict.set('from_bytes', new PyClassMethod(new PyNative('from_bytes', (args, kw) => {
    const bytes = args[1];
    const order = (args[2] ?? kwArg(kw, 'byteorder') ?? 'big') as string;
    const arr = bytes instanceof PyBytes ? [...bytes.bytes] : ops.toArray(vm, bytes).map(Number);
    if (order === 'little') arr.reverse();
    let x = 0n;
    for (const v of arr) x = (x << 8n) | BigInt(v);
    return N.normBig(x);
  }, intType)));
  for (const [name, get] of [['real', (v: Value) => toInt(vm, v)], ['imag', () => 0], ['numerator', (v: Value) => toInt(vm, v)], ['denominator', () => 1]] as const) {
    intType.getters.set(name, get);
  }
  for (const sym of ['+', '-', '*', '/', '//', '%', '**', '<<', '>>', '&', '|', '^']) {
    const names: Record<string, string> = { '+': 'add', '-': 'sub', '*': 'mul', '/': 'truediv', '//': 'floordiv', '%': 'mod', '**': 'pow', '<<': 'lshift', '>>': 'rshift', '&': 'and', '|': 'or', '^': 'xor' };
    const idx = ['+', '-', '*', '/', '//', '%', '**', '<<', '>>', '&', '|', '^'].indexOf(sym);
    for (const cls of [intType, floatType]) {
      method(cls, `__${names[sym]}__`, (self, args) => {
        const o = args[0];
        if (!(typeof o === 'number' || typeof o === 'bigint' || typeof o === 'boolean' || o instanceof PyFloat)) return NotImplemented;
        if (cls === intType && o instanceof PyFloat) return NotImplemented;
        return ops.binaryOp(vm, idx, self, o);
      });
      method(cls, `__r${names[sym]}__`, (self, args) => {
        const o = args[0];
        if (!(typeof o === 'number' || typeof o === 'bigint' || typeof o === 'boolean' || o instanceof PyFloat)) return NotImplemented;
        return ops.binaryOp(vm, idx, o, self);
      });
    }
  }
  for (const [i, n] of ['__lt__', '__le__', '__eq__', '__ne__', '__gt__', '__ge__'].entries()) {
    for (const cls of [intType, floatType, strType, tupleType]) {
      method(cls, n, (self, args) => {
        const o = args[0];
        const ok = cls === strType ? typeof o === 'string' : cls === tupleType ? o instanceof PyTuple
          : (typeof o === 'number' || typeof o === 'bigint' || typeof o === 'boolean' || o instanceof PyFloat);
        if (!ok) return NotImplemented;
        return ops.richCompareNested(vm, i, self, o);
      });
    }
  }
  method(intType, '__neg__', (self) => N.intNeg(toInt(vm, self)));
  method(intType, '__abs__', (self) => { const v = toInt(vm, self); return v < 0 ? N.intNeg(v) : v; });
  method(intType, '__bool__', (self) => ops.truthy(vm, self));

  // ---- bool ----
  newFn(boolType, (_cls, args) => {
    arity('bool', args, 0, 1);
    return args.length ? ops.truthy(vm, args[0]) : false;
  });
  method(boolType, '__repr__', (self) => (self ? 'True' : 'False'));

  // ---- float ----
  newFn(floatType, (_cls, args) => {
    arity('float', args, 0, 1);
    if (!args.length) return new PyFloat(0);
    const v = args[0];
    if (typeof v === 'string') return new PyFloat(parseFloatLiteral(v));
    if (v instanceof PyFloat) return v;
    return new PyFloat(toFloat(vm, v));
  });
  method(floatType, 'is_integer', (self) => Number.isInteger((self as PyFloat).value));
  method(floatType, '__int__', (self) => truncFloat((self as PyFloat).value));
  method(floatType, '__float__', (self) => self);
  method(floatType, '__repr__', (self) => vm.repr(self));
  method(floatType, '__hash__', (self) => ops.builtinHash(vm, self));
  method(floatType, '__format__', (self, args) => ops.formatValue(vm, self, args[0] as string));
  method(floatType, '__neg__', (self) => new PyFloat(-(self as PyFloat).value));
  method(floatType, '__abs__', (self) => new PyFloat(Math.abs((self as PyFloat).value)));
  method(floatType, '__round__', (self, args) => vm.callNested(vm.builtins.get('round') as Value, [self, ...args]));
  method(floatType, '__trunc__', (self) => truncFloat((self as PyFloat).value));
  method(floatType, 'conjugate', (self) => self);
  method(floatType, 'as_integer_ratio', (self) => {
    const x = (self as PyFloat).value;
    if (!Number.isFinite(x)) throw raise(Number.isNaN(x) ? ValueError : OverflowError, Number.isNaN(x) ? 'cannot convert NaN to integer ratio' : 'cannot convert Infinity to integer ratio');
    let num = x, den = 1n;
    while (!Number.isInteger(num)) { num *= 2; den *= 2n; }
    let n = BigInt(num);
    const g = gcd(n < 0n ? -n : n, den);
    n /= g; den /= g;
    return new PyTuple([N.normBig(n), N.normBig(den)]);
  });
  floatType.getters.set('real', (v) => v);
  floatType.getters.set('imag', () => new PyFloat(0));

  // ---- exceptions ----
  newFn(BaseException, (cls, args) => new PyException(cls, new PyTuple(args)));
  method(BaseException, '__init__', (self, args) => {
    (self as PyException).args = new PyTuple(args);
    return null;
  });
  method(BaseException, '__str__', (self) => {
    const e = self as PyException;
    const a = e.args.items;
    if (isSubtype(e.cls, KeyError) && a.length === 1) return vm.repr(a[0]);
    return a.length === 0 ? '' : a.length === 1 ? vm.str(a[0]) : vm.repr(e.args);
  });
  method(BaseException, '__repr__', (self) => builtinRepr(vm, self as PyObject));
  method(BaseException, 'with_traceback', (self) => self);
  BaseException.getters.set('args', (e) => (e as PyException).args);
  BaseException.getters.set('__cause__', (e) => (e as PyException).cause);
  BaseException.getters.set('__context__', (e) => (e as PyException).context);
  BaseException.getters.set('__suppress_context__', (e) => (e as PyException).suppressContext);
  BaseException.getters.set('__traceback__', (e) => ops.tracebackObject(e as PyException));
  StopIteration.getters.set('value', (e) => ops.stopIterationValue(e as PyException));
  for (const cls of EXCEPTION_CLASSES) {
    if (cls.name === 'SystemExit') cls.getters.set('code', (e) => { const a = (e as PyException).args.items; return a.length === 0 ? null : a.length === 1 ? a[0] : (e as PyException).args; });
  }
  SyntaxErrorCls.getters.set('msg', (e) => (e as PyException).args.items[0] ?? null);

  // ---- property / staticmethod / classmethod ----
  newFn(propertyType, (_cls, args, kw) => {
    checkKw('property', kw, ['fget', 'fset', 'fdel', 'doc']);
    const get = (i: number, k: string): Value => args[i] ?? kwArg(kw, k) ?? null;
    return new PyProperty(get(0, 'fget'), get(1, 'fset'), get(2, 'fdel'), get(3, 'doc'));
  });
  method(propertyType, '__init__', () => null);
  method(propertyType, 'getter', (self, args) => { const p = self as PyProperty; return new PyProperty(args[0], p.fset, p.fdel, p.doc); });
  method(propertyType, 'setter', (self, args) => { const p = self as PyProperty; return new PyProperty(p.fget, args[0], p.fdel, p.doc); });
  method(propertyType, 'deleter', (self, args) => { const p = self as PyProperty; return new PyProperty(p.fget, p.fset, args[0], p.doc); });
  method(propertyType, '__get__', (self, args) => {
    const p = self as PyProperty;
    if (args[0] === null) return self;
    return vm.callNested(p.fget, [args[0]]);
  });
  propertyType.getters.set('fget', (p) => (p as PyProperty).fget);
  propertyType.getters.set('fset', (p) => (p as PyProperty).fset);
  propertyType.getters.set('fdel', (p) => (p as PyProperty).fdel);
  propertyType.getters.set('__doc__', (p) => { const q = p as PyProperty; return q.doc ?? (q.fget instanceof PyFunction ? q.fget.doc : null); });
  newFn(staticmethodType, (_cls, args) => { arity('staticmethod', args, 1, 1); return new PyStaticMethod(args[0]); });
  method(staticmethodType, '__init__', () => null);
  staticmethodType.getters.set('__func__', (s) => (s as PyStaticMethod).fn);
  newFn(classmethodType, (_cls, args) => { arity('classmethod', args, 1, 1); return new PyClassMethod(args[0]); });
  method(classmethodType, '__init__', () => null);
  classmethodType.getters.set('__func__', (s) => (s as PyClassMethod).fn);

  // ---- slice ----
  newFn(sliceType, (_cls, args) => {
    arity('slice', args, 1, 3);
    if (args.length === 1) return new PySlice(null, args[0], null);
    return new PySlice(args[0], args[1], args[2] ?? null);
  });
  sliceType.getters.set('start', (s) => (s as PySlice).start);
  sliceType.getters.set('stop', (s) => (s as PySlice).stop);
  sliceType.getters.set('step', (s) => (s as PySlice).step);
  method(sliceType, 'indices', (self, args) => new PyTuple(ops.sliceIndices(vm, self as PySlice, toSmallInt(vm, args[0]))));

  // ---- range ----
  newFn(rangeType, (_cls, args) => {
    arity('range', args, 1, 3);
    const ints = args.map((a) => {
      if (a instanceof PyFloat) throw raise(TypeError, "'float' object cannot be interpreted as an integer");
      return toSmallInt(vm, a);
    });
    if (ints.length === 1) return new PyRange(0, ints[0], 1);
    const step = ints[2] ?? 1;
    if (step === 0) throw raise(ValueError, 'range() arg 3 must not be zero');
    return new PyRange(ints[0], ints[1], step);
  });
  rangeType.getters.set('start', (r) => (r as PyRange).start);
  rangeType.getters.set('stop', (r) => (r as PyRange).stop);
  rangeType.getters.set('step', (r) => (r as PyRange).step);
  method(rangeType, '__len__', (self) => (self as PyRange).length);
  method(rangeType, '__iter__', (self) => ops.nativeIter(vm, self) as Value);
  method(rangeType, '__reversed__', (self) => {
    const r = self as PyRange;
    const n = r.length;
    return ops.nativeIter(vm, new PyRange(r.start + (n - 1) * r.step, r.start - r.step, -r.step)) as Value;
  });
  method(rangeType, 'index', (self, args) => {
    const r = self as PyRange;
    const v = args[0];
    if (ops.contains(vm, r, v, false) === true) return (Number(v) - r.start) / r.step;
    throw raise(ValueError, `${vm.repr(v)} is not in range`);
  });
  method(rangeType, 'count', (self, args) => (ops.contains(vm, self, args[0], false) === true ? 1 : 0));

  // ---- bytes (enough to round-trip text) ----
  newFn(bytesType, (_cls, args) => {
    if (!args.length) return new PyBytes(new Uint8Array());
    const v = args[0];
    if (typeof v === 'string') return new PyBytes(new TextEncoder().encode(v));
    if (typeof v === 'number') return new PyBytes(new Uint8Array(v));
    return new PyBytes(Uint8Array.from(ops.toArray(vm, v).map((x) => Number(x))));
  });
  method(bytesType, 'decode', (self) => new TextDecoder().decode((self as PyBytes).bytes));
  method(bytesType, '__len__', (self) => (self as PyBytes).bytes.length);
  method(bytesType, 'hex', (self) => [...(self as PyBytes).bytes].map((b) => b.toString(16).padStart(2, '0')).join(''));
  void [PyInstance, PySet, PENDING, identityOf, PyList];
}

function gcd(a: bigint, b: bigint): bigint {
  while (b) [a, b] = [b, a % b];
  return a;
}

export function truncFloat(x: number): N.Int {
  if (Number.isNaN(x)) throw raise(ValueError, 'cannot convert float NaN to integer');
  if (!Number.isFinite(x)) throw raise(OverflowError, 'cannot convert float infinity to integer');
  const t = Math.trunc(x);
  return Number.isSafeInteger(t) ? (t === 0 ? 0 : t) : N.normBig(BigInt(t));
}

/** int(x) for one argument. */
function intFrom(vm: VM, v: Value): N.Int {
  if (typeof v === 'number' || typeof v === 'bigint') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (typeof v === 'string') return parseIntLiteral(v, 10);
  if (v instanceof PyFloat) return truncFloat(v.value);
  const cls = typeOf(v);
  for (const name of ['__int__', '__index__', '__trunc__']) {
    const m = lookup(cls, name);
    if (m !== undefined && !(m instanceof PyNative && m.owner === objectType)) {
      const r = vm.callNested(m, [v]);
      if (typeof r === 'number' || typeof r === 'bigint') return r;
      if (typeof r === 'boolean') return r ? 1 : 0;
      throw raise(TypeError, `${name} returned non-int (type ${typeOf(r).name})`);
    }
  }
  throw raise(TypeError, `int() argument must be a string, a bytes-like object or a real number, not '${cls.name}'`);
}

/** Storage for a new instance of `cls`, by the builtin type it derives from. */
export function instantiate(cls: PyClass): Value {
  switch (cls.nativeKind) {
    case 'object': return new PyInstance(cls);
    case 'exception': return new PyException(cls, new PyTuple([]));
    case 'list': return new PyList([], cls);
    case 'dict': return new PyDict(undefined, cls);
    case 'tuple': return new PyTuple([], cls);
    case 'set': return new PySet(false, undefined, cls);
    case 'frozenset': return new PySet(true, undefined, cls);
  }
  throw raise(TypeError, `cannot create '${cls.name}' instances`);
}
