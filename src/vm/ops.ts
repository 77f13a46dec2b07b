// Operations on values that the loop and the builtins share: arithmetic and comparison dispatch
// (with reflected dunders, called softly), truth, equality and hashing, attribute access,
// subscripts, iteration, exceptions and imports. Soft variants push a frame and return PENDING;
// `...Nested` variants run spy code in a nested loop and return its answer.
import { BIN_OPS, INPLACE_BASE, Op, binOpIndex } from '../bytecode/opcodes.js';
import { Cont } from './frame.js';
import { AttrMap } from './attrs.js';
import {
  PENDING, Result, Value, PyObject, PyClass, PyFloat, PyTuple, PyList, PyFunction, PyNative, PyBoundMethod,
  PyInstance, PyModule, PySlice, PyRange, PyProperty, PyStaticMethod, PyClassMethod, PySuper, PyNativeIter, DONE,
  PyRangeIter, PyListIter,
  PyException, PyBytes, PyCell, NotImplemented, Ellipsis,
  intType, boolType, floatType, strType, objectType, typeType, tupleType, listType, dictType, noneType,
} from './values.js';
import { PyDict, PySet, PyGenerator } from './objects.js';
import {
  raise, newException, TypeError, ValueError, AttributeError, IndexError, KeyError, StopIteration, ZeroDivisionError,
  BaseException, ImportError, ModuleNotFoundError, OverflowError,
} from './errors.js';
import { typeOf, lookup, isSubtype } from './types.js';
import * as N from './numbers.js';
import { classDefinesHash, identityOf } from './hashtable.js';
import type { VM } from './interp.js';
import { formatWithSpec } from './format.js';

const BIN_NAMES: Record<string, [string, string, string]> = {
  '+': ['__add__', '__radd__', '__iadd__'],
  '-': ['__sub__', '__rsub__', '__isub__'],
  '*': ['__mul__', '__rmul__', '__imul__'],
  '/': ['__truediv__', '__rtruediv__', '__itruediv__'],
  '//': ['__floordiv__', '__rfloordiv__', '__ifloordiv__'],
  '%': ['__mod__', '__rmod__', '__imod__'],
  '**': ['__pow__', '__rpow__', '__ipow__'],
  '<<': ['__lshift__', '__rlshift__', '__ilshift__'],
  '>>': ['__rshift__', '__rrshift__', '__irshift__'],
  '&': ['__and__', '__rand__', '__iand__'],
  '|': ['__or__', '__ror__', '__ior__'],
  '^': ['__xor__', '__rxor__', '__ixor__'],
  '@': ['__matmul__', '__rmatmul__', '__imatmul__'],
};

// ---- truth, identity, equality, hashing ---------------------------------------------------

export function truthy(vm: VM, v: Value): boolean {
  switch (typeof v) {
    case 'boolean': return v;
    case 'number': return v !== 0;
    case 'string': return v.length > 0;
    case 'bigint': return v !== 0n;
  }
  if (v === null) return false;
  if (v instanceof PyList || v instanceof PyTuple) {
    if (!v.cls.isUserClass) return v.items.length > 0;
  }
  if (v instanceof PyDict || v instanceof PySet) {
    if (!v.cls.isUserClass) return v.table.size > 0;
  }
  if (v instanceof PyFloat) return v.value !== 0;
  const cls = (v as PyObject).cls;
  const b = lookup(cls, '__bool__');
  if (b !== undefined) {
    const r = vm.callNested(b, [v]);
    if (typeof r !== 'boolean') throw raise(TypeError, `__bool__ should return bool, returned ${typeOf(r).name}`);
    return r;
  }
  const len = lookup(cls, '__len__');
  if (len !== undefined) return lenOf(vm, v) > 0;
  return true;
}

export function isSame(a: Value, b: Value): boolean {
  if (a === b) return true;
  // small ints and floats are values in spy: CPython caches small ints, so `is` on equal ints holds
  if (typeof a === 'bigint' && typeof b === 'bigint') return a === b;
  return false;
}

export function hasCustomHash(v: Value): boolean {
  if (!(v instanceof PyObject)) return false;
  const cls = v.cls;
  if (!cls.isUserClass) return false;
  return classDefinesHash(cls);
}

export function hashValue(vm: VM, v: Value): number {
  const cls = typeOf(v);
  const h = lookup(cls, '__hash__');
  if (h === null) throw raise(TypeError, `unhashable type: '${cls.name}'`);
  if (h === undefined || h instanceof PyNative) return Number(builtinHash(vm, v)) | 0;
  const r = vm.callNested(h, [v]);
  if (typeof r !== 'number' && typeof r !== 'bigint' && typeof r !== 'boolean') throw raise(TypeError, '__hash__ method should return an integer');
  return Number(BigInt.asIntN(32, N.big(r === true ? 1 : r === false ? 0 : r)));
}

const MODULUS = (1n << 61n) - 1n;

/** hash() as CPython computes it for ints, floats, strings (not CPython's), tuples and identity. */
export function builtinHash(vm: VM, v: Value): N.Int {
  switch (typeof v) {
    case 'boolean': return v ? 1 : 0;
    case 'number': return intHash(v);
    case 'bigint': return intHash(v);
    case 'string': return stringHash(v);
  }
  if (v === null) return 0x7c2d;
  if (v instanceof PyFloat) {
    const f = v.value;
    if (Number.isInteger(f)) return intHash(Number.isSafeInteger(f) ? f : BigInt(f));
    if (Number.isNaN(f)) return identityOf(v);
    if (!Number.isFinite(f)) return f > 0 ? 314159 : -314159;
    return floatHash(f);
  }
  if (v instanceof PyTuple) {
    // CPython's xxHash-based tuple hash
    const P1 = 11400714785074694791n, P2 = 14029467366897019727n, P5 = 2870177450012600261n;
    const M64 = (1n << 64n) - 1n;
    let acc = P5;
    for (const item of v.items) {
      const lane = BigInt.asUintN(64, BigInt(hashOf(vm, item)));
      acc = (acc + lane * P2) & M64;
      acc = ((acc << 31n) | (acc >> 33n)) & M64;
      acc = (acc * P1) & M64;
    }
    acc = (acc + (BigInt(v.items.length) ^ (P5 ^ 3527539n))) & M64;
    if (acc === M64) return 1546275796;
    return N.normBig(BigInt.asIntN(64, acc));
  }
  if (v instanceof PyList || v instanceof PyDict || (v instanceof PySet && !v.frozen)) {
    throw raise(TypeError, `unhashable type: '${typeOf(v).name}'`);
  }
  if (v instanceof PySet) {
    let h = 0;
    for (const e of v.table.entries()) h ^= Number(BigInt.asIntN(32, BigInt(hashOf(vm, e.key))) * 3644798167n % 4294967296n);
    return h;
  }
  return identityOf(v as object) * 16;
}

/** hash(v) honouring user __hash__ (nested call). */
export function hashOf(vm: VM, v: Value): N.Int {
  if (v instanceof PyObject && v.cls.isUserClass) {
    const h = lookup(v.cls, '__hash__');
    if (h === null) throw raise(TypeError, `unhashable type: '${v.cls.name}'`);
    if (h instanceof PyFunction) {
      const r = vm.callNested(h, [v]);
      if (typeof r === 'boolean') return r ? 1 : 0;
      if (typeof r !== 'number' && typeof r !== 'bigint') throw raise(TypeError, '__hash__ method should return an integer');
      return intHash(r);
    }
  }
  return builtinHash(vm, v);
}

function intHash(v: N.Int): N.Int {
  if (typeof v === 'number' && v >= -1152921504606846976 && v <= 1152921504606846976) {
    // |v| < 2^60 fits below the modulus
    return v === -1 ? -2 : v;
  }
  const b = N.big(v);
  let h = (b < 0n ? -b : b) % MODULUS;
  if (b < 0n) h = -h;
  if (h === -1n) h = -2n;
  return N.normBig(h);
}

function floatHash(f: number): N.Int {
  // CPython's _Py_HashDouble: reduce m * 2^e modulo 2^61-1
  const neg = f < 0;
  let m = Math.abs(f);
  let e = 0;
  while (m >= 1) { m /= 2; e++; }
  while (m < 0.5 && m !== 0) { m *= 2; e--; }
  let x = 0n;
  while (m) {
    x = ((x << 28n) & MODULUS) | (x >> (61n - 28n));
    m *= 268435456.0;
    e -= 28;
    const y = Math.floor(m);
    m -= y;
    x += BigInt(y);
    if (x >= MODULUS) x -= MODULUS;
  }
  const ee = e >= 0 ? BigInt(e % 61) : BigInt(61 - 1 - ((-1 - e) % 61));
  x = ((x << ee) & MODULUS) | (x >> (61n - ee));
  if (neg) x = -x;
  if (x === -1n) x = -2n;
  return N.normBig(x);
}

