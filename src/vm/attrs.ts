// An instance's attributes, laid out by shape: instances that got the same names in the same
// order share one Shape (name -> slot) and keep only an array of values, as V8's hidden classes
// and CPython 3.11's shared-key dicts do. The loop's attribute opcodes then cache (shape, slot)
// per name and read or write the array without hashing. A delete, a shape too wide to be worth
// sharing, or a look at `__dict__` moves the attributes into a dict's table for good: the
// `__dict__` object is then that table, live both ways, as in CPython.
import type { PyClass, Value } from './values.js';
import type { PyDict } from './objects.js';
import { HashTable } from './hashtable.js';

export class Shape {
  /** the shapes one more name leads to, made on first use */
  private next: Map<string, Shape> | null = null;

  constructor(readonly names: readonly string[], readonly index: ReadonlyMap<string, number>) {}

  /** the shape with `name` added last, or null when sharing would no longer pay */
  extend(name: string): Shape | null {
    let s = this.next?.get(name);
    if (s !== undefined) return s;
    if (this.names.length >= MAX_NAMES || (this.next !== null && this.next.size >= MAX_BRANCHES)) return null;
    const index = new Map(this.index);
    index.set(name, this.names.length);
    s = new Shape([...this.names, name], index);
    (this.next ??= new Map()).set(name, s);
    return s;
  }
}

/** beyond this many attributes an instance is a bag of names, not a record */
const MAX_NAMES = 64;
/** names seen after one shape: generated names (setattr in a loop) stop making shapes here */
const MAX_BRANCHES = 32;
const EMPTY = new Shape([], new Map());
/** what a fresh cache entry holds: no instance ever has this shape */
const NO_SHAPE = new Shape([], new Map());

/**
 * What one code object's attribute opcodes learnt about one name: where it lives in `shape`,
 * the transition a store that adds it makes, a shape known not to have it, and the method
 * LOAD_METHOD found for instances of `cls` while the classes were at `version`.
 */
export class AttrSite {
  shape = NO_SHAPE;
  slot = 0;
  from = NO_SHAPE;
  to = NO_SHAPE;
  absent = NO_SHAPE;
  cls: PyClass | null = null;
  version = -1;
  method: Value = null;
}

export class AttrMap implements Map<string, Value> {
  /** null once the attributes live in `table` */
  shape: Shape | null = EMPTY;
  /** the values, in the shape's slot order */
  slots: Value[] = [];
  private table: HashTable | null = null;
  /** the `__dict__` object, made on first use: its table is `table` */
  view: PyDict | null = null;

  get size(): number {
    return this.shape !== null ? this.shape.names.length : (this.table as HashTable).size;
  }

  get(name: string): Value | undefined {
    if (this.shape === null) return (this.table as HashTable).getStr(name);
    const i = this.shape.index.get(name);
    return i === undefined ? undefined : this.slots[i];
  }

  has(name: string): boolean {
    return this.shape !== null ? this.shape.index.has(name) : (this.table as HashTable).map.has(name);
  }

  set(name: string, v: Value): this {
    const shape = this.shape;
    if (shape === null) {
      (this.table as HashTable).setStr(name, v);
      return this;
    }
    const i = shape.index.get(name);
    if (i !== undefined) {
      this.slots[i] = v;
      return this;
    }
    const next = shape.extend(name);
    if (next !== null) {
      this.shape = next;
      this.slots.push(v);
    } else {
      this.toTable().setStr(name, v);
    }
    return this;
  }

  delete(name: string): boolean {
    if (!this.has(name)) return false;
    return this.toTable().deleteStr(name);
  }

  clear(): void {
    if (this.table !== null) this.table.clear();
    else this.slots = [];
    if (this.shape !== null) this.shape = EMPTY;
  }

  /** LOAD_ATTR's miss: finds `name` and teaches `site` where it is */
  getFor(name: string, site: AttrSite): Value | undefined {
    const shape = this.shape;
    if (shape === null) return (this.table as HashTable).getStr(name);
    const i = shape.index.get(name);
    if (i === undefined) return undefined;
    site.shape = shape;
    site.slot = i;
    return this.slots[i];
  }

  /** STORE_ATTR's miss: stores, and teaches `site` the slot or the transition */
  setFor(name: string, v: Value, site: AttrSite): void {
    const shape = this.shape;
    if (shape !== null) {
      const i = shape.index.get(name);
      if (i !== undefined) {
        site.shape = shape;
        site.slot = i;
        this.slots[i] = v;
        return;
      }
      const next = shape.extend(name);
      if (next !== null) {
        site.from = shape;
        site.to = next;
        this.shape = next;
        this.slots.push(v);
        return;
      }
    }
    this.set(name, v);
  }

  /** LOAD_METHOD's question: does no attribute shadow the method `name`? */
  lacksFor(name: string, site: AttrSite): boolean {
    const shape = this.shape;
    if (shape === null) return !(this.table as HashTable).map.has(name);
    if (shape.index.has(name)) return false;
    site.absent = shape;
    return true;
  }

  /**
   * The attributes as a dict's table, from now on for good (only the str keys are attributes;
   * `__dict__` may hold others, as CPython's does).
   */
  toTable(): HashTable {
    if (this.table !== null) return this.table;
    const t = new HashTable();
    const names = (this.shape as Shape).names;
    for (let i = 0; i < names.length; i++) t.setStr(names[i], this.slots[i]);
    this.shape = null;
    this.slots = [];
    this.table = t;
    return t;
  }

  *entries(): MapIterator<[string, Value]> {
    if (this.shape === null) {
      yield* tableEntries(this.table as HashTable, null);
      return;
    }
    // names added while iterating are visited, as a Map's iteration does
    let shape: Shape = this.shape;
    let i = 0;
    for (; i < shape.names.length; i++) {
      yield [shape.names[i], this.slots[i]];
      if (this.shape === null) break;
      shape = this.shape;
    }
    // a delete while iterating moved them into a table: go on with the names not yet visited
    if (this.shape === null) yield* tableEntries(this.table as HashTable, new Set(shape.names.slice(0, i + 1)));
  }

  *keys(): MapIterator<string> {
    for (const [k] of this.entries()) yield k;
  }

  *values(): MapIterator<Value> {
    for (const [, v] of this.entries()) yield v;
  }

  forEach(fn: (value: Value, key: string, map: Map<string, Value>) => void, thisArg?: unknown): void {
    for (const [k, v] of this.entries()) fn.call(thisArg, v, k, this);
  }

  [Symbol.iterator](): MapIterator<[string, Value]> {
    return this.entries();
  }

  get [Symbol.toStringTag](): string {
    return 'AttrMap';
  }
}

function* tableEntries(table: HashTable, seen: Set<string> | null): Generator<[string, Value]> {
  for (const e of table.map.values()) {
    if (typeof e.key === 'string' && (seen === null || !seen.has(e.key))) yield [e.key, e.value];
  }
}
