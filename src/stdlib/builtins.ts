// The builtins module: the functions people reach for (print, len, range, sorted ...) and the
// constructors of the builtin types, with CPython's behaviour and error messages. Methods of
// the builtin types live in types_*.ts; this file wires everything into a VM.
import {
  Value, PyObject, PyClass, PyFloat, PyTuple, PyList, PyFunction, PyNative, PyBoundMethod, PyModule, PySlice,
  PyRange, PyProperty, PyStaticMethod, PyClassMethod, PySuper, PyNativeIter, DONE, PyException, PyBytes, PyCell,
  PyInstance, PENDING, Result, NotImplemented, Ellipsis,
  typeType, objectType, intType, boolType, floatType, strType, tupleType, listType, dictType, setType,
  frozensetType, rangeType, sliceType, propertyType, staticmethodType, classmethodType, superType, bytesType,
  noneType, functionType, generatorType, moduleType,
} from '../vm/values.js';
import { PyDict, PySet, PyGenerator, GenState } from '../vm/objects.js';
import {
  raise, newException, EXCEPTION_CLASSES, TypeError, ValueError, StopIteration, AttributeError, RuntimeError,
  OverflowError, BaseException, GeneratorExit, EOFError, ZeroDivisionError,
} from '../vm/errors.js';
import { typeOf, lookup, isSubtype, classChanged } from '../vm/types.js';
import * as ops from '../vm/ops.js';
import * as N from '../vm/numbers.js';
import { Cont } from '../vm/frame.js';
import type { VM } from '../vm/interp.js';
import type { NativeFn } from '../vm/values.js';
import { fn, method, arity, noKw, toInt, toSmallInt, toFloat, checkKw, kwArg } from './native.js';
import { identityOf } from '../vm/hashtable.js';
import { installStrMethods, parseIntLiteral, parseFloatLiteral } from './types_str.js';
import { installContainerMethods, installDictViews, sortList } from './types_containers.js';
import { installObjectMethods } from './types_object.js';

