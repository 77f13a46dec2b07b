// The `_thread` module: simulated OS threads (vm/threads.ts) and the lock they block on. A lock
// is GIL-level: a thread waiting for it waits whole (every tasklet of it), releasing the GIL, as
// an OS lock does under Stackless. `threading` (spy source) is built on this module.
import { Value, PyClass, PyObject, PyTuple, PyException, PyModule, PENDING, nativeClass } from '../vm/values.js';
import { PyDict } from '../vm/objects.js';
import { raise, RuntimeError, TypeError, ValueError, OverflowError, SystemExit, newException } from '../vm/errors.js';
import { typeOf } from '../vm/types.js';
import * as ops from '../vm/ops.js';
import type { VM } from '../vm/interp.js';
import { SimThread, Threads, ThreadState } from '../vm/threads.js';
import { Tasklet, taskletType } from '../vm/tasklet.js';
import { fn, method, kwArg, toFloat, arity } from './native.js';
import { address } from '../vm/repr.js';
import { formatException } from '../vm/traceback.js';

export const lockType = nativeClass('lock', '_thread');

/** The longest timeout acquire() takes, as CPython's _thread.TIMEOUT_MAX on 64-bit Linux. */
const TIMEOUT_MAX = 9223372036.0;

export class PyLock extends PyObject {
  cls: PyClass = lockType;
  dict: Map<string, Value> | null = null;
  locked = false;
  /** the thread that took it last (any thread may release it): for the deadlock report */
  holder: SimThread | null = null;
  /** threads waiting in acquire(), in arrival order */
  readonly waiters: SimThread[] = [];
}

function L(v: Value): PyLock {
  if (!(v instanceof PyLock)) throw raise(ValueError, `descriptor requires a '_thread.lock' object but received a '${typeOf(v).name}'`);
  return v;
}

/** The threads' entry point: the function under a wrapper that reports what escapes it. */
const SPY_BOOT = `
def _boot(function, args, kwargs):
    try:
        function(*args, **kwargs)
    except SystemExit:
        pass
    except BaseException as e:
        _report("Exception ignored in thread started by: " + repr(function), e)
`;

