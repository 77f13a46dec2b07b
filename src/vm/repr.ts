// repr() and str() for every builtin value, as CPython prints them; user __repr__/__str__ run
// nested. Self-containing containers print `[...]` as CPython's Py_ReprEnter does.
import {
  PyObject, PyFloat, PyTuple, PyList, PyFunction, PyNative, PyBoundMethod, PyClass, PyModule, PySlice, PyRange,
  PyProperty, PyException, PyBytes, PyCell, PyNativeIter, Value, NotImplemented, Ellipsis, PySuper,
  PyStaticMethod, PyClassMethod,
} from './values.js';
import { PyDict, PySet, PyGenerator } from './objects.js';
import { raise, TypeError } from './errors.js';
import { typeOf, lookup } from './types.js';
import { objectType } from './values.js';
import { floatRepr } from './numbers.js';
import { setOrder } from './ops.js';
import { identityOf } from './hashtable.js';
import type { VM } from './interp.js';

const active = new Set<object>();
/** CPython's Py_UNICODE_ISPRINTABLE is false for these categories (space excepted). */
const NON_PRINTABLE = /^[\p{Cc}\p{Cf}\p{Cs}\p{Co}\p{Cn}\p{Zl}\p{Zp}\p{Zs}]$/u;

export function strRepr(s: string): string {
  const quote = s.includes("'") && !s.includes('"') ? '"' : "'";
  let out = quote;
  for (const ch of s) {
    const c = ch.codePointAt(0) as number;
    if (ch === quote || ch === '\\') out += '\\' + ch;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else if (c !== 0x20 && NON_PRINTABLE.test(ch)) {
      if (c < 0x100) out += '\\x' + c.toString(16).padStart(2, '0');
      else if (c < 0x10000) out += '\\u' + c.toString(16).padStart(4, '0');
      else out += '\\U' + c.toString(16).padStart(8, '0');
    } else out += ch;
  }
  return out + quote;
}

function bytesRepr(b: Uint8Array): string {
  let hasSingle = false, hasDouble = false;
  for (const c of b) { if (c === 39) hasSingle = true; if (c === 34) hasDouble = true; }
  const quote = hasSingle && !hasDouble ? '"' : "'";
  let out = 'b' + quote;
  for (const c of b) {
    if (c === quote.charCodeAt(0) || c === 92) out += '\\' + String.fromCharCode(c);
    else if (c === 10) out += '\\n';
    else if (c === 13) out += '\\r';
    else if (c === 9) out += '\\t';
    else if (c < 32 || c >= 127) out += '\\x' + c.toString(16).padStart(2, '0');
    else out += String.fromCharCode(c);
  }
  return out + quote;
}

export function address(o: object): string {
  return '0x' + (0x7f0000000000 + identityOf(o) * 0x40).toString(16);
}

function guarded(o: object, empty: string, body: () => string): string {
  if (active.has(o)) return empty;
  active.add(o);
  try {
    return body();
  } finally {
    active.delete(o);
  }
}

export function repr(vm: VM, v: Value): string {
  switch (typeof v) {
    case 'number': return String(v);
    case 'bigint': return v.toString();
    case 'string': return strRepr(v);
    case 'boolean': return v ? 'True' : 'False';
  }
  if (v === null) return 'None';
  const cls = (v as PyObject).cls;
  if (cls.isUserClass) {
    const r = lookup(cls, '__repr__');
    if (r instanceof PyFunction || (r !== undefined && !(r instanceof PyNative))) {
      const s = vm.callNested(r, [v]);
      if (typeof s !== 'string') throw raise(TypeError, `__repr__ returned non-string (type ${typeOf(s).name})`);
      return s;
    }
  }
  return builtinRepr(vm, v as PyObject);
}