export function installBuiltins(vm: VM): void {
  const b = vm.builtins;
  const def = (name: string, f: (args: Value[], kw: Map<string, Value> | null) => Result): void => {
    b.set(name, fn(name, f));
  };

  installObjectMethods(vm);
  installStrMethods(vm);
  installContainerMethods(vm);
  installDictViews(vm);

  for (const t of [objectType, typeType, intType, boolType, floatType, strType, tupleType, listType, dictType, setType,
    frozensetType, rangeType, sliceType, propertyType, staticmethodType, classmethodType, superType, bytesType]) {
    b.set(t.name, t);
  }
  for (const e of EXCEPTION_CLASSES) b.set(e.name, e);
  // Python 3 keeps the old names of OSError
  for (const alias of ['IOError', 'EnvironmentError']) b.set(alias, b.get('OSError') as PyClass);
  b.set('complex', complexType);
  b.set('None', null);
  b.set('True', true);
  b.set('False', false);
  b.set('NotImplemented', NotImplemented);
  b.set('Ellipsis', Ellipsis);
  b.set('__name__', 'builtins');
  b.set('__build_class__', fn('__build_class__', (args, kw) => vm.startClass(args, kw)));

  // ---- I/O ----
  def('print', (args, kw) => {
    checkKw('print', kw, ['sep', 'end', 'file', 'flush']);
    const sepV = kwArg(kw, 'sep') ?? null;
    const endV = kwArg(kw, 'end') ?? null;
    if (sepV !== null && typeof sepV !== 'string') throw raise(TypeError, `sep must be None or a string, not ${typeOf(sepV).name}`);
    if (endV !== null && typeof endV !== 'string') throw raise(TypeError, `end must be None or a string, not ${typeOf(endV).name}`);
    const sep = sepV ?? ' ';
    const end = endV ?? '\n';
    let text = '';
    for (let i = 0; i < args.length; i++) {
      if (i) text += sep;
      const a = args[i];
      text += typeof a === 'string' ? a : vm.str(a);
    }
    text += end;
    const file = kwArg(kw, 'file') ?? null;
    writeTo(vm, file, text);
    return null;
  });
  def('input', (args) => {
    arity('input', args, 0, 1);
    if (args.length) vm.host.write('stdout', vm.str(args[0]));
    const line = vm.host.readLine();
    if (line === null) throw raise(EOFError, 'EOF when reading a line');
    return line.endsWith('\n') ? line.slice(0, -1) : line;
  });

  // ---- introspection ----
  def('len', (args, kw) => { noKw('len', kw); arity('len', args, 1, 1); return ops.lenOf(vm, args[0]); });
  def('repr', (args) => { arity('repr', args, 1, 1); return vm.repr(args[0]); });
  def('ascii', (args) => { arity('ascii', args, 1, 1); return ops.asciiOf(vm.repr(args[0])); });
  def('id', (args) => {
    arity('id', args, 1, 1);
    const v = args[0];
    if (v instanceof PyObject) return 140000000000000 + identityOf(v) * 16;
    return 9000000 + (typeof v === 'number' ? v * 32 : String(v).length);
  });
  def('hash', (args) => { arity('hash', args, 1, 1); return ops.hashOf(vm, args[0]); });
  def('callable', (args) => {
    arity('callable', args, 1, 1);
    const v = args[0];
    return v instanceof PyFunction || v instanceof PyNative || v instanceof PyBoundMethod || v instanceof PyClass ||
      (v instanceof PyObject && lookup(v.cls, '__call__') !== undefined);
  });
  def('isinstance', (args) => {
    arity('isinstance', args, 2, 2);
    return classInfoCheck(vm, typeOf(args[0]), args[1], 'isinstance', args[0]);
  });
  def('issubclass', (args) => {
    arity('issubclass', args, 2, 2);
    if (!(args[0] instanceof PyClass)) throw raise(TypeError, 'issubclass() arg 1 must be a class');
    return classInfoCheck(vm, args[0], args[1], 'issubclass', args[0]);
  });
  def('getattr', (args) => {
    arity('getattr', args, 2, 3);
    const name = args[1];
    if (typeof name !== 'string') throw raise(TypeError, `attribute name must be string, not '${typeOf(name).name}'`);
    try {
      return ops.getAttrNested(vm, args[0], name);
    } catch (e) {
      if (args.length === 3 && e instanceof PyException && isSubtype(e.cls, AttributeError)) return args[2];
      throw e;
    }
  });
  def('setattr', (args) => {
    arity('setattr', args, 3, 3);
    const name = args[1];
    if (typeof name !== 'string') throw raise(TypeError, `attribute name must be string, not '${typeOf(name).name}'`);
    const r = ops.setAttr(vm, args[0], name, args[2]);
    if (r === PENDING) vm.finishPushed();
    return null;
  });
  def('delattr', (args) => {
    arity('delattr', args, 2, 2);
    const r = ops.delAttr(vm, args[0], args[1] as string);
    if (r === PENDING) vm.finishPushed();
    return null;
  });
  def('hasattr', (args) => {
    arity('hasattr', args, 2, 2);
    const name = args[1];
    if (typeof name !== 'string') throw raise(TypeError, `attribute name must be string, not '${typeOf(name).name}'`);
    try {
      ops.getAttrNested(vm, args[0], name);
      return true;
    } catch (e) {
      if (e instanceof PyException && isSubtype(e.cls, AttributeError)) return false;
      throw e;
    }
  });
  def('vars', (args) => {
    arity('vars', args, 0, 1);
    if (!args.length) return ops.dictFromMap(vm, vm.frame?.locals ?? vm.frame?.globals ?? new Map());
    const d = args[0] instanceof PyClass ? ops.dictFromMap(vm, args[0].dict) : ops.dictObject(vm, args[0]);
    if (!d) throw raise(TypeError, 'vars() argument must have __dict__ attribute');
    return d;
  });
  def('dir', (args) => {
    arity('dir', args, 0, 1);
    const names = new Set<string>();
    if (!args.length) {
      for (const k of (vm.frame?.locals ?? vm.frame?.globals ?? new Map()).keys()) names.add(k);
    } else {
      const v = args[0];
      if (v instanceof PyModule) for (const k of v.dict.keys()) names.add(k);
      else {
        const d = ops.instanceDict(v);
        if (d) for (const k of d.keys()) names.add(k);
        const cls = v instanceof PyClass ? v : typeOf(v);
        for (const c of cls.mro) for (const k of c.dict.keys()) names.add(k);
      }
    }
    return new PyList([...names].sort());
  });
  def('globals', () => ops.dictFromMap(vm, vm.frame?.globals ?? new Map()));
  def('locals', () => ops.dictFromMap(vm, vm.frame?.locals ?? localsOf(vm)));

  // ---- numbers ----
  def('abs', (args) => {
    arity('abs', args, 1, 1);
    const v = args[0];
    if (typeof v === 'number') return Math.abs(v);
    if (typeof v === 'bigint') return v < 0n ? -v : v;
    if (typeof v === 'boolean') return v ? 1 : 0;
    if (v instanceof PyFloat) return new PyFloat(Math.abs(v.value));
    const a = v instanceof PyObject ? lookup(v.cls, '__abs__') : undefined;
    if (a === undefined) throw raise(TypeError, `bad operand type for abs(): '${typeOf(v).name}'`);
    return vm.callNested(a, [v]);
  });
  def('round', (args, kw) => {
    checkKw('round', kw, ['ndigits']);
    arity('round', args, 1, 2);
    const v = args[0];
    const nd = args.length > 1 ? args[1] : kwArg(kw, 'ndigits') ?? null;
    if (v instanceof PyFloat) {
      const x = v.value;
      if (nd === null) {
        if (!Number.isFinite(x)) throw raise(Number.isNaN(x) ? ValueError : OverflowError, Number.isNaN(x) ? 'cannot convert float NaN to integer' : 'cannot convert float infinity to integer');
        let r = Math.round(x);
        if (Math.abs(x % 1) === 0.5) r = 2 * Math.round(x / 2);
        return Number.isSafeInteger(r) ? (r === 0 ? 0 : r) : N.normBig(BigInt(r));
      }
      return new PyFloat(N.roundFloat(x, toSmallInt(vm, nd)));
    }
    if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') {
      const i = typeof v === 'boolean' ? (v ? 1 : 0) : v;
      if (nd === null) return i;
      const n = toSmallInt(vm, nd);
      if (n >= 0) return i;
      const p = N.intPow(10, -n);
      const q = N.intFloorDiv(i, p);
      const r = N.intSub(i, N.intMul(q, p));
      const twice = N.intMul(r, 2);
      let q2 = q;
      const c = typeof twice === 'bigint' || typeof p === 'bigint' ? (N.big(twice) > N.big(p) ? 1 : N.big(twice) < N.big(p) ? -1 : 0) : (twice > p ? 1 : twice < p ? -1 : 0);
      if (c > 0 || (c === 0 && N.intMod(q, 2) === 1)) q2 = N.intAdd(q, 1);
      return N.intMul(q2, p);
    }
    const r = v instanceof PyObject ? lookup(v.cls, '__round__') : undefined;
    if (r === undefined) throw raise(TypeError, `type ${typeOf(v).name} doesn't define __round__ method`);
    return vm.callNested(r, nd === null ? [v] : [v, nd]);
  });
  def('divmod', (args) => {
    arity('divmod', args, 2, 2);
    const [a, c] = args;
    if (isIntLike(a) && isIntLike(c)) {
      const x = intOf(a), y = intOf(c);
      return new PyTuple([N.intFloorDiv(x, y), N.intMod(x, y)]);
    }
    if ((a instanceof PyFloat || isIntLike(a)) && (c instanceof PyFloat || isIntLike(c))) {
      const x = toFloat(vm, a), y = toFloat(vm, c);
      if (y === 0) throw raise(ZeroDivisionError, 'float divmod()');
      return new PyTuple([new PyFloat(N.floatFloorDiv(x, y)), new PyFloat(N.floatMod(x, y))]);
    }
    const d = lookup(typeOf(a), '__divmod__');
    if (d !== undefined) return vm.callNested(d, [a, c]);
    throw raise(TypeError, `unsupported operand type(s) for divmod(): '${typeOf(a).name}' and '${typeOf(c).name}'`);
  });
  def('pow', (args, kw) => {
    checkKw('pow', kw, ['base', 'exp', 'mod']);
    const base = args[0] ?? kwArg(kw, 'base');
    const exp = args[1] ?? kwArg(kw, 'exp');
    const mod = args[2] ?? kwArg(kw, 'mod') ?? null;
    if (base === undefined || exp === undefined) throw raise(TypeError, 'pow() missing required argument');
    if (mod !== null) {
      if (!isIntLike(base) || !isIntLike(exp) || !isIntLike(mod)) throw raise(TypeError, 'pow() 3rd argument not allowed unless all arguments are integers');
      return N.intPowMod(intOf(base), intOf(exp), intOf(mod));
    }
    return vm.callNested(powOp, [base, exp]);
  });
  const powOp = fn('pow', (args) => ops.binaryOp(vm, 6, args[0], args[1]));
  def('sum', (args, kw) => {
    checkKw('sum', kw, ['start']);
    arity('sum', args, 1, 2);
    let acc: Value = args.length > 1 ? args[1] : kwArg(kw, 'start') ?? 0;
    if (typeof acc === 'string') throw raise(TypeError, "sum() can't sum strings [use ''.join(seq) instead]");
    const src = args[0];
    // a plain list or tuple is summed from its array, not through the generic iterator
    const items = (src instanceof PyList || src instanceof PyTuple) && !src.cls.isUserClass ? src.items : ops.iterate(vm, src);
    for (const v of items) {
      if (typeof acc === 'number' && typeof v === 'number') {
        const r: number = acc + v;
        if (Number.isSafeInteger(r)) { acc = r; continue; }
      }
      if (acc instanceof PyFloat && v instanceof PyFloat) { acc = new PyFloat(acc.value + v.value); continue; }
      acc = binaryNested(vm, 0, acc, v);
    }
    return acc;
  });
  def('min', (args, kw) => minMax(vm, args, kw, 'min', false));
  def('max', (args, kw) => minMax(vm, args, kw, 'max', true));
  def('hex', (args) => { arity('hex', args, 1, 1); return intToBase(toInt(vm, args[0]), 16, '0x'); });
  def('oct', (args) => { arity('oct', args, 1, 1); return intToBase(toInt(vm, args[0]), 8, '0o'); });
  def('bin', (args) => { arity('bin', args, 1, 1); return intToBase(toInt(vm, args[0]), 2, '0b'); });
  def('chr', (args) => {
    arity('chr', args, 1, 1);
    const i = toInt(vm, args[0]);
    if (i < 0 || i > 0x10ffff) throw raise(ValueError, 'chr() arg not in range(0x110000)');
    return String.fromCodePoint(Number(i));
  });
  def('ord', (args) => {
    arity('ord', args, 1, 1);
    const s = args[0];
    if (typeof s !== 'string') throw raise(TypeError, `ord() expected string of length 1, but ${typeOf(s).name} found`);
    const cps = [...s];
    if (cps.length !== 1) throw raise(TypeError, `ord() expected a character, but string of length ${cps.length} found`);
    return cps[0].codePointAt(0) as number;
  });
  def('format', (args) => {
    arity('format', args, 1, 2);
    return ops.formatValue(vm, args[0], args.length > 1 ? (args[1] as string) : '');
  });

  // ---- iteration ----
  def('iter', (args) => {
    arity('iter', args, 1, 2);
    if (args.length === 2) {
      const callable = args[0], sentinel = args[1];
      let done = false;
      return new PyNativeIter(() => {
        if (done) return DONE;
        const v = vm.callNested(callable, []);
        if (ops.equalsNested(vm, v, sentinel)) { done = true; return DONE; }
        return v;
      }, callableIteratorType);
    }
    return ops.getIter(vm, args[0]);
  });
  def('next', (args) => {
    arity('next', args, 1, 2);
    const it = args[0];
    if (it instanceof PyGenerator) {
      if (args.length === 2) {
        try { return vm.callNested(genNext, [it]); } catch (e) {
          if (e instanceof PyException && isSubtype(e.cls, StopIteration)) return args[1];
          throw e;
        }
      }
      return vm.resume(it, null, Cont.GenCall, null);
    }
    if (it instanceof PyNativeIter) {
      const v = it.next();
      if (v !== DONE) return v;
      if (args.length === 2) return args[1];
      throw ops.stopIteration(null);
    }
    const n = lookup(typeOf(it), '__next__');
    if (n === undefined) throw raise(TypeError, `'${typeOf(it).name}' object is not an iterator`);
    if (args.length === 2) {
      try { return vm.callNested(n, [it]); } catch (e) {
        if (e instanceof PyException && isSubtype(e.cls, StopIteration)) return args[1];
        throw e;
      }
    }
    return vm.callCont(n, [it], null, Cont.Push, null);
  });
  def('enumerate', (args, kw) => {
    checkKw('enumerate', kw, ['start', 'iterable']);
    const src = args[0] ?? kwArg(kw, 'iterable');
    if (src === undefined) throw raise(TypeError, "enumerate() missing required argument 'iterable' (pos 1)");
    let i: N.Int = args.length > 1 ? toInt(vm, args[1]) : kwArg(kw, 'start') !== undefined ? toInt(vm, kwArg(kw, 'start') as Value) : 0;
    const it = iterOf(vm, src);
    return new PyNativeIter(() => {
      const v = ops.nextNested(vm, it);
      if (v === DONE) return DONE;
      const t = new PyTuple([i, v]);
      i = N.intAdd(i, 1);
      return t;
    }, enumerateType);
  });
  def('zip', (args, kw) => {
    checkKw('zip', kw, ['strict']);
    const strict = kw ? ops.truthy(vm, kw.get('strict') ?? false) : false;
    const its = args.map((a) => iterOf(vm, a));
    let done = false;
    return new PyNativeIter(() => {
      if (done || !its.length) return DONE;
      const items: Value[] = [];
      for (let k = 0; k < its.length; k++) {
        const v = ops.nextNested(vm, its[k]);
        if (v === DONE) {
          done = true;
          if (strict) {
            if (k > 0) throw raise(ValueError, `zip() argument ${k + 1} is shorter than argument${k > 1 ? 's 1-' + k : ' 1'}`);
            for (let j = 1; j < its.length; j++) {
              if (ops.nextNested(vm, its[j]) !== DONE) throw raise(ValueError, `zip() argument ${j + 1} is longer than argument${j > 1 ? 's 1-' + j : ' 1'}`);
            }
          }
          return DONE;
        }
        items.push(v);
      }
      return new PyTuple(items);
    }, zipType);
  });
  def('map', (args) => {
    if (args.length < 2) throw raise(TypeError, 'map() must have at least two arguments.');
    const f = args[0];
    const its = args.slice(1).map((a) => iterOf(vm, a));
    return new PyNativeIter(() => {
      const vals: Value[] = [];
      for (const it of its) {
        const v = ops.nextNested(vm, it);
        if (v === DONE) return DONE;
        vals.push(v);
      }
      return vm.callNested(f, vals);
    }, mapType);
  });
  def('filter', (args) => {
    arity('filter', args, 2, 2);
    const f = args[0];
    const it = iterOf(vm, args[1]);
    return new PyNativeIter(() => {
      for (;;) {
        const v = ops.nextNested(vm, it);
        if (v === DONE) return DONE;
        if (ops.truthy(vm, f === null ? v : vm.callNested(f, [v]))) return v;
      }
    }, filterType);
  });
  def('reversed', (args) => {
    arity('reversed', args, 1, 1);
    const v = args[0];
    const cls = typeOf(v);
    const rev = cls.isUserClass ? lookup(cls, '__reversed__') : undefined;
    if (rev !== undefined) return vm.callNested(rev, [v]);
    if (v instanceof PyList) {
      let i = v.items.length - 1;
      return new PyNativeIter(() => (i >= 0 && i < v.items.length ? v.items[i--] : DONE), listReverseIteratorType);
    }
    if (v instanceof PyTuple || typeof v === 'string' || v instanceof PyRange) {
      const items = v instanceof PyTuple ? v.items : ops.toArray(vm, v);
      let i = items.length - 1;
      return new PyNativeIter(() => (i >= 0 ? items[i--] : DONE), reversedType);
    }
    if (v instanceof PyDict) {
      const keys = [...v.table.entries()].map((e) => e.key);
      let i = keys.length - 1;
      return new PyNativeIter(() => (i >= 0 ? keys[i--] : DONE), reversedType);
    }
    const len = lookup(cls, '__len__'), gi = lookup(cls, '__getitem__');
    if (len !== undefined && gi !== undefined) {
      let i = ops.lenOf(vm, v) - 1;
      return new PyNativeIter(() => (i >= 0 ? vm.callNested(gi, [v, i--]) : DONE), reversedType);
    }
    throw raise(TypeError, `'${cls.name}' object is not reversible`);
  });
  def('sorted', (args, kw) => {
    checkKw('sort', kw, ['key', 'reverse']);
    if (args.length !== 1) throw raise(TypeError, `sorted expected 1 argument, got ${args.length}`);
    const list = new PyList(ops.toArray(vm, args[0]));
    sortList(vm, list, kw);
    return list;
  });
  def('any', (args) => { arity('any', args, 1, 1); for (const v of ops.iterate(vm, args[0])) if (ops.truthy(vm, v)) return true; return false; });
  def('all', (args) => { arity('all', args, 1, 1); for (const v of ops.iterate(vm, args[0])) if (!ops.truthy(vm, v)) return false; return true; });

  // ---- classes ----
  def('super', (args) => {
    if (args.length === 0) {
      const f = vm.frame;
      if (!f || f.code.argcount + f.code.kwonlyCount === 0 && !(f.code.flags & 1)) throw raise(RuntimeError, 'super(): no arguments');
      const idx = f.code.freevars.indexOf('__class__');
      if (idx < 0) throw raise(RuntimeError, 'super(): __class__ cell not found');
      const cell = (f.cells as PyCell[])[f.code.cellvars.length + idx];
      const cls = cell.value;
      if (!(cls instanceof PyClass)) throw raise(RuntimeError, 'super(): empty __class__ cell');
      let self = f.regs[0] as Value | undefined;
      if (self === undefined && f.code.cell2arg[0] === 0) self = f.cells?.[0].value as Value;
      if (self === undefined) throw raise(RuntimeError, 'super(): arg[0] deleted');
      return makeSuper(cls, self as Value);
    }
    arity('super', args, 1, 2);
    if (!(args[0] instanceof PyClass)) throw raise(TypeError, `super() argument 1 must be a type, not ${typeOf(args[0]).name}`);
    if (args.length === 1) throw raise(TypeError, 'unbound super objects are not supported');
    return makeSuper(args[0], args[1]);
  });

  // ---- exceptions need a KeyboardInterrupt for the periodic check ----
  b.set('KeyboardInterrupt', EXCEPTION_CLASSES.find((c) => c.name === 'KeyboardInterrupt') as PyClass);

  // generator methods bound to this VM
  const genNext = fn('__next__', (args) => vm.resume(args[0] as PyGenerator, null, Cont.GenCall, null));
  ops.setGeneratorNext(genNext);
  generatorType.dict.set('__next__', new PyNative('__next__', (args) => vm.resume(args[0] as PyGenerator, null, Cont.GenCall, null), generatorType));
  vm.generatorSend = new PyNative('send', (args) => {
    arity('send', args, 2, 2);
    return vm.resume(args[0] as PyGenerator, args[1], Cont.GenCall, null);
  }, generatorType);
  generatorType.dict.set('send', vm.generatorSend);
  generatorType.dict.set('throw', new PyNative('throw', (args) => {
    arity('throw', args, 2, 4);
    let exc = args[1];
    if (exc instanceof PyClass) exc = vm.callNested(exc, args.length > 2 && args[2] !== null ? [args[2]] : []);
    if (!(exc instanceof PyException)) throw raise(TypeError, 'exceptions must be classes or instances deriving from BaseException, not ' + typeOf(exc).name);
    return vm.throwInto(args[0] as PyGenerator, exc, Cont.GenCall);
  }, generatorType));
  generatorType.dict.set('close', new PyNative('close', (args) => {
    const g = args[0] as PyGenerator;
    if (g.state === GenState.Created || g.state === GenState.Closed) { g.state = GenState.Closed; return null; }
    return vm.throwInto(g, newException(GeneratorExit), Cont.GenClose);
  }, generatorType));
  generatorType.dict.set('__iter__', new PyNative('__iter__', (args) => args[0], generatorType));
  generatorType.getters.set('__name__', (g) => (g as PyGenerator).name);
  generatorType.getters.set('__qualname__', (g) => (g as PyGenerator).qualname);
  generatorType.getters.set('gi_running', (g) => (g as PyGenerator).state === GenState.Running);
  generatorType.getters.set('gi_frame', (g) => ((g as PyGenerator).state === GenState.Closed ? null : true));

  functionType.getters.set('__name__', (f) => (f as PyFunction).name);
  functionType.getters.set('__qualname__', (f) => (f as PyFunction).qualname);
  functionType.getters.set('__doc__', (f) => (f as PyFunction).doc);
  functionType.getters.set('__module__', (f) => (f as PyFunction).module);
  functionType.getters.set('__defaults__', (f) => ((f as PyFunction).defaults.length ? new PyTuple((f as PyFunction).defaults) : null));
  functionType.getters.set('__dict__', (f) => ops.dictFromMap(vm, (f as PyFunction).dict));
  functionType.getters.set('__kwdefaults__', (f) => { const k = (f as PyFunction).kwdefaults; return k ? ops.dictFromMap(vm, k) : null; });
  functionType.getters.set('__annotations__', () => new PyDict());
  functionType.getters.set('__closure__', (f) => { const c = (f as PyFunction).closure; return c ? new PyTuple(c) : null; });
  functionType.dict.set('__get__', new PyNative('__get__', (args) => (args[1] === null ? args[0] : new PyBoundMethod(args[1], args[0])), functionType));
  // a builtin bound to its object (`[].append`) is also a builtin_function_or_method
  const nativeOf = (f: Value): PyNative => (f instanceof PyBoundMethod ? f.fn : f) as PyNative;
  for (const t of [PyNativeCls, methodDescriptorType]) {
    t.getters.set('__name__', (f) => nativeOf(f).name);
    t.getters.set('__qualname__', (f) => { const n = nativeOf(f); return n.owner ? `${n.owner.name}.${n.name}` : n.name; });
    t.getters.set('__module__', (f) => nativeOf(f).module);
    t.getters.set('__doc__', () => null);
    t.getters.set('__self__', (f) => (f instanceof PyBoundMethod ? f.self : null));
  }
  methodTypeCls.getters.set('__self__', (m) => (m as PyBoundMethod).self);
  methodTypeCls.getters.set('__func__', (m) => (m as PyBoundMethod).fn);
  methodTypeCls.getters.set('__name__', (m) => ops.getAttrNested(vm, (m as PyBoundMethod).fn, '__name__'));
  methodTypeCls.getters.set('__qualname__', (m) => ops.getAttrNested(vm, (m as PyBoundMethod).fn, '__qualname__'));
  methodTypeCls.getters.set('__doc__', (m) => ops.getAttrNested(vm, (m as PyBoundMethod).fn, '__doc__'));
  moduleType.getters.set('__name__', (m) => (m as PyModule).name);
  moduleType.getters.set('__dict__', (m) => ops.dictFromMap(vm, (m as PyModule).dict));
  noneType.dict.set('__bool__', new PyNative('__bool__', () => false, noneType));
  // one-step construction for the builtin types people call in loops
  for (const t of [strType, intType, floatType, boolType, tupleType, listType]) {
    const newFn = (t.dict.get('__new__') as PyStaticMethod).fn as PyNative;
    const init = t.dict.get('__init__');
    t.callFast = init instanceof PyNative
      ? (args, kw) => { const o = newFn.fn([t, ...args], kw); if (o !== PENDING) init.fn([o, ...args], kw); return o; }
      : (args, kw) => newFn.fn([t, ...args], kw);
  }
  const strGeneral = strType.callFast as NativeFn;
  strType.callFast = (args, kw) => (args.length === 1 && kw === null ? vm.str(args[0]) : strGeneral(args, kw));
  // the builtin types are shared by every VM in the process: drop lookups cached for a previous one
  classChanged();
}