function stringHash(s: string): number {
  // FNV-1a: deterministic (CPython's is randomised per process, so no program relies on it)
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h | 0;
}

/** == for builtin values without calling spy code; undefined when spy code must decide. */
function primitiveEq(a: Value, b: Value): boolean | undefined {
  if (a === b) return !(a instanceof PyFloat && Number.isNaN(a.value));
  const ta = typeof a, tb = typeof b;
  if (ta === 'string' || tb === 'string') return false;
  const na = numericValue(a), nb = numericValue(b);
  if (na !== undefined && nb !== undefined) return numEq(na, nb);
  if (a === null || b === null) return false;
  return undefined;
}

function numericValue(v: Value): number | bigint | undefined {
  switch (typeof v) {
    case 'number': case 'bigint': return v;
    case 'boolean': return v ? 1 : 0;
  }
  if (v instanceof PyFloat) return v.value;
  return undefined;
}

function numEq(a: number | bigint, b: number | bigint): boolean {
  if (typeof a === typeof b) return a === b;
  if (typeof a === 'bigint') return Number.isInteger(b as number) && a === BigInt(b as number);
  return Number.isInteger(a) && BigInt(a) === b;
}

function numCmp(a: number | bigint, b: number | bigint): number {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : a === b ? 0 : NaN;
  if (typeof a === 'bigint' && typeof b === 'bigint') return a < b ? -1 : a > b ? 1 : 0;
  const fa = Number(a), fb = Number(b);
  if (Number.isNaN(fa) || Number.isNaN(fb)) return NaN;
  // an int against an infinite float: the float decides (a huge int converts to inf too)
  if (typeof b === 'number' && !Number.isFinite(b)) return b > 0 ? -1 : 1;
  if (typeof a === 'number' && !Number.isFinite(a)) return a > 0 ? 1 : -1;
  if (fa !== fb) return fa < fb ? -1 : 1;
  // equal as floats: compare exactly
  const x = typeof a === 'bigint' ? a : Number.isFinite(a) ? BigInt(Math.trunc(a)) : null;
  const y = typeof b === 'bigint' ? b : Number.isFinite(b) ? BigInt(Math.trunc(b)) : null;
  if (x === null || y === null) return fa < fb ? -1 : fa > fb ? 1 : 0;
  return x < y ? -1 : x > y ? 1 : 0;
}

/** a == b from TypeScript (dict keys, list.index, `in`): user __eq__ runs nested. */
export function equalsNested(vm: VM, a: Value, b: Value): boolean {
  if (a === b && !(a instanceof PyFloat)) return true;
  const p = primitiveEq(a, b);
  if (p !== undefined) return p;
  return truthy(vm, richCompareNested(vm, CMP_EQ, a, b));
}

// ---- comparisons ---------------------------------------------------------------------------

const CMP_EQ = 2;
const CMP_NAMES = ['__lt__', '__le__', '__eq__', '__ne__', '__gt__', '__ge__'];
const CMP_SWAP = [4, 5, 2, 3, 0, 1];
const CMP_SYMBOLS = ['<', '<=', '==', '!=', '>', '>='];

function cmpResult(op: number, c: number): boolean {
  if (Number.isNaN(c)) return op === 3;
  switch (op) {
    case 0: return c < 0;
    case 1: return c <= 0;
    case 2: return c === 0;
    case 3: return c !== 0;
    case 4: return c > 0;
    default: return c >= 0;
  }
}

/** Compares builtin values; undefined when neither side is a builtin comparable pair. */
function builtinCompare(vm: VM, op: number, a: Value, b: Value): Value | undefined {
  const na = numericValue(a), nb = numericValue(b);
  if (na !== undefined && nb !== undefined) return cmpResult(op, numCmp(na, nb));
  if (typeof a === 'string' && typeof b === 'string') return cmpResult(op, a < b ? -1 : a > b ? 1 : 0);
  const ca = typeOf(a), cb = typeOf(b);
  if ((a instanceof PyList && b instanceof PyList) || (a instanceof PyTuple && b instanceof PyTuple)) {
    if ((ca.isUserClass && lookup(ca, CMP_NAMES[op]) instanceof PyFunction) || (cb.isUserClass && lookup(cb, CMP_NAMES[op]) instanceof PyFunction)) return undefined;
    return sequenceCompare(vm, op, (a as PyList).items, (b as PyList).items);
  }
  if (op === 2 || op === 3) {
    if (a instanceof PyDict && b instanceof PyDict && !(ca.isUserClass && lookup(ca, '__eq__') instanceof PyFunction)) {
      return dictEquals(vm, a, b) === (op === 2);
    }
    if (a instanceof PySet && b instanceof PySet) return setEquals(vm, a, b) === (op === 2);
    if (a instanceof PyRange && b instanceof PyRange) {
      const eq = a.length === b.length && (a.length === 0 || (a.start === b.start && (a.length === 1 || a.step === b.step)));
      return eq === (op === 2);
    }
  } else if (a instanceof PySet && b instanceof PySet) {
    const sub = (x: PySet, y: PySet): boolean => [...x.table.entries()].every((e) => y.table.get(e.key, vm) !== undefined);
    switch (op) {
      case 0: return a.table.size < b.table.size && sub(a, b);
      case 1: return sub(a, b);
      case 4: return a.table.size > b.table.size && sub(b, a);
      case 5: return sub(b, a);
    }
  }
  return undefined;
}

function sequenceCompare(vm: VM, op: number, x: Value[], y: Value[]): boolean {
  const n = Math.min(x.length, y.length);
  for (let i = 0; i < n; i++) {
    if (x[i] === y[i]) continue;
    if (!equalsNested(vm, x[i], y[i])) {
      if (op === 2) return false;
      if (op === 3) return true;
      return truthy(vm, richCompareNested(vm, op, x[i], y[i]));
    }
  }
  return cmpResult(op, x.length - y.length);
}

function dictEquals(vm: VM, a: PyDict, b: PyDict): boolean {
  if (a.table.size !== b.table.size) return false;
  for (const e of a.table.entries()) {
    const o = b.table.get(e.key, vm);
    if (o === undefined || !equalsNested(vm, e.value, o.value)) return false;
  }
  return true;
}

function setEquals(vm: VM, a: PySet, b: PySet): boolean {
  if (a.table.size !== b.table.size) return false;
  for (const e of a.table.entries()) if (b.table.get(e.key, vm) === undefined) return false;
  return true;
}

/** The rich comparison with reflected dunders; `soft` pushes spy dunders as frames. */
function richCompare(vm: VM, op: number, a: Value, b: Value, soft: boolean): Result {
  const bi = builtinCompare(vm, op, a, b);
  if (bi !== undefined) return bi;
  const ca = typeOf(a), cb = typeOf(b);
  const name = CMP_NAMES[op];
  const rname = CMP_NAMES[CMP_SWAP[op]];
  // a subclass on the right with its own reflected method goes first
  const rightFirst = cb !== ca && isSubtype(cb, ca) && lookup(cb, rname) !== lookup(ca, rname);
  const tries: [Value | undefined, Value, Value][] = [];
  const fa = userMethod(ca, name), fb = userMethod(cb, rname);
  if (rightFirst) { tries.push([fb, b, a], [fa, a, b]); } else { tries.push([fa, a, b], [fb, b, a]); }
  for (const [f, x, y] of tries) {
    if (f === undefined) continue;
    const r = vm.callNested(f, [x, y]);
    if (r !== NotImplemented) return r;
  }
  if (op === 3 && lookup(ca, '__eq__') instanceof PyFunction) {
    const r = vm.callNested(lookup(ca, '__eq__') as Value, [a, b]);
    if (r !== NotImplemented) return !truthy(vm, r);
  }
  if (op === 2) return isSame(a, b);
  if (op === 3) return !isSame(a, b);
  void soft;
  throw raise(TypeError, `'${CMP_SYMBOLS[op]}' not supported between instances of '${ca.name}' and '${cb.name}'`);
}

function userMethod(cls: PyClass, name: string): Value | undefined {
  const m = lookup(cls, name);
  if (m === undefined) return undefined;
  // builtinCompare already answered for the builtin types; their natives would only repeat it
  if (m instanceof PyNative && (m.owner === objectType || ARITH_TYPES.has(m.owner as PyClass))) return undefined;
  return m;
}

/** COMPARE_OP's slow path. User dunders are called nested; comparisons rarely block. */
export function compareOp(vm: VM, op: number, a: Value, b: Value): Result {
  return richCompare(vm, op, a, b, true);
}

export function richCompareNested(vm: VM, op: number, a: Value, b: Value): Value {
  return richCompare(vm, op, a, b, false) as Value;
}

/** a < b for sorting and min/max. */
export function lessThan(vm: VM, a: Value, b: Value): boolean {
  if (typeof a === 'number' && typeof b === 'number') return a < b;
  if (typeof a === 'string' && typeof b === 'string') return a < b;
  return truthy(vm, richCompareNested(vm, 0, a, b));
}

