// The REPL's terminal thread (bundled as dist/repl.cjs, loaded only by `spy` with no file):
// prompts, line editing and history through node:readline, colour, and Ctrl-C. The interpreter
// runs in a worker (repl-worker.ts); this thread stays idle while spy code runs, so a Ctrl-C
// (SIGINT, the terminal being in cooked mode then) can set the flag the eval loop polls.
import { createInterface, emitKeypressEvents, type Interface } from 'node:readline';
import { Worker, MessageChannel } from 'node:worker_threads';
import { readFileSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Slot, type FromWorker, type InputReply, type ReplWorkerData, type ToWorker } from './repl-protocol.js';
import type { PushResult } from './repl-session.js';
import { VERSION } from './version.js';

const PS1 = '>>> ';
const PS2 = '... ';
const HISTORY_SIZE = 1000;

/** ~/.spy_history, or $SPY_HISTORY (empty: no history file), like CPython's ~/.python_history. */
function historyFile(): string | null {
  const env = process.env.SPY_HISTORY;
  if (env !== undefined) return env === '' ? null : env;
  return join(homedir(), '.spy_history');
}

/** History lines, newest first as readline keeps them; a missing or unreadable file is none. */
function loadHistory(file: string | null): string[] {
  if (file === null) return [];
  try {
    return readFileSync(file, 'utf8').split('\n').filter((l) => l !== '').slice(-HISTORY_SIZE).reverse();
  } catch {
    return [];
  }
}

function saveHistory(file: string | null, history: readonly string[]): void {
  if (file === null) return;
  try {
    // readable by its owner only, as GNU readline writes ~/.python_history: lines may hold secrets
    writeFileSync(file, [...history].reverse().join('\n') + '\n', { mode: 0o600 });
  } catch {
    // a read-only home: the session goes on without saving history
  }
}

type State = 'prompt' | 'running' | 'input' | 'over';

/** What node:readline's keypress decoder reports for a key. */
interface Keypress { sequence?: string; name?: string; ctrl?: boolean }

class Terminal {
  private readonly stdin = process.stdin;
  /** where prompts and the line editor go: stdout, or stderr when only that is a terminal (`spy > file`) */
  private readonly stdout = !process.stdout.isTTY && process.stderr.isTTY ? process.stderr : process.stdout;
  private readonly worker: Worker;
  private readonly control = new Int32Array(new SharedArrayBuffer(8));
  private readonly inputPort: MessageChannel['port1'];
  private readonly color: boolean;
  private readonly historyPath = historyFile();
  private history: string[];
  private state: State = 'prompt';
  private rl: Interface | null = null;
  /** the prompt the session waits at when not running: PS1, or PS2 inside a statement */
  private ps = PS1;
  /** id of the input sent last: a Ctrl-C while it runs writes it into the interrupt flag */
  private runId = 0;
  /** Ctrl-C presses that found the previous one still pending (atomic code never checks) */
  private unanswered = 0;
  /** lines typed while code ran (the terminal echoed them), taken before reading new ones */
  private typedAhead: string[] = [];
  /** the unfinished line typed ahead: it becomes the start of the next line edited */
  private partial = '';
  /** standard input ended while code ran */
  private eof = false;
  private done: (code: number) => void = () => undefined;

  constructor() {
    this.color = Boolean(this.stdout.isTTY) && !process.env.NO_COLOR;
    this.history = loadHistory(this.historyPath);
    // keys typed while code runs are decoded even when no line editor is open
    emitKeypressEvents(this.stdin);
    const channel = new MessageChannel();
    this.inputPort = channel.port1;
    const data: ReplWorkerData = {
      control: this.control.buffer as SharedArrayBuffer, input: channel.port2,
      color: Boolean(process.stderr.isTTY) && !process.env.NO_COLOR,
    };
    this.worker = new Worker(join(__dirname, 'repl-worker.cjs'), { workerData: data, transferList: [channel.port2] });
    this.worker.on('message', (msg: FromWorker) => this.fromWorker(msg));
    this.worker.on('error', (e) => {
      process.stderr.write(`spy: the interpreter thread failed: ${e instanceof Error ? e.message : String(e)}\n`);
      this.finish(1);
    });
    this.worker.on('exit', () => {
      if (this.state === 'over') return;
      process.stderr.write('spy: the interpreter thread ended unexpectedly\n');
      this.finish(1);
    });
  }

