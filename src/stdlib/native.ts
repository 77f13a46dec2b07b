// Small helpers for writing natives: defining functions and methods, checking arity with
// CPython's messages, and converting arguments.
import {
  PyClass, PyNative, Value, PyFloat, PyObject, Result, NativeFn, PyTuple, PyList,
} from '../vm/values.js';
import { raise, TypeError, OverflowError, ValueError } from '../vm/errors.js';
import { typeOf, lookup } from '../vm/types.js';
import type { VM } from '../vm/interp.js';
import type { Int } from '../vm/numbers.js';

export type Method = (self: Value, args: Value[], kw: Map<string, Value> | null) => Result;

export function fn(name: string, f: NativeFn, module = 'builtins'): PyNative {
  return new PyNative(name, f, null, module);
}

/** Installs a method on a builtin type: args[0] is self. */
export function method(cls: PyClass, name: string, f: Method): void {
  cls.dict.set(name, new PyNative(name, (args, kw) => {
    if (args.length === 0) throw raise(TypeError, `unbound method ${cls.name}.${name}() needs an argument`);
    return f(args[0], args.slice(1), kw);
  }, cls, 'builtins', f));
}

export function noKw(name: string, kw: Map<string, Value> | null): void {
  if (kw && kw.size) throw raise(TypeError, `${name}() takes no keyword arguments`);
}

export function arity(name: string, args: Value[], min: number, max: number): void {
  const n = args.length;
  if (n >= min && n <= max) return;
  if (min === max) {
    if (min === 0) throw raise(TypeError, `${name}() takes no arguments (${n} given)`);
    if (min === 1) throw raise(TypeError, `${name}() takes exactly one argument (${n} given)`);
    throw raise(TypeError, `${name} expected ${min} arguments, got ${n}`);
  }
  if (n < min) throw raise(TypeError, `${name} expected at least ${min} argument${min > 1 ? 's' : ''}, got ${n}`);
  throw raise(TypeError, `${name} expected at most ${max} argument${max > 1 ? 's' : ''}, got ${n}`);
}

/** An index-like int argument (also bool and objects with __index__). */
export function toInt(vm: VM, v: Value, what = 'integer'): Int {
  if (typeof v === 'number' || typeof v === 'bigint') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  const idx = v instanceof PyObject ? lookup(v.cls, '__index__') : undefined;
  if (idx !== undefined) return vm.callNested(idx, [v]) as Int;
  throw raise(TypeError, `'${typeOf(v).name}' object cannot be interpreted as an ${what}`);
}

export function toSmallInt(vm: VM, v: Value): number {
  const i = toInt(vm, v);
  if (typeof i === 'bigint') throw raise(OverflowError, 'Python int too large to convert to C ssize_t');
  return i;
}

export function toFloat(vm: VM, v: Value): number {
  if (typeof v === 'number') return v;
  if (v instanceof PyFloat) return v.value;
  if (typeof v === 'bigint') {
    const f = Number(v);
    if (!Number.isFinite(f)) throw raise(OverflowError, 'int too large to convert to float');
    return f;
  }
  if (typeof v === 'boolean') return v ? 1 : 0;
  const f = v instanceof PyObject ? lookup(v.cls, '__float__') : undefined;
  if (f !== undefined) {
    const r = vm.callNested(f, [v]);
    if (r instanceof PyFloat) return r.value;
  }
  const idx = v instanceof PyObject ? lookup(v.cls, '__index__') : undefined;
  if (idx !== undefined) return Number(vm.callNested(idx, [v]));
  throw raise(TypeError, `must be real number, not ${typeOf(v).name}`);
}

export function toStr(v: Value, fname: string, argn = 1): string {
  if (typeof v === 'string') return v;
  throw raise(TypeError, `${fname}() argument ${argn} must be str, not ${typeOf(v).name}`);
}

export function kwArg(kw: Map<string, Value> | null, name: string): Value | undefined {
  return kw ? kw.get(name) : undefined;
}

export function checkKw(fname: string, kw: Map<string, Value> | null, allowed: string[]): void {
  if (!kw) return;
  for (const k of kw.keys()) {
    if (!allowed.includes(k)) throw raise(TypeError, `'${k}' is an invalid keyword argument for ${fname}()`);
  }
}

export function tupleOf(items: Value[]): PyTuple {
  return new PyTuple(items);
}

export function listOf(items: Value[]): PyList {
  return new PyList(items);
}

export function valueError(msg: string): never {
  throw raise(ValueError, msg);
}
