// Golden tests: every test/golden/**/*.spy and programs/*.spy runs in-process and its whole
// stdout, stderr and exit code must equal the files CPython produced (test/tools/regen.mjs).
// Programs listed in test/golden/known-failures.txt run under `it.fails`, so one that starts
// passing is reported and must be taken off the list. Names starting with `_` are helper modules.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runFile } from '../src/index.js';

const ROOT = process.cwd();
const TIMEOUT_MS = 20_000;

/** Runnable programs below `dir`, as paths relative to the repo root with `/` separators. */
function programsIn(dir: string): string[] {
  const out: string[] = [];
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...programsIn(p));
    else if (name.endsWith('.spy') && !name.startsWith('_')) out.push(relative(ROOT, p).split(sep).join('/'));
  }
  return out;
}

/** `<relpath>  # reason` lines; `#` comments and blank lines are skipped. */
function knownFailures(): Set<string> {
  const path = join(ROOT, 'test', 'golden', 'known-failures.txt');
  const set = new Set<string>();
  if (!existsSync(path)) return set;
  for (const raw of readFileSync(path, 'utf8').split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    if (line) set.add(line);
  }
  return set;
}

function readOr(path: string, fallback: string): string {
  return existsSync(path) ? readFileSync(path, 'utf8') : fallback;
}

const known = knownFailures();
const goldenRoot = join(ROOT, 'test', 'golden');
const all = [...programsIn(goldenRoot), ...programsIn(join(ROOT, 'programs'))];

// One describe per area folder: test/golden/<area>/… and programs/.
const areas = new Map<string, string[]>();
for (const file of all) {
  const area = file.startsWith('test/golden/') ? file.split('/').slice(2, -1).join('/') || '.' : 'programs';
  if (!areas.has(area)) areas.set(area, []);
  areas.get(area)!.push(file);
}

const unknown = [...known].filter((f) => !all.includes(f));
it('known-failures.txt names only existing programs', () => {
  expect(unknown).toEqual([]);
});

for (const [area, files] of areas) {
  describe(area, () => {
    for (const file of files) {
      const stem = file.slice(0, -'.spy'.length);
      const test = known.has(file) ? it.fails : it;
      test(file, async () => {
        // runFile is synchronous: give the worker's event loop a turn first, so vitest's RPC
        // messages are answered between programs and a long run does not time out.
        await new Promise((resolve) => setImmediate(resolve));
        const expectedOut = readOr(stem + '.out', '');
        const expectedErr = readOr(stem + '.err', '');
        const expectedCode = Number.parseInt(readOr(stem + '.code', '0').trim(), 10);
        const argsText = existsSync(stem + '.args') ? readFileSync(stem + '.args', 'utf8') : '';
        const argv = argsText === '' ? [] : argsText.replace(/\n$/, '').split('\n');
        const stdin = readOr(stem + '.in', '');
        const result = runFile({ file, argv, stdin });
        expect(result.stdout).toBe(expectedOut);
        expect(result.stderr).toBe(expectedErr);
        expect(result.exitCode).toBe(expectedCode);
      }, TIMEOUT_MS);
    }
  });
}
