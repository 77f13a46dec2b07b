// Storage for dict and set: an insertion-ordered JS Map keyed by a normalised form of the spy
// key, so `d[1]`, `d[1.0]` and `d[True]` meet, and tuples of plain values compare by content.
// Keys with a user-defined __hash__/__eq__ go through hash buckets and spy-level equality.
import { PyObject, PyFloat, PyTuple, Value, PyInstance, PyClass } from './values.js';
import { lookup } from './types.js';

export interface Entry {
  key: Value;
  value: Value;
}

/** What the table needs from the VM for keys with user-defined hashing. */
export interface KeyProtocol {
  /** true when the key's type defines its own __hash__ or __eq__ */
  hasCustomHash(v: Value): boolean;
  hash(v: Value): number;
  equals(a: Value, b: Value): boolean;
  /** raises TypeError: unhashable type */
  unhashable(v: Value): never;
}

const CUSTOM = Symbol('custom');
let nextIdentity = 1;
const identities = new WeakMap<object, number>();

export function identityOf(o: object): number {
  let id = identities.get(o);
  if (id === undefined) {
    id = nextIdentity++;
    identities.set(o, id);
  }
  return id;
}

/**
 * The normalised Map key of a value, or CUSTOM when spy code must decide equality.
 * ints/bools/integral floats → number|bigint; other floats → number; str → string.
 */
function normalize(v: Value, proto: KeyProtocol): unknown {
  switch (typeof v) {
    case 'number': return v;
    case 'string': return v;
    case 'boolean': return v ? 1 : 0;
    case 'bigint': return v;
  }
  if (v === null) return null;
  if (v instanceof PyFloat) {
    const f = v.value;
    if (Number.isNaN(f)) return v;
    if (Number.isInteger(f) && !Number.isSafeInteger(f)) return BigInt(f);
    return f === 0 ? 0 : f;
  }
  if (v instanceof PyTuple) {
    let key = 't(';
    for (const item of v.items) {
      const k = normalize(item, proto);
      if (k === CUSTOM) return CUSTOM;
      switch (typeof k) {
        case 'string': key += `s${k.length}:${k}`; break;
        case 'number': key += `n${k};`; break;
        case 'bigint': key += `n${k};`; break;
        case 'object':
          if (k === null) key += 'N;';
          else key += `o${identityOf(k as object)};`;
          break;
        default: key += `o${identityOf(k as object)};`;
      }
    }
    return key + ')';
  }
  if (v instanceof PyObject && (v as { frozenKey?: () => unknown }).frozenKey) {
    // frozensets compare by content: a key from their sorted element keys
    const parts: string[] = [];
    for (const e of (v as unknown as { table: HashTable }).table.entries()) {
      const k = normalize(e.key, proto);
      if (k === CUSTOM) return CUSTOM;
      parts.push(typeof k === 'string' ? `s${k.length}:${k}` : typeof k === 'object' && k !== null ? `o${identityOf(k)}` : `n${String(k)}`);
    }
    return 'F(' + parts.sort().join(';') + ')';
  }
  if (v instanceof PyObject) {
    if (lookup(v.cls, '__hash__') === null) proto.unhashable(v);
    if (proto.hasCustomHash(v)) return CUSTOM;
    return v;
  }
  return v;
}

export class HashTable {
  readonly map = new Map<unknown, Entry>();
  /** bumped by every insertion or removal: caches of iteration order check it */
  version = 0;
  /** the most entries held at once since the last clear (sets size their CPython table by it) */
  peak = 0;
  /** hash → entries, only for keys with user-defined hashing */
  private buckets: Map<number, Entry[]> | null = null;

  get size(): number {
    return this.map.size;
  }

  private findCustom(key: Value, proto: KeyProtocol): { hash: number; entry: Entry | undefined } {
    const hash = proto.hash(key);
    const bucket = this.buckets?.get(hash);
    if (bucket) {
      for (const e of bucket) if (e.key === key || proto.equals(e.key, key)) return { hash, entry: e };
    }
    return { hash, entry: undefined };
  }

  get(key: Value, proto: KeyProtocol): Entry | undefined {
    const k = normalize(key, proto);
    if (k === CUSTOM) return this.findCustom(key, proto).entry;
    return this.map.get(k);
  }

  set(key: Value, value: Value, proto: KeyProtocol): void {
    const k = normalize(key, proto);
    if (k === CUSTOM) {
      const { hash, entry } = this.findCustom(key, proto);
      if (entry) { entry.value = value; return; }
      const e: Entry = { key, value };
      this.buckets ??= new Map();
      let b = this.buckets.get(hash);
      if (!b) { b = []; this.buckets.set(hash, b); }
      b.push(e);
      this.map.set(e, e);
      this.version++;
      if (this.map.size > this.peak) this.peak = this.map.size;
      return;
    }
    this.setNormalized(k, key, value);
  }

  private setNormalized(k: unknown, key: Value, value: Value): void {
    const e = this.map.get(k);
    if (e) e.value = value;
    else {
      this.map.set(k, { key, value });
      this.version++;
      if (this.map.size > this.peak) this.peak = this.map.size;
    }
  }

  delete(key: Value, proto: KeyProtocol): Entry | undefined {
    const k = normalize(key, proto);
    if (k === CUSTOM) {
      const { hash, entry } = this.findCustom(key, proto);
      if (!entry) return undefined;
      const b = this.buckets?.get(hash) as Entry[];
      b.splice(b.indexOf(entry), 1);
      this.map.delete(entry);
      this.version++;
      return entry;
    }
    const e = this.map.get(k);
    if (e) { this.map.delete(k); this.version++; }
    return e;
  }

  /** get, set and delete for a str key, which never needs the KeyProtocol: instance attributes */
  getStr(key: string): Value | undefined {
    return this.map.get(key)?.value;
  }

  setStr(key: string, value: Value): void {
    this.setNormalized(key, key, value);
  }

  deleteStr(key: string): boolean {
    if (!this.map.delete(key)) return false;
    this.version++;
    return true;
  }

  clear(): void {
    this.version++;
    this.peak = 0;
    this.map.clear();
    this.buckets = null;
  }

  entries(): IterableIterator<Entry> {
    return this.map.values();
  }

  copy(): HashTable {
    const t = new HashTable();
    t.peak = this.map.size;
    for (const [k, e] of this.map) {
      if (e === k) {
        const ne: Entry = { key: e.key, value: e.value };
        t.map.set(ne, ne);
      } else t.map.set(k, { key: e.key, value: e.value });
    }
    if (this.buckets) {
      // rebuild buckets for the copied custom entries
      t.buckets = new Map();
      const byKey = new Map<Value, Entry>();
      for (const e of t.map.values()) byKey.set(e.key, e);
      for (const [h, b] of this.buckets) t.buckets.set(h, b.map((e) => byKey.get(e.key) as Entry));
    }
    return t;
  }
}

/** True for instances whose class (or a base) is a user class defining __hash__ or __eq__. */
export function classDefinesHash(cls: PyClass): boolean {
  for (const c of cls.mro) {
    if (c.nativeKind !== 'object' && c.dict.size === 0) continue;
    if (c.dict.has('__hash__') || c.dict.has('__eq__')) return !isBuiltinClass(c);
  }
  return false;
}

function isBuiltinClass(c: PyClass): boolean {
  return c.module === 'builtins';
}

export { CUSTOM, PyInstance };
