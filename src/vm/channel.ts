// Channels (DESIGN.md decision 5): a sender that finds a waiting receiver stores the value in
// the receiver's tempval and makes it runnable; the receiver claims it when it is switched in.
// A blocked sender keeps its value in its own tempval until a receiver takes it.
import { PyClass, PyObject, Value, PENDING, PyException, nativeClass } from './values.js';
import { raise, RuntimeError, ValueError } from './errors.js';
import { Tasklet, Scheduler, Resume } from './tasklet.js';
import type { EventSink } from './events.js';

export const channelType = nativeClass('channel', '_stackless');

export class Channel extends PyObject {
  cls: PyClass;
  dict: Map<string, Value> | null = null;
  /** blocked tasklets, FIFO; all senders (balance > 0) or all receivers (balance < 0) */
  readonly waiting = new WaitQueue();
  /** −1 prefer the receiver (default), 1 prefer the sender, 0 neither */
  preference = -1;
  scheduleAll = false;
  closing = false;

  constructor(cls?: PyClass) {
    super();
    this.cls = cls ?? channelType;
  }

  /** > 0: that many senders wait; < 0: receivers */
  get balance(): number {
    return this.sendersWaiting ? this.waiting.length : -this.waiting.length;
  }

  /** whether the waiting tasklets are senders (they all wait the same way) */
  get sendersWaiting(): boolean {
    const first = this.waiting.first();
    return first !== undefined && first.blockedSending;
  }
}

/**
 * A FIFO of tasklets as an array with a moving head: taking the first is O(1) however many wait
 * (Array.shift moves them all once V8 stops optimising it, which made 100k parked tasklets slow).
 */
export class WaitQueue {
  private items: (Tasklet | undefined)[] = [];
  private head = 0;

  get length(): number {
    return this.items.length - this.head;
  }

  first(): Tasklet | undefined {
    return this.items[this.head];
  }

  /** the i-th waiter from the front */
  at(i: number): Tasklet | undefined {
    return i >= 0 ? this.items[this.head + i] : undefined;
  }

  push(t: Tasklet): void {
    this.items.push(t);
  }

  shift(): Tasklet | undefined {
    if (this.head >= this.items.length) return undefined;
    const t = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head === this.items.length) { this.items = []; this.head = 0; }
    else if (this.head > 1024 && this.head * 2 > this.items.length) { this.items = this.items.slice(this.head); this.head = 0; }
    return t;
  }

  indexOf(t: Tasklet): number {
    const i = this.items.indexOf(t, this.head);
    return i < 0 ? -1 : i - this.head;
  }

  removeAt(i: number): void {
    this.items.splice(this.head + i, 1);
  }
}

/**
 * One send or receive on `ch` by the current tasklet. `value` is what a sender sends (or the
 * exception it throws, with `isThrow`). Returns the received value, None for a send, or
 * PENDING after switching away.
 */
export function channelAction(sched: Scheduler, ch: Channel, sending: boolean, value: Value, isThrow: boolean): Value | typeof PENDING {
  const cur = sched.current;
  const partnerWaits = ch.waiting.length > 0 && ch.sendersWaiting !== sending;
  const callback = sched.vm.threads.channelCallback;
  if (callback !== null) sched.vm.callNested(callback, [ch, cur, sending ? 1 : 0, partnerWaits ? 0 : 1]);
  if (partnerWaits) {
    const partner = ch.waiting.shift() as Tasklet;
    if (sched.vm.events !== null) event(sched, ch, cur, sending, value, partner, decide(sched, ch, partner, sending));
    partner.blockedOn = null;
    homeOf(sched, partner).blockedCount--;
    let result: Value = null;
    if (sending) {
      partner.tempval = value;
      partner.resume = isThrow ? Resume.Throw : Resume.Value;
      if (sched.vm.events !== null) sched.vm.events({ kind: 'tempval', thread: sched.thread, tasklet: partner, value, action: 'store' });
    } else {
      result = partner.tempval;
      const threw = partner.resume === Resume.Throw;
      partner.tempval = null;
      partner.resume = Resume.Value;
      if (threw) {
        wake(sched, ch, cur, partner, sending);
        throw result as PyException;
      }
    }
    return wake(sched, ch, cur, partner, sending, result);
  }
  if (ch.closing) throw raise(ValueError, 'Send/receive operation on a closed channel');
  if (cur.blockTrap) throw raise(RuntimeError, 'this tasklet does not like to be blocked.');
  const runCaller = sched.runCaller;
  const target = sched.pickNextChecked(true, true);
  if (target === null && !sched.canIdle()) throw sched.deadlock();
  if (isThrow && target !== null && target === runCaller) {
    // Stackless: a send_exception that blocks the last runnable tasklet raises in run()'s caller
    target.tempval = value;
    target.resume = Resume.Throw;
  }
  if (sched.vm.events !== null) event(sched, ch, cur, sending, value, null, `blocks (balance ${ch.balance + (sending ? 1 : -1)})`);
  ch.waiting.push(cur);
  cur.blockedOn = ch;
  cur.blockedSending = sending;
  sched.blockedCount++;
  if (sending) {
    cur.tempval = value;
    cur.resume = isThrow ? Resume.Throw : Resume.None;
  } else {
    cur.tempval = null;
    cur.resume = Resume.None;
  }
  sched.remove(cur);
  if (target === null) return sched.idle(`a tasklet ${sending ? 'sending' : 'receiving'} on a channel`);
  return sched.switchTo(target, 'channel block');
}

/** How a handoff goes on, in words, for the trace: who runs next. */
function decide(sched: Scheduler, ch: Channel, partner: Tasklet, sending: boolean): string {
  if (partner.home !== sched) return 'handoff to another thread: it runs there later';
  if (ch.scheduleAll) return 'handoff, schedule_all: both go to the end of the queue';
  const partnerFirst = sending ? ch.preference < 0 : ch.preference > 0;
  return partnerFirst ? `handoff, preference ${ch.preference}: the ${sending ? 'receiver' : 'sender'} runs now` : `handoff, preference ${ch.preference}: the ${sending ? 'sender' : 'receiver'} goes on`;
}

function event(sched: Scheduler, ch: Channel, cur: Tasklet, sending: boolean, value: Value, partner: Tasklet | null, decision: string): void {
  (sched.vm.events as EventSink)({ kind: 'channel', thread: sched.thread, tasklet: cur, channel: ch, sending, value: sending ? value : partner?.tempval ?? null, partner, decision });
}

function homeOf(sched: Scheduler, t: Tasklet): Scheduler {
  return t.home ?? sched;
}

/** Puts the woken partner back in the ring as the channel's preference says. */
function wake(sched: Scheduler, ch: Channel, cur: Tasklet, partner: Tasklet, sending: boolean, result: Value = null): Value | typeof PENDING {
  if (partner.home !== sched) {
    // another thread's tasklet becomes runnable there; this one never switches to it
    sched.insert(partner);
    return result;
  }
  const partnerFirst = ch.scheduleAll ? false : sending ? ch.preference < 0 : ch.preference > 0;
  if (ch.scheduleAll) {
    sched.insert(partner);
    return sched.schedule(result, false);
  }
  if (!partnerFirst) {
    sched.insert(partner);
    return result;
  }
  // the partner runs now; the caller goes last
  sched.insertAfter(sched.current, partner);
  return sched.schedule(result, false);
}

