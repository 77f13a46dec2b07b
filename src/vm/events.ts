// Scheduling events for `spy trace` and its timeline (DESIGN.md: every part can be watched).
// The VM emits them only when a sink is installed (`vm.events`); with none, each emission site
// costs one null test, and none of them is in the instruction loop.
import type { Tasklet } from './tasklet.js';
import type { SimThread } from './threads.js';
import type { Value } from './values.js';

export type SchedEvent =
  | { kind: 'switch'; thread: SimThread; from: Tasklet; to: Tasklet; why: string }
  | { kind: 'channel'; thread: SimThread; tasklet: Tasklet; channel: object; sending: boolean; value: Value; partner: Tasklet | null; decision: string }
  | { kind: 'tempval'; thread: SimThread; tasklet: Tasklet; value: Value; action: 'store' | 'claim' }
  | { kind: 'atomic'; thread: SimThread; tasklet: Tasklet; atomic: boolean }
  | { kind: 'gil'; from: SimThread; to: SimThread; why: string }
  | { kind: 'thread'; thread: SimThread; action: 'start' | 'end' }
  | { kind: 'timer'; thread: SimThread; at: number }
  | { kind: 'watchdog'; thread: SimThread; tasklet: Tasklet };

export type EventSink = (e: SchedEvent) => void;
