// Regenerates the expected output of the Stackless golden programs (test/golden/stackless/) by
// running each under real Stackless Python 3.7.9, the oracle for the `stackless` module:
// `node test/tools/regen-stackless.mjs [files or folders…]` (default: test/golden/stackless and
// the example programs/stackless_*.spy).
// Same conventions as regen.mjs: for foo.spy it writes foo.out (stdout, always), foo.err (stderr,
// only when non-empty) and foo.code (exit code, only when non-zero); foo.in is fed as stdin, foo.args
// lines become argv. Programs run from the repo root by their relative path, so tracebacks read
// `File "test/golden/stackless/foo.spy"`; an absolute `File "<repo root>/` is rewritten anyway.
// Stackless 3.7 tracebacks have no carets and no "Did you mean" hints.
// The oracle is /work/shared/tools/stackless-python (override with STACKLESS_PYTHON); build it with
// its --build option first. Run by hand after adding or changing a program, never by CI.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { regenerate, root } from './golden-io.mjs';

const oracle = process.env.STACKLESS_PYTHON ?? '/work/shared/tools/stackless-python';

// Refuse to run without the oracle: expectations are never written by hand or by another Python.
const where = spawnSync(oracle, ['--where'], { encoding: 'utf8' });
if (where.error || where.status !== 0) {
  const why = where.error ? where.error.message : (where.stderr || where.stdout || '').trim() || `exit ${where.status}`;
  console.error(`regen-stackless: refusing to run: ${oracle} --where failed (${why}); build the oracle first`);
  process.exit(2);
}
const python = where.stdout.trim();
const probe = spawnSync(python, ['-c', 'import sys, stackless; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8' });
if (probe.status !== 0 || probe.stdout.trim() !== '3.7') {
  console.error(`regen-stackless: refusing to run: ${python} is not Stackless Python 3.7 (${(probe.stderr || probe.stdout).trim()})`);
  process.exit(2);
}

const examples = readdirSync(join(root, 'programs')).filter((f) => f.startsWith('stackless_') && f.endsWith('.spy')).sort();
regenerate({
  name: 'regen-stackless', python, flags: ['-B'], targets: process.argv.slice(2),
  defaults: ['test/golden/stackless', ...examples.map((f) => `programs/${f}`)], timeout: 60_000,
});
