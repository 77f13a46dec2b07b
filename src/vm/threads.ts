// Simulated OS threads and the GIL (DESIGN.md decision 6). One JavaScript thread runs them all.
// Each simulated thread has its own Scheduler (main tasklet, runnables ring); exactly one holds
// the GIL, and `vm.scheduler` is its scheduler. The GIL changes hands at the periodic check
// (unless the running tasklet is atomic) and when its holder blocks: a sleep, a lock, a join, or
// no runnable tasklet. Time is virtual unless asked otherwise: when every thread waits, the
// clock jumps to the earliest deadline. Every choice between legal alternatives (which ready
// thread gets the GIL, which waiter gets a released lock, the length of each check interval)
// comes from one generator seeded by --seed, so a run is a pure function of program, input, seed.
import { Scheduler, Tasklet, Resume } from './tasklet.js';
import { PyException, Value, PENDING } from './values.js';
import { raise, RuntimeError } from './errors.js';
import type { VM } from './interp.js';

export const enum ThreadState {
  /** holds the GIL */
  Running,
  /** wants the GIL */
  Ready,
  /** asleep, on a lock, in a join, or with nothing runnable; see waitingFor */
  Waiting,
  Done,
}

export class SimThread {
  state = ThreadState.Ready;
  /** what a waiting thread waits for, for the deadlock report */
  waitingFor = '';
  /** virtual time at which a waiting thread stops waiting (a sleep or a timeout), or Infinity */
  deadline = Infinity;
  /** what happens at the deadline (before the thread is ready again) */
  onDeadline: (() => void) | null = null;
  /** it waits because every tasklet of it is blocked: on getting the GIL it picks one */
  idle = false;
  daemon = false;
  readonly sched: Scheduler;

  constructor(vm: VM, readonly ident: number, public name: string) {
    this.sched = new Scheduler(vm, this);
  }
}

/** A timer of the virtual clock: `fire` runs once the clock reaches `at`, in the timer's thread. */
interface Timer { at: number; seq: number; fire: () => void; owner: SimThread }

/**
 * A woken thread runs a microsecond after its deadline, as on a real system: a wait of t seconds
 * then always measures at least t, whatever the rounding of the clock's floating-point sums.
 */
const WAKE_LATENCY = 1e-6;

/** Instructions between periodic checks while there is a single thread. */
const SOLO_INTERVAL = 1000;

/** Seconds of virtual time one executed instruction takes: keeps busy-waiting loops finite. */
const SECONDS_PER_INSTRUCTION = 1e-8;

export class Threads {
  readonly main: SimThread;
  /** the thread holding the GIL */
  current: SimThread;
  /** live threads, in start order */
  readonly live: SimThread[] = [];
  private nextIdent = 1;
  /** --legacy-atomic: atomic stops the watchdog but not the GIL handoff (before the seed's fix) */
  legacyAtomic = false;
  /** --real-time: the wall clock instead of the virtual one */
  realTime = false;
  private rngState = 0;
  /** virtual seconds since the start */
  private clock = 0;
  private readonly startWall: number;
  private readonly timers: Timer[] = [];
  private timerSeq = 0;
  /** stackless.set_schedule_callback / set_channel_callback: one for all threads, as in Stackless */
  scheduleCallback: Value = null;
  channelCallback: Value = null;
  /** a deadlock was reported: the end of the program does not wait for threads */
  deadlocked = false;
  /** told of each tasklet spy code creates, for inspection (the REPL's :tasklets); null when nobody asks */
  onCreate: ((t: Tasklet) => void) | null = null;
  /** GIL handoffs so far (benchmarks, the tracer) */
  handoffs = 0;

  constructor(private readonly vm: VM) {
    this.main = this.newThread('MainThread');
    this.main.state = ThreadState.Running;
    this.current = this.main;
    this.startWall = vm.host.now();
    this.setSeed(0);
  }

