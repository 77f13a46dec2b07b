// The built `spy` command (dist/spy.cjs, as users run it): exit codes, usage errors, `dis`
// listings, and the example programs through both bytecode-cache paths (miss, then hit).
import { describe, it, expect, beforeAll } from 'vitest';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const SPY = 'dist/spy.cjs';

function spy(args: string[], env: Record<string, string> = {}, input = ''): { out: string; err: string; code: number } {
  const r = spawnSync(process.execPath, [SPY, ...args], { input, encoding: 'utf8', env: { ...process.env, SPY_NO_CACHE: '1', NO_COLOR: '1', ...env } });
  return { out: r.stdout, err: r.stderr, code: r.status ?? -1 };
}

beforeAll(() => {
  if (!existsSync(SPY)) throw new Error('dist/spy.cjs is missing: run `npm run build` (npm test does)');
});

describe('spy command', () => {
  it('prints its version and help', () => {
    expect(spy(['--version'])).toEqual({ out: '0.1.0\n', err: '', code: 0 });
    const help = spy(['--help']);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/^Usage: spy /);
    expect(help.out).toMatch(/\brun\b/);
    expect(help.out).toMatch(/\bdis\b/);
  });

  it('runs a file given with or without `run`, passing arguments to sys.argv', () => {
    const dir = mkdtempSync(join(tmpdir(), 'spy-cli-'));
    const file = join(dir, 'argv.spy');
    writeFileSync(file, 'import sys\nprint(sys.argv[1:])\nsys.exit(int(sys.argv[1]))\n');
    expect(spy(['run', file, '3', '--flag'])).toEqual({ out: "['3', '--flag']\n", err: '', code: 3 });
    expect(spy([file, '0'])).toEqual({ out: "['0']\n", err: '', code: 0 });
    rmSync(dir, { recursive: true });
  });

  it('reports a missing file and a bad flag in one line with exit code 2', () => {
    const missing = spy(['run', 'no/such/file.spy']);
    expect(missing).toEqual({ out: '', err: "spy: can't open file 'no/such/file.spy': No such file or directory\n", code: 2 });
    const bad = spy(['--no-such-flag']);
    expect(bad.code).toBe(2);
    expect(bad.err.trim().split('\n')).toHaveLength(1);
    expect(bad.err).not.toMatch(/at .*\.m?js/);
  });

  it('prints a syntax error with file, line and caret, exit 1', () => {
    const r = spy(['dis', '-c', 'x = (1,\n']);
    expect(r.code).toBe(1);
    expect(r.err).toBe('  File "<string>", line 1\n    x = (1,\n        ^\nSyntaxError: \'(\' was never closed\n');
  });

  it('disassembles a program exactly as the committed listing', () => {
    const r = spy(['dis', 'test/cli/dis_sample.spy']);
    expect(r.err).toBe('');
    expect(r.out).toBe(readFileSync('test/cli/dis_sample.dis', 'utf8'));
  });

  it('disassembles one function with FILE:func, as the whole listing shows it', () => {
    const whole = readFileSync('test/cli/dis_sample.dis', 'utf8');
    const add = whole.slice(whole.indexOf('Disassembly of <code object add')).split('\n').slice(1).join('\n');
    expect(spy(['dis', 'test/cli/dis_sample.spy:add'])).toEqual({ out: add, err: '', code: 0 });
    expect(spy(['dis', 'test/cli/dis_sample.spy:nope'])).toEqual({ out: '', err: "spy: no function 'nope' in test/cli/dis_sample.spy\n", code: 2 });
    const dir = mkdtempSync(join(tmpdir(), 'spy-cli-'));
    const file = join(dir, 'nested.spy');
    writeFileSync(file, 'class C:\n    def m(self):\n        def inner():\n            return 7\n        return inner\n');
    const inner = '   4          0 LOAD_CONST              0 (7)\n              1 RETURN_VALUE\n';
    expect(spy(['dis', `${file}:C.m.inner`]).out).toBe(inner);
    expect(spy(['dis', `${file}:inner`]).out).toBe(inner);
    expect(spy(['dis', `${file}:C.m`]).out).toMatch(/^   3 {10}0 LOAD_CONST +0 \(<code object inner, line 3>\)\n[^]*\nDisassembly of <code object inner, line 3>:\n/);
    rmSync(dir, { recursive: true });
  });

  it('traces instructions to stderr with --trace, leaving stdout alone', () => {
    const r = spy(['run', '--trace', 'programs/hello.spy']);
    expect(r.code).toBe(0);
    expect(r.out).toBe(readFileSync('programs/hello.out', 'utf8'));
    const lines = r.err.trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(3);
    for (const line of lines) expect(line).toMatch(/^ +\d+ T1 t0 \S+ \/.*\/programs\/hello\.spy:\d+ @\d+ [A-Z_]+ /);
  });

  it('reads stdin for input()', () => {
    const r = spy(['run', '-'], {}, '');
    expect(r.code).toBe(2);
    const dir = mkdtempSync(join(tmpdir(), 'spy-cli-'));
    const file = join(dir, 'echo.spy');
    writeFileSync(file, 'name = input("name? ")\nprint("hello", name)\n');
    expect(spy([file], {}, 'ada\n')).toEqual({ out: 'name? hello ada\n', err: '', code: 0 });
    rmSync(dir, { recursive: true });
  });
});

