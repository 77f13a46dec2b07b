// Tasklets and the scheduler (DESIGN.md decisions 2, 4, 5): a tasklet is data — the top frame
// of its chain while it is not running — and a switch just changes which chain the loop runs.
// The runnables form a ring whose head is the current tasklet, as in Stackless.
import { CodeObject } from '../bytecode/code.js';
import { Ins, Op } from '../bytecode/opcodes.js';
import { Cont, Frame } from './frame.js';
import { PyClass, PyObject, PyTuple, Value, PENDING, PyException, nativeClass } from './values.js';
import { raise, newException, RuntimeError, TaskletExit } from './errors.js';
import type { VM } from './interp.js';
import type { SimThread } from './threads.js';
import type { WaitQueue } from './channel.js';

/** How a tasklet that was switched out while inside a native call gets that call's result. */
export const enum Resume {
  /** nothing to deliver (it was preempted, or never started) */
  None,
  /** push its tempval as the call's result */
  Value,
  /** raise its tempval (an exception) at the call */
  Throw,
  /** go on unwinding its tempval (an exception) from where it parked, traceback unchanged */
  Reraise,
}

export const taskletType = nativeClass('tasklet', '_stackless');
const IGNORE_NESTING = 1;
const BLOCK_TRAP = 2;

export class Tasklet extends PyObject {
  /** tasklet or a spy subclass of it */
  cls: PyClass;
  /** attributes of instances of subclasses */
  dict: Map<string, Value> | null = null;
  /** the callable bound by tasklet(func) / bind(), or null */
  func: Value = null;
  /** arguments bound with it (bind/setup/__call__) */
  args: Value[] | null = null;
  kw: Map<string, Value> | null = null;
  /** the top of this tasklet's frame chain while it is not running; null before it starts */
  frame: Frame | null = null;
  /** alive: bound and not finished */
  alive = false;
  /** the channel this tasklet is blocked on, or null */
  blockedOn: object | null = null;
  /** while blockedOn: whether it waits to send (else to receive) */
  blockedSending = false;
  /** neighbours in the runnables ring (or in a channel's wait queue) */
  next: Tasklet | null = null;
  prev: Tasklet | null = null;
  /** in the runnables ring */
  inRing = false;
  /** the value in flight to this tasklet (a channel handoff, schedule's retval) */
  tempval: Value = null;
  /** what to do with tempval when this tasklet is next switched in */
  resume: Resume = Resume.None;
  /** while set the periodic check does nothing (no watchdog interrupt, no GIL handoff) */
  atomic = false;
  /** ignoreNesting and blockTrap, rarely set: one field, as a parked tasklet's bytes count */
  private modes = 0;
  /** let the watchdog interrupt even while nested native calls are on the stack */
  get ignoreNesting(): boolean { return (this.modes & IGNORE_NESTING) !== 0; }
  set ignoreNesting(on: boolean) { this.modes = on ? this.modes | IGNORE_NESTING : this.modes & ~IGNORE_NESTING; }
  /** blocking this tasklet raises RuntimeError */
  get blockTrap(): boolean { return (this.modes & BLOCK_TRAP) !== 0; }
  set blockTrap(on: boolean) { this.modes = on ? this.modes | BLOCK_TRAP : this.modes & ~BLOCK_TRAP; }
  /** host loops this tasklet's native calls have open (its nesting_level): natives wait on them */
  loopsOpen = 0;
  /**
   * ≥ 0 while parked: it reached (returning or raising) the Host frame of the host loop at that
   * level while a deeper loop ran, so it can go on only when that loop runs again.
   */
  parkedAt = -1;
  readonly isMain: boolean;
  /** the scheduler of the thread it belongs to: where it was created (null: the first thread's) */
  home: Scheduler | null = null;

  constructor(cls: PyClass, isMain = false) {
    super();
    this.cls = cls;
    this.isMain = isMain;
  }
}