  newThread(name: string): SimThread {
    const t = new SimThread(this.vm, this.nextIdent++, name);
    this.live.push(t);
    if (this.vm.events !== null) this.vm.events({ kind: 'thread', thread: t, action: 'start' });
    return t;
  }

  setSeed(seed: number): void {
    // mulberry32: tiny, fast, and its whole state is one 32-bit number
    this.rngState = (seed ^ 0x9e3779b9) >>> 0;
  }

  /** A number in [0, 1) from the seeded generator. */
  random(): number {
    let t = (this.rngState = (this.rngState + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  private choose<T>(items: readonly T[]): T {
    return items.length === 1 ? items[0] : items[Math.floor(this.random() * items.length)];
  }

  // ---- time ------------------------------------------------------------------------------

  /** Seconds since the start: virtual (instructions run plus sleeps skipped) or wall-clock. */
  now(): number {
    return this.realTime ? this.vm.host.now() - this.startWall : this.clock;
  }

  /** time.time(): the wall clock at the start plus the time elapsed since. */
  wallTime(): number {
    return this.startWall + this.now();
  }

  /** The loop ran `n` more instructions. */
  elapse(n: number): void {
    this.clock += n * SECONDS_PER_INSTRUCTION;
    if (this.timers.length > 0 && this.timers[0].at <= this.now()) this.fireTimers();
  }

  /** Calls `fire` once the clock reaches `at` (it should only make tasklets or threads ready). */
  addTimer(at: number, fire: () => void): number {
    const timer = { at, seq: this.timerSeq++, fire, owner: this.current };
    const ts = this.timers;
    let i = ts.length;
    while (i > 0 && (ts[i - 1].at > at || (ts[i - 1].at === at && ts[i - 1].seq > timer.seq))) i--;
    ts.splice(i, 0, timer);
    return timer.seq;
  }

  /** Forgets the timer addTimer numbered so (when it has not gone off yet). */
  cancelTimer(seq: number): void {
    const i = this.timers.findIndex((t) => t.seq === seq);
    if (i >= 0) this.timers.splice(i, 1);
  }

  /** When the next timer that thread t set goes off, or null. */
  nextTimerOf(t: SimThread): number | null {
    for (const timer of this.timers) if (timer.owner === t) return timer.at;
    return null;
  }

  /** Whether a timer is pending: a thread whose tasklets all wait may be woken by one. */
  get timersPending(): boolean {
    return this.timers.length > 0;
  }

  private fireTimers(): void {
    const now = this.now();
    while (this.timers.length > 0 && this.timers[0].at <= now) (this.timers.shift() as Timer).fire();
  }

  /**
   * The ticker's stretch: the check interval, jittered by the seed once there are threads to race.
   * With one thread nothing needs the GIL check, so the loop checks less often (the watchdog
   * keeps its own exact count, and Ctrl-C is still seen within microseconds).
   */
  interval(base: number): number {
    if (this.live.length < 2) return Math.max(base, SOLO_INTERVAL);
    return Math.max(1, Math.round(base * (0.5 + this.random())));
  }

  // ---- the GIL -----------------------------------------------------------------------------

  /**
   * The periodic check's part: the GIL may pass to another ready thread (the seed decides
   * whether it does and to which). True when it did; the loop then reloads.
   */
  check(): boolean {
    if (this.live.length < 2 || !this.anyReadyOther()) return false;
    const ready = this.readyOthers();
    ready.push(this.current);
    const to = this.choose(ready);
    if (to === this.current) return false;
    this.current.state = ThreadState.Ready;
    this.handTo(to, 'check interval');
    return true;
  }

  /** time.sleep(0): another ready thread may take the GIL. None, or PENDING after a handoff. */
  yieldGil(): Value | typeof PENDING {
    const ready = this.readyOthers();
    if (ready.length === 0) return null;
    Threads.deliver(this.current.sched.current, null);
    this.current.state = ThreadState.Ready;
    this.handTo(this.choose(ready), 'sleep(0)');
    return PENDING;
  }

  /** readyOthers().length > 0, without the array: the periodic check asks it every time */
  private anyReadyOther(): boolean {
    const live = this.live;
    for (let i = 0; i < live.length; i++) if (live[i].state === ThreadState.Ready && live[i] !== this.current) return true;
    return false;
  }

  private readyOthers(): SimThread[] {
    const out: SimThread[] = [];
    for (const t of this.live) if (t.state === ThreadState.Ready && t !== this.current) out.push(t);
    return out;
  }

  /**
   * The current thread waits for `what` until `deadline` (virtual seconds, Infinity for none),
   * releasing the GIL. Whatever wakes it sets what its current tasklet gets (tempval, resume)
   * and calls ready(). Raises the deadlock error instead when no thread could ever wake it.
   */
  wait(what: string, deadline: number, onDeadline: (() => void) | null): boolean {
    const cur = this.current;
    cur.waitingFor = what;
    if (deadline === Infinity && !this.othersMayRun()) {
      // nothing could ever wake anyone: the program stops, by an error in the main thread
      this.deadlocked = true;
      if (cur === this.main) throw this.deadlock(cur);
      this.wakeWithError(this.main, this.deadlock(cur));
    }
    cur.state = ThreadState.Waiting;
    cur.deadline = deadline;
    cur.onDeadline = onDeadline;
    try {
      return this.runNext();
    } catch (e) {
      // a real-time wait interrupted (Ctrl-C in the REPL): the thread goes on, raising it
      if (this.current === cur) { this.ready(cur); cur.state = ThreadState.Running; }
      throw e;
    }
  }

  /**
   * A native blocks the current thread (time.sleep, a lock): whatever wakes it sets what its
   * tasklet gets. Returns that at once when no other thread ran meanwhile, else PENDING (the
   * loop goes on with another thread; the value is delivered when this one is back).
   */
  block(what: string, deadline: number, onDeadline: (() => void) | null): Value | typeof PENDING {
    const task = this.current.sched.current;
    if (!this.wait(what, deadline, onDeadline)) return PENDING;
    const value = task.tempval;
    const how = task.resume;
    task.tempval = null;
    task.resume = Resume.None;
    if (how === Resume.Throw) throw value as PyException;
    return value;
  }

  /** What a tasklet of a waiting thread gets when the thread goes on. */
  static deliver(task: Tasklet, value: Value): void {
    task.tempval = value;
    task.resume = Resume.Value;
  }

  /** Whether another thread is ready, or something will happen at a deadline. */
  othersMayRun(): boolean {
    if (this.timers.length > 0) return true;
    for (const t of this.live) {
      if (t === this.current) continue;
      if (t.state === ThreadState.Ready || t.deadline !== Infinity) return true;
    }
    return false;
  }

  /** A waiting thread can go on (it gets the GIL when its turn comes). */
  ready(t: SimThread): void {
    if (t.state !== ThreadState.Waiting) return;
    t.state = ThreadState.Ready;
    t.deadline = Infinity;
    t.onDeadline = null;
    t.waitingFor = '';
  }

  /** A tasklet was made runnable in thread t: an idle thread wakes up to run it. */
  taskletInserted(t: SimThread): void {
    if (t.idle && t.state === ThreadState.Waiting) this.ready(t);
  }

  /** The current thread's last tasklet blocked: it waits for another thread to wake one. */
  goIdle(what: string): void {
    const cur = this.current;
    cur.idle = true;
    try {
      this.wait(what, Infinity, null);
    } catch (e) {
      cur.idle = false;
      throw e;
    }
  }

  /** Thread t has ended: the GIL goes elsewhere. */
  ended(t: SimThread): void {
    t.state = ThreadState.Done;
    if (this.vm.events !== null) this.vm.events({ kind: 'thread', thread: t, action: 'end' });
    const i = this.live.indexOf(t);
    if (i >= 0) this.live.splice(i, 1);
    for (const f of this.endWatchers) f(t);
    this.runNext();
  }
  /** called as each thread ends (threading's join) */
  readonly endWatchers: ((t: SimThread) => void)[] = [];

  /**
   * Gives the GIL to a ready thread; when none is, the clock jumps to the earliest deadline.
   * When nothing can ever run again, the main thread is woken with the deadlock error.
   */
  private runNext(): boolean {
    for (;;) {
      const ready: SimThread[] = [];
      for (const t of this.live) if (t.state === ThreadState.Ready || t.state === ThreadState.Running) ready.push(t);
      if (ready.length > 0) {
        const why = this.vm.events === null ? '' : this.current.state === ThreadState.Done ? 'thread end' : `blocking: ${this.current.waitingFor}`;
        return this.handTo(this.choose(ready), why);
      }
      let first: SimThread | null = null;
      for (const t of this.live) if (t.state === ThreadState.Waiting && t.deadline !== Infinity && (first === null || t.deadline < first.deadline)) first = t;
      const timer = this.timers.length > 0 ? this.timers[0] : null;
      if (first === null && timer === null) {
        // every thread waits for another: nobody can go on; main hears about it
        const main = this.live.includes(this.main) ? this.main : this.live[0];
        if (main === undefined) return false;
        this.deadlocked = true;
        this.wakeWithError(main, this.deadlock(null));
        continue;
      }
      const at = first !== null && (timer === null || first.deadline <= timer.at) ? first.deadline : (timer as Timer).at;
      this.advanceTo(at);
      if (this.vm.events !== null) this.vm.events({ kind: 'timer', thread: first !== null && first.deadline <= at ? first : (timer as Timer).owner, at: this.now() });
      if (first !== null && first.deadline <= at) {
        const f = first.onDeadline;
        this.ready(first);
        if (f !== null) f();
      }
      this.fireTimers();
    }
  }

  private advanceTo(at: number): void {
    if (this.realTime) {
      // the host really waits (the REPL's host wakes up for Ctrl-C)
      const wait = at - this.now();
      if (wait > 0) this.vm.host.sleep(wait);
    } else if (at > this.clock) this.clock = at + WAKE_LATENCY;
  }

  /** A waiting thread's current tasklet gets `exc` raised where it waits. */
  private wakeWithError(t: SimThread, exc: PyException): void {
    const sched = t.sched;
    const task = sched.current;
    sched.unblock(task);
    if (t.idle) { t.idle = false; sched.insert(task); }
    task.tempval = exc;
    task.resume = Resume.Throw;
    this.ready(t);
  }

  /**
   * Makes `to` the GIL holder: the current thread's running tasklet keeps its frames. True when
   * the current thread simply goes on (its tasklet takes what it waited for itself).
   */
  private handTo(to: SimThread, why: string): boolean {
    const vm = this.vm;
    const from = this.current;
    if (to === from && !to.idle) { to.state = ThreadState.Running; return true; }
    if (vm.events !== null && to !== from) vm.events({ kind: 'gil', from, to, why });
    if (from.state !== ThreadState.Done) from.sched.current.frame = vm.frame;
    vm.frame = null;
    if (to !== from) this.handoffs++;
    this.current = to;
    to.state = ThreadState.Running;
    vm.scheduler = to.sched;
    to.sched.resumeThread();
    return false;
  }

  // ---- reports -----------------------------------------------------------------------------

  /** The deadlock error: one line per thread saying what it waits for. */
  deadlock(blocking: SimThread | null): PyException {
    const lines = ['Deadlock: every thread is waiting and none can wake another:'];
    for (const t of this.live) {
      const what = t === blocking ? t.waitingFor : t.state === ThreadState.Waiting ? t.waitingFor : 'running';
      lines.push(`  thread ${t.ident} (${t.name}): ${what}`);
    }
    return raise(RuntimeError, lines.join('\n'));
  }

  /** What a tasklet waits on, for reports: its channel, or the thread's wait. */
  describe(task: Tasklet): string {
    return task.blockedOn !== null ? 'blocked on a channel' : 'runnable';
  }
}
