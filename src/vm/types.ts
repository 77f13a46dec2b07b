// Type queries every layer needs: the spy type of a value, MRO lookups with a per-class cache,
// C3 linearisation for new classes, and the type names CPython puts in error messages.
import {
  PyClass, PyObject, Value, intType, strType, boolType, noneType, objectType, typeType, PyProperty, PyNative,
  PyStaticMethod, PyFunction, ABSENT,
} from './values.js';
import { CO_GENERATOR } from '../bytecode/code.js';
import { raise, TypeError } from './errors.js';

export function typeOf(v: Value): PyClass {
  switch (typeof v) {
    case 'number': case 'bigint': return intType;
    case 'string': return strType;
    case 'boolean': return boolType;
  }
  if (v === null) return noneType;
  return (v as PyObject).cls;
}

export function typeName(v: Value): string {
  return typeOf(v).name;
}

let globalVersion = 0;

/** changes whenever any class changes: a cache of lookups is good while it stays the same */
export function classVersion(): number {
  return globalVersion;
}

/** Invalidates every class's lookup cache (a class dict changed somewhere). */
export function classChanged(): void {
  globalVersion++;
}

/** Looks `name` up along the MRO of `cls`; undefined when absent. Cached per class. */
export function lookup(cls: PyClass, name: string): Value | undefined {
  if (cls.cacheVersion === globalVersion) {
    const v = cls.cache.get(name);
    if (v !== undefined) return v === ABSENT ? undefined : v;
  }
  return lookupSlow(cls, name);
}

// apart from lookup, so that the cached case is small enough for V8 to inline
function lookupSlow(cls: PyClass, name: string): Value | undefined {
  if (cls.cacheVersion !== globalVersion) {
    cls.cache.clear();
    cls.cacheVersion = globalVersion;
  }
  const mro = cls.mro;
  for (let i = 0; i < mro.length; i++) {
    const v = mro[i].dict.get(name);
    if (v !== undefined) {
      cls.cache.set(name, v);
      return v;
    }
  }
  cls.cache.set(name, ABSENT);
  return undefined;
}

/**
 * Refreshes the per-class facts the attribute fast paths need: which names are data
 * descriptors, and whether __setattr__ is overridden. Recomputed when any class changes.
 */
export function classFacts(cls: PyClass): PyClass {
  return cls.factsVersion === globalVersion ? cls : refreshFacts(cls);
}

function refreshFacts(cls: PyClass): PyClass {
  let dd: Set<string> | null = null;
  for (const c of cls.mro) {
    for (const [name, v] of c.dict) {
      if (v instanceof PyProperty || (v instanceof PyObject && v.cls.isUserClass && lookup(v.cls, '__set__') !== undefined)) {
        (dd ??= new Set()).add(name);
      }
    }
  }
  cls.dataDescriptors = dd;
  const sa = lookup(cls, '__setattr__');
  cls.customSetattr = sa !== undefined && !(sa instanceof PyNative && sa.owner === objectType);
  const found = lookup(cls, '__new__');
  const newFn = found instanceof PyStaticMethod ? found.fn : found;
  const init = lookup(cls, '__init__');
  cls.plainInit = cls.nativeKind === 'object' && cls !== objectType && newFn instanceof PyNative && newFn.owner === objectType &&
    init instanceof PyFunction && init.simple && (init.code.flags & CO_GENERATOR) === 0 ? init : null;
  cls.factsVersion = globalVersion;
  return cls;
}

export function isSubtype(cls: PyClass, base: PyClass): boolean {
  if (cls === base) return true;
  const mro = cls.mro;
  for (let i = 0; i < mro.length; i++) if (mro[i] === base) return true;
  return false;
}

export function isInstance(v: Value, cls: PyClass): boolean {
  return isSubtype(typeOf(v), cls);
}

/** C3 linearisation (CPython's mro_internal); TypeError when no consistent order exists. */
export function computeMro(cls: PyClass): PyClass[] {
  const seqs: PyClass[][] = cls.bases.map((b) => [...b.mro]);
  seqs.push([...cls.bases]);
  const out: PyClass[] = [cls];
  for (;;) {
    const nonEmpty = seqs.filter((s) => s.length);
    if (!nonEmpty.length) return out;
    let candidate: PyClass | null = null;
    for (const s of nonEmpty) {
      const head = s[0];
      if (!nonEmpty.some((t) => t.indexOf(head) > 0)) { candidate = head; break; }
    }
    if (!candidate) {
      const names = cls.bases.map((b) => b.name).join(', ');
      throw raise(TypeError, `Cannot create a consistent method resolution\norder (MRO) for bases ${names}`);
    }
    out.push(candidate);
    for (const s of nonEmpty) if (s[0] === candidate) s.shift();
  }
}

export { objectType, typeType };