/** The bottom frame of a tasklet: `func(*args, **kw)`, then the TaskletEnd continuation. */
const TASKLET_BOOT_CODE = new CodeObject(
  '<tasklet>', '<tasklet>', '<tasklet>', '', 0, 0, 0, 0, [], [], [], [], [], [],
  Int32Array.from([Op.CALL_FUNCTION_EX | (1 << Ins.ARG_SHIFT), Op.RETURN_VALUE]),
  Int32Array.from([0, 0]), [], Int32Array.from([-1, -1]), 4, 0, null,
);
export const TASKLET_CODES: readonly CodeObject[] = [TASKLET_BOOT_CODE];
/** the boot code reads no globals: every boot frame shares this empty namespace */
const BOOT_GLOBALS = new Map<string, Value>();

/** The watchdog of a timed `stackless.run(n)`. */
interface Watchdog {
  /** instructions a tasklet may run before it is interrupted */
  budget: number;
  /** instructions left before the interrupt */
  remaining: number;
  /** count over the whole run instead of per switch */
  total: boolean;
  /** return at the next voluntary switch instead of interrupting */
  soft: boolean;
  ignoreNesting: boolean;
}

export class Scheduler {
  readonly main: Tasklet;
  current: Tasklet;
  /** how many of this thread's tasklets are blocked on channels */
  blockedCount = 0;
  /** the tasklet waiting inside stackless.run(), out of the ring, or null */
  runCaller: Tasklet | null = null;
  /** run(threadblock=True): an empty ring waits for other threads instead of ending run() */
  private runThreadblock = false;
  /** by host loop level: the tasklet whose native call opened it (the VM keeps it current) */
  readonly loopOwners: Tasklet[] = [];
  watchdog: Watchdog | null = null;
  /** instructions executed since the ticker was last set (for watchdog accounting) */
  tickerSetTo = 0;
  /** stackless.switch_trap's counter: while non-zero, any real switch raises RuntimeError */
  switchTrap = 0;

  /**
   * Whether t can run in the host loop running now. Tasklets run in whatever loop is innermost
   * (as Stackless hard-switches C stacks, spy lets a loop nested for native code run any of
   * them), except a parked one: its return would reach the wrong native caller.
   */
  canResume(t: Tasklet): boolean {
    return t.parkedAt < 0 || t.parkedAt === this.vm.nesting;
  }

  /**
   * The current tasklet reached the Host frame of the loop at `level`, but a deeper loop runs:
   * it waits (runnable, in the ring) until its loop is innermost again, and another runs now.
   * `exc`: it was unwinding that exception (else it was returning; its frame re-executes).
   */
  park(level: number, exc: PyException | null): void {
    const cur = this.current;
    cur.parkedAt = level;
    cur.tempval = exc;
    cur.resume = exc !== null ? Resume.Reraise : Resume.None;
    const target = this.pickNext(true);
    if (target !== null) { this.switchTo(target, 'parked'); return; }
    // nothing else can run here: the tasklet whose native call opened this loop hears why; when
    // the program is over it is killed, as Stackless kills tasklets with C state at exit
    const owner = this.loopOwners[this.vm.nesting];
    this.unblock(owner);
    this.insert(owner);
    if (cur.isMain && level === 0) this.exiting = true;
    owner.tempval = this.nestedError();
    owner.resume = Resume.Throw;
    this.switchTo(owner, 'parked');
  }

  /** Refuses, before anything changes, an explicit switch to a tasklet that cannot run here. */
  checkResumable(t: Tasklet): void {
    if (!this.canResume(t)) throw this.nestedError();
  }

  /** main has finished the program while tasklets still wait under native calls */
  private exiting = false;

  private nestedError(): PyException {
    if (this.exiting) return newException(TaskletExit);
    return raise(RuntimeError, 'cannot switch tasklets here: the ones that could run wait for native code further up the stack to return (spy cannot switch host stacks the way Stackless switches C stacks)');
  }

  /** Raises RuntimeError("switch_trap") when a switch is about to happen under the trap. */
  checkTrap(): void {
    if (this.switchTrap !== 0) throw raise(RuntimeError, 'switch_trap');
  }

