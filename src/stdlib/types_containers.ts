// list, tuple, dict (with its key/value/item views), set and frozenset: constructors and
// methods with CPython's semantics — stable sort with key/reverse, insertion-ordered dicts,
// view objects that follow their dict.
import {
  Value, PyObject, PyClass, PyTuple, PyList, PyNative, PyStaticMethod, PyClassMethod, PyNativeIter, DONE, PENDING,
  NotImplemented, listType, tupleType, dictType, setType, frozensetType, typeType, objectType,
} from '../vm/values.js';
import { PyDict, PySet } from '../vm/objects.js';
import { nativeClass } from '../vm/values.js';
import { raise, TypeError, ValueError, IndexError, KeyError } from '../vm/errors.js';
import { typeOf, lookup, isSubtype } from '../vm/types.js';
import * as ops from '../vm/ops.js';
import type { VM } from '../vm/interp.js';
import { method, arity, toSmallInt, checkKw, kwArg } from './native.js';
import { instantiate } from './types_object.js';
import { HashTable } from '../vm/hashtable.js';

function newFn(cls: PyClass, f: (cls: PyClass, args: Value[], kw: Map<string, Value> | null) => Value): void {
  cls.dict.set('__new__', new PyStaticMethod(new PyNative('__new__', (args, kw) => f(args[0] as PyClass, args.slice(1), kw), cls)));
}

/** list.sort / sorted: stable, key called once per item, comparisons via __lt__. */
export function sortList(vm: VM, list: PyList, kw: Map<string, Value> | null): void {
  checkKw('sort', kw, ['key', 'reverse']);
  const key = kwArg(kw, 'key') ?? null;
  const reverse = ops.truthy(vm, kwArg(kw, 'reverse') ?? false);
  const items = list.items;
  const keys = key === null ? items.slice() : items.map((v) => vm.callNested(key, [v]));
  const idx = items.map((_, i) => i);
  let allNum = true, allStr = true;
  for (const k of keys) {
    if (typeof k !== 'number') allNum = false;
    if (typeof k !== 'string') allStr = false;
  }
  let cmp: (a: number, b: number) => number;
  if (allNum) cmp = (a, b) => (keys[a] as number) - (keys[b] as number);
  else if (allStr) cmp = (a, b) => ((keys[a] as string) < (keys[b] as string) ? -1 : (keys[a] as string) > (keys[b] as string) ? 1 : 0);
  else cmp = (a, b) => (ops.lessThan(vm, keys[a], keys[b]) ? -1 : ops.lessThan(vm, keys[b], keys[a]) ? 1 : 0);
  const saved = list.items;
  list.items = [];
  try {
    if (reverse) {
      // CPython reverses, sorts stably, reverses back: equal items keep their order
      idx.reverse();
      idx.sort(cmp);
      idx.reverse();
    } else idx.sort(cmp);
  } finally {
    const modified = list.items.length > 0;
    list.items = saved;
    if (modified) throw raise(ValueError, 'list modified during sort');
  }
  const sorted = idx.map((i) => items[i]);
  for (let i = 0; i < sorted.length; i++) items[i] = sorted[i];
}

function indexIn(vm: VM, items: Value[], args: Value[], what: string): number {
  const v = args[0];
  const len = items.length;
  let start = args.length > 1 ? toSmallInt(vm, args[1]) : 0;
  let end = args.length > 2 ? toSmallInt(vm, args[2]) : len;
  if (start < 0) start = Math.max(0, start + len);
  if (end < 0) end = Math.max(0, end + len);
  for (let i = start; i < Math.min(end, len); i++) if (items[i] === v || ops.equalsNested(vm, items[i], v)) return i;
  throw raise(ValueError, what === 'list' ? `${vm.repr(v)} is not in list` : 'tuple.index(x): x not in tuple');
}

function countIn(vm: VM, items: Value[], v: Value): number {
  let n = 0;
  for (const x of items) if (x === v || ops.equalsNested(vm, x, v)) n++;
  return n;
}

