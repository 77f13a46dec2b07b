// Regenerates the expected output of the golden programs by running each with CPython 3.11, the
// oracle: `node test/tools/regen.mjs [files or folders…]` (default: test/golden and programs).
// For foo.spy it writes foo.out (stdout, always), foo.err (stderr, only when non-empty) and
// foo.code (exit code, only when non-zero); foo.in is fed as stdin, foo.args lines become argv.
// CPython 3.9+ makes the script's path absolute in tracebacks; spy prints the path it was given,
// so `File "<repo root>/` is rewritten to `File "` in the captured output.
// Programs of the Stackless oracle (test/golden/stackless/, programs/stackless_*) are left to
// regen-stackless.mjs. Run by hand after adding or changing a program, never by CI.
import { spawnSync } from 'node:child_process';
import { regenerate } from './golden-io.mjs';

const python = process.env.PYTHON ?? 'python3';
const REQUIRED = '3.11';

// The goldens must be stable: another minor version words errors and tracebacks differently.
const probe = spawnSync(python, ['-c', 'import sys; print("%d.%d" % sys.version_info[:2])'], { encoding: 'utf8' });
const version = (probe.stdout ?? '').trim();
if (probe.status !== 0 || version !== REQUIRED) {
  console.error(`regen: refusing to run: ${python} is ${version || 'not runnable'}, the goldens need CPython ${REQUIRED}`);
  process.exit(2);
}

regenerate({
  name: 'regen', python, flags: ['-X', 'no_debug_ranges', '-B'], targets: process.argv.slice(2),
  // call_async_downloads uses spy's own stacklesslib: no oracle runs it (test/unit/programs.test.ts checks it)
  defaults: ['test/golden', 'programs'], exclude: ['test/golden/stackless/', 'programs/stackless_', 'programs/call_async_downloads'], timeout: 120_000,
});