  run(): Promise<number> {
    return new Promise((resolve) => {
      this.done = resolve;
      process.on('SIGINT', this.onSigint);
      process.stderr.write(`spy ${VERSION} (Stackless Python's execution model in TypeScript) [Node ${process.version}] on ${process.platform}\n`
        + 'Type ":help" for REPL commands; exit() or Ctrl-D leaves.\n');
      this.prompt(PS1);
    });
  }

  private paint(ps: string): string {
    return this.color ? `\x1b[1;35m${ps}\x1b[0m` : ps;
  }

  // ---- reading a line --------------------------------------------------------------------

  /** Shows a prompt and reads a line with the line editor; lines typed ahead come first. */
  private prompt(ps: string): void {
    this.ps = ps;
    this.state = 'prompt';
    const ahead = this.typedAhead.shift();
    if (ahead !== undefined) {
      this.stdout.write(this.paint(ps) + ahead + '\n');
      // into history as if edited (readline skips blank lines and repeats of the last one)
      if (ahead.trim() !== '' && this.history[0] !== ahead) {
        this.history = [ahead, ...this.history].slice(0, HISTORY_SIZE);
        saveHistory(this.historyPath, this.history);
      }
      this.send(ahead);
      return;
    }
    if (this.eof) { this.endOfInput(); return; }
    const rl = this.editor(this.paint(ps), this.history);
    rl.on('history', (h: string[]) => {
      this.history = h;
      saveHistory(this.historyPath, h);
    });
    rl.on('line', (line: string) => {
      // an editor already closed may still hand over the other lines of one chunk: keep them
      if (this.rl !== rl) { this.typedAhead.push(line); return; }
      this.closeEditor();
      this.send(line);
    });
    rl.on('SIGINT', () => {
      // Ctrl-C at a prompt drops what was typed, as CPython's REPL does
      this.closeEditor();
      this.stdout.write('\nKeyboardInterrupt\n');
      this.post({ op: 'reset' });
      this.prompt(PS1);
    });
    rl.on('close', () => {
      if (this.rl !== rl) return; // closed by us, not by Ctrl-D
      this.rl = null;
      this.endOfInput();
    });
  }

  /** A line editor on the terminal (raw mode) with `prompt`; history shared when given. */
  private editor(prompt: string, history: string[] | null): Interface {
    const rl = createInterface({
      input: this.stdin, output: this.stdout, prompt, terminal: true,
      history: history ?? [], historySize: history === null ? 0 : HISTORY_SIZE,
      tabSize: 4,
    });
    this.rl = rl;
    if (this.partial) { rl.write(this.partial); this.partial = ''; }
    rl.prompt();
    return rl;
  }

  private closeEditor(): void {
    const rl = this.rl;
    this.rl = null;
    rl?.close();
  }

  /** Ctrl-D on an empty line: leave at the primary prompt, finish the statement at `... `. */
  private endOfInput(): void {
    this.stdout.write('\n');
    if (this.ps === PS2 && !this.eof) {
      this.startRun({ op: 'finish', runId: ++this.runId });
      return;
    }
    this.finish(0);
  }

  private send(line: string): void {
    this.startRun({ op: 'push', line, runId: ++this.runId });
  }

  // ---- while spy code runs ---------------------------------------------------------------

  /**
   * The terminal goes back to cooked mode while code runs: Ctrl-C is then a SIGINT (onSigint),
   * typed lines are echoed and kept for the next prompt, as with CPython.
   */
  private startRun(msg: ToWorker): void {
    this.state = 'running';
    this.unanswered = 0;
    this.listenWhileRunning(true);
    this.post(msg);
  }

  private listenWhileRunning(on: boolean): void {
    if (on) {
      if (this.stdin.isTTY) this.stdin.setRawMode(false);
      // keypresses, not data: the rest of the chunk that held the Enter (a paste, a quick
      // Ctrl-C) is decoded into keypresses after the line editor has closed, and must not be lost
      this.stdin.on('keypress', this.onTypedAhead);
      this.stdin.on('end', this.onEnd);
      this.stdin.resume();
    } else {
      this.stdin.off('keypress', this.onTypedAhead);
      this.stdin.off('end', this.onEnd);
      this.stdin.pause();
    }
  }

