// The `stackless` module: tasklet and channel types and the scheduler functions, on top of
// vm/tasklet.ts and vm/channel.ts. Names and messages follow Stackless 3.7.9 (the oracle).
import { Value, PyModule, PyClass, PyNative, PyTuple, PyList, PyException, PENDING, PyInstance, nativeClass } from '../vm/values.js';
import { PyDict } from '../vm/objects.js';
import { raise, newException, RuntimeError, TypeError, ValueError, TaskletExit } from '../vm/errors.js';
import { lookup, isSubtype, typeOf } from '../vm/types.js';
import * as ops from '../vm/ops.js';
import type { VM } from '../vm/interp.js';
import { Tasklet, Scheduler, taskletType, Resume } from '../vm/tasklet.js';
import { Channel, channelType, channelAction } from '../vm/channel.js';
import { fn, method, toSmallInt, kwArg } from './native.js';
import { identityOf } from '../vm/hashtable.js';

function T(v: Value): Tasklet {
  if (!(v instanceof Tasklet)) throw raise(TypeError, `descriptor requires a 'tasklet' object but received a '${typeOf(v).name}'`);
  return v;
}
function C(v: Value): Channel {
  if (!(v instanceof Channel)) throw raise(TypeError, `descriptor requires a 'channel' object but received a '${typeOf(v).name}'`);
  return v;
}