import { builtinFunctionType as PyNativeCls, methodType as methodTypeCls, methodDescriptorType, nativeClass } from '../vm/values.js';

function makeSuper(cls: PyClass, self: Value): PySuper {
  if (self instanceof PyClass && isSubtype(self, cls)) return new PySuper(cls, self, self);
  const st = typeOf(self);
  if (!isSubtype(st, cls)) throw raise(TypeError, 'super(type, obj): obj must be an instance or subtype of type');
  return new PySuper(cls, self, st);
}

function localsOf(vm: VM): Map<string, Value> {
  const f = vm.frame;
  const m = new Map<string, Value>();
  if (!f) return m;
  f.code.varnames.forEach((n, i) => { const v = f.regs[i]; if (v !== undefined) m.set(n, v); });
  return m;
}

function writeTo(vm: VM, file: Value, text: string): void {
  if (file === null) { vm.host.write('stdout', text); return; }
  const write = ops.getAttrNested(vm, file, 'write');
  vm.callNested(write, [text]);
}

function classInfoCheck(vm: VM, cls: PyClass, info: Value, fname: string, v: Value): boolean {
  if (info instanceof PyClass) {
    const check = info.isUserClass ? undefined : undefined;
    void check;
    if (fname === 'isinstance' && typeof v === 'boolean' && info === intType) return true;
    return isSubtype(cls, info);
  }
  if (info instanceof PyTuple) return info.items.some((i) => classInfoCheck(vm, cls, i, fname, v));
  throw raise(TypeError, `${fname}() arg 2 must be a type, a tuple of types, or a union`);
}