  private readonly onTypedAhead = (s: string | undefined, key: Keypress | undefined): void => {
    const seq = key?.sequence ?? s ?? '';
    if (key?.ctrl && key.name === 'c') {
      // a Ctrl-C typed before the terminal was back in cooked mode arrives as a key, not a signal
      this.stdout.write('^C');
      this.interrupt();
    } else if (seq === '\r' || (seq === '\n' && !this.afterCR)) {
      this.typedAhead.push(this.partial);
      this.partial = '';
    } else if (seq !== '\n' && !seq.startsWith('\x1b') && (seq.length > 1 || seq >= ' ')) {
      this.partial += seq;
    }
    this.afterCR = seq === '\r';
  };
  /** the last key typed ahead was a CR (a CR LF pair is one line end) */
  private afterCR = false;

  private readonly onEnd = (): void => {
    this.eof = true;
  };

  private readonly onSigint = (): void => {
    switch (this.state) {
      case 'running': this.interrupt(); break;
      // at a prompt or in input(), a SIGINT (kill -INT, or a Ctrl-C in cooked mode) is a Ctrl-C
      case 'input': case 'prompt': this.rl?.emit('SIGINT'); break;
      default: break;
    }
  };

  /** Ctrl-C while code runs: flag it for the VM's periodic check (and wake a sleep). */
  private interrupt(): void {
    if (Atomics.load(this.control, Slot.Interrupt) === this.runId) {
      // the last one is still pending: the code runs atomically or inside one long native call
      this.unanswered++;
      if (this.unanswered === 1) {
        process.stderr.write('\nspy: KeyboardInterrupt is pending until the running code reaches a non-atomic check; Ctrl-C again quits spy\n');
      } else {
        process.stderr.write('\nspy: quit with code still running\n');
        this.finish(130);
      }
      return;
    }
    Atomics.store(this.control, Slot.Interrupt, this.runId);
    Atomics.notify(this.control, Slot.Interrupt);
  }

  // ---- the worker ------------------------------------------------------------------------

  private post(msg: ToWorker): void {
    this.worker.postMessage(msg);
  }

  private fromWorker(msg: FromWorker): void {
    if (this.state === 'over') return;
    if (msg.op === 'input') { this.readInput(msg.prompt); return; }
    this.listenWhileRunning(false);
    // the line editor starts by clearing its line: output that did not end one would vanish
    if (msg.midLine) this.stdout.write('\n');
    this.afterInput(msg.result);
  }

  private afterInput(result: PushResult): void {
    if (result.kind === 'exit') { this.finish(result.code); return; }
    this.prompt(result.kind === 'more' ? PS2 : PS1);
  }

  /** input() in spy code: one line through the line editor (without history), or typed ahead. */
  private readInput(prompt: string): void {
    this.listenWhileRunning(false);
    this.state = 'input';
    const ahead = this.typedAhead.shift();
    if (ahead !== undefined) {
      this.stdout.write(prompt + ahead + '\n');
      this.answer({ line: ahead, interrupted: false });
      return;
    }
    if (this.eof) { this.answer({ line: null, interrupted: false }); return; }
    const rl = this.editor(prompt, null);
    rl.on('line', (line: string) => {
      if (this.rl !== rl) { this.typedAhead.push(line); return; }
      this.closeEditor();
      this.answer({ line, interrupted: false });
    });
    rl.on('SIGINT', () => { this.closeEditor(); this.stdout.write('\n'); this.answer({ line: null, interrupted: true }); });
    rl.on('close', () => {
      if (this.rl !== rl) return;
      this.rl = null;
      this.stdout.write('\n');
      this.answer({ line: null, interrupted: false });
    });
  }

  private answer(reply: InputReply): void {
    this.inputPort.postMessage(reply);
    Atomics.store(this.control, Slot.InputReady, 1);
    Atomics.notify(this.control, Slot.InputReady);
    this.state = 'running';
    this.listenWhileRunning(true);
  }

  private finish(code: number): void {
    if (this.state === 'over') return;
    this.state = 'over';
    this.closeEditor();
    this.listenWhileRunning(false);
    if (this.stdin.isTTY) this.stdin.setRawMode(false);
    process.off('SIGINT', this.onSigint);
    this.inputPort.close();
    void this.worker.terminate().then(() => this.done(code));
  }
}

/** Runs the interactive REPL on the terminal until exit; resolves to the exit status. */
export function startRepl(): Promise<number> {
  return new Terminal().run();
}