function L(self: Value): PyList {
  if (!(self instanceof PyList)) throw raise(TypeError, `descriptor requires a 'list' object but received a '${typeOf(self).name}'`);
  return self;
}
function D(self: Value): PyDict {
  if (!(self instanceof PyDict)) throw raise(TypeError, `descriptor requires a 'dict' object but received a '${typeOf(self).name}'`);
  return self;
}
function S(self: Value): PySet {
  if (!(self instanceof PySet)) throw raise(TypeError, `descriptor requires a 'set' object but received a '${typeOf(self).name}'`);
  return self;
}

export function installContainerMethods(vm: VM): void {
  // ---- list ----
  newFn(listType, (cls) => (cls === listType ? new PyList([]) : instantiate(cls)));
  method(listType, '__init__', (self, args) => {
    arity('list', args, 0, 1);
    const l = L(self);
    l.items = args.length ? ops.toArray(vm, args[0]) : [];
    return null;
  });
  method(listType, 'append', (self, args) => { arity('list.append', args, 1, 1); L(self).items.push(args[0]); return null; });
  method(listType, 'extend', (self, args) => {
    const l = L(self);
    const src = args[0];
    if (src === l) l.items.push(...l.items.slice());
    else for (const v of ops.iterate(vm, src)) l.items.push(v);
    return null;
  });
  method(listType, 'insert', (self, args) => {
    arity('insert', args, 2, 2);
    const l = L(self);
    let i = toSmallInt(vm, args[0]);
    if (i < 0) i = Math.max(0, i + l.items.length);
    l.items.splice(Math.min(i, l.items.length), 0, args[1]);
    return null;
  });
  method(listType, 'pop', (self, args) => {
    const l = L(self);
    if (!l.items.length) throw raise(IndexError, 'pop from empty list');
    let i = args.length ? toSmallInt(vm, args[0]) : l.items.length - 1;
    if (i < 0) i += l.items.length;
    if (i < 0 || i >= l.items.length) throw raise(IndexError, 'pop index out of range');
    return l.items.splice(i, 1)[0];
  });
  method(listType, 'remove', (self, args) => {
    const l = L(self);
    for (let i = 0; i < l.items.length; i++) {
      if (l.items[i] === args[0] || ops.equalsNested(vm, l.items[i], args[0])) { l.items.splice(i, 1); return null; }
    }
    throw raise(ValueError, 'list.remove(x): x not in list');
  });
  method(listType, 'clear', (self) => { L(self).items.length = 0; return null; });
  method(listType, 'index', (self, args) => indexIn(vm, L(self).items, args, 'list'));
  method(listType, 'count', (self, args) => countIn(vm, L(self).items, args[0]));
  method(listType, 'reverse', (self) => { L(self).items.reverse(); return null; });
  method(listType, 'copy', (self) => new PyList(L(self).items.slice()));
  method(listType, 'sort', (self, args, kw) => {
    if (args.length) throw raise(TypeError, 'sort() takes no positional arguments');
    sortList(vm, L(self), kw);
    return null;
  });
  containerDunders(vm, listType);

  // ---- tuple ----
  newFn(tupleType, (cls, args) => {
    arity('tuple', args, 0, 1);
    const items = args.length ? ops.toArray(vm, args[0]) : [];
    if (cls === tupleType) return args.length && args[0] instanceof PyTuple && !args[0].cls.isUserClass ? args[0] : new PyTuple(items);
    return new PyTuple(items, cls);
  });
  method(tupleType, 'index', (self, args) => indexIn(vm, (self as PyTuple).items, args, 'tuple'));
  method(tupleType, 'count', (self, args) => countIn(vm, (self as PyTuple).items, args[0]));
  containerDunders(vm, tupleType);

  // ---- dict ----
  newFn(dictType, (cls) => (cls === dictType ? new PyDict() : instantiate(cls)));
  method(dictType, '__init__', (self, args, kw) => {
    arity('dict', args, 0, 1);
    const d = D(self);
    if (args.length) ops.dictUpdate(vm, d, args[0], false);
    if (kw) for (const [k, v] of kw) d.table.set(k, v, vm);
    return null;
  });
  method(dictType, 'keys', (self) => new DictView(D(self), 'keys'));
  method(dictType, 'values', (self) => new DictView(D(self), 'values'));
  method(dictType, 'items', (self) => new DictView(D(self), 'items'));
  method(dictType, 'get', (self, args) => {
    arity('get', args, 1, 2);
    const e = D(self).table.get(args[0], vm);
    return e === undefined ? (args.length > 1 ? args[1] : null) : e.value;
  });
  method(dictType, 'setdefault', (self, args) => {
    const d = D(self);
    const e = d.table.get(args[0], vm);
    if (e !== undefined) return e.value;
    const v = args.length > 1 ? args[1] : null;
    d.table.set(args[0], v, vm);
    return v;
  });
  method(dictType, 'pop', (self, args) => {
    arity('pop', args, 1, 2);
    const e = D(self).table.delete(args[0], vm);
    if (e !== undefined) return e.value;
    if (args.length > 1) return args[1];
    throw ops.keyError(args[0]);
  });
  method(dictType, 'popitem', (self) => {
    const d = D(self);
    let last: { key: Value; value: Value } | undefined;
    for (const e of d.table.entries()) last = e;
    if (!last) throw raise(KeyError, 'popitem(): dictionary is empty');
    d.table.delete(last.key, vm);
    return new PyTuple([last.key, last.value]);
  });
  method(dictType, 'update', (self, args, kw) => {
    const d = D(self);
    if (args.length) ops.dictUpdate(vm, d, args[0], false);
    if (kw) for (const [k, v] of kw) d.table.set(k, v, vm);
    return null;
  });
  method(dictType, 'clear', (self) => { D(self).table.clear(); return null; });
  method(dictType, 'copy', (self) => new PyDict(D(self).table.copy()));
  dictType.dict.set('fromkeys', new PyClassMethod(new PyNative('fromkeys', (args) => {
    const cls = args[0] as PyClass;
    const d = cls === dictType ? new PyDict() : vm.callNested(cls, []) as PyDict;
    const v = args.length > 2 ? args[2] : null;
    for (const k of ops.iterate(vm, args[1])) d.table.set(k, v, vm);
    return d;
  }, dictType)));
  containerDunders(vm, dictType);

  // ---- set / frozenset ----
  newFn(setType, (cls) => (cls === setType ? new PySet(false) : instantiate(cls)));
  method(setType, '__init__', (self, args) => {
    arity('set', args, 0, 1);
    const st = S(self);
    st.table.clear();
    if (args.length) for (const v of ops.iterate(vm, args[0])) st.table.set(v, null, vm);
    return null;
  });
  newFn(frozensetType, (cls, args) => {
    arity('frozenset', args, 0, 1);
    const st = cls === frozensetType ? new PySet(true) : instantiate(cls) as PySet;
    if (args.length) for (const v of ops.iterate(vm, args[0])) st.table.set(v, null, vm);
    return st;
  });
  for (const cls of [setType, frozensetType]) {
    const frozen = cls === frozensetType;
    const make = (self: PySet): PySet => new PySet(self.frozen);
    const others = (args: Value[]): PySet[] => args.map((a) => {
      if (a instanceof PySet) return a;
      const s = new PySet(true);
      for (const v of ops.iterate(vm, a)) s.table.set(v, null, vm);
      return s;
    });
    method(cls, 'union', (self, args) => {
      const out = make(S(self));
      for (const e of S(self).table.entries()) out.table.set(e.key, null, vm);
      for (const o of others(args)) for (const e of o.table.entries()) out.table.set(e.key, null, vm);
      return out;
    });
    method(cls, 'intersection', (self, args) => {
      let cur = S(self);
      for (const o of others(args)) {
        const out = make(S(self));
        for (const e of cur.table.entries()) if (o.table.get(e.key, vm)) out.table.set(e.key, null, vm);
        cur = out;
      }
      return cur === self ? new PySet(S(self).frozen, S(self).table.copy()) : cur;
    });
    method(cls, 'difference', (self, args) => {
      const os = others(args);
      const out = make(S(self));
      for (const e of S(self).table.entries()) if (!os.some((o) => o.table.get(e.key, vm))) out.table.set(e.key, null, vm);
      return out;
    });
    method(cls, 'symmetric_difference', (self, args) => {
      const [o] = others(args);
      const out = make(S(self));
      for (const e of S(self).table.entries()) if (!o.table.get(e.key, vm)) out.table.set(e.key, null, vm);
      for (const e of o.table.entries()) if (!S(self).table.get(e.key, vm)) out.table.set(e.key, null, vm);
      return out;
    });
    method(cls, 'issubset', (self, args) => { const [o] = others(args); return [...S(self).table.entries()].every((e) => o.table.get(e.key, vm) !== undefined); });
    method(cls, 'issuperset', (self, args) => { const [o] = others(args); return [...o.table.entries()].every((e) => S(self).table.get(e.key, vm) !== undefined); });
    method(cls, 'isdisjoint', (self, args) => { const [o] = others(args); return ![...S(self).table.entries()].some((e) => o.table.get(e.key, vm) !== undefined); });
    method(cls, 'copy', (self) => new PySet(S(self).frozen, S(self).table.copy()));
    containerDunders(vm, cls);
    if (frozen) continue;
    method(cls, 'add', (self, args) => { arity('set.add', args, 1, 1); S(self).table.set(args[0], null, vm); return null; });
    method(cls, 'remove', (self, args) => { if (!S(self).table.delete(args[0], vm)) throw ops.keyError(args[0]); return null; });
    method(cls, 'discard', (self, args) => { S(self).table.delete(args[0], vm); return null; });
    method(cls, 'pop', (self) => {
      const st = S(self);
      const order = ops.setOrder(vm, st);
      if (!order.length) throw raise(KeyError, 'pop from an empty set');
      st.table.delete(order[0], vm);
      return order[0];
    });
    method(cls, 'clear', (self) => { S(self).table.clear(); return null; });
    method(cls, 'update', (self, args) => { for (const a of args) for (const v of ops.iterate(vm, a)) S(self).table.set(v, null, vm); return null; });
    const inplace = (name: string, op: string): void => method(cls, name, (self, args) => {
      const st = S(self);
      const fnName = { '&': 'intersection', '-': 'difference', '^': 'symmetric_difference' }[op] as string;
      const r = vm.callNested(lookup(setType, fnName) as Value, [st, ...args]) as PySet;
      st.table.clear();
      for (const e of r.table.entries()) st.table.set(e.key, null, vm);
      return null;
    });
    inplace('intersection_update', '&');
    inplace('difference_update', '-');
    inplace('symmetric_difference_update', '^');
  }
  void [HashTable, typeType, objectType, PyObject, PENDING, NotImplemented];
}