export function installThread(vm: VM): void {
  vm.nativeModules.set('_thread', () => {
    const threads = vm.threads;

    const acquire = (self: Value, args: Value[], kw: Map<string, Value> | null): Value | typeof PENDING => {
      const lock = L(self);
      // the common case first: acquire() of a free lock
      if (!lock.locked && args.length === 0 && kw === null) { lock.locked = true; lock.holder = threads.current; return true; }
      const blocking = ops.truthy(vm, args[0] ?? kwArg(kw, 'blocking') ?? true);
      const timeoutArg = args[1] ?? kwArg(kw, 'timeout') ?? -1;
      const timeout = toFloat(vm, timeoutArg);
      if (!blocking && timeout !== -1) throw raise(ValueError, "can't specify a timeout for a non-blocking call");
      if (timeout < 0 && timeout !== -1) throw raise(ValueError, 'timeout value must be positive');
      if (timeout > TIMEOUT_MAX) throw raise(OverflowError, 'timeout value is too large');
      if (!lock.locked) { lock.locked = true; lock.holder = threads.current; return true; }
      if (!blocking || timeout === 0) return false;
      const me = threads.current;
      const task = vm.scheduler.current;
      lock.waiters.push(me);
      const deadline = timeout < 0 ? Infinity : threads.now() + timeout;
      const giveUp = (): void => {
        lock.waiters.splice(lock.waiters.indexOf(me), 1);
        Threads.deliver(task, false);
      };
      try {
        const holder = lock.holder === null ? '' : ` (taken by thread ${lock.holder.ident} (${lock.holder.name}))`;
        return threads.block(`acquiring lock at ${address(lock)}${holder}`, deadline, giveUp);
      } catch (e) {
        // nobody could ever release it: the deadlock error, and the thread is not waiting
        const i = lock.waiters.indexOf(me);
        if (i >= 0) lock.waiters.splice(i, 1);
        throw e;
      }
    };
    const release = (self: Value): Value => {
      const lock = L(self);
      if (!lock.locked) throw raise(RuntimeError, 'release unlocked lock');
      if (lock.waiters.length === 0) { lock.locked = false; return null; }
      // the lock passes straight to a waiter, which the seed picks: who wins is a scheduling choice
      const i = Math.floor(threads.random() * lock.waiters.length);
      const next = lock.waiters.splice(i, 1)[0];
      lock.holder = next;
      Threads.deliver(next.sched.current, true);
      threads.ready(next);
      return null;
    };
    method(lockType, 'acquire', acquire);
    method(lockType, 'acquire_lock', acquire);
    method(lockType, '__enter__', acquire);
    method(lockType, 'release', release);
    method(lockType, 'release_lock', release);
    method(lockType, '__exit__', (self) => release(self));
    method(lockType, 'locked', (self) => L(self).locked);
    method(lockType, 'locked_lock', (self) => L(self).locked);
    method(lockType, '__repr__', (self) => `<${L(self).locked ? 'locked' : 'unlocked'} _thread.lock object at ${address(self as PyObject)}>`);
    lockType.dict.set('__new__', fn('__new__', () => new PyLock(), '_thread'));

    const bootPart = new Map<string, Value>([['__name__', '_thread']]);
    const report = fn('_report', (args) => {
      vm.host.write('stderr', `${vm.str(args[0])}\n${formatException(vm, args[1] as PyException)}`);
      return null;
    }, '_thread');
    bootPart.set('_report', report);
    vm.runModule(vm.compileOrRaise(SPY_BOOT, '<_thread>'), bootPart);
    const boot = bootPart.get('_boot') as Value;

    /** Starts a thread running func(*args, **kw) under `runner`; returns it. */
    const start = (runner: Value, func: Value, args: Value, kw: Value, name: string | null): SimThread => {
      if (!(args instanceof PyTuple)) throw raise(TypeError, '2nd arg must be a tuple');
      if (kw !== null && !(kw instanceof PyDict)) throw raise(TypeError, 'optional 3rd arg must be a dictionary');
      const t = threads.newThread(name ?? '');
      if (name === null) t.name = `Dummy-${t.ident}`;
      t.sched.startThread(runner, [func, args, kw ?? new PyDict()]);
      return t;
    };

    const entries: [string, Value][] = [
      ['start_new_thread', fn('start_new_thread', (args) => {
        arity('start_new_thread', args, 2, 3);
        return start(boot, args[0], args[1], args[2] ?? null, null).ident;
      }, '_thread')],
      ['start_new', fn('start_new', (args) => start(boot, args[0], args[1], args[2] ?? null, null).ident, '_thread')],
      ['allocate_lock', fn('allocate_lock', () => new PyLock(), '_thread')],
      ['allocate', fn('allocate', () => new PyLock(), '_thread')],
      ['LockType', lockType],
      ['lock', lockType],
      ['get_ident', fn('get_ident', () => threads.current.ident, '_thread')],
      ['get_native_id', fn('get_native_id', () => threads.current.ident, '_thread')],
      ['_count', fn('_count', () => threads.live.length - 1, '_thread')],
      ['TIMEOUT_MAX', TIMEOUT_MAX],
      ['error', RuntimeError],
      ['exit', fn('exit', () => { throw newException(SystemExit); }, '_thread')],
      ['stack_size', fn('stack_size', () => 0, '_thread')],
      // spy's own, for threading: start a thread that calls function() under that name
      ['_start', fn('_start', (args) => {
        // _start(function, name, daemon, registry, obj): registry[ident] = obj before the
        // thread can run (a GIL handoff right after start() must find it registered)
        arity('_start', args, 5, 5);
        const t = threads.newThread(vm.str(args[1]));
        t.daemon = ops.truthy(vm, args[2]);
        ops.setItem(vm, args[3], t.ident, args[4]);
        t.sched.startThread(args[0], []);
        return t.ident;
      }, '_thread')],
      ['_report', report],
      ['_call_at', fn('_call_at', (args) => {
        // at virtual time `when`, a new tasklet of this thread calls func(): stacklesslib's timers
        arity('_call_at', args, 2, 2);
        const when = toFloat(vm, args[0]);
        const func = args[1];
        const home = vm.scheduler;
        return threads.addTimer(when, () => {
          if (home.thread.state === ThreadState.Done) return;
          const t = new Tasklet(taskletType);
          t.home = home;
          t.func = func;
          t.args = [];
          t.alive = true;
          home.insert(t);
        });
      }, '_thread')],
      ['_cancel_timer', fn('_cancel_timer', (args) => { threads.cancelTimer(args[0] as number); return null; }, '_thread')],
      ['_may_be_woken', fn('_may_be_woken', () => {
        // tasklets of this thread wait on channels, and another thread may yet send to them
        const sched = vm.scheduler;
        return sched.blockedCount > 0 && threads.live.length > 1 && threads.othersMayRun();
      }, '_thread')],
      ['_wait_for_work', fn('_wait_for_work', () => {
        // the thread waits (no GIL) until a tasklet of it is made runnable by another thread or a
        // timer; the caller then gets None after that tasklet has had its turn
        const sched = vm.scheduler;
        if (sched.runCount() > 1 || !sched.canIdle()) return null;
        Threads.deliver(sched.current, null);
        return sched.idle('waiting for a tasklet to be woken (stacklesslib.main.mainloop)');
      }, '_thread')],
      ['_handoffs', fn('_handoffs', () => threads.handoffs, '_thread')],
      ['_next_timer', fn('_next_timer', () => threads.nextTimerOf(threads.current), '_thread')],
      ['_join', fn('_join', (args) => {
        // waits (releasing the GIL) until the thread with this ident ends: True, or False at the timeout
        const target = threads.live.find((t) => t.ident === args[0]);
        if (target === undefined) return true;
        const timeout = args[1] === null || args[1] === undefined ? -1 : toFloat(vm, args[1]);
        const me = threads.current;
        const task = vm.scheduler.current;
        const watcher = (ended: SimThread): void => {
          if (ended !== target) return;
          threads.endWatchers.splice(threads.endWatchers.indexOf(watcher), 1);
          Threads.deliver(task, true);
          threads.ready(me);
        };
        threads.endWatchers.push(watcher);
        const stopWatching = (): void => {
          const i = threads.endWatchers.indexOf(watcher);
          if (i >= 0) threads.endWatchers.splice(i, 1);
        };
        const deadline = timeout < 0 ? Infinity : threads.now() + timeout;
        try {
          return threads.block(`joining thread ${target.ident} (${target.name})`, deadline, () => { stopWatching(); Threads.deliver(task, false); });
        } catch (e) {
          stopWatching();
          throw e;
        }
      }, '_thread')],
    ];
    const mod = new PyModule('_thread', new Map<string, Value>([['__name__', '_thread'], ['__doc__', null]]));
    for (const [k, v] of entries) mod.dict.set(k, v);
    return mod;
  });
}

