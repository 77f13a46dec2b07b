// Native modules: sys, math, time. Each is a factory the VM calls on first import. Modules
// written in spy itself (collections, functools, ...) are registered from src/stdlib/spy.
import { Value, PyModule, PyFloat, PyTuple, PyList, PyObject, PyClass, PyNative, typeType, objectType } from '../vm/values.js';
import { raise, newException, SystemExit, TypeError, ValueError, OverflowError, RecursionError } from '../vm/errors.js';
import { typeOf, lookup } from '../vm/types.js';
import * as N from '../vm/numbers.js';
import * as ops from '../vm/ops.js';
import type { VM } from '../vm/interp.js';
import { Threads } from '../vm/threads.js';
import { fn, arity, toFloat, toInt, toSmallInt, method } from './native.js';
import { truncFloat } from './types_object.js';

function module(name: string, entries: [string, Value][]): PyModule {
  const m = new Map<string, Value>([['__name__', name], ['__doc__', null]]);
  for (const [k, v] of entries) m.set(k, v);
  return new PyModule(name, m);
}

/** A writable stream object for sys.stdout / sys.stderr. */
const streamType = (() => {
  const t = new PyClass('TextIOWrapper', [objectType], new Map(), 'object', false);
  t.cls = typeType;
  t.mro = [t, objectType];
  t.module = '_io';
  return t;
})();

class PyStream extends PyObject {
  get cls(): PyClass { return streamType; }
  constructor(readonly stream: 'stdout' | 'stderr' | 'stdin') { super(); }
}

/** sys.setswitchinterval's exchange rate: the default 100-instruction check interval is 5 ms */
const INSTRUCTIONS_PER_SECOND = 20000;

function fmtTime(t: number): string {
  return t.toFixed(3);
}