describe('example programs through the bytecode cache', () => {
  const cache = mkdtempSync(join(tmpdir(), 'spy-cache-'));
  const programs = readdirSync('programs').filter((f) => f.endsWith('.spy'));
  for (const p of programs) {
    it(`${p}: cache miss then hit give the expected output`, () => {
      const file = join('programs', p);
      const stem = file.slice(0, -4);
      const expected = readFileSync(`${stem}.out`, 'utf8');
      const input = existsSync(`${stem}.in`) ? readFileSync(`${stem}.in`, 'utf8') : '';
      for (let round = 0; round < 2; round++) {
        const r = spy([file], { SPY_NO_CACHE: '', XDG_CACHE_HOME: cache }, input);
        expect(r.out).toBe(expected);
        expect(r.code).toBe(existsSync(`${stem}.code`) ? Number(readFileSync(`${stem}.code`, 'utf8')) : 0);
      }
    });
  }
});

describe('bin/spy.cjs, the installed command: the bundle through V8\'s code cache', () => {
  function launcher(args: string[], cacheHome: string, input = '') {
    const r = spawnSync(process.execPath, ['bin/spy.cjs', ...args], { input, encoding: 'utf8', env: { ...process.env, SPY_NO_CACHE: '', NO_COLOR: '1', XDG_CACHE_HOME: cacheHome } });
    return { out: r.stdout, err: r.stderr, code: r.status ?? -1 };
  }
  const codeCaches = (home: string) => existsSync(join(home, 'spy', 'v8')) ? readdirSync(join(home, 'spy', 'v8')) : [];

  it('writes the cache on the first run, reads it after, and survives a corrupt one', () => {
    const home = mkdtempSync(join(tmpdir(), 'spy-v8-'));
    try {
      const expected = readFileSync('programs/hello.out', 'utf8');
      const first = launcher(['run', 'programs/hello.spy'], home);
      expect(first).toEqual({ out: expected, err: '', code: 0 });
      const files = codeCaches(home);
      expect(files).toHaveLength(1);
      const file = join(home, 'spy', 'v8', files[0]);
      expect(readFileSync(file).length).toBeGreaterThan(10000);
      expect(launcher(['run', 'programs/hello.spy'], home)).toEqual(first);
      writeFileSync(file, 'not a code cache');
      expect(launcher(['run', 'programs/hello.spy'], home)).toEqual(first);
      // rejected, so written again
      expect(readFileSync(file).length).toBeGreaterThan(10000);
      // exit codes, stdin and sys.exit go through it unchanged
      const dir = mkdtempSync(join(tmpdir(), 'spy-exit-'));
      writeFileSync(join(dir, 'e.spy'), 'import sys\nprint(input())\nsys.exit(3)\n');
      expect(launcher([join(dir, 'e.spy')], home, 'typed\n')).toEqual({ out: 'typed\n', err: '', code: 3 });
      rmSync(dir, { recursive: true });
    } finally {
      rmSync(home, { recursive: true });
    }
  });

  it('SPY_NO_CACHE=1 writes nothing', () => {
    const home = mkdtempSync(join(tmpdir(), 'spy-v8-'));
    try {
      const r = spawnSync(process.execPath, ['bin/spy.cjs', 'run', 'programs/hello.spy'], { encoding: 'utf8', env: { ...process.env, SPY_NO_CACHE: '1', XDG_CACHE_HOME: home } });
      expect(r.stdout).toBe(readFileSync('programs/hello.out', 'utf8'));
      expect(codeCaches(home)).toEqual([]);
    } finally {
      rmSync(home, { recursive: true });
    }
  });
});

describe('tracebacks name the main script as CPython does', () => {
  it('uses its absolute path', () => {
    const dir = mkdtempSync(join(tmpdir(), 'spy-cli-'));
    writeFileSync(join(dir, 'boom.spy'), 'def f():\n    return 1 / 0\nf()\n');
    const r = spawnSync(process.execPath, [join(process.cwd(), SPY), 'boom.spy'], { cwd: dir, encoding: 'utf8', env: { ...process.env, SPY_NO_CACHE: '1' } });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(`Traceback (most recent call last):\n  File "${join(dir, 'boom.spy')}", line 3, in <module>\n    f()\n  File "${join(dir, 'boom.spy')}", line 2, in f\n    return 1 / 0\nZeroDivisionError: division by zero\n`);
    rmSync(dir, { recursive: true });
  });
});
