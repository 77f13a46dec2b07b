// The REPL's interpreter thread (bundled as dist/repl-worker.cjs): a ReplSession run in a
// worker_threads Worker, so that the main thread (repl.ts) stays free to own the terminal and to
// set the interrupt flag on Ctrl-C while spy code runs — a thread busy in the eval loop cannot
// see SIGINT itself. Output goes straight to fds 1 and 2; input() asks the main thread.
import { parentPort, workerData, receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import { ProcessHost } from './host.js';
import { ReplSession, type PushResult } from './repl-session.js';
import { Slot, type ReplWorkerData, type ToWorker, type FromWorker, type InputReply } from './repl-protocol.js';
import { newException, KeyboardInterrupt } from '../vm/errors.js';

/**
 * The process host with a terminal's manners: stdout is line-buffered (output shows as it is
 * printed, as CPython's does on a TTY), input() hands its prompt to the main thread's line
 * editor, and sleep() wakes up for Ctrl-C.
 */
class ReplHost extends ProcessHost {
  /** stdout text after the last newline: the prompt, when input() comes next */
  private partial = '';
  /** the last text written (stdout or stderr) did not end its line */
  midLine = false;

  constructor(private readonly control: Int32Array, private readonly input: MessagePort) {
    super();
  }

  override write(stream: 'stdout' | 'stderr', text: string): void {
    if (text !== '') this.midLine = !text.endsWith('\n');
    if (stream === 'stderr') {
      this.flushPartial();
      super.write('stderr', text);
      return;
    }
    const nl = text.lastIndexOf('\n');
    if (nl < 0) {
      this.partial += text;
      return;
    }
    super.write('stdout', this.partial + text.slice(0, nl + 1));
    this.partial = text.slice(nl + 1);
    this.flushOut();
  }

  private flushPartial(): void {
    if (this.partial) super.write('stdout', this.partial);
    this.partial = '';
  }

  override flush(): void {
    this.flushPartial();
    super.flush();
  }

  override readLine(): string | null {
    this.takeInterrupt();
    const prompt = this.partial;
    this.partial = '';
    this.midLine = false;
    super.flush();
    const ask: FromWorker = { op: 'input', prompt };
    (parentPort as MessagePort).postMessage(ask);
    let reply: InputReply | undefined;
    while (reply === undefined) {
      Atomics.wait(this.control, Slot.InputReady, 0);
      reply = receiveMessageOnPort(this.input)?.message as InputReply | undefined;
    }
    Atomics.store(this.control, Slot.InputReady, 0);
    if (reply.interrupted) throw newException(KeyboardInterrupt);
    return reply.line === null ? null : reply.line + '\n';
  }

  override sleep(s: number): void {
    this.flush();
    const until = Date.now() + s * 1000;
    for (;;) {
      this.takeInterrupt();
      const left = until - Date.now();
      if (left <= 0) return;
      Atomics.wait(this.control, Slot.Interrupt, 0, left);
    }
  }

  /** A pending Ctrl-C raises KeyboardInterrupt here, as a blocking call in CPython would. */
  private takeInterrupt(): void {
    if (Atomics.load(this.control, Slot.Interrupt) !== 0) {
      Atomics.store(this.control, Slot.Interrupt, 0);
      throw newException(KeyboardInterrupt);
    }
  }
}

function start(): void {
  const data = workerData as ReplWorkerData;
  const port = parentPort as MessagePort;
  const control = new Int32Array(data.control);
  const host = new ReplHost(control, data.input);
  const session = new ReplSession(host, { color: data.color, interrupt: control });
  port.on('message', (msg: ToWorker) => {
    host.midLine = false;
    let result: PushResult;
    try {
      if (msg.op === 'reset') { session.reset(); return; }
      result = msg.op === 'push' ? session.push(msg.line, msg.runId) : session.finish(msg.runId);
    } catch (e) {
      // a bug in spy itself: say so in one line and go back to the prompt
      session.reset();
      host.write('stderr', `spy: internal error: ${e instanceof Error ? e.message : String(e)}\n`);
      host.flush();
      result = { kind: 'done' };
    }
    const reply: FromWorker = { op: 'result', result, midLine: host.midLine };
    port.postMessage(reply);
  });
}

start();