export function installStackless(vm: VM): void {
  vm.nativeModules.set('stackless', () => {
    const bind = (t: Tasklet, func: Value, args: Value[] | null, kw: Map<string, Value> | null): void => {
      if (t.inRing || t.blockedOn !== null || t === vm.scheduler.current) throw raise(RuntimeError, 'tasklet is scheduled');
      if (func !== null && !isCallable(func)) throw raise(TypeError, 'tasklet function must be a callable or None');
      t.func = func;
      t.args = args;
      t.kw = kw;
      t.frame = null;
      t.alive = args !== null;
    };

    // ---- tasklet ----
    taskletType.dict.set('__new__', staticNative('__new__', (args) => {
      const cls = args[0] as PyClass;
      const t = new Tasklet(cls);
      t.home = vm.scheduler;
      if (cls !== taskletType) t.dict = new Map();
      if (vm.threads.onCreate !== null) vm.threads.onCreate(t);
      return t;
    }));
    method(taskletType, '__init__', (self, args) => {
      const t = T(self);
      const func = args.length ? args[0] : null;
      if (func !== null && !isCallable(func)) throw raise(TypeError, 'tasklet function must be a callable or None');
      t.func = func;
      t.tempval = func;
      return null;
    });
    method(taskletType, 'bind', (self, args, kw) => {
      const t = T(self);
      const func = args[0] ?? kwArg(kw, 'func') ?? null;
      const a = args[1] ?? kwArg(kw, 'args') ?? null;
      const k = args[2] ?? kwArg(kw, 'kwargs') ?? null;
      bind(t, func, a === null ? (k === null ? null : []) : ops.toArray(vm, a), k instanceof PyDict ? ops.dictToStringMap(k) : null);
      t.tempval = null;
      return t;
    });
    const setup = (self: Value, args: Value[], kw: Map<string, Value> | null): Value => {
      const t = T(self);
      if (t.alive) throw raise(RuntimeError, 'tasklet is alive');
      if (t.func === null) throw raise(RuntimeError, 'the tasklet was not bound to a function');
      bind(t, t.func, args, kw && kw.size ? kw : null);
      t.tempval = null;
      vm.scheduler.insert(t);
      return t;
    };
    method(taskletType, 'setup', setup);
    method(taskletType, '__call__', setup);
    method(taskletType, 'insert', (self) => {
      const t = T(self);
      if (t.blockedOn !== null) throw raise(RuntimeError, 'You cannot run a blocked tasklet');
      if (!t.alive) throw raise(RuntimeError, 'You cannot run an unbound(dead) tasklet');
      vm.scheduler.insert(t);
      return t;
    });
    method(taskletType, 'remove', (self) => {
      const t = T(self);
      if (t.blockedOn !== null) throw raise(RuntimeError, 'You cannot remove a blocked tasklet.');
      if (t === vm.scheduler.current) throw raise(RuntimeError, 'The current tasklet cannot be removed.');
      vm.scheduler.remove(t);
      return t;
    });
    method(taskletType, 'run', (self) => {
      const t = T(self);
      if (t === vm.scheduler.current) return null;
      if (t.blockedOn !== null) throw raise(RuntimeError, 'You cannot run a blocked tasklet');
      if (!t.alive) throw raise(RuntimeError, 'You cannot run an unbound(dead) tasklet');
      const cur = vm.scheduler.current;
      vm.scheduler.checkTrap();
      vm.scheduler.checkResumable(t);
      // not queued: it goes just before the caller (the end of the ring); queued ones in between
      // are skipped this round because the ring's head simply moves to it
      if (!t.inRing) vm.scheduler.insert(t);
      cur.tempval = null;
      cur.resume = Resume.Value;
      return vm.scheduler.switchTo(t, 'tasklet.run()');
    });
    method(taskletType, 'switch', (self) => {
      const t = T(self);
      if (t === vm.scheduler.current) return null;
      if (t.blockedOn !== null) throw raise(RuntimeError, 'You cannot run a blocked tasklet');
      if (!t.alive) throw raise(RuntimeError, 'You cannot run an unbound(dead) tasklet');
      vm.scheduler.checkTrap();
      vm.scheduler.checkResumable(t);
      const cur = vm.scheduler.current;
      if (!t.inRing) vm.scheduler.insertAfter(cur, t);
      cur.tempval = null;
      cur.resume = Resume.Value;
      vm.scheduler.remove(cur);
      return vm.scheduler.switchTo(t, 'tasklet.switch()');
    });
    method(taskletType, 'kill', (self, args, kw) => {
      const t = T(self);
      const pending = ops.truthy(vm, args[0] ?? kwArg(kw, 'pending') ?? false);
      if (!t.alive) return null;
      if (t.frame === null && t !== vm.scheduler.current) {
        // never ran: it dies without running its body
        vm.scheduler.remove(t);
        t.alive = false;
        return null;
      }
      return throwTo(vm.scheduler, t, newException(TaskletExit), pending);
    });
    method(taskletType, 'throw', (self, args, kw) => {
      const t = T(self);
      const exc = throwArgs(vm, args);
      const pending = ops.truthy(vm, args[3] ?? kwArg(kw, 'pending') ?? false);
      if (!t.alive) throw raise(RuntimeError, 'You cannot throw to a dead tasklet');
      return throwTo(vm.scheduler, t, exc, pending);
    });
    method(taskletType, 'raise_exception', (self, args) => {
      const t = T(self);
      const exc = vm.callNested(args[0], args.slice(1));
      if (!t.alive) throw raise(RuntimeError, 'You cannot throw to a dead tasklet');
      return throwTo(vm.scheduler, t, exc as PyException);
    });
    method(taskletType, 'set_atomic', (self, args) => {
      const t = T(self);
      const old = t.atomic;
      t.atomic = ops.truthy(vm, args[0]);
      if (t === vm.scheduler.current) vm.mirrorAtomic(t.atomic);
      if (old !== t.atomic) vm.atomicChanged(t);
      return old;
    });
    method(taskletType, 'set_ignore_nesting', (self, args) => {
      const t = T(self);
      const old = t.ignoreNesting;
      t.ignoreNesting = ops.truthy(vm, args[0]);
      return old;
    });
    const getters: [string, (t: Tasklet) => Value][] = [
      ['alive', (t) => t.alive],
      ['blocked', (t) => t.blockedOn !== null],
      ['scheduled', (t) => t.inRing || t.blockedOn !== null],
      ['paused', (t) => t.alive && !t.inRing && t.blockedOn === null && t !== vm.scheduler.current],
      ['is_main', (t) => t.isMain],
      ['is_current', (t) => t === vm.scheduler.current],
      ['next', (t) => neighbour(t, 1)],
      ['prev', (t) => neighbour(t, -1)],
      ['tempval', (t) => t.tempval],
      ['atomic', (t) => t.atomic],
      ['ignore_nesting', (t) => t.ignoreNesting],
      ['nesting_level', (t) => t.loopsOpen],
      ['block_trap', (t) => t.blockTrap],
      ['thread_id', (t) => (t.home ?? vm.threads.main.sched).thread.ident],
      ['restorable', () => false],
    ];
    for (const [name, get] of getters) taskletType.getters.set(name, (v) => get(T(v)));
    method(taskletType, '__setattr__', (self, args) => {
      const t = T(self);
      const name = args[0] as string;
      if (name === 'tempval') { t.tempval = args[1]; return null; }
      if (name === 'block_trap') { t.blockTrap = ops.truthy(vm, args[1]); return null; }
      if (t.dict === null) throw raise(AttributeErrorCls(), `'_stackless.tasklet' object has no attribute '${name}'`);
      t.dict.set(name, args[1]);
      return null;
    });

    // ---- channel ----
    channelType.dict.set('__new__', staticNative('__new__', (args) => {
      const cls = args[0] as PyClass;
      const c = new Channel(cls);
      if (cls !== channelType) c.dict = new Map();
      return c;
    }));
    method(channelType, '__init__', () => null);
    method(channelType, 'send', (self, args) => channelAction(vm.scheduler, C(self), true, args[0] ?? null, false));
    method(channelType, 'receive', (self) => channelAction(vm.scheduler, C(self), false, null, false));
    method(channelType, 'send_exception', (self, args) => {
      const cls = args[0];
      if (!(cls instanceof PyClass) || !cls.isException) throw raise(TypeError, 'channel.send_exception needs Exception or string subclass as first parameter');
      const exc = vm.callNested(cls, args.slice(1)) as PyException;
      return channelAction(vm.scheduler, C(self), true, exc, true);
    });
    method(channelType, 'send_throw', (self, args) => channelAction(vm.scheduler, C(self), true, throwArgs(vm, args), true));
    // methods that block in a loop are written in spy, so each send can switch tasklets
    const spyPart = new Map<string, Value>([['__name__', 'stackless']]);
    vm.runModule(vm.compileOrRaise(SPY_METHODS, '<stackless>'), spyPart);
    channelType.dict.set('send_sequence', spyPart.get('send_sequence') as Value);
    method(channelType, 'close', (self) => { C(self).closing = true; return null; });
    method(channelType, 'open', (self) => { C(self).closing = false; return null; });
    method(channelType, '__iter__', (self) => self);
    method(channelType, '__next__', (self) => {
      const c = C(self);
      if (c.closing && !c.sendersWaiting) throw ops.stopIteration(null);
      return channelAction(vm.scheduler, c, false, null, false);
    });
    channelType.getters.set('balance', (c) => C(c).balance);
    channelType.getters.set('queue', (c) => C(c).waiting.first() ?? null);
    channelType.getters.set('closing', (c) => C(c).closing);
    channelType.getters.set('closed', (c) => C(c).closing && C(c).waiting.length === 0);
    channelType.getters.set('preference', (c) => C(c).preference);
    channelType.getters.set('schedule_all', (c) => (C(c).scheduleAll ? 1 : 0));
    method(channelType, '__setattr__', (self, args) => {
      const c = C(self);
      const name = args[0] as string;
      if (name === 'preference') { const p = toSmallInt(vm, args[1]); c.preference = p < 0 ? -1 : p > 0 ? 1 : 0; return null; }
      if (name === 'schedule_all') { c.scheduleAll = ops.truthy(vm, args[1]); return null; }
      if (c.dict === null) throw raise(AttributeErrorCls(), `'_stackless.channel' object has no attribute '${name}'`);
      c.dict.set(name, args[1]);
      return null;
    });

    // ---- module functions ----
    const atomicType = nativeClass('atomic', 'stackless', 'object');
    const atomicSaved = new WeakMap<object, boolean>();
    method(atomicType, '__enter__', (self) => {
      const cur = vm.scheduler.current;
      atomicSaved.set(self as object, cur.atomic);
      cur.atomic = true;
      vm.mirrorAtomic(true);
      if (!atomicSaved.get(self as object)) vm.atomicChanged(cur);
      return self;
    });
    method(atomicType, '__exit__', (self) => {
      const cur = vm.scheduler.current;
      const was = cur.atomic;
      cur.atomic = atomicSaved.get(self as object) ?? false;
      vm.mirrorAtomic(cur.atomic);
      if (was !== cur.atomic) vm.atomicChanged(cur);
      return false;
    });

    const entries: [string, Value][] = [
      ['tasklet', taskletType],
      ['channel', channelType],
      ['atomic', atomicType],
      ['getcurrent', fn('getcurrent', () => vm.scheduler.current, 'stackless')],
      ['getmain', fn('getmain', () => vm.scheduler.main, 'stackless')],
      ['getruncount', fn('getruncount', () => vm.scheduler.runCount(), 'stackless')],
      ['getcurrentid', fn('getcurrentid', () => identityOf(vm.scheduler.current), 'stackless')],
      ['schedule', fn('schedule', (args, kw) => vm.scheduler.schedule(args[0] ?? kwArg(kw, 'retval') ?? vm.scheduler.current, false), 'stackless')],
      ['schedule_remove', fn('schedule_remove', (args, kw) => vm.scheduler.schedule(args[0] ?? kwArg(kw, 'retval') ?? vm.scheduler.current, true), 'stackless')],
      ['run', fn('run', (args, kw) => {
        const timeout = toSmallInt(vm, args[0] ?? kwArg(kw, 'timeout') ?? 0);
        const flag = (i: number, name: string): boolean => ops.truthy(vm, args[i] ?? kwArg(kw, name) ?? false);
        return vm.scheduler.run(timeout, flag(2, 'soft'), flag(4, 'totaltimeout'), flag(3, 'ignore_nesting'), flag(1, 'threadblock'));
      }, 'stackless')],
      ['get_thread_info', fn('get_thread_info', (args) => {
        // (main tasklet, current tasklet, runcount) of a thread, the current one by default
        const id = args[0] ?? vm.threads.current.ident;
        const t = vm.threads.live.find((x) => x.ident === id);
        if (t === undefined) throw raise(ValueError, 'Thread id not found');
        return new PyTuple([t.sched.main, t.sched.current, t.sched.runCount()]);
      }, 'stackless')],
      ['enable_softswitch', fn('enable_softswitch', () => true, 'stackless')],
      ['set_schedule_callback', fn('set_schedule_callback', (args) => {
        const old = vm.threads.scheduleCallback;
        vm.threads.scheduleCallback = args[0] ?? null;
        return old;
      }, 'stackless')],
      ['set_channel_callback', fn('set_channel_callback', (args) => {
        const old = vm.threads.channelCallback;
        vm.threads.channelCallback = args[0] ?? null;
        return old;
      }, 'stackless')],
      ['get_schedule_callback', fn('get_schedule_callback', () => vm.threads.scheduleCallback, 'stackless')],
      ['get_channel_callback', fn('get_channel_callback', () => vm.threads.channelCallback, 'stackless')],
      ['switch_trap', fn('switch_trap', (args) => {
        const old = vm.scheduler.switchTrap;
        vm.scheduler.switchTrap += toSmallInt(vm, args[0] ?? 0);
        return old;
      }, 'stackless')],
    ];
    const mod = new PyModule('stackless', new Map<string, Value>([['__name__', 'stackless'], ['__doc__', null]]));
    for (const [k, v] of entries) mod.dict.set(k, v);
    // module attributes that read the scheduler's state
    mod.dict.set('__getattr__', fn('__getattr__', (args) => {
      switch (args[0]) {
        case 'current': return vm.scheduler.current;
        case 'main': return vm.scheduler.main;
        case 'runcount': return vm.scheduler.runCount();
        case 'threads': return new PyList(vm.threads.live.map((t) => t.ident));
      }
      throw raise(AttributeErrorCls(), `module 'stackless' has no attribute '${String(args[0])}'`);
    }, 'stackless'));
    void [PyInstance, PyTuple, lookup, isSubtype];
    return mod;
  });
}

