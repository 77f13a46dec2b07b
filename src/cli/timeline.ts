// `spy trace --timeline out.json`: the run in the Chrome / Perfetto trace event format. One track
// per simulated thread; a slice for each tasklet's turn; flow arrows from a channel send to where
// the value is claimed; markers where the GIL changes hands and where the watchdog interrupts.
// Time is the instruction step (shown as microseconds): runs are deterministic, so is the file.
import type { SchedEvent } from '../vm/events.js';
import type { Tasklet } from '../vm/tasklet.js';
import type { SimThread } from '../vm/threads.js';

/** One entry of traceEvents, as chrome://tracing and Perfetto read them. */
export interface TraceEvent {
  ph: 'X' | 'M' | 'i' | 's' | 'f';
  name: string;
  pid: number;
  tid: number;
  ts?: number;
  dur?: number;
  id?: number;
  cat?: string;
  s?: 't' | 'p' | 'g';
  bp?: 'e';
  args?: Record<string, string | number>;
}

const PID = 1;

interface OpenSlice { tasklet: Tasklet; start: number }

export class Timeline {
  readonly events: TraceEvent[] = [];
  /** per thread ident: the tasklet whose turn is being drawn, while the thread holds the GIL */
  private readonly open = new Map<number, OpenSlice>();
  /** values in flight: the flow that their claim ends */
  private readonly flows = new Map<Tasklet, number>();
  /** where a blocked sender stood when it blocked, for the arrow a later receive draws */
  private readonly blockedSends = new Map<Tasklet, { tid: number; ts: number }>();
  private nextFlow = 1;

  constructor(private readonly name: (t: Tasklet) => string, main: SimThread) {
    this.events.push({ ph: 'M', name: 'process_name', pid: PID, tid: 0, args: { name: 'spy' } });
    this.threadStarted(main);
    this.open.set(main.ident, { tasklet: main.sched.current, start: 0 });
  }

  private threadStarted(t: SimThread): void {
    this.events.push({ ph: 'M', name: 'thread_name', pid: PID, tid: t.ident, args: { name: `T${t.ident} ${t.name}` } });
  }

  private close(tid: number, ts: number): void {
    const slice = this.open.get(tid);
    if (slice === undefined) return;
    this.open.delete(tid);
    if (ts > slice.start) this.events.push({ ph: 'X', name: this.name(slice.tasklet), cat: 'tasklet', pid: PID, tid, ts: slice.start, dur: ts - slice.start });
  }

  private begin(tid: number, tasklet: Tasklet, ts: number): void {
    this.close(tid, ts);
    this.open.set(tid, { tasklet, start: ts });
  }

  private marker(tid: number, ts: number, name: string, cat: string): void {
    this.events.push({ ph: 'i', s: 't', name, cat, pid: PID, tid, ts });
  }

  /** Records one scheduling event at instruction step `ts`. */
  event(e: SchedEvent, ts: number): void {
    switch (e.kind) {
      case 'switch': this.begin(e.thread.ident, e.to, ts); break;
      case 'gil':
        this.marker(e.from.ident, ts, `GIL -> T${e.to.ident} (${e.why})`, 'gil');
        this.close(e.from.ident, ts);
        this.begin(e.to.ident, e.to.sched.current, ts);
        break;
      case 'thread':
        if (e.action === 'start') this.threadStarted(e.thread);
        else this.close(e.thread.ident, ts);
        break;
      case 'watchdog': this.marker(e.thread.ident, ts, `watchdog interrupts ${this.name(e.tasklet)}`, 'watchdog'); break;
      case 'timer': this.marker(e.thread.ident, ts, 'timer', 'timer'); break;
      case 'atomic': this.marker(e.thread.ident, ts, `atomic = ${e.atomic ? 1 : 0}`, 'atomic'); break;
      case 'channel': this.channel(e, ts); break;
      case 'tempval':
        if (e.action === 'claim') {
          const id = this.flows.get(e.tasklet);
          if (id !== undefined) {
            this.flows.delete(e.tasklet);
            this.events.push({ ph: 'f', bp: 'e', name: 'channel', cat: 'channel', id, pid: PID, tid: e.thread.ident, ts });
          }
        }
        break;
    }
  }

  private channel(e: Extract<SchedEvent, { kind: 'channel' }>, ts: number): void {
    const tid = e.thread.ident;
    if (e.partner === null) {
      if (e.sending) this.blockedSends.set(e.tasklet, { tid, ts });
      return;
    }
    const id = this.nextFlow++;
    if (e.sending) {
      // the arrow ends where the receiver claims the value, on its own thread, maybe much later
      this.events.push({ ph: 's', name: 'channel', cat: 'channel', id, pid: PID, tid, ts });
      this.flows.set(e.partner, id);
    } else {
      const from = this.blockedSends.get(e.partner) ?? { tid, ts };
      this.blockedSends.delete(e.partner);
      this.events.push({ ph: 's', name: 'channel', cat: 'channel', id, pid: PID, tid: from.tid, ts: from.ts });
      this.events.push({ ph: 'f', bp: 'e', name: 'channel', cat: 'channel', id, pid: PID, tid, ts });
    }
  }

  /** The JSON text, every slice closed at `end`. */
  finish(end: number): string {
    for (const tid of [...this.open.keys()]) this.close(tid, end);
    return JSON.stringify({ traceEvents: this.events, displayTimeUnit: 'ns', otherData: { clock: 'instruction steps' } });
  }
}