export function installModules(vm: VM): void {
  method(streamType, 'write', (self, args) => {
    arity('write', args, 1, 1);
    const s = args[0];
    if (typeof s !== 'string') throw raise(TypeError, `write() argument must be str, not ${typeOf(s).name}`);
    const stream = (self as PyStream).stream;
    if (stream === 'stdin') throw raise(TypeError, 'not writable');
    vm.host.write(stream, s);
    return ops.strLength(s);
  });
  method(streamType, 'flush', () => null);
  method(streamType, 'readline', () => vm.host.readLine() ?? '');
  method(streamType, 'read', () => {
    let out = '';
    for (let line = vm.host.readLine(); line !== null; line = vm.host.readLine()) out += line;
    return out;
  });
  method(streamType, 'readlines', () => {
    const out: Value[] = [];
    for (let line = vm.host.readLine(); line !== null; line = vm.host.readLine()) out.push(line);
    return new PyList(out);
  });
  method(streamType, '__iter__', (self) => self);
  method(streamType, '__next__', () => {
    const line = vm.host.readLine();
    if (line === null) throw ops.stopIteration(null);
    return line;
  });
  method(streamType, 'isatty', () => false);
  method(streamType, 'fileno', (self) => ((self as PyStream).stream === 'stdout' ? 1 : 2));
  method(streamType, 'writelines', (self, args) => {
    for (const s of ops.iterate(vm, args[0])) vm.host.write((self as PyStream).stream as 'stdout', s as string);
    return null;
  });

  vm.nativeModules.set('builtins', () => new PyModule('builtins', vm.builtins));

  vm.nativeModules.set('sys', () => {
    const exit = fn('exit', (args) => {
      arity('exit', args, 0, 1);
      throw newException(SystemExit, ...(args.length ? [args[0]] : []));
    }, 'sys');
    return module('sys', [
      ['argv', new PyList(vm.argv.slice())],
      ['exit', exit],
      ['stdout', new PyStream('stdout')],
      ['stderr', new PyStream('stderr')],
      ['stdin', new PyStream('stdin')],
      ['maxsize', 9223372036854775807n],
      ['platform', 'spy'],
      ['version', '3.11.7 (spy)'],
      ['version_info', new PyTuple([3, 11, 7, 'final', 0])],
      ['implementation', null],
      ['byteorder', 'little'],
      ['path', new PyList(vm.path.slice())],
      ['modules', ops.dictFromMap(vm, vm.modules as Map<string, Value>)],
      ['getrecursionlimit', fn('getrecursionlimit', () => vm.recursionLimit, 'sys')],
      // the GIL's check interval counts instructions (the seed's Python 2 model); the switch
      // interval maps onto it so that runs stay deterministic: 5 ms ~ 100 instructions
      ['getcheckinterval', fn('getcheckinterval', () => vm.checkInterval, 'sys')],
      ['setcheckinterval', fn('setcheckinterval', (args) => {
        arity('setcheckinterval', args, 1, 1);
        vm.checkInterval = Math.max(1, toSmallInt(vm, args[0]));
        return null;
      }, 'sys')],
      ['getswitchinterval', fn('getswitchinterval', () => new PyFloat(vm.checkInterval / INSTRUCTIONS_PER_SECOND), 'sys')],
      ['setswitchinterval', fn('setswitchinterval', (args) => {
        arity('setswitchinterval', args, 1, 1);
        const s = toFloat(vm, args[0]);
        if (!(s > 0)) throw raise(ValueError, 'switch interval must be strictly positive');
        vm.checkInterval = Math.max(1, Math.round(s * INSTRUCTIONS_PER_SECOND));
        return null;
      }, 'sys')],
      ['setrecursionlimit', fn('setrecursionlimit', (args) => {
        arity('setrecursionlimit', args, 1, 1);
        const n = toSmallInt(vm, args[0]);
        if (n < 1) throw raise(ValueError, 'recursion limit must be greater or equal than 1');
        const depth = vm.frame?.depth ?? 0;
        if (n <= depth) throw raise(RecursionError, `cannot set the recursion limit to ${n} at the recursion depth ${depth}: the limit is too low`);
        vm.recursionLimit = n;
        return null;
      }, 'sys')],
      ['exc_info', fn('exc_info', () => {
        const e = vm.handled;
        return e === null ? new PyTuple([null, null, null]) : new PyTuple([e.cls, e, ops.tracebackObject(e)]);
      }, 'sys')],
      ['exception', fn('exception', () => vm.handled, 'sys')],
      ['intern', fn('intern', (args) => args[0], 'sys')],
      ['getsizeof', fn('getsizeof', () => 64, 'sys')],
    ]);
  });

  vm.nativeModules.set('math', () => {
    const f1 = (name: string, f: (x: number) => number, domain?: (x: number) => boolean): [string, Value] => [name, fn(name, (args) => {
      arity(name, args, 1, 1);
      const x = toFloat(vm, args[0]);
      if (domain && !domain(x)) throw raise(ValueError, 'math domain error');
      const r = f(x);
      if (!Number.isFinite(r) && Number.isFinite(x)) throw raise(OverflowError, 'math range error');
      return new PyFloat(r);
    }, 'math')];
    const intResult = (name: string, f: (x: number) => number): [string, Value] => [name, fn(name, (args) => {
      arity(name, args, 1, 1);
      const v = args[0];
      if (typeof v === 'number' || typeof v === 'bigint') return v;
      if (typeof v === 'boolean') return v ? 1 : 0;
      if (v instanceof PyFloat) return truncFloat(f(v.value));
      const m = v instanceof PyObject ? lookup(v.cls, `__${name}__`) : undefined;
      if (m !== undefined) return vm.callNested(m, [v]);
      return truncFloat(f(toFloat(vm, v)));
    }, 'math')];
    const gcd2 = (a: bigint, b: bigint): bigint => { a = a < 0n ? -a : a; b = b < 0n ? -b : b; while (b) [a, b] = [b, a % b]; return a; };
    return module('math', [
      ['pi', new PyFloat(Math.PI)], ['e', new PyFloat(Math.E)], ['tau', new PyFloat(2 * Math.PI)],
      ['inf', new PyFloat(Infinity)], ['nan', new PyFloat(NaN)],
      f1('sqrt', Math.sqrt, (x) => x >= 0), f1('exp', Math.exp), f1('sin', Math.sin), f1('cos', Math.cos), f1('tan', Math.tan),
      f1('asin', Math.asin, (x) => x >= -1 && x <= 1), f1('acos', Math.acos, (x) => x >= -1 && x <= 1), f1('atan', Math.atan),
      f1('sinh', Math.sinh), f1('cosh', Math.cosh), f1('tanh', Math.tanh), f1('log2', Math.log2, (x) => x > 0),
      f1('log10', Math.log10, (x) => x > 0), f1('log1p', Math.log1p, (x) => x > -1), f1('expm1', Math.expm1),
      f1('fabs', Math.abs), f1('degrees', (x) => (x * 180) / Math.PI), f1('radians', (x) => (x * Math.PI) / 180),
      intResult('floor', Math.floor), intResult('ceil', Math.ceil), intResult('trunc', Math.trunc),
      ['log', fn('log', (args) => {
        arity('log', args, 1, 2);
        const v = args[0];
        let x: number;
        if (typeof v === 'bigint' && v > 0n) {
          const s = v.toString(2).length;
          x = Math.log(Number(v >> BigInt(Math.max(0, s - 60)))) + Math.max(0, s - 60) * Math.LN2;
        } else {
          x = toFloat(vm, v);
          if (x <= 0) throw raise(ValueError, 'math domain error');
          x = Math.log(x);
        }
        if (args.length > 1) {
          const b = toFloat(vm, args[1]);
          if (b <= 0) throw raise(ValueError, 'math domain error');
          return new PyFloat(x / Math.log(b));
        }
        return new PyFloat(x);
      }, 'math')],
      ['pow', fn('pow', (args) => { arity('pow', args, 2, 2); return new PyFloat(N.floatPow(toFloat(vm, args[0]), toFloat(vm, args[1]))); }, 'math')],
      ['atan2', fn('atan2', (args) => new PyFloat(Math.atan2(toFloat(vm, args[0]), toFloat(vm, args[1]))), 'math')],
      ['hypot', fn('hypot', (args) => new PyFloat(Math.hypot(...args.map((a) => toFloat(vm, a)))), 'math')],
      ['fmod', fn('fmod', (args) => {
        const y = toFloat(vm, args[1]);
        if (y === 0) throw raise(ValueError, 'math domain error');
        return new PyFloat(toFloat(vm, args[0]) % y);
      }, 'math')],
      ['copysign', fn('copysign', (args) => {
        const x = Math.abs(toFloat(vm, args[0])), y = toFloat(vm, args[1]);
        return new PyFloat(y < 0 || Object.is(y, -0) ? -x : x);
      }, 'math')],
      ['isclose', fn('isclose', (args, kw) => {
        const a = toFloat(vm, args[0]), b = toFloat(vm, args[1]);
        const rel = kw?.has('rel_tol') ? toFloat(vm, kw.get('rel_tol') as Value) : 1e-9;
        const abs = kw?.has('abs_tol') ? toFloat(vm, kw.get('abs_tol') as Value) : 0;
        if (a === b) return true;
        if (!Number.isFinite(a) || !Number.isFinite(b)) return false;
        const d = Math.abs(a - b);
        return d <= Math.abs(rel * b) || d <= Math.abs(rel * a) || d <= abs;
      }, 'math')],
      ['isnan', fn('isnan', (args) => Number.isNaN(toFloat(vm, args[0])), 'math')],
      ['isinf', fn('isinf', (args) => { const x = toFloat(vm, args[0]); return x === Infinity || x === -Infinity; }, 'math')],
      ['isfinite', fn('isfinite', (args) => Number.isFinite(toFloat(vm, args[0])), 'math')],
      ['factorial', fn('factorial', (args) => {
        arity('factorial', args, 1, 1);
        if (args[0] instanceof PyFloat) throw raise(TypeError, "'float' object cannot be interpreted as an integer");
        const n = N.big(toInt(vm, args[0]));
        if (n < 0n) throw raise(ValueError, 'factorial() not defined for negative values');
        let r = 1n;
        for (let i = 2n; i <= n; i++) r *= i;
        return N.normBig(r);
      }, 'math')],
      ['gcd', fn('gcd', (args) => N.normBig(args.reduce<bigint>((g, a) => gcd2(g, N.big(toInt(vm, a))), 0n)), 'math')],
      ['lcm', fn('lcm', (args) => N.normBig(args.reduce<bigint>((l, a) => {
        const x = N.big(toInt(vm, a));
        if (l === 0n || x === 0n) return 0n;
        const r = (l * x) / gcd2(l, x);
        return r < 0n ? -r : r;
      }, 1n)), 'math')],
      ['comb', fn('comb', (args) => {
        const n = N.big(toInt(vm, args[0])), k = N.big(toInt(vm, args[1]));
        if (n < 0n || k < 0n) throw raise(ValueError, `${n < 0n ? 'n' : 'k'} must be a non-negative integer`);
        if (k > n) return 0;
        let r = 1n;
        for (let i = 0n; i < k; i++) r = (r * (n - i)) / (i + 1n);
        return N.normBig(r);
      }, 'math')],
      ['perm', fn('perm', (args) => {
        const n = N.big(toInt(vm, args[0])), k = args.length > 1 && args[1] !== null ? N.big(toInt(vm, args[1])) : n;
        if (k > n) return 0;
        let r = 1n;
        for (let i = 0n; i < k; i++) r *= n - i;
        return N.normBig(r);
      }, 'math')],
      ['isqrt', fn('isqrt', (args) => {
        const n = N.big(toInt(vm, args[0]));
        if (n < 0n) throw raise(ValueError, 'isqrt() argument must be nonnegative');
        if (n < 2n) return N.normBig(n);
        let x = BigInt(Math.floor(Math.sqrt(Number(n))));
        while (x * x > n) x--;
        while ((x + 1n) * (x + 1n) <= n) x++;
        return N.normBig(x);
      }, 'math')],
      ['prod', fn('prod', (args, kw) => {
        let acc: Value = kw?.get('start') ?? 1;
        const mul = vm.builtins.get('__mul__') as Value | undefined;
        void mul;
        for (const v of ops.iterate(vm, args[0])) acc = ops.binaryOp(vm, 2, acc, v) as Value;
        return acc;
      }, 'math')],
      ['fsum', fn('fsum', (args) => {
        // Shewchuk's exact summation, as CPython
        const partials: number[] = [];
        for (const v of ops.iterate(vm, args[0])) {
          let x = toFloat(vm, v);
          let i = 0;
          for (let y of partials) {
            if (Math.abs(x) < Math.abs(y)) [x, y] = [y, x];
            const hi = x + y;
            const lo = y - (hi - x);
            if (lo) partials[i++] = lo;
            x = hi;
          }
          partials.length = i;
          partials.push(x);
        }
        return new PyFloat(partials.reduce((a, b) => a + b, 0));
      }, 'math')],
      ['modf', fn('modf', (args) => {
        const x = toFloat(vm, args[0]);
        const ip = Math.trunc(x);
        return new PyTuple([new PyFloat(x - ip), new PyFloat(ip)]);
      }, 'math')],
      ['frexp', fn('frexp', (args) => {
        let x = toFloat(vm, args[0]);
        if (x === 0 || !Number.isFinite(x)) return new PyTuple([new PyFloat(x), 0]);
        let e = 0;
        while (Math.abs(x) >= 1) { x /= 2; e++; }
        while (Math.abs(x) < 0.5) { x *= 2; e--; }
        return new PyTuple([new PyFloat(x), e]);
      }, 'math')],
      ['ldexp', fn('ldexp', (args) => new PyFloat(toFloat(vm, args[0]) * 2 ** toSmallInt(vm, args[1])), 'math')],
      ['dist', fn('dist', (args) => {
        const p = ops.toArray(vm, args[0]).map((v) => toFloat(vm, v));
        const q = ops.toArray(vm, args[1]).map((v) => toFloat(vm, v));
        return new PyFloat(Math.hypot(...p.map((x, i) => x - q[i])));
      }, 'math')],
    ]);
  });

  vm.nativeModules.set('time', () => {
    // the threads' clock: virtual unless --real-time (DESIGN.md decision 6)
    const clock = vm.threads;
    return module('time', [
      ['time', fn('time', () => new PyFloat(clock.wallTime()), 'time')],
      ['monotonic', fn('monotonic', () => new PyFloat(clock.now()), 'time')],
      ['perf_counter', fn('perf_counter', () => new PyFloat(clock.now()), 'time')],
      ['process_time', fn('process_time', () => new PyFloat(clock.now()), 'time')],
      ['time_ns', fn('time_ns', () => N.normBig(BigInt(Math.round(clock.wallTime() * 1e9))), 'time')],
      ['monotonic_ns', fn('monotonic_ns', () => N.normBig(BigInt(Math.round(clock.now() * 1e9))), 'time')],
      ['sleep', fn('sleep', (args) => {
        arity('sleep', args, 1, 1);
        const s = toFloat(vm, args[0]);
        if (s < 0) throw raise(ValueError, 'sleep length must be non-negative');
        if (s === 0) return clock.yieldGil();
        // the thread sleeps, releasing the GIL; its tasklet gets None when it wakes
        const task = vm.scheduler.current;
        return clock.block(`sleeping until t=${fmtTime(clock.now() + s)}`, clock.now() + s, () => Threads.deliver(task, null));
      }, 'time')],
    ]);
  });
  void [PyNative];
}
