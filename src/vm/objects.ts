// Heap objects whose behaviour lives in the VM: dict, set/frozenset and generators.
// (Their methods are in stdlib/builtins; the loop knows generators to resume them without
// recursion.)
import { HashTable } from './hashtable.js';
import { PyClass, PyObject, Value, dictType, setType, frozensetType, generatorType } from './values.js';
import type { Frame } from './frame.js';

export class PyDict extends PyObject {
  cls: PyClass;
  readonly table: HashTable;
  /** attributes of instances of dict subclasses */
  dict: Map<string, Value> | null = null;
  constructor(table?: HashTable, cls?: PyClass) {
    super();
    this.cls = cls ?? dictType;
    this.table = table ?? new HashTable();
  }
}

export class PySet extends PyObject {
  cls: PyClass;
  readonly table: HashTable;
  dict: Map<string, Value> | null = null;
  constructor(frozen: boolean, table?: HashTable, cls?: PyClass) {
    super();
    this.cls = cls ?? (frozen ? frozensetType : setType);
    this.table = table ?? new HashTable();
    this.frozenKey = frozen ? () => true : undefined;
  }
  /** cached CPython slot order of the elements (see ops.setOrder) */
  order: Value[] | null = null;
  orderVersion = -1;
  /** marks frozensets as keyed by content in hash tables */
  frozenKey: (() => boolean) | undefined;
  get frozen(): boolean {
    return this.cls === frozensetType || this.cls.mro.includes(frozensetType);
  }
}

export const enum GenState { Created, Suspended, Running, Closed }

export class PyGenerator extends PyObject {
  get cls(): PyClass { return generatorType; }
  state = GenState.Created;
  /** the iterator a `yield from` in this generator is delegating to, while it does */
  yieldFrom: Value | null = null;
  constructor(readonly frame: Frame, readonly name: string, readonly qualname: string) {
    super();
  }
}