import { AttributeError } from '../vm/errors.js';
function AttributeErrorCls(): PyClass {
  return AttributeError;
}

function staticNative(name: string, f: (args: Value[], kw: Map<string, Value> | null) => Value): Value {
  return new PyStaticMethodRef(new PyNative(name, f));
}
import { PyStaticMethod as PyStaticMethodRef } from '../vm/values.js';


/** Raises `exc` in `t` and switches to it at once (Stackless's throw/kill). */
function throwTo(sched: Scheduler, t: Tasklet, exc: PyException, pending = false): Value | typeof PENDING {
  const cur = sched.current;
  if (t === cur) throw exc;
  if (t.frame === null && !pending) {
    // bound but never run: the exception surfaces in the caller right away
    sched.remove(t);
    t.alive = false;
    if (isSubtype(exc.cls, TaskletExit)) return null;
    throw exc;
  }
  sched.unblock(t);
  t.tempval = exc;
  t.resume = Resume.Throw;
  if (pending) {
    // delivered when the tasklet next runs; it is scheduled now, the caller goes on
    sched.insert(t);
    return null;
  }
  sched.checkTrap();
  sched.checkResumable(t);
  if (!t.inRing) sched.insertAfter(cur, t);
  cur.tempval = null;
  cur.resume = Resume.Value;
  return sched.switchTo(t, isSubtype(exc.cls, TaskletExit) ? 'kill' : 'throw');
}