// ---- arithmetic ----------------------------------------------------------------------------

function asNumber(v: Value): number | bigint | undefined {
  return numericValue(v);
}

/** Arithmetic on builtin types; undefined when dunder dispatch is needed. */
function builtinBinary(vm: VM, sym: string, a: Value, b: Value): Value | undefined {
  const ta = typeof a, tb = typeof b;
  const aInt = ta === 'number' || ta === 'bigint' || ta === 'boolean';
  const bInt = tb === 'number' || tb === 'bigint' || tb === 'boolean';
  if (aInt && bInt) {
    const x = (ta === 'boolean' ? (a ? 1 : 0) : a) as N.Int;
    const y = (tb === 'boolean' ? (b ? 1 : 0) : b) as N.Int;
    switch (sym) {
      case '+': return N.intAdd(x, y);
      case '-': return N.intSub(x, y);
      case '*': return N.intMul(x, y);
      case '//': return N.intFloorDiv(x, y);
      case '%': return N.intMod(x, y);
      case '/': {
        if (y === 0 || y === 0n) throw raise(ZeroDivisionError, 'division by zero');
        if (typeof x === 'bigint' || typeof y === 'bigint') return new PyFloat(bigDivide(N.big(x), N.big(y)));
        return new PyFloat(x / y);
      }
      case '**':
        if (y < 0) {
          if (x === 0 || x === 0n) throw raise(ZeroDivisionError, '0.0 cannot be raised to a negative power');
          return new PyFloat(N.floatPow(N.intToFloat(x), Number(y)));
        }
        return N.intPow(x, y);
      case '<<': return N.intShift(x, y, true);
      case '>>': return N.intShift(x, y, false);
      case '&': case '|': case '^':
        if (ta === 'boolean' && tb === 'boolean') {
          return sym === '&' ? (a as boolean) && (b as boolean) : sym === '|' ? (a as boolean) || (b as boolean) : a !== b;
        }
        return N.intBitOp(x, y, sym);
    }
    return undefined;
  }
  const fa = a instanceof PyFloat, fb = b instanceof PyFloat;
  if ((fa || aInt) && (fb || bInt) && (fa || fb)) {
    const x = fa ? (a as PyFloat).value : N.intToFloat(asNumber(a) as N.Int);
    const y = fb ? (b as PyFloat).value : N.intToFloat(asNumber(b) as N.Int);
    switch (sym) {
      case '+': return new PyFloat(x + y);
      case '-': return new PyFloat(x - y);
      case '*': return new PyFloat(x * y);
      case '/': if (y === 0) throw raise(ZeroDivisionError, 'float division by zero'); return new PyFloat(x / y);
      case '//': return new PyFloat(N.floatFloorDiv(x, y));
      case '%': return new PyFloat(N.floatMod(x, y));
      case '**': return new PyFloat(N.floatPow(x, y));
    }
    return undefined;
  }
  if (ta === 'string') {
    if (tb === 'string' && sym === '+') return (a as string) + (b as string);
    if (sym === '*' && bInt) return repeatString(a as string, b as N.Int);
    if (sym === '%') return vm.percentFormat(a as string, b);
    return undefined;
  }
  if (tb === 'string' && sym === '*' && aInt) return repeatString(b as string, a as N.Int);
  if (a instanceof PyList && inheritsOp(a.cls, sym)) {
    if (sym === '+' && b instanceof PyList) return new PyList(a.items.concat(b.items));
    if (sym === '*' && bInt) return new PyList(repeatItems(a.items, b as N.Int));
  }
  if (a instanceof PyTuple && inheritsOp(a.cls, sym)) {
    if (sym === '+' && b instanceof PyTuple) return new PyTuple(a.items.concat(b.items));
    if (sym === '*' && bInt) return new PyTuple(repeatItems(a.items, b as N.Int));
  }
  if (aInt && sym === '*' && (b instanceof PyList || b instanceof PyTuple) && !b.cls.isUserClass) {
    const items = repeatItems(b.items, a as N.Int);
    return b instanceof PyList ? new PyList(items) : new PyTuple(items);
  }
  if (a instanceof PySet && b instanceof PySet) {
    const r = setOperation(vm, sym, a, b);
    if (r !== undefined) return r;
  }
  if (a instanceof PyDict && b instanceof PyDict && sym === '|' && !a.cls.isUserClass) {
    const d = new PyDict(a.table.copy());
    for (const e of b.table.entries()) d.table.set(e.key, e.value, vm);
    return d;
  }
  return undefined;
}

/** A builtin's operator applies to a subclass instance unless the subclass overrides it. */
function inheritsOp(cls: PyClass, sym: string): boolean {
  if (!cls.isUserClass) return true;
  const m = lookup(cls, BIN_NAMES[sym][0]);
  return m === undefined || m instanceof PyNative;
}

function bigDivide(a: bigint, b: bigint): number {
  const r = Number(a) / Number(b);
  if (Number.isFinite(r)) return r;
  throw raise(OverflowError, 'integer division result too large for a float');
}

function repeatString(s: string, n: N.Int): string {
  const k = Number(n);
  if (k <= 0) return '';
  if (s.length * k > 1 << 28) throw raise(OverflowError, 'repeated string is too long');
  return s.repeat(k);
}

function repeatItems(items: Value[], n: N.Int): Value[] {
  const k = Number(n);
  const out: Value[] = [];
  for (let i = 0; i < k; i++) for (const v of items) out.push(v);
  return out;
}

function setOperation(vm: VM, sym: string, a: PySet, b: PySet): Value | undefined {
  const out = new PySet(a.frozen);
  switch (sym) {
    case '|':
      for (const e of a.table.entries()) out.table.set(e.key, null, vm);
      for (const e of b.table.entries()) out.table.set(e.key, null, vm);
      return out;
    case '&':
      for (const e of a.table.entries()) if (b.table.get(e.key, vm)) out.table.set(e.key, null, vm);
      return out;
    case '-':
      for (const e of a.table.entries()) if (!b.table.get(e.key, vm)) out.table.set(e.key, null, vm);
      return out;
    case '^':
      for (const e of a.table.entries()) if (!b.table.get(e.key, vm)) out.table.set(e.key, null, vm);
      for (const e of b.table.entries()) if (!a.table.get(e.key, vm)) out.table.set(e.key, null, vm);
      return out;
  }
  return undefined;
}

/** BINARY_OP's slow path: builtins, then __op__ / __rop__ (and __iop__ first for inplace). */
export function binaryOp(vm: VM, arg: number, a: Value, b: Value): Result {
  const inplace = arg >= INPLACE_BASE;
  const sym = BIN_OPS[inplace ? arg - INPLACE_BASE : arg];
  if (inplace) {
    // list += iterable mutates in place
    if (a instanceof PyList && sym === '+' && !a.cls.isUserClass) {
      for (const v of iterate(vm, b)) a.items.push(v);
      return a;
    }
    if (a instanceof PySet && !a.frozen && !a.cls.isUserClass && b instanceof PySet) {
      const r = setOperation(vm, sym, a, b);
      if (r instanceof PySet) { a.table.clear(); for (const e of r.table.entries()) a.table.set(e.key, null, vm); return a; }
    }
    if (a instanceof PyDict && sym === '|' && !a.cls.isUserClass) { dictUpdate(vm, a, b, false); return a; }
    const names = BIN_NAMES[sym];
    const im = a instanceof PyObject && a.cls.isUserClass ? lookup(a.cls, names[2]) : undefined;
    if (im !== undefined) {
      return vm.callCont(im, [a, b], null, Cont.BinaryRetry, { op: binOpIndex(sym), a, b, reflected: false });
    }
  }
  const r = builtinBinary(vm, sym, a, b);
  if (r !== undefined) return r;
  return binaryFallback(vm, binOpIndex(sym), a, b, false, true);
}

/**
 * Dunder dispatch for a binary operator: a.__op__(b), then b.__rop__(a). Called first with
 * `start` set, and again (from the BinaryRetry continuation) after an answer of NotImplemented.
 */