  constructor(readonly vm: VM, readonly thread: SimThread) {
    this.main = new Tasklet(taskletType, true);
    this.main.alive = true;
    this.main.home = this;
    this.current = this.main;
    this.linkAlone(this.main);
  }

  /** A new thread's main tasklet calls `func(*args)`; the thread ends when it returns. */
  startThread(func: Value, args: Value[]): void {
    const main = this.main;
    main.func = func;
    main.args = args;
    main.frame = this.bootFrame(main);
  }

  /**
   * This thread got the GIL: the loop goes on with its current tasklet, which gets what it
   * waited for; or, when every tasklet of it was blocked, with one that has been woken since.
   */
  resumeThread(): void {
    const vm = this.vm;
    const cur = this.current;
    vm.frame = cur.frame;
    cur.frame = null;
    if (this.thread.idle) {
      this.thread.idle = false;
      const target = this.pickNext(true);
      if (target !== null && target !== cur) { this.switchTo(target, 'thread woken'); return; }
    }
    this.enter(cur);
  }

  private linkAlone(t: Tasklet): void {
    t.next = t;
    t.prev = t;
    t.inRing = true;
  }

  /** Appends t at the end of the ring (just before the current tasklet) of its own thread. */
  insert(t: Tasklet): void {
    if (t.inRing) return;
    const home = t.home;
    if (home !== null && home !== this) { home.insert(t); return; }
    const head = this.current.inRing ? this.current : this.ringHead();
    if (head === null) { this.linkAlone(t); this.anyInRing = t; }
    else linkAfter(head.prev as Tasklet, t);
    if (this.thread.idle) this.vm.threads.taskletInserted(this.thread);
  }

  /** Puts t right after `anchor` in the ring, so it runs next (appended when anchor is out of it). */
  insertAfter(anchor: Tasklet, t: Tasklet): void {
    if (!anchor.inRing) { this.insert(t); return; }
    linkAfter(anchor, t);
  }

  /** Some tasklet of the ring when the current one is out of it (main inside run()). */
  private ringHead(): Tasklet | null {
    return this.anyInRing;
  }
  anyInRing: Tasklet | null = null;

  remove(t: Tasklet): void {
    if (!t.inRing) return;
    const next = t.next as Tasklet;
    if (next === t) {
      this.anyInRing = null;
    } else {
      (t.prev as Tasklet).next = next;
      next.prev = t.prev;
      if (this.anyInRing === t) this.anyInRing = next;
    }
    t.next = null;
    t.prev = null;
    t.inRing = false;
  }

  runCount(): number {
    const start = this.current.inRing ? this.current : this.anyInRing;
    if (start === null) return 0;
    let n = 0;
    let t: Tasklet = start;
    do { n++; t = t.next as Tasklet; } while (t !== start);
    return n;
  }

  /**
   * Makes `target` the running tasklet. The current one's frame chain is kept as it is (the
   * loop saved pc and sp before the native that switches was called); the target gets what
   * it was waiting for (its tempval pushed or raised). Returns PENDING: the loop reloads.
   */
  switchTo(target: Tasklet, why = 'schedule'): typeof PENDING {
    const vm = this.vm;
    const from = this.current;
    if (vm.events !== null && from !== target) vm.events({ kind: 'switch', thread: this.thread, from, to: target, why });
    const callback = vm.threads.scheduleCallback;
    if (from !== target && callback !== null) {
      // runs nested on top of the switching tasklet; values in flight sit in tempvals, untouched
      vm.callNested(callback, [from, target]);
    }
    if (from !== target) {
      from.frame = vm.frame;
      if (target.frame === null) target.frame = target.alive && target.func !== null && !target.isMain ? this.bootFrame(target) : null;
      vm.frame = target.frame;
      target.frame = null;
    }
    this.current = target;
    if (target === this.runCaller) {
      // run()'s caller was re-inserted and reached: run() is over
      this.runCaller = null;
      this.watchdog = null;
    }
    if (target.inRing) this.anyInRing = target;
    this.enter(target);
    return PENDING;
  }