/** throw(exc, val, tb) arguments as CPython reads them: a class called with val, or an instance. */
function throwArgs(vm: VM, args: Value[]): PyException {
  let exc = args[0];
  const val = args.length > 1 ? args[1] : null;
  if (exc instanceof PyClass) {
    if (val instanceof PyException && isSubtype(val.cls, exc)) exc = val;
    else exc = vm.callNested(exc, val === null ? [] : val instanceof PyTuple ? val.items : [val]);
  }
  if (!(exc instanceof PyException)) throw raise(TypeError, 'exceptions must be classes, or instances, not ' + typeOf(exc).name);
  return exc;
}

const SPY_METHODS = `
def send_sequence(self, seq):
    n = 0
    for v in seq:
        self.send(v)
        n += 1
    return n
`;

function isCallable(v: Value): boolean {
  return v instanceof PyNative || v instanceof PyClass || (v !== null && typeof v === 'object' && lookup(typeOf(v), '__call__') !== undefined) || typeOf(v).name === 'function' || typeOf(v).name === 'method';
}

/** next/prev: the neighbour in the ring, or in the channel's wait chain (None at its ends). */
function neighbour(t: Tasklet, step: 1 | -1): Value {
  if (t.inRing) return step === 1 ? t.next : t.prev;
  const ch = t.blockedOn as Channel | null;
  if (ch === null) return null;
  const i = ch.waiting.indexOf(t);
  return ch.waiting.at(i + step) ?? null;
}