export function binaryFallback(vm: VM, op: number, a: Value, b: Value, reflected: boolean, start = false): Result {
  const sym = BIN_OPS[op];
  const [name, rname] = BIN_NAMES[sym];
  const ca = typeOf(a), cb = typeOf(b);
  if (start) {
    const f = userBinary(ca, name);
    const rf = cb !== ca ? userBinary(cb, rname) : undefined;
    if (rf !== undefined && isSubtype(cb, ca) && cb !== ca) {
      return vm.callCont(rf, [b, a], null, Cont.BinaryRetry, { op, a, b, reflected: true, rightFirst: true });
    }
    if (f !== undefined) return vm.callCont(f, [a, b], null, Cont.BinaryRetry, { op, a, b, reflected: false });
    reflected = false;
  }
  if (!reflected && cb !== ca) {
    const rf = userBinary(cb, rname);
    if (rf !== undefined) return vm.callCont(rf, [b, a], null, Cont.BinaryRetry, { op, a, b, reflected: true });
  }
  if (sym === '+' && (typeof a === 'string' || typeof b === 'string') && typeOf(a) !== typeOf(b)) {
    if (typeof a === 'string') throw raise(TypeError, `can only concatenate str (not "${cb.name}") to str`);
  }
  if (sym === '+' && a instanceof PyList && !(b instanceof PyList)) {
    throw raise(TypeError, `can only concatenate list (not "${cb.name}") to list`);
  }
  if (sym === '+' && a instanceof PyTuple && !(b instanceof PyTuple)) {
    throw raise(TypeError, `can only concatenate tuple (not "${cb.name}") to tuple`);
  }
  if (sym === '*' && (typeof a === 'string' || a instanceof PyList || a instanceof PyTuple || typeof b === 'string') && !(b instanceof PyObject && b.cls.isUserClass)) {
    throw raise(TypeError, `can't multiply sequence by non-int of type '${(typeof a === 'string' || a instanceof PyList || a instanceof PyTuple) ? cb.name : ca.name}'`);
  }
  const shown = sym === '**' ? '** or pow()' : sym;
  throw raise(TypeError, `unsupported operand type(s) for ${shown}: '${ca.name}' and '${cb.name}'`);
}

/** Builtin types whose arithmetic builtinBinary already tried: their native dunders would loop. */
const ARITH_TYPES = new Set<PyClass>([intType, boolType, floatType, strType, listType, tupleType, dictType]);

function userBinary(cls: PyClass, name: string): Value | undefined {
  const m = lookup(cls, name);
  if (m instanceof PyNative && (m.owner === objectType || ARITH_TYPES.has(m.owner as PyClass))) return undefined;
  return m;
}

export function unaryOp(vm: VM, op: number, a: Value): Result {
  const n = numericValue(a);
  if (n !== undefined && !(a instanceof PyObject && a.cls.isUserClass)) {
    if (a instanceof PyFloat) {
      if (op === Op.UNARY_NEGATIVE) return new PyFloat(-a.value);
      if (op === Op.UNARY_POSITIVE) return a;
      throw raise(TypeError, "bad operand type for unary ~: 'float'");
    }
    if (op === Op.UNARY_NEGATIVE) return N.intNeg(n as N.Int);
    if (op === Op.UNARY_POSITIVE) return typeof a === 'boolean' ? (a ? 1 : 0) : a;
    return N.intInvert(n as N.Int);
  }
  const name = op === Op.UNARY_NEGATIVE ? '__neg__' : op === Op.UNARY_POSITIVE ? '__pos__' : '__invert__';
  const f = lookup(typeOf(a), name);
  if (f === undefined) {
    const sym = op === Op.UNARY_NEGATIVE ? '-' : op === Op.UNARY_POSITIVE ? '+' : '~';
    throw raise(TypeError, `bad operand type for unary ${sym}: '${typeOf(a).name}'`);
  }
  return vm.callCont(f, [a], null, Cont.Push, null);
}

// ---- attributes ----------------------------------------------------------------------------

export function hasDataDescriptor(cls: PyClass, name: string): boolean {
  const a = lookup(cls, name);
  return a instanceof PyProperty || (a instanceof PyObject && a.cls.isUserClass && lookup(a.cls, '__get__') !== undefined && lookup(a.cls, '__set__') !== undefined);
}

/** True when a plain instance-dict store is what `obj.name = v` does. */
export function plainSetattr(cls: PyClass, name: string): boolean {
  const a = lookup(cls, name);
  if (a === undefined) return lookup(cls, '__setattr__') === undefined || !(lookup(cls, '__setattr__') instanceof PyFunction);
  return !(a instanceof PyProperty) && !(a instanceof PyObject && a.cls.isUserClass && lookup(a.cls, '__set__') !== undefined) && !(lookup(cls, '__setattr__') instanceof PyFunction);
}

export function instanceDict(obj: Value): Map<string, Value> | null {
  if (obj instanceof PyInstance || obj instanceof PyException || obj instanceof PyFunction || obj instanceof PyModule) return obj.dict;
  if (obj instanceof PyList || obj instanceof PyTuple || obj instanceof PyDict || obj instanceof PySet) {
    if (obj.cls.isUserClass) { obj.dict ??= new AttrMap(); return obj.dict; }
  }
  // other heap objects that keep attributes (instances of tasklet/channel subclasses)
  const d = (obj as { dict?: unknown } | null)?.dict;
  return d instanceof Map || d instanceof AttrMap ? (d as Map<string, Value>) : null;
}

export function instanceHas(obj: Value, name: string): boolean {
  if (obj instanceof PyInstance) return obj.dict.has(name);
  const d = instanceDict(obj);
  return d !== null && d.has(name);
}

/** Binds what a class attribute lookup found to the instance it was found through. */
function bindAttr(attr: Value, obj: Value, cls: PyClass): Value {
  if (attr instanceof PyFunction) return new PyBoundMethod(obj, attr);
  if (attr instanceof PyNative && attr.owner !== null) return new PyBoundMethod(obj, attr);
  if (attr instanceof PyClassMethod) return new PyBoundMethod(cls, attr.fn);
  if (attr instanceof PyStaticMethod) return attr.fn;
  return attr;
}

/** `obj.name`. Properties, __get__ descriptors and __getattr__ are called with `cont`. */
export function getAttr(vm: VM, obj: Value, name: string, cont: Cont): Result {
  if (obj instanceof PyClass) return getClassAttr(vm, obj, name, cont);
  if (obj instanceof PyModule) {
    const v = obj.dict.get(name);
    if (v !== undefined) return vm.finish(cont, null, v);
    const ga = obj.dict.get('__getattr__');
    if (ga !== undefined) return vm.callCont(ga, [name], null, cont, null);
    throw attributeError(`module '${obj.name}' has no attribute '${name}'`, obj, name);
  }
  if (obj instanceof PySuper) return getSuperAttr(vm, obj, name, cont);
  const cls = typeOf(obj);
  const attr = lookup(cls, name);
  if (attr instanceof PyProperty) {
    if (attr.fget === null) throw raise(AttributeError, `property '${name}' of '${cls.name}' object has no getter`);
    return vm.callCont(attr.fget, [obj], null, cont, null);
  }
  if (attr instanceof PyObject && attr.cls.isUserClass) {
    const get = lookup(attr.cls, '__get__');
    if (get !== undefined && lookup(attr.cls, '__set__') !== undefined) return vm.callCont(get, [attr, obj, cls], null, cont, null);
  }
  const d = instanceDict(obj);
  if (d !== null) {
    const v = d.get(name);
    if (v !== undefined) return vm.finish(cont, null, v);
  }
  if (attr !== undefined) {
    if (attr instanceof PyObject && attr.cls.isUserClass) {
      const get = lookup(attr.cls, '__get__');
      if (get !== undefined) return vm.callCont(get, [attr, obj, cls], null, cont, null);
    }
    return vm.finish(cont, null, bindAttr(attr, obj, cls));
  }
  const special = specialAttr(vm, obj, cls, name);
  if (special !== undefined) return vm.finish(cont, null, special);
  const ga = lookup(cls, '__getattr__');
  if (ga !== undefined) return vm.callCont(ga, [obj, name], null, cont, null);
  throw attributeError(`'${cls.name}' object has no attribute '${name}'`, obj, name);
}

function attributeError(msg: string, obj: Value, name: string): PyException {
  const e = raise(AttributeError, msg);
  e.dict.set('name', name);
  e.dict.set('obj', obj);
  return e;
}

function specialAttr(vm: VM, obj: Value, cls: PyClass, name: string): Value | undefined {
  if (name === '__class__') return cls;
  for (const c of cls.mro) {
    const g = c.getters.get(name);
    if (g) return g(obj);
  }
  if (name === '__dict__') {
    const d = dictObject(vm, obj);
    if (d) return d;
  }
  if (name === '__doc__') return null;
  return undefined;
}

/**
 * `obj.__dict__` and `vars(obj)`: an instance's own attribute table, live both ways (instances
 * of user classes, builtin subclasses included). Other objects that keep attributes
 * (functions, modules, exceptions) give a snapshot.
 */
export function dictObject(vm: VM, obj: Value): PyDict | null {
  const d = instanceDict(obj);
  if (d instanceof AttrMap) return d.view ??= new PyDict(d.toTable());
  return d === null ? null : dictFromMap(vm, d);
}

