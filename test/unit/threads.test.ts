// Simulated threads across seeds: the seed's race (programs/stackless_seed_race.spy) shows up only with
// --legacy-atomic, where atomic does not hold the GIL; with the fix no seed breaks the lock.
// Runs are pure functions of their seed.
import { describe, it, expect } from 'vitest';
import { runFile } from '../../src/index.js';

const SEEDS = Array.from({ length: 24 }, (_, i) => i);
const RACE = 'programs/stackless_seed_race.spy';
const CORRECT = 'counter 600 of 600\nmost tasklets inside the lock at once: 1\nmutual exclusion held: True\n';

describe('the seed race over many seeds', () => {
  it('with atomic holding the GIL, every seed keeps mutual exclusion and loses no update', () => {
    for (const seed of SEEDS) {
      expect(runFile({ file: RACE, seed }), `seed ${seed}`).toEqual({ stdout: CORRECT, stderr: '', exitCode: 0 });
    }
  });

  it('with --legacy-atomic, seeds break the lock: updates are lost or two tasklets hold it', () => {
    const broken = SEEDS.filter((seed) => runFile({ file: RACE, seed, legacyAtomic: true }).stdout !== CORRECT);
    // the race is not a rare event here: the GIL changes hands inside atomic at every check
    expect(broken.length).toBeGreaterThan(SEEDS.length / 2);
  });

  it('a seed replays the same interleaving, byte for byte', () => {
    for (const seed of [3, 11]) {
      const a = runFile({ file: RACE, seed, legacyAtomic: true });
      const b = runFile({ file: RACE, seed, legacyAtomic: true });
      expect(b).toEqual(a);
    }
  });

  it('different seeds choose different interleavings', () => {
    const outs = new Set(SEEDS.slice(0, 8).map((seed) => runFile({ file: RACE, seed, legacyAtomic: true }).stdout));
    expect(outs.size).toBeGreaterThan(1);
  });
});