export function builtinRepr(vm: VM, v: PyObject): string {
  if (v instanceof PyFloat) return floatRepr(v.value);
  if (v instanceof PyList) return guarded(v, '[...]', () => '[' + v.items.map((x) => repr(vm, x)).join(', ') + ']');
  if (v instanceof PyTuple) {
    if (v.items.length === 1) return guarded(v, '(...)', () => '(' + repr(vm, v.items[0]) + ',)');
    return guarded(v, '(...)', () => '(' + v.items.map((x) => repr(vm, x)).join(', ') + ')');
  }
  if (v instanceof PyDict) {
    return guarded(v, '{...}', () => {
      const parts: string[] = [];
      for (const e of v.table.entries()) parts.push(repr(vm, e.key) + ': ' + repr(vm, e.value));
      return '{' + parts.join(', ') + '}';
    });
  }
  if (v instanceof PySet) {
    const name = v.cls.name;
    return guarded(v, `${name}(...)`, () => {
      const parts: string[] = [];
      for (const k of setOrder(vm, v)) parts.push(repr(vm, k));
      if (v.frozen) return parts.length ? `${name}({${parts.join(', ')}})` : `${name}()`;
      if (!parts.length) return `${name}()`;
      return v.cls.isUserClass ? `${name}({${parts.join(', ')}})` : '{' + parts.join(', ') + '}';
    });
  }
  if (v instanceof PyException) {
    const args = v.args.items;
    const name = v.cls.name;
    if (args.length === 1) return `${name}(${repr(vm, args[0])})`;
    return `${name}(${args.map((x) => repr(vm, x)).join(', ')})`;
  }
  if (v instanceof PyClass) {
    return `<class '${v.module === 'builtins' ? '' : v.module + '.'}${v.qualname}'>`;
  }
  if (v instanceof PyFunction) return `<function ${v.qualname} at ${address(v)}>`;
  if (v instanceof PyNative) {
    if (v.owner) return `<method '${v.name}' of '${v.owner.name}' objects>`;
    return `<built-in function ${v.name}>`;
  }
  if (v instanceof PyBoundMethod) {
    const f = v.fn;
    if (f instanceof PyNative) return `<built-in method ${f.name} of ${typeOf(v.self).name} object at ${address(v.self as object)}>`;
    const q = f instanceof PyFunction ? f.qualname : '?';
    return `<bound method ${q} of ${repr(vm, v.self)}>`;
  }
  if (v instanceof PyModule) {
    const file = v.dict.get('__file__');
    return typeof file === 'string' ? `<module '${v.name}' from '${file}'>` : `<module '${v.name}' (built-in)>`;
  }
  if (v instanceof PySlice) return `slice(${repr(vm, v.start)}, ${repr(vm, v.stop)}, ${repr(vm, v.step)})`;
  if (v instanceof PyRange) return v.step === 1 ? `range(${v.start}, ${v.stop})` : `range(${v.start}, ${v.stop}, ${v.step})`;
  if (v instanceof PyBytes) return bytesRepr(v.bytes);
  if (v instanceof PyGenerator) return `<generator object ${v.qualname} at ${address(v)}>`;
  if (v instanceof PyCell) return `<cell at ${address(v)}>`;
  if (v instanceof PyProperty) return `<property object at ${address(v)}>`;
  if (v instanceof PyStaticMethod) return `<staticmethod(${repr(vm, v.fn)})>`;
  if (v instanceof PyClassMethod) return `<classmethod(${repr(vm, v.fn)})>`;
  if (v instanceof PySuper) return `<super: <class '${v.thisClass.name}'>, <${v.selfClass.name} object>>`;
  if (v === NotImplemented) return 'NotImplemented';
  if (v === Ellipsis) return 'Ellipsis';
  if (v instanceof PyNativeIter) return `<${v.cls.name} object at ${address(v)}>`;
  const native = lookup(v.cls, '__repr__');
  if (native instanceof PyNative && native.owner !== objectType) return vm.callNested(native, [v]) as string;
  const cls = v.cls;
  const mod = cls.module === 'builtins' ? '' : cls.module + '.';
  return `<${mod}${cls.qualname} object at ${address(v)}>`;
}

export function str(vm: VM, v: Value): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'number') return String(v);
  if (v === null || typeof v !== 'object') return repr(vm, v);
  const cls = v.cls;
  if (cls.isUserClass) {
    const s = lookup(cls, '__str__');
    if (s !== undefined && !(s instanceof PyNative)) {
      const r = vm.callNested(s, [v]);
      if (typeof r !== 'string') throw raise(TypeError, `__str__ returned non-string (type ${typeOf(r).name})`);
      return r;
    }
  }
  if (v instanceof PyException) {
    const args = v.args.items;
    if (v.cls.mro.some((c) => c.name === 'KeyError' && c.module === 'builtins') && args.length === 1) return repr(vm, args[0]);
    if (args.length === 0) return '';
    if (args.length === 1) return str(vm, args[0]);
    return repr(vm, v.args);
  }
  return repr(vm, v);
}
