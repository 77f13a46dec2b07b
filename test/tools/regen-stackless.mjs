// Regenerates the expected output of the Stackless golden programs (test/golden/stackless/) by
// running each under real Stackless Python 3.7.9, the oracle for the `stackless` module:
// `node test/tools/regen-stackless.mjs [files or folders…]` (default: test/golden/stackless).
// Same conventions as regen.mjs: for foo.spy it writes foo.out (stdout, always), foo.err (stderr,
// only when non-empty) and foo.code (exit code, only when non-zero); foo.in is fed as stdin, foo.args
// lines become argv. Programs run from the repo root by their relative path, so tracebacks read
// `File "test/golden/stackless/foo.spy"`; an absolute `File "<repo root>/` is rewritten anyway.
// Stackless 3.7 tracebacks have no carets and no "Did you mean" hints.
// The oracle is /work/shared/tools/stackless-python (override with STACKLESS_PYTHON); build it with
// its --build option first. Run by hand after adding or changing a program, never by CI.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const shim = join(root, 'test', 'tools', 'pyshim');
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

/** Every runnable program below `p` (a file or a folder); names starting with `_` are helpers. */
function collect(p, out) {
  const st = statSync(p);
  if (st.isDirectory()) {
    for (const name of readdirSync(p).sort()) collect(join(p, name), out);
  } else if (p.endsWith('.spy') && !basename(p).startsWith('_')) {
    out.push(p);
  }
  return out;
}

const targets = process.argv.slice(2);
const roots = targets.length > 0 ? targets.map((t) => resolve(t)) : [join(root, 'test', 'golden', 'stackless')];
const files = [];
for (const r of roots) {
  if (!existsSync(r)) { console.error(`regen-stackless: no such file or folder: ${r}`); process.exit(2); }
  collect(r, files);
}

const env = {
  ...process.env,
  PYTHONHASHSEED: '0',
  PYTHONDONTWRITEBYTECODE: '1',
  PYTHONIOENCODING: 'utf-8',
  PYTHONPATH: shim,
};
delete env.PYTHONSTARTUP;
delete env.PYTHONWARNINGS;

/** Writes `text` to `path`, or removes `path` when `keep` is false. */
function put(path, text, keep) {
  if (keep) writeFileSync(path, text);
  else if (existsSync(path)) unlinkSync(path);
}

/** `File "/abs/repo/test/x.spy"` → `File "test/x.spy"`, as spy reports a file run by relative path. */
const absPrefix = 'File "' + root + sep;
function relativize(text) {
  return text.split(absPrefix).join('File "');
}

let failures = 0;
for (const abs of files) {
  const rel = relative(root, abs).split(sep).join('/');
  const stem = abs.slice(0, -'.spy'.length);
  const input = existsSync(stem + '.in') ? readFileSync(stem + '.in', 'utf8') : '';
  const args = existsSync(stem + '.args')
    ? readFileSync(stem + '.args', 'utf8').split('\n').filter((line, i, all) => !(line === '' && i === all.length - 1))
    : [];
  const r = spawnSync(python, ['-B', rel, ...args], {
    cwd: root, env, input, encoding: 'utf8', timeout: 60_000, maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) { console.error(`regen-stackless: ${rel}: ${r.error.message}`); failures++; continue; }
  if (r.signal) { console.error(`regen-stackless: ${rel}: killed by ${r.signal}`); failures++; continue; }
  const code = r.status ?? 1;
  const stdout = relativize(r.stdout);
  const stderr = relativize(r.stderr);
  writeFileSync(stem + '.out', stdout);
  put(stem + '.err', stderr, stderr !== '');
  put(stem + '.code', `${code}\n`, code !== 0);
  console.log(`${code === 0 ? '  ' : String(code).padStart(2)} ${rel}`);
}
console.log(`regen-stackless: ${files.length - failures} program(s) regenerated${failures ? `, ${failures} failed to run` : ''}`);
process.exit(failures ? 1 : 0);