  /** The loop goes on with `target` (vm.frame is its top frame): it gets what it waited for. */
  private enter(target: Tasklet): void {
    const vm = this.vm;
    vm.mirrorAtomic(target.atomic);
    const value = target.tempval;
    const how = target.resume;
    target.resume = Resume.None;
    target.parkedAt = -1;
    if (how === Resume.Value) {
      const f = vm.frame as Frame;
      if (vm.events !== null) vm.events({ kind: 'tempval', thread: this.thread, tasklet: target, value, action: 'claim' });
      f.regs[f.sp++] = value;
      target.tempval = null;
    } else if (how === Resume.Throw) {
      target.tempval = null;
      const f = vm.frame as Frame;
      const waitingIn = f.code.code[f.pc - 1];
      if ((waitingIn & 0xff) === Op.FOR_ITER && isStopIteration(value)) {
        // `for v in channel:` ends when StopIteration arrives instead of a value
        f.sp--;
        f.pc = waitingIn >> Ins.ARG_SHIFT;
      } else vm.pendingThrow = value as PyException;
    } else if (how === Resume.Reraise) {
      target.tempval = null;
      vm.pendingThrow = value as PyException;
      vm.pendingReraise = true;
    }
    const w = this.watchdog;
    if (w !== null && !w.total) w.remaining = w.budget;
    vm.switched = true;
  }

  private bootFrame(t: Tasklet): Frame {
    const f = new Frame(TASKLET_BOOT_CODE, BOOT_GLOBALS, null, null);
    f.regs[0] = t.func;
    f.regs[1] = new PyTuple(t.args ?? []);
    f.regs[2] = t.kw ? this.vm.kwDict(t.kw) : null;
    // the frame has them now; a parked tasklet should not keep a second copy
    t.args = null;
    t.kw = null;
    f.sp = 3;
    f.cont = Cont.TaskletEnd;
    f.contData = t;
    f.depth = 1;
    return f;
  }

  /**
   * The tasklet to run next. `leaving`: the current one cannot go on (it blocks, finishes or
   * removes itself), so with nothing else runnable control returns to run()'s caller, or null
   * (a deadlock). Otherwise the current tasklet itself may be the answer.
   */
  pickNext(leaving: boolean, blocking = false): Tasklet | null {
    const cur = this.current;
    const start = cur.inRing ? (cur.next as Tasklet) : this.anyInRing;
    if (start !== null && start !== cur) {
      // tasklets that cannot run in this host loop keep their place and are passed over
      let t = start;
      do {
        if (this.canResume(t)) return t;
        t = t.next as Tasklet;
      } while (t !== start && t !== cur);
    }
    if (!leaving) return cur;
    const caller = this.runCaller;
    // threadblock: a tasklet that blocks makes the thread wait for another thread to wake one,
    // rather than end run()
    if (caller !== null && caller !== cur && this.canResume(caller) && !(blocking && this.runThreadblock && this.canIdle())) return this.endRun(null);
    return null;
  }

  /** Nothing can run in this host loop, but something would elsewhere: the error says so. */
  private blockedByNesting(): boolean {
    const cur = this.current;
    const start = cur.inRing ? (cur.next as Tasklet) : this.anyInRing;
    return (start !== null && start !== cur) || (this.runCaller !== null && this.runCaller !== cur);
  }

  /** The error for a tasklet that must leave but finds nothing to switch to. */
  deadlock(): PyException {
    if (this.blockedByNesting()) return this.nestedError();
    const threads = this.vm.threads;
    if (threads.live.length > 1) return threads.deadlock(this.thread);
    return raise(RuntimeError, 'Deadlock: the last runnable tasklet cannot be blocked.');
  }

  /** Nothing of this thread can run, but another thread may yet wake one of its tasklets. */
  canIdle(): boolean {
    const threads = this.vm.threads;
    return (threads.live.length > 1 || threads.timersPending) && threads.othersMayRun();
  }

  /** The current tasklet left and none of this thread can run: the thread waits (no GIL). */
  idle(what: string): typeof PENDING {
    this.vm.threads.goIdle(what);
    return PENDING;
  }