function isIntLike(v: Value): v is number | bigint | boolean {
  return typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean';
}

function intOf(v: number | bigint | boolean): N.Int {
  return typeof v === 'boolean' ? (v ? 1 : 0) : v;
}

export function binaryNested(vm: VM, op: number, a: Value, b: Value): Value {
  const r = ops.binaryOp(vm, op, a, b);
  if (r !== PENDING) return r;
  return vm.finishPushed();
}

function intToBase(i: N.Int, base: number, prefix: string): string {
  const neg = i < 0;
  const abs = neg ? (typeof i === 'bigint' ? -i : -i) : i;
  return (neg ? '-' : '') + prefix + abs.toString(base);
}

export function iterOf(vm: VM, v: Value): Value {
  const r = ops.getIter(vm, v);
  if (r !== PENDING) return r;
  return vm.finishPushed();
}

function minMax(vm: VM, args: Value[], kw: Map<string, Value> | null, name: string, isMax: boolean): Value {
  checkKw(name, kw, ['key', 'default']);
  const key = kwArg(kw, 'key') ?? null;
  const dflt = kwArg(kw, 'default');
  let items: Value[];
  if (args.length === 0) throw raise(TypeError, `${name} expected at least 1 argument, got 0`);
  if (args.length === 1) items = ops.toArray(vm, args[0]);
  else {
    if (dflt !== undefined) throw raise(TypeError, `Cannot specify a default for ${name}() with multiple positional arguments`);
    items = args;
  }
  if (!items.length) {
    if (dflt !== undefined) return dflt;
    throw raise(ValueError, `${name}() arg is an empty sequence`);
  }
  let best = items[0];
  let bestKey = key === null ? best : vm.callNested(key, [best]);
  for (let i = 1; i < items.length; i++) {
    const v = items[i];
    const k = key === null ? v : vm.callNested(key, [v]);
    if (isMax ? ops.lessThan(vm, bestKey, k) : ops.lessThan(vm, k, bestKey)) { best = v; bestKey = k; }
  }
  return best;
}

const iterType = (name: string): PyClass => nativeClass(name);
const enumerateType = iterType('enumerate');
/** complex numbers are outside spy's subset; the name exists so isinstance checks work */
const complexType = iterType('complex');
const zipType = iterType('zip');
const mapType = iterType('map');
const filterType = iterType('filter');
const reversedType = iterType('reversed');
const listReverseIteratorType = iterType('list_reverseiterator');
const callableIteratorType = iterType('callable_iterator');

export { parseIntLiteral, parseFloatLiteral, PyInstance, PyStaticMethod, PyClassMethod, PyProperty, PySlice, PyBytes, classChanged, BaseException, PySet, PyDict };