function getClassAttr(vm: VM, cls: PyClass, name: string, cont: Cont): Result {
  const attr = lookup(cls, name);
  if (attr !== undefined) {
    if (attr instanceof PyClassMethod) return vm.finish(cont, null, new PyBoundMethod(cls, attr.fn));
    if (attr instanceof PyStaticMethod) return vm.finish(cont, null, attr.fn);
    if (attr instanceof PyObject && attr.cls.isUserClass) {
      const get = lookup(attr.cls, '__get__');
      if (get !== undefined) return vm.callCont(get, [attr, null, cls], null, cont, null);
    }
    return vm.finish(cont, null, attr);
  }
  switch (name) {
    case '__name__': return vm.finish(cont, null, cls.name);
    case '__qualname__': return vm.finish(cont, null, cls.qualname);
    case '__module__': return vm.finish(cont, null, cls.module);
    case '__mro__': return vm.finish(cont, null, new PyTuple(cls.mro));
    case '__bases__': return vm.finish(cont, null, new PyTuple(cls.bases));
    case '__base__': return vm.finish(cont, null, cls.bases[0] ?? null);
    case '__dict__': return vm.finish(cont, null, dictFromMap(vm, cls.dict));
    case '__class__': return vm.finish(cont, null, typeType);
    case '__doc__': return vm.finish(cont, null, null);
  }
  // methods of `type` itself (mro(), __subclasses__...)
  const meta = lookup(typeType, name);
  if (meta !== undefined) return vm.finish(cont, null, bindAttr(meta, cls, typeType));
  throw attributeError(`type object '${cls.name}' has no attribute '${name}'`, cls, name);
}

function getSuperAttr(vm: VM, s: PySuper, name: string, cont: Cont): Result {
  const mro = s.selfClass.mro;
  let i = mro.indexOf(s.thisClass);
  for (i++; i < mro.length; i++) {
    const attr = mro[i].dict.get(name);
    if (attr === undefined) continue;
    if (attr instanceof PyProperty && attr.fget !== null) return vm.callCont(attr.fget, [s.self], null, cont, null);
    if (s.self instanceof PyClass && s.self === s.selfClass && !(attr instanceof PyClassMethod)) {
      // super() in a classmethod: attributes bind to the class
      if (attr instanceof PyStaticMethod) return vm.finish(cont, null, attr.fn);
      return vm.finish(cont, null, attr);
    }
    return vm.finish(cont, null, bindAttr(attr, s.self, s.selfClass));
  }
  // attributes computed in TypeScript (a builtin base's getters: channel.balance)
  for (let j = mro.indexOf(s.thisClass) + 1; j < mro.length; j++) {
    const g = mro[j].getters.get(name);
    if (g) return vm.finish(cont, null, g(s.self));
  }
  throw raise(AttributeError, `'super' object has no attribute '${name}'`);
}

export function setAttr(vm: VM, obj: Value, name: string, v: Value): Result {
  if (obj instanceof PyClass) {
    if (!obj.isUserClass) throw raise(TypeError, `cannot set '${name}' attribute of immutable type '${obj.name}'`);
    if (name === '__name__' && typeof v === 'string') { obj.name = v; return null; }
    if (name === '__qualname__' && typeof v === 'string') { obj.qualname = v; return null; }
    if (name === '__module__' && typeof v === 'string') { obj.module = v; }
    obj.dict.set(name, v);
    obj.version++;
    classChangedNow();
    return null;
  }
  const cls = typeOf(obj);
  const attr = lookup(cls, name);
  if (attr instanceof PyProperty) {
    if (attr.fset === null) throw raise(AttributeError, `property '${name}' of '${cls.name}' object has no setter`);
    return vm.callCont(attr.fset, [obj, v], null, Cont.Discard, null);
  }
  if (attr instanceof PyObject && attr.cls.isUserClass) {
    const set = lookup(attr.cls, '__set__');
    if (set !== undefined) return vm.callCont(set, [attr, obj, v], null, Cont.Discard, null);
  }
  const sa = lookup(cls, '__setattr__');
  if (sa instanceof PyFunction || (sa instanceof PyNative && sa.owner !== null && sa.owner !== objectType)) {
    return vm.callCont(sa, [obj, name, v], null, Cont.Discard, null);
  }
  return genericSetattr(obj, name, v);
}

export function genericSetattr(obj: Value, name: string, v: Value): Value {
  const d = obj instanceof PyInstance && obj.cls === objectType ? null : instanceDict(obj);
  if (d === null) {
    const cls = typeOf(obj);
    if (lookup(cls, name) !== undefined) throw raise(AttributeError, `'${cls.name}' object attribute '${name}' is read-only`);
    throw raise(AttributeError, `'${cls.name}' object has no attribute '${name}'`);
  }
  if (obj instanceof PyFunction) {
    if (name === '__name__' && typeof v === 'string') { obj.name = v; return null; }
    if (name === '__qualname__' && typeof v === 'string') { obj.qualname = v; return null; }
    if (name === '__doc__') { obj.doc = v; return null; }
    if (name === '__module__') { obj.module = v; return null; }
  }
  if (obj instanceof PyException && name === 'args') { obj.args = new PyTuple([...iterateNoVM(v)]); return null; }
  if (obj instanceof PyException && name === '__cause__') { obj.cause = v as PyException | null; obj.suppressContext = true; return null; }
  if (obj instanceof PyException && name === '__context__') { obj.context = v as PyException | null; return null; }
  d.set(name, v);
  return null;
}

function iterateNoVM(v: Value): Value[] {
  if (v instanceof PyTuple || v instanceof PyList) return v.items;
  return [v];
}

export function delAttr(vm: VM, obj: Value, name: string): Result {
  if (obj instanceof PyClass) {
    if (!obj.dict.delete(name)) throw raise(AttributeError, `type object '${obj.name}' has no attribute '${name}'`);
    classChangedNow();
    return null;
  }
  const cls = typeOf(obj);
  const attr = lookup(cls, name);
  if (attr instanceof PyProperty) {
    if (attr.fdel === null) throw raise(AttributeError, `property '${name}' of '${cls.name}' object has no deleter`);
    return vm.callCont(attr.fdel, [obj], null, Cont.Discard, null);
  }
  const da = lookup(cls, '__delattr__');
  if (da instanceof PyFunction) return vm.callCont(da, [obj, name], null, Cont.Discard, null);
  const d = instanceDict(obj);
  if (d === null || !d.delete(name)) throw raise(AttributeError, `'${cls.name}' object has no attribute '${name}'`);
  return null;
}

import { classChanged as classChangedNow } from './types.js';

/** getattr() from TypeScript: properties and __getattr__ run nested. */
export function getAttrNested(vm: VM, obj: Value, name: string): Value {
  const r = getAttr(vm, obj, name, Cont.Push);
  if (r !== PENDING) return r;
  // a spy getter was pushed: run it to completion
  return vm.finishPushed();
}

// ---- subscripts ----------------------------------------------------------------------------

export function normIndex(vm: VM, k: Value, len: number, what: string): number {
  let i: number;
  if (typeof k === 'number') i = k;
  else if (typeof k === 'boolean') i = k ? 1 : 0;
  else if (typeof k === 'bigint') i = Number(k);
  else {
    const idx = k instanceof PyObject ? lookup(k.cls, '__index__') : undefined;
    if (idx === undefined) throw raise(TypeError, `${what} indices must be integers or slices, not ${typeOf(k).name}`);
    i = Number(vm.callNested(idx, [k]));
  }
  if (i < 0) i += len;
  return i;
}

/** slice.indices(len): CPython's PySlice_AdjustIndices. */
export function sliceIndices(vm: VM, s: PySlice, len: number): [number, number, number] {
  const num = (v: Value, what: string): number | null => {
    if (v === null) return null;
    if (typeof v === 'number') return v;
    if (typeof v === 'boolean') return v ? 1 : 0;
    if (typeof v === 'bigint') return v > 0n ? Number.MAX_SAFE_INTEGER : Number.MIN_SAFE_INTEGER;
    const idx = v instanceof PyObject ? lookup(v.cls, '__index__') : undefined;
    if (idx !== undefined) return Number(vm.callNested(idx, [v]));
    throw raise(TypeError, `slice indices must be integers or None or have an __index__ method`);
    void what;
  };
  let step = num(s.step, 'step') ?? 1;
  if (step === 0) throw raise(ValueError, 'slice step cannot be zero');
  let start = num(s.start, 'start');
  let stop = num(s.stop, 'stop');
  if (step > 0) {
    start = start === null ? 0 : start < 0 ? Math.max(0, start + len) : Math.min(start, len);
    stop = stop === null ? len : stop < 0 ? Math.max(0, stop + len) : Math.min(stop, len);
  } else {
    start = start === null ? len - 1 : start < 0 ? Math.max(-1, start + len) : Math.min(start, len - 1);
    stop = stop === null ? -1 : stop < 0 ? Math.max(-1, stop + len) : Math.min(stop, len - 1);
  }
  void (step = step);
  return [start, stop, step];
}

export function sliceItems<T>(vm: VM, items: ArrayLike<T> & { slice?: unknown }, s: PySlice): T[] {
  const [start, stop, step] = sliceIndices(vm, s, items.length);
  const out: T[] = [];
  if (step > 0) for (let i = start; i < stop; i += step) out.push(items[i]);
  else for (let i = start; i > stop; i += step) out.push(items[i]);
  return out;
}

