// The run loop both regen scripts share: find the programs, run each under an oracle from the
// repo root with its .in/.args, and write foo.out / foo.err / foo.code by the golden conventions
// (err and code only when non-empty / non-zero). Never run by CI.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

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

/** Writes `text` to `path`, or removes `path` when `keep` is false. */
function put(path, text, keep) {
  if (keep) writeFileSync(path, text);
  else if (existsSync(path)) unlinkSync(path);
}

/**
 * Regenerates the expected files of the programs under `targets` (or `defaults`, repo-relative)
 * by running `python ...flags program args`. `exclude` holds repo-relative path prefixes another
 * oracle owns (`test/golden/stackless/`, `programs/stackless_`): programs there are always
 * skipped, even when named, with a note. Exits the process with 0, 1 (a program failed to run)
 * or 2 (a target does not exist).
 */
export function regenerate({ name, python, flags, targets, defaults, exclude = [], timeout }) {
  const roots = targets.length > 0 ? targets.map((t) => resolve(t)) : defaults.map((d) => join(root, d));
  const skip = exclude.map((d) => join(root, d));
  const found = [];
  for (const r of roots) {
    if (!existsSync(r)) { console.error(`${name}: no such file or folder: ${r}`); process.exit(2); }
    collect(r, found);
  }
  // leave programs another oracle owns alone: CPython has no `stackless` module
  const foreign = found.filter((f) => skip.some((s) => f.startsWith(s)));
  const files = found.filter((f) => !foreign.includes(f));
  if (foreign.length > 0) console.log(`${name}: left ${foreign.length} program(s) of another oracle alone (${exclude.join(', ')})`);
  const env = {
    ...process.env,
    PYTHONHASHSEED: '0',
    PYTHONDONTWRITEBYTECODE: '1',
    PYTHONIOENCODING: 'utf-8',
    PYTHONPATH: join(root, 'test', 'tools', 'pyshim'),
  };
  delete env.PYTHONSTARTUP;
  delete env.PYTHONWARNINGS;
  // `File "/abs/repo/test/x.spy"` → `File "test/x.spy"`, as spy reports a file run by relative path
  const absPrefix = 'File "' + root + sep;
  const relativize = (text) => text.split(absPrefix).join('File "');

  let failures = 0;
  for (const abs of files) {
    const rel = relative(root, abs).split(sep).join('/');
    const stem = abs.slice(0, -'.spy'.length);
    const input = existsSync(stem + '.in') ? readFileSync(stem + '.in', 'utf8') : '';
    const args = existsSync(stem + '.args')
      ? readFileSync(stem + '.args', 'utf8').split('\n').filter((line, i, all) => !(line === '' && i === all.length - 1))
      : [];
    const r = spawnSync(python, [...flags, rel, ...args], {
      cwd: root, env, input, encoding: 'utf8', timeout, maxBuffer: 64 * 1024 * 1024,
    });
    if (r.error) { console.error(`${name}: ${rel}: ${r.error.message}`); failures++; continue; }
    if (r.signal) { console.error(`${name}: ${rel}: killed by ${r.signal}`); failures++; continue; }
    const code = r.status ?? 1;
    const stdout = relativize(r.stdout);
    const stderr = relativize(r.stderr);
    writeFileSync(stem + '.out', stdout);
    put(stem + '.err', stderr, stderr !== '');
    put(stem + '.code', `${code}\n`, code !== 0);
    console.log(`${code === 0 ? '  ' : String(code).padStart(2)} ${rel}`);
  }
  console.log(`${name}: ${files.length - failures} program(s) regenerated${failures ? `, ${failures} failed to run` : ''}`);
  process.exit(failures ? 1 : 0);
}
