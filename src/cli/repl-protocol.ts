// The messages between the REPL's terminal thread (repl.ts) and its interpreter thread
// (repl-worker.ts), and the slots of the array they share. Types and constants only, so that
// either side can import it without loading the other.
import type { MessagePort } from 'node:worker_threads';
import type { PushResult } from './repl-session.js';

/** Slots of the shared control array. */
export const enum Slot {
  /** the VM's interrupt flag: 0, or the id of the run a Ctrl-C interrupts */
  Interrupt = 0,
  /** set by the main thread once an answer to an input() request waits on the input port */
  InputReady = 1,
}

export interface ReplWorkerData {
  /** Int32Array slots (Slot) on a SharedArrayBuffer */
  control: SharedArrayBuffer;
  /** where answers to input() requests arrive */
  input: MessagePort;
  color: boolean;
}

/** Main thread to worker: a typed line (with the id a Ctrl-C aimed at it will carry), Ctrl-D at `... `, Ctrl-C at a prompt. */
export type ToWorker = { op: 'push'; line: string; runId: number } | { op: 'finish'; runId: number } | { op: 'reset' };
/**
 * Worker to main thread: an input is done (`midLine`: its output did not end a line, so the
 * prompt goes on a new one), or input() wants a line (the answer comes on the input port).
 */
export type FromWorker = { op: 'result'; result: PushResult; midLine: boolean } | { op: 'input'; prompt: string };
/** The answer to an input request: the line without its newline, null at end of input, or Ctrl-C. */
export interface InputReply { line: string | null; interrupted: boolean }