export function getItem(vm: VM, c: Value, k: Value): Result {
  if (typeof c === 'string') {
    if (k instanceof PySlice) {
      const [start, stop, step] = sliceIndices(vm, k, c.length);
      if (step === 1) return stop > start ? c.slice(start, stop) : '';
      return sliceItems(vm, c, k).join('');
    }
    const i = normIndex(vm, k, c.length, 'string');
    if (i < 0 || i >= c.length) throw raise(IndexError, 'string index out of range');
    return c[i];
  }
  const cls = typeOf(c);
  if (cls.isUserClass) {
    const gi = lookup(cls, '__getitem__');
    if (gi instanceof PyFunction) return vm.callCont(gi, [c, k], null, Cont.Push, null);
  }
  if (c instanceof PyList || c instanceof PyTuple) {
    const what = c instanceof PyList ? 'list' : 'tuple';
    if (k instanceof PySlice) {
      const items = sliceItems(vm, c.items, k);
      return c instanceof PyList ? new PyList(items) : new PyTuple(items);
    }
    const i = normIndex(vm, k, c.items.length, what);
    if (i < 0 || i >= c.items.length) throw raise(IndexError, `${what} index out of range`);
    return c.items[i];
  }
  if (c instanceof PyDict) {
    const e = c.table.get(k, vm);
    if (e !== undefined) return e.value;
    const missing = cls.isUserClass ? lookup(cls, '__missing__') : undefined;
    if (missing !== undefined) return vm.callCont(missing, [c, k], null, Cont.Push, null);
    throw keyError(k);
  }
  if (c instanceof PyRange) {
    if (k instanceof PySlice) {
      const [start, stop, step] = sliceIndices(vm, k, c.length);
      return new PyRange(c.start + start * c.step, c.start + stop * c.step, c.step * step);
    }
    const i = normIndex(vm, k, c.length, 'range object');
    if (i < 0 || i >= c.length) throw raise(IndexError, 'range object index out of range');
    return c.start + i * c.step;
  }
  if (c instanceof PyBytes) {
    if (k instanceof PySlice) return new PyBytes(Uint8Array.from(sliceItems(vm, c.bytes, k)));
    const i = normIndex(vm, k, c.bytes.length, 'byte');
    if (i < 0 || i >= c.bytes.length) throw raise(IndexError, 'index out of range');
    return c.bytes[i];
  }
  if (c instanceof PyClass) {
    const cg = lookup(c, '__class_getitem__');
    if (cg !== undefined) return vm.callCont(cg instanceof PyClassMethod ? cg.fn : cg, [c, k], null, Cont.Push, null);
    if (!c.isUserClass) return c; // list[int] and friends: generic aliases are the class itself
  }
  const gi = lookup(cls, '__getitem__');
  if (gi !== undefined) return vm.callCont(gi, [c, k], null, Cont.Push, null);
  throw raise(TypeError, `'${cls.name}' object is not subscriptable`);
}

export function keyError(k: Value): PyException {
  return newException(KeyError, k);
}

export function setItem(vm: VM, c: Value, k: Value, v: Value): Result {
  const cls = typeOf(c);
  if (cls.isUserClass) {
    const si = lookup(cls, '__setitem__');
    if (si instanceof PyFunction) return vm.callCont(si, [c, k, v], null, Cont.Discard, null);
  }
  if (c instanceof PyList) {
    if (k instanceof PySlice) {
      const [start, stop, step] = sliceIndices(vm, k, c.items.length);
      const values = [...iterate(vm, v)];
      if (step === 1) {
        c.items.splice(start, Math.max(0, stop - start), ...values);
        return null;
      }
      const idx: number[] = [];
      if (step > 0) for (let i = start; i < stop; i += step) idx.push(i);
      else for (let i = start; i > stop; i += step) idx.push(i);
      if (idx.length !== values.length) {
        throw raise(ValueError, `attempt to assign sequence of size ${values.length} to extended slice of size ${idx.length}`);
      }
      idx.forEach((i, j) => { c.items[i] = values[j]; });
      return null;
    }
    const i = normIndex(vm, k, c.items.length, 'list');
    if (i < 0 || i >= c.items.length) throw raise(IndexError, 'list assignment index out of range');
    c.items[i] = v;
    return null;
  }
  if (c instanceof PyDict) {
    c.table.set(k, v, vm);
    return null;
  }
  const si = lookup(cls, '__setitem__');
  if (si !== undefined) return vm.callCont(si, [c, k, v], null, Cont.Discard, null);
  throw raise(TypeError, `'${cls.name}' object does not support item assignment`);
}

export function delItem(vm: VM, c: Value, k: Value): Result {
  const cls = typeOf(c);
  if (cls.isUserClass) {
    const di = lookup(cls, '__delitem__');
    if (di instanceof PyFunction) return vm.callCont(di, [c, k], null, Cont.Discard, null);
  }
  if (c instanceof PyList) {
    if (k instanceof PySlice) {
      const [start, stop, step] = sliceIndices(vm, k, c.items.length);
      if (step === 1) { if (stop > start) c.items.splice(start, stop - start); return null; }
      const drop = new Set<number>();
      if (step > 0) for (let i = start; i < stop; i += step) drop.add(i);
      else for (let i = start; i > stop; i += step) drop.add(i);
      c.items = c.items.filter((_, i) => !drop.has(i));
      return null;
    }
    const i = normIndex(vm, k, c.items.length, 'list');
    if (i < 0 || i >= c.items.length) throw raise(IndexError, 'list assignment index out of range');
    c.items.splice(i, 1);
    return null;
  }
  if (c instanceof PyDict) {
    if (!c.table.delete(k, vm)) throw keyError(k);
    return null;
  }
  const di = lookup(cls, '__delitem__');
  if (di !== undefined) return vm.callCont(di, [c, k], null, Cont.Discard, null);
  throw raise(TypeError, `'${cls.name}' object doesn't support item deletion`);
}

export function contains(vm: VM, c: Value, item: Value, negate: boolean): Result {
  if (typeof c === 'string') {
    if (typeof item !== 'string') throw raise(TypeError, `'in <string>' requires string as left operand, not ${typeOf(item).name}`);
    return c.includes(item) !== negate;
  }
  const cls = typeOf(c);
  if (cls.isUserClass) {
    const ci = lookup(cls, '__contains__');
    if (ci instanceof PyFunction) return vm.callCont(ci, [c, item], null, Cont.Contains, negate);
  }
  if (c instanceof PyDict || c instanceof PySet) return (c.table.get(item, vm) !== undefined) !== negate;
  if (c instanceof PyList || c instanceof PyTuple) {
    for (const v of c.items) if (v === item || equalsNested(vm, v, item)) return !negate;
    return negate;
  }
  if (c instanceof PyRange) {
    const n = numericValue(item);
    if (n === undefined || (typeof n === 'number' && !Number.isInteger(n))) return negate;
    const x = Number(n);
    const { start, step } = c;
    const inRange = step > 0 ? x >= start && x < c.stop : x <= start && x > c.stop;
    return (inRange && (x - start) % step === 0) !== negate;
  }
  const ci = lookup(cls, '__contains__');
  if (ci !== undefined) return vm.callCont(ci, [c, item], null, Cont.Contains, negate);
  if (lookup(cls, '__iter__') !== undefined || lookup(cls, '__getitem__') !== undefined) {
    for (const v of iterate(vm, c)) if (v === item || equalsNested(vm, v, item)) return !negate;
    return negate;
  }
  throw raise(TypeError, `argument of type '${cls.name}' is not iterable`);
}

// ---- iteration -----------------------------------------------------------------------------

export function isIterator(v: Value): boolean {
  if (v instanceof PyNativeIter || v instanceof PyGenerator) return true;
  return lookup(typeOf(v), '__next__') !== undefined;
}

/** iter(obj) for builtin containers, as a TypeScript iterator wrapped in a PyNativeIter. */
export function nativeIter(vm: VM, obj: Value): PyNativeIter | undefined {
  if (obj instanceof PyList) {
    return new PyListIter(obj, listIteratorType);
  }
  if (obj instanceof PyTuple) {
    const items = obj.items;
    let i = 0;
    return new PyNativeIter(() => (i < items.length ? items[i++] : DONE), tupleIteratorType);
  }
  if (typeof obj === 'string') {
    const chars = Array.from(obj);
    let i = 0;
    return new PyNativeIter(() => (i < chars.length ? chars[i++] : DONE), strIteratorType);
  }
  if (obj instanceof PyRange) return new PyRangeIter(obj, rangeIteratorType);
  if (obj instanceof PyDict) return mapIterator(vm, obj, (e) => e.key, dictKeyIteratorType);
  if (obj instanceof PySet) {
    const order = setOrder(vm, obj);
    const version = obj.table.version;
    let i = 0;
    return new PyNativeIter(() => {
      if (obj.table.version !== version) throw raise(RuntimeErrorCls, 'Set changed size during iteration');
      return i < order.length ? order[i++] : DONE;
    }, setIteratorType);
  }
  if (obj instanceof PyBytes) {
    const b = obj.bytes;
    let i = 0;
    return new PyNativeIter(() => (i < b.length ? b[i++] : DONE));
  }
  return undefined;
}