  /** pickNext, refusing (before anything changes) when it would switch under switch_trap. */
  pickNextChecked(leaving: boolean, blocking = false): Tasklet | null {
    if (this.switchTrap !== 0) {
      const cur = this.current;
      const wouldSwitch = (cur.inRing && cur.next !== cur) || (!cur.inRing && this.anyInRing !== null) || leaving;
      if (wouldSwitch) this.checkTrap();
    }
    return this.pickNext(leaving, blocking);
  }

  /** run() is over: its caller goes back into the ring and gets `result` from run(). */
  endRun(result: Value): Tasklet {
    const caller = this.runCaller as Tasklet;
    this.runCaller = null;
    this.watchdog = null;
    // like Stackless, the caller goes just before the tasklet that would have run next
    const cur = this.current;
    const before = cur.inRing ? (cur.next as Tasklet) : this.anyInRing;
    if (before === null) this.linkAlone(caller);
    else this.insertBefore(caller, before);
    caller.tempval = result;
    caller.resume = Resume.Value;
    return caller;
  }

  private insertBefore(t: Tasklet, before: Tasklet): void {
    linkAfter(before.prev as Tasklet, t);
  }

  /** The ticker value for the current tasklet: the check interval, or the watchdog's budget. */
  nextTicker(): number {
    const w = this.watchdog;
    const interval = this.vm.threads.interval(this.vm.checkInterval);
    this.counting = w !== null && this.current !== this.runCaller;
    const n = this.counting ? Math.min(interval, Math.max((w as Watchdog).remaining, 1)) : interval;
    this.tickerSetTo = n;
    return n - 1;
  }
  /** the ticker last set counts toward the watchdog */
  private counting = false;

  /**
   * The loop reloads after a switch, `left` being what its ticker had left: the turn that ended
   * counts toward a total timeout (a per-tasklet timeout starts afresh), and the ticker is set.
   */
  tickerAfterSwitch(left: number): number {
    const w = this.watchdog;
    if (w !== null && w.total && this.counting) w.remaining -= this.tickerSetTo - 1 - left;
    return this.nextTicker();
  }

  /** Starts a timed or untimed run(): the caller leaves the ring and the others run. */
  run(timeout: number, soft: boolean, total: boolean, ignoreNesting: boolean, threadblock = false): Value | typeof PENDING {
    const caller = this.current;
    if (this.runCaller !== null) throw raise(RuntimeError, 'run() is already running');
    // nothing to run: run() returns at once, threadblock or not (as Stackless 3.7.9 does)
    if (caller.next === caller) return null;
    this.checkTrap();
    const target = caller.next as Tasklet;
    this.remove(caller);
    this.anyInRing = target;
    this.runCaller = caller;
    this.runThreadblock = threadblock;
    this.watchdog = timeout > 0 ? { budget: timeout, remaining: timeout, total, soft, ignoreNesting } : null;
    caller.resume = Resume.Value;
    caller.tempval = null;
    return this.switchTo(target, 'run');
  }

  /**
   * The periodic check's part: count the current tasklet's instructions and interrupt it when
   * the watchdog's budget is spent. True when it switched to the run() caller.
   */
  tick(nesting: number): boolean {
    const w = this.watchdog;
    if (w === null || this.current === this.runCaller) return false;
    w.remaining -= this.tickerSetTo;
    if (w.remaining > 0) return false;
    if (nesting > 0 && !w.ignoreNesting && !this.current.ignoreNesting) { w.remaining = 1; return false; }
    if (w.soft || !this.canResume(this.runCaller as Tasklet)) { w.remaining = 1; return false; }
    const victim = this.current;
    this.remove(victim);
    if (this.vm.events !== null) this.vm.events({ kind: 'watchdog', thread: this.thread, tasklet: victim });
    this.switchTo(this.endRun(victim), 'watchdog');
    return true;
  }