/** Explicitly callable dunders (super().__getitem__(k) in a subclass, list.__len__(x)...). */
function containerDunders(vm: VM, cls: PyClass): void {
  const base = (self: Value): Value => self;
  method(cls, '__len__', (self) => {
    if (self instanceof PyList || self instanceof PyTuple) return self.items.length;
    if (self instanceof PyDict || self instanceof PySet) return self.table.size;
    throw raise(TypeError, 'bad self');
  });
  method(cls, '__iter__', (self) => ops.nativeIter(vm, base(self)) as Value);
  method(cls, '__contains__', (self, args) => {
    if (self instanceof PyDict || self instanceof PySet) return self.table.get(args[0], vm) !== undefined;
    const items = (self as PyList).items;
    return items.some((v) => v === args[0] || ops.equalsNested(vm, v, args[0]));
  });
  method(cls, '__repr__', (self) => vm.repr(plainCopy(self)));
  method(cls, '__eq__', (self, args) => {
    const o = args[0];
    if (!(o instanceof PyObject) || !isSubtype(typeOf(o), cls.base ?? cls) && !(cls === setType && o instanceof PySet)) return NotImplemented;
    return ops.richCompareNested(vm, 2, plainCopy(self), plainCopy(o));
  });
  if (cls === listType || cls === tupleType || cls === dictType) {
    method(cls, '__getitem__', (self, args) => {
      const k = args[0];
      if (self instanceof PyDict) {
        const e = self.table.get(k, vm);
        if (e === undefined) throw ops.keyError(k);
        return e.value;
      }
      return ops.getItem(vm, plainView(self), k);
    });
  }
  if (cls === listType || cls === dictType) {
    method(cls, '__setitem__', (self, args) => {
      if (self instanceof PyDict) { self.table.set(args[0], args[1], vm); return null; }
      const l = self as PyList;
      const tmp = new PyList(l.items);
      ops.setItem(vm, tmp, args[0], args[1]);
      l.items = tmp.items;
      return null;
    });
    method(cls, '__delitem__', (self, args) => {
      if (self instanceof PyDict) { if (!self.table.delete(args[0], vm)) throw ops.keyError(args[0]); return null; }
      const l = self as PyList;
      const tmp = new PyList(l.items);
      ops.delItem(vm, tmp, args[0]);
      l.items = tmp.items;
      return null;
    });
  }
  method(cls, '__hash__', (self) => ops.builtinHash(vm, plainCopy(self)));
  if (cls === listType || cls === tupleType) {
    method(cls, '__add__', (self, args) => ops.binaryOp(vm, 0, plainCopy(self), plainCopy(args[0])));
    method(cls, '__mul__', (self, args) => ops.binaryOp(vm, 2, plainCopy(self), args[0]));
  }
  if (cls === listType) cls.dict.set('__hash__', null);
  if (cls === dictType || cls === setType) cls.dict.set('__hash__', null);
}