export function mapIterator(vm: VM, obj: PyDict | PySet, pick: (e: { key: Value; value: Value }) => Value, cls: PyClass): PyNativeIter {
  const it = obj.table.entries();
  const size = obj.table.size;
  return new PyNativeIter(() => {
    if (obj.table.size !== size) {
      throw raise(RuntimeErrorCls, `${obj instanceof PyDict ? 'dictionary' : 'Set'} changed size during iteration`);
    }
    const n = it.next();
    return n.done ? DONE : pick(n.value);
  }, cls);
}

import { RuntimeError as RuntimeErrorCls } from './errors.js';
import { nativeClass } from './values.js';

const iterType = (name: string): PyClass => nativeClass(name);
export const listIteratorType = iterType('list_iterator');
export const tupleIteratorType = iterType('tuple_iterator');
export const strIteratorType = iterType('str_ascii_iterator');
export const rangeIteratorType = iterType('range_iterator');
export const dictKeyIteratorType = iterType('dict_keyiterator');
export const setIteratorType = iterType('set_iterator');

/**
 * The order CPython iterates a set in: its elements placed into an open-addressing table of
 * CPython's sizes with CPython's probe sequence (setobject.c set_add_entry, LINEAR_PROBES 9,
 * PERTURB_SHIFT 5, growth at 3/5 full). Elements are replayed in insertion order, so sets
 * built by adding match CPython exactly; ints, floats and tuples hash as in CPython.
 */
export function setOrder(vm: VM, s: PySet): Value[] {
  if (s.order !== null && s.orderVersion === s.table.version) return s.order;
  const keys: Value[] = [];
  for (const e of s.table.entries()) keys.push(e.key);
  let hashes: bigint[];
  try {
    hashes = keys.map((k) => BigInt.asUintN(64, BigInt(hashOf(vm, k))));
  } catch {
    return keys;
  }
  // CPython's table never shrinks: size it for the most elements this set has held
  let mask = 7;
  for (let n = 1; n <= s.table.peak; n++) {
    if (n * 5 >= mask * 3) {
      let size = 8;
      const minused = n > 50000 ? n * 2 : n * 4;
      while (size <= minused) size <<= 1;
      mask = size - 1;
    }
  }
  let table: number[] = new Array(mask + 1).fill(-1);
  let fill = 0;
  const insert = (tbl: number[], m: number, idx: number): void => {
    const h = hashes[idx];
    let perturb = h;
    let i = Number(h & BigInt(m));
    for (;;) {
      if (tbl[i] < 0) { tbl[i] = idx; return; }
      if (i + 9 <= m) {
        for (let j = 1; j <= 9; j++) if (tbl[i + j] < 0) { tbl[i + j] = idx; return; }
      }
      perturb >>= 5n;
      i = Number((BigInt(i) * 5n + 1n + perturb) & BigInt(m));
    }
  };
  for (let idx = 0; idx < keys.length; idx++) {
    insert(table, mask, idx);
    fill++;
    if (fill * 5 >= mask * 3) {
      const used = fill;
      let size = 8;
      const minused = used > 50000 ? used * 2 : used * 4;
      while (size <= minused) size <<= 1;
      const old = table;
      mask = size - 1;
      table = new Array(size).fill(-1);
      for (const k of old) if (k >= 0) insert(table, mask, k);
    }
  }
  s.order = table.filter((k) => k >= 0).map((k) => keys[k]);
  s.orderVersion = s.table.version;
  return s.order;
}

/** GET_ITER's slow path: builtins natively, user __iter__ softly. */
export function getIter(vm: VM, obj: Value): Result {
  const cls = typeOf(obj);
  if (cls.isUserClass) {
    const it = lookup(cls, '__iter__');
    if (it instanceof PyFunction) return vm.callCont(it, [obj], null, Cont.Iter, null);
  }
  const n = nativeIter(vm, obj);
  if (n !== undefined) return n;
  if (obj instanceof PyNativeIter || obj instanceof PyGenerator) return obj;
  const it = lookup(cls, '__iter__');
  if (it !== undefined) return vm.callCont(it, [obj], null, Cont.Iter, null);
  const gi = lookup(cls, '__getitem__');
  if (gi !== undefined) {
    let i = 0;
    return new PyNativeIter(() => {
      try {
        return vm.callNested(gi, [obj, i++]);
      } catch (e) {
        if (e instanceof PyException && (isSubtype(e.cls, IndexError) || isSubtype(e.cls, StopIteration))) return DONE;
        throw e;
      }
    });
  }
  throw raise(TypeError, `'${cls.name}' object is not iterable`);
}

/** FOR_ITER on a user iterator: __next__ is pushed with the ForNext continuation. */
export function iterNextSoft(vm: VM, it: Value): Result {
  const next = lookup(typeOf(it), '__next__');
  if (next === undefined) throw raise(TypeError, `'${typeOf(it).name}' object is not an iterator`);
  if (next instanceof PyNative) {
    try {
      return next.fn([it], null);
    } catch (e) {
      if (e instanceof PyException && isSubtype(e.cls, StopIteration)) return DONE as unknown as Value;
      throw e;
    }
  }
  return vm.callCont(next, [it], null, Cont.ForNext, null);
}

/** next() on anything, from TypeScript; DONE when exhausted. Generators resume nested. */
export function nextNested(vm: VM, it: Value): Value | typeof DONE {
  if (it instanceof PyNativeIter) return it.next();
  const next = it instanceof PyGenerator ? null : lookup(typeOf(it), '__next__');
  if (next === undefined) throw raise(TypeError, `'${typeOf(it).name}' object is not an iterator`);
  try {
    if (it instanceof PyGenerator) return vm.callNested(generatorNext, [it]);
    return vm.callNested(next as Value, [it]);
  } catch (e) {
    if (e instanceof PyException && isSubtype(e.cls, StopIteration)) return DONE;
    throw e;
  }
}

/** Set by the builtins module: `generator.__next__` as a native (it resumes softly). */
export let generatorNext: PyNative;
export function setGeneratorNext(n: PyNative): void {
  generatorNext = n;
}

/** Iterates anything from TypeScript (list(), sorted(), unpacking...). */
export function* iterate(vm: VM, obj: Value): Generator<Value> {
  if ((obj instanceof PyList || obj instanceof PyTuple) && !obj.cls.isUserClass) {
    const items = obj.items;
    for (let i = 0; i < items.length; i++) yield items[i];
    return;
  }
  let it: Value;
  if (obj instanceof PyNativeIter || obj instanceof PyGenerator) it = obj;
  else {
    const r = getIter(vm, obj);
    it = r === PENDING ? vm.finishPushed() : r;
  }
  for (;;) {
    const v = nextNested(vm, it);
    if (v === DONE) return;
    yield v;
  }
}

export function toArray(vm: VM, obj: Value): Value[] {
  if ((obj instanceof PyList || obj instanceof PyTuple) && !obj.cls.isUserClass) return obj.items.slice();
  return [...iterate(vm, obj)];
}

export function unpack(vm: VM, seq: Value, n: number): Value[] {
  if (!(seq instanceof PyObject) && typeof seq !== 'string') {
    throw raise(TypeError, `cannot unpack non-iterable ${typeOf(seq).name} object`);
  }
  if (seq instanceof PyObject && !isIterableType(seq)) throw raise(TypeError, `cannot unpack non-iterable ${typeOf(seq).name} object`);
  const items: Value[] = [];
  for (const v of iterate(vm, seq)) {
    items.push(v);
    if (items.length > n) throw raise(ValueError, `too many values to unpack (expected ${n})`);
  }
  if (items.length < n) throw raise(ValueError, `not enough values to unpack (expected ${n}, got ${items.length})`);
  return items;
}

function isIterableType(v: PyObject): boolean {
  if (v instanceof PyList || v instanceof PyTuple || v instanceof PyDict || v instanceof PySet || v instanceof PyRange || v instanceof PyNativeIter || v instanceof PyGenerator || v instanceof PyBytes) return true;
  return lookup(v.cls, '__iter__') !== undefined || lookup(v.cls, '__getitem__') !== undefined;
}

/** SEND on a non-generator iterator: next() (value None) or .send(value). */
export function sendToIterator(vm: VM, sub: Value, v: Value): Result {
  if (sub instanceof PyNativeIter) {
    const r = sub.next();
    if (r === DONE) throw stopIteration(null);
    return r;
  }
  const cls = typeOf(sub);
  const m = v === null ? lookup(cls, '__next__') : lookup(cls, 'send');
  if (m === undefined) throw raise(TypeError, `'${cls.name}' object is not an iterator`);
  return vm.callCont(m, v === null ? [sub] : [sub, v], null, Cont.Send, null);
}

