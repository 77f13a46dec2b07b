// Lock tests across seeds: test/golden/threads/lock_suite.spy prints what CPython prints with
// threading's locks; spy must print exactly that with threading and with stacklesslib.locks as a
// drop-in replacement, whatever the seed's scheduling. Then tasklets on several threads hammer
// stacklesslib's locks.
import { readFileSync } from 'node:fs';
import { describe, it, expect } from 'vitest';
import { runFile } from '../../src/index.js';

const SEEDS = Array.from({ length: 12 }, (_, i) => i);
const SUITE = 'test/golden/threads/lock_suite.spy';
const expected = readFileSync(SUITE.replace(/\.spy$/, '.out'), 'utf8');

describe('the lock suite across seeds', () => {
  for (const variant of ['threading', 'stacklesslib']) {
    it(`${variant}: every seed prints what CPython printed for threading`, () => {
      for (const seed of SEEDS) {
        const argv = variant === 'threading' ? [] : ['stacklesslib'];
        expect(runFile({ file: SUITE, argv, seed }), `seed ${seed}`).toEqual({ stdout: expected, stderr: '', exitCode: 0 });
      }
    });
  }
});

const HAMMER = `
import stackless, threading
from stacklesslib import locks

def hammer(lock, limit, threads=3, tasklets=4, rounds=40):
    state = {"n": 0, "inside": 0, "most": 0}
    def work():
        for i in range(rounds):
            with lock:
                with stackless.atomic():    # holders of a semaphore overlap: bookkeeping is atomic
                    state["inside"] += 1
                    state["most"] = max(state["most"], state["inside"])
                v = state["n"]              # a lost update if a lock let two in
                for k in range(8):
                    pass
                if i % 3 == 0:
                    stackless.schedule()
                with stackless.atomic():
                    state["n"] = v + 1 if limit == 1 else state["n"] + 1
                    state["inside"] -= 1
    def thread_main():
        done = stackless.channel()
        done.preference = 1
        for t in range(tasklets):
            stackless.tasklet(lambda: (work(), done.send(None)))()
        for t in range(tasklets):
            done.receive()
    ths = [threading.Thread(target=thread_main) for t in range(threads)]
    for t in ths:
        t.start()
    for t in ths:
        t.join()
    print(type(lock).__name__, state["n"] == threads * tasklets * rounds, state["most"] <= limit)

hammer(locks.Lock(), 1)
hammer(locks.RLock(), 1)
hammer(locks.Semaphore(2), 2)
hammer(locks.BoundedSemaphore(3), 3)
`;

describe('tasklets on many threads hammering stacklesslib locks', () => {
  it('no update is lost and no more holders than allowed, for every seed', () => {
    for (const seed of SEEDS) {
      expect(runFile({ file: 'hammer.spy', source: HAMMER, seed }), `seed ${seed}`).toEqual({
        stdout: 'Lock True True\nRLock True True\nSemaphore True True\nBoundedSemaphore True True\n', stderr: '', exitCode: 0,
      });
    }
  });
});