  /** `stackless.schedule(retval)` / `schedule_remove(retval)`: the next tasklet runs. */
  schedule(retval: Value, removeSelf: boolean): Value | typeof PENDING {
    const cur = this.current;
    const w = this.watchdog;
    if (w !== null && w.soft && w.remaining <= 1 && this.runCaller !== null && cur !== this.runCaller && this.canResume(this.runCaller)) {
      // a soft timed run ends at the tasklet's next voluntary switch; the tasklet stays scheduled
      cur.tempval = retval;
      cur.resume = Resume.Value;
      return this.switchTo(this.endRun(null), 'soft watchdog');
    }
    const target = this.pickNextChecked(removeSelf, removeSelf);
    if (target === null && !this.canIdle()) throw this.deadlock();
    if (removeSelf) this.remove(cur);
    if (target === cur) return retval;
    if (target === null) {
      cur.tempval = retval;
      cur.resume = Resume.Value;
      return this.idle('every tasklet removed or blocked (schedule_remove)');
    }
    cur.tempval = retval;
    cur.resume = Resume.Value;
    return this.switchTo(target);
  }

  /**
   * An exception other than TaskletExit left tasklet t: it dies, and the exception is raised in
   * the tasklet waiting in run() (else main), ahead of the queue, from the call it waits in.
   */
  died(t: Tasklet, exc: PyException): void {
    if (t.isMain) {
      // threads run their function under a wrapper that reports exceptions: this is a last resort
      this.vm.reportThreadException(exc);
      this.finished(t);
      return;
    }
    t.alive = false;
    this.remove(t);
    this.vm.frame = null;
    let target: Tasklet;
    const caller = this.runCaller;
    if (caller !== null && caller !== t && this.canResume(caller)) target = this.endRun(null);
    else {
      // main, or when main cannot run in this host loop, the tasklet whose native call opened it
      target = this.canResume(this.main) ? this.main : this.loopOwners[this.vm.nesting];
      this.unblock(target);
      // it is resumed by the exception: it runs again, so it is back in the ring
      this.insert(target);
    }
    target.tempval = exc;
    target.resume = Resume.Throw;
    this.switchTo(target, 'exception');
  }

  /** Takes a tasklet off the channel it waits on (it is being resumed by other means). */
  unblock(t: Tasklet): void {
    const ch = t.blockedOn as { waiting: WaitQueue } | null;
    if (ch === null) return;
    const i = ch.waiting.indexOf(t);
    if (i >= 0) ch.waiting.removeAt(i);
    t.blockedOn = null;
    (t.home ?? this).blockedCount--;
  }

  /** The current tasklet's bottom frame returned (or it let TaskletExit out): it is done. */
  finished(t: Tasklet): void {
    t.alive = false;
    if (t.isMain) {
      // a thread's main tasklet returned: the thread is over, whatever else it had
      this.remove(t);
      this.vm.frame = null;
      this.vm.threads.ended(this.thread);
      return;
    }
    const target = this.pickNext(true);
    this.remove(t);
    this.vm.frame = null;
    if (target === null) {
      // nothing can run: main is blocked on a channel, and Stackless tells it so
      const main = this.main;
      const victim = this.canResume(main) ? main : this.loopOwners[this.vm.nesting];
      const sending = victim.blockedOn !== null && victim.blockedSending;
      this.unblock(victim);
      this.insert(victim);
      victim.tempval = victim !== main ? this.nestedError()
        : raise(RuntimeError, sending ? 'the main tasklet is sending without a receiver available.' : 'the main tasklet is receiving without a sender available.');
      victim.resume = Resume.Throw;
      this.switchTo(victim, 'tasklet end');
      return;
    }
    this.switchTo(target, 'tasklet end');
  }
}

/** Links t into the ring between `anchor` and its successor. */
function linkAfter(anchor: Tasklet, t: Tasklet): void {
  const next = anchor.next as Tasklet;
  t.prev = anchor;
  t.next = next;
  anchor.next = t;
  next.prev = t;
  t.inRing = true;
}

function isStopIteration(v: Value): boolean {
  return v instanceof PyException && v.cls.mro.some((c) => c.name === 'StopIteration' && c.module === 'builtins');
}

export function taskletOf(v: Value): Tasklet {
  if (!(v instanceof Tasklet)) throw raise(RuntimeError, 'not a tasklet');
  return v;
}