export function stopIteration(value: Value): PyException {
  const e = value === null ? newException(StopIteration) : newException(StopIteration, value);
  e.dict.set('value', value);
  return e;
}

export function stopIterationValue(e: PyException): Value {
  const v = e.dict.get('value');
  if (v !== undefined) return v;
  return e.args.items.length ? e.args.items[0] : null;
}

// ---- dicts, kwargs ---------------------------------------------------------------------------

export function dictFromMap(vm: VM, m: Map<string, Value>): PyDict {
  const d = new PyDict();
  for (const [k, v] of m) d.table.set(k, v, vm);
  return d;
}

export function dictToStringMap(d: PyDict): Map<string, Value> {
  const m = new Map<string, Value>();
  for (const e of d.table.entries()) m.set(e.key as string, e.value);
  return m;
}

export function dictUpdate(vm: VM, d: PyDict, m: Value, merge: boolean): void {
  if (m instanceof PyDict) {
    for (const e of m.table.entries()) {
      if (merge && d.table.get(e.key, vm) !== undefined) throw raise(TypeError, `got multiple values for keyword argument '${String(e.key)}'`);
      d.table.set(e.key, e.value, vm);
    }
    return;
  }
  const keys = m instanceof PyObject ? lookup(m.cls, 'keys') : undefined;
  if (keys !== undefined) {
    for (const k of iterate(vm, vm.callNested(keys, [m]))) {
      d.table.set(k, getItemNested(vm, m, k), vm);
    }
    return;
  }
  if (merge) throw raise(TypeError, `argument after ** must be a mapping, not ${typeOf(m).name}`);
  let i = 0;
  for (const pair of iterate(vm, m)) {
    let kv: Value[];
    try {
      kv = toArray(vm, pair);
    } catch (e) {
      if (e instanceof PyException && isSubtype(e.cls, TypeError)) throw raise(TypeError, `cannot convert dictionary update sequence element #${i} to a sequence`);
      throw e;
    }
    if (kv.length !== 2) throw raise(ValueError, `dictionary update sequence element #${i} has length ${kv.length}; 2 is required`);
    d.table.set(kv[0], kv[1], vm);
    i++;
  }
}

export function getItemNested(vm: VM, c: Value, k: Value): Value {
  const r = getItem(vm, c, k);
  if (r !== PENDING) return r;
  return vm.finishPushed();
}

export function kwargsMap(vm: VM, fn: Value, kw: Value): Map<string, Value> {
  const m = new Map<string, Value>();
  if (!(kw instanceof PyDict)) throw raise(TypeError, `argument after ** must be a mapping, not ${typeOf(kw).name}`);
  for (const e of kw.table.entries()) {
    if (typeof e.key !== 'string') throw raise(TypeError, 'keywords must be strings');
    m.set(e.key, e.value);
  }
  void fn;
  return m;
}

// ---- exceptions -----------------------------------------------------------------------------

/** The exception `raise x` raises: instances as they are, classes instantiated. */
export function makeException(vm: VM, v: Value, isCause = false): PyException {
  if (v instanceof PyException) return v;
  if (v instanceof PyClass && v.isException) {
    const e = vm.callNested(v, []);
    if (e instanceof PyException) return e;
  }
  if (isCause) throw raise(TypeError, 'exception causes must derive from BaseException');
  throw raise(TypeError, 'exceptions must derive from BaseException');
}

export function exceptionMatches(exc: PyException, t: Value): boolean {
  if (t instanceof PyClass) {
    if (!t.isException) throw raise(TypeError, 'catching classes that do not inherit from BaseException is not allowed');
    return isSubtype(exc.cls, t);
  }
  if (t instanceof PyTuple) return t.items.some((x) => exceptionMatches(exc, x));
  throw raise(TypeError, 'catching classes that do not inherit from BaseException is not allowed');
}

export function tracebackObject(exc: PyException): Value {
  return exc.traceback === null ? null : new PyTraceback(exc);
}

class PyTraceback extends PyObject {
  get cls(): PyClass { return tracebackType; }
  constructor(readonly exc: PyException) { super(); }
}
export const tracebackType = iterType('traceback');

export function isInstanceOf(v: Value, cls: PyClass): boolean {
  return isSubtype(typeOf(v), cls);
}

// ---- imports --------------------------------------------------------------------------------

export function importName(vm: VM, name: string, fromlist: Value, level: number, globals: Map<string, Value>): Value {
  if (level > 0) throw raise(ImportError, 'attempted relative import with no known parent package');
  const mod = vm.importModule(name);
  if (fromlist === null || (fromlist instanceof PyTuple && fromlist.items.length === 0)) {
    const top = name.split('.')[0];
    return vm.modules.get(top) ?? mod;
  }
  void globals;
  return mod;
}

export function importFrom(vm: VM, mod: Value, name: string): Value {
  if (mod instanceof PyModule) {
    const v = mod.dict.get(name);
    if (v !== undefined) return v;
    const sub = vm.modules.get(`${mod.name}.${name}`) ?? vm.trySubmodule(`${mod.name}.${name}`);
    if (sub) return sub;
    const e = raise(ImportError, `cannot import name '${name}' from '${mod.name}' (${moduleFileOf(mod)})`);
    throw e;
  }
  return getAttrNested(vm, mod, name);
}

function moduleFileOf(mod: PyModule): string {
  const f = mod.dict.get('__file__');
  return typeof f === 'string' ? f : 'unknown location';
}

export function importStar(vm: VM, mod: Value, ns: Map<string, Value>): void {
  if (!(mod instanceof PyModule)) return;
  const all = mod.dict.get('__all__');
  if (all !== undefined) {
    for (const n of iterate(vm, all)) ns.set(n as string, mod.dict.get(n as string) as Value);
    return;
  }
  for (const [k, v] of mod.dict) if (!k.startsWith('_')) ns.set(k, v);
}

export { ModuleNotFoundError, BaseException };

// ---- length, repr, str, format ------------------------------------------------------------

export function lenOf(vm: VM, v: Value): number {
  if (typeof v === 'string') return strLength(v);
  if ((v instanceof PyList || v instanceof PyTuple) && !v.cls.isUserClass) return v.items.length;
  if ((v instanceof PyDict || v instanceof PySet) && !v.cls.isUserClass) return v.table.size;
  const cls = typeOf(v);
  const l = lookup(cls, '__len__');
  if (l === undefined) throw raise(TypeError, `object of type '${cls.name}' has no len()`);
  const r = vm.callNested(l, [v]);
  if (typeof r !== 'number' && typeof r !== 'boolean') {
    if (typeof r === 'bigint') throw raise(OverflowError, 'cannot fit \'int\' into an index-sized integer');
    throw raise(TypeError, `'${typeOf(r).name}' object cannot be interpreted as an integer`);
  }
  const n = Number(r);
  if (n < 0) throw raise(ValueError, '__len__() should return >= 0');
  return n;
}

/** Length in code points (JS strings are UTF-16). */
export function strLength(s: string): number {
  let n = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) { n--; i++; }
  }
  return n;
}

export function repr(vm: VM, v: Value): string {
  return vm.repr(v);
}

export function str(vm: VM, v: Value): string {
  return vm.str(v);
}

/** FORMAT_VALUE: conversion (1 str, 2 repr, 3 ascii) then format(value, spec). */
export function formatFString(vm: VM, v: Value, conversion: number, spec: string): string {
  if (conversion === 1) v = vm.str(v);
  else if (conversion === 2) v = vm.repr(v);
  else if (conversion === 3) v = asciiOf(vm.repr(v));
  if (spec === '' && typeof v === 'string') return v;
  return formatValue(vm, v, spec);
}

export function asciiOf(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    if (c < 128) out += ch;
    else if (c < 0x100) out += '\\x' + c.toString(16).padStart(2, '0');
    else if (c < 0x10000) out += '\\u' + c.toString(16).padStart(4, '0');
    else out += '\\U' + c.toString(16).padStart(8, '0');
  }
  return out;
}

/** format(v, spec): __format__ for user classes, the mini-language for builtins. */
export function formatValue(vm: VM, v: Value, spec: string): string {
  const cls = typeOf(v);
  if (cls.isUserClass) {
    const f = lookup(cls, '__format__');
    if (f instanceof PyFunction) {
      const r = vm.callNested(f, [v, spec]);
      if (typeof r !== 'string') throw raise(TypeError, `__format__ must return a str, not ${typeOf(r).name}`);
      return r;
    }
    if (spec !== '') throw raise(TypeError, `unsupported format string passed to ${cls.name}.__format__`);
    return vm.str(v);
  }
  return formatWithSpec(vm, v, spec);
}

export { Ellipsis, PyCell, noneType, intType, boolType, floatType, strType, tupleType, listType, dictType };
