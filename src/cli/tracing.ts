// Sets up `spy trace` for a run: the instruction and event lines (trace.ts) to stderr or a file,
// and the timeline (timeline.ts). Output is buffered: a trace is millions of lines.
import { openSync, closeSync } from 'node:fs';
import type { VM } from '../vm/interp.js';
import type { SchedEvent } from '../vm/events.js';
import { Trace, TraceFilter, Paint, NO_PAINT } from './trace.js';
import { Timeline } from './timeline.js';
import { writeAll } from './host.js';

export interface TraceOptions {
  filter: TraceFilter;
  /** a file for the lines instead of stderr */
  output?: string;
  /** a file for the Chrome trace event JSON */
  timeline?: string;
  /** no lines at all (only a timeline was asked for) */
  quiet?: boolean;
}

const FLUSH_AT = 1 << 20;

/** Installs the tracer on vm; the returned function flushes and closes everything. */
export function startTrace(vm: VM, opts: TraceOptions): () => void {
  const fd = opts.output !== undefined ? openSync(opts.output, 'w') : 2;
  // opened now, so that a path that cannot be written fails before the program runs
  const timelineFd = opts.timeline !== undefined ? openSync(opts.timeline, 'w') : null;
  // lines are encoded straight into one buffer: cheaper than growing a string to flush
  const buf = Buffer.allocUnsafe(FLUSH_AT);
  let used = 0;
  const flush = (): void => {
    if (used > 0) { writeAll(fd, buf.subarray(0, used)); used = 0; }
  };
  const out = (text: string): void => {
    if (used + text.length * 3 > FLUSH_AT) {
      flush();
      if (text.length * 3 > FLUSH_AT) { writeAll(fd, Buffer.from(text, 'utf8')); return; }
    }
    used += buf.write(text, used);
  };
  const colour = opts.output === undefined && Boolean(process.stderr.isTTY) && !process.env.NO_COLOR;
  const paint: Paint = colour
    ? { op: (s) => `\x1b[1m${s}\x1b[22m`, event: (s) => `\x1b[36m${s}\x1b[39m`, dim: (s) => `\x1b[2m${s}\x1b[22m` }
    : NO_PAINT;
  const filter = opts.quiet ? { ...opts.filter, eventsOnly: true, maxSteps: 0 } : opts.filter;
  const trace = new Trace(vm, out, filter, paint);
  const timeline = opts.timeline !== undefined ? new Timeline((t) => `t${trace.id(t)}`, vm.threads.main) : null;
  vm.tracer = trace.instruction;
  vm.events = timeline === null ? trace.event : (e: SchedEvent) => { trace.event(e); timeline.event(e, trace.step); };
  return () => {
    flush();
    if (fd !== 2) closeSync(fd);
    if (timeline !== null && timelineFd !== null) {
      writeAll(timelineFd, timeline.finish(trace.step));
      closeSync(timelineFd);
    }
  };
}