/** The same contents as a plain builtin (so builtin behaviour applies to subclass instances). */
function plainCopy(v: Value): Value {
  if (v instanceof PyList && v.cls !== listType) return new PyList(v.items);
  if (v instanceof PyTuple && v.cls !== tupleType) return new PyTuple(v.items);
  if (v instanceof PyDict && v.cls !== dictType) return new PyDict(v.table);
  if (v instanceof PySet && v.cls.isUserClass) return new PySet(v.frozen, v.table);
  return v;
}
function plainView(v: Value): Value {
  return plainCopy(v);
}

// ---- dict views ----------------------------------------------------------------------------

export const dictKeysType = nativeClass('dict_keys');
export const dictValuesType = nativeClass('dict_values');
export const dictItemsType = nativeClass('dict_items');


export class DictView extends PyObject {
  get cls(): PyClass { return this.kind === 'keys' ? dictKeysType : this.kind === 'values' ? dictValuesType : dictItemsType; }
  constructor(readonly dict: PyDict, readonly kind: 'keys' | 'values' | 'items') { super(); }
}

export function installDictViews(vm: VM): void {
  for (const t of [dictKeysType, dictValuesType, dictItemsType]) {
    method(t, '__iter__', (self) => {
      const v = self as DictView;
      const pick = v.kind === 'keys' ? (e: { key: Value }) => e.key : v.kind === 'values' ? (e: { value: Value }) => e.value
        : (e: { key: Value; value: Value }) => new PyTuple([e.key, e.value]);
      return ops.mapIterator(vm, v.dict, pick as (e: { key: Value; value: Value }) => Value, t);
    });
    method(t, '__len__', (self) => (self as DictView).dict.table.size);
    method(t, '__contains__', (self, args) => {
      const v = self as DictView;
      if (v.kind === 'keys') return v.dict.table.get(args[0], vm) !== undefined;
      for (const x of ops.iterate(vm, self)) if (ops.equalsNested(vm, x, args[0])) return true;
      return false;
    });
    method(t, '__repr__', (self) => `${t.name}(${vm.repr(new PyList(ops.toArray(vm, self)))})`);
    method(t, '__reversed__', (self) => {
      const items = ops.toArray(vm, self).reverse();
      let i = 0;
      return new PyNativeIter(() => (i < items.length ? items[i++] : DONE));
    });
    t.getters.set('mapping', (self) => (self as DictView).dict);
    if (t !== dictValuesType) {
      const asSet = (v: Value): PySet => {
        const s = new PySet(false);
        for (const x of ops.iterate(vm, v)) s.table.set(x, null, vm);
        return s;
      };
      for (const [name, sym] of [['__and__', 'intersection'], ['__or__', 'union'], ['__sub__', 'difference'], ['__xor__', 'symmetric_difference']]) {
        method(t, name, (self, args) => vm.callNested(lookup(setType, sym) as Value, [asSet(self), asSet(args[0])]));
      }
      method(t, '__eq__', (self, args) => {
        const o = args[0];
        if (!(o instanceof PySet || o instanceof DictView)) return NotImplemented;
        return ops.richCompareNested(vm, 2, asSet(self), asSet(o));
      });
      method(t, 'isdisjoint', (self, args) => {
        const a = asSet(self);
        for (const x of ops.iterate(vm, args[0])) if (a.table.get(x, vm)) return false;
        return true;
      });
    }
  }
}
