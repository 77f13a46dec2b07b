// Programs that no oracle can run: they use spy's own stacklesslib (its timers and thread pool
// are spy natives). Their .out files are spy's output, kept to catch changes; what makes that
// output right is asserted here from the program's own data.
import { readFileSync } from 'node:fs';
import { describe, it, expect } from 'vitest';
import { runFile } from '../../src/index.js';

describe('programs/call_async_downloads.spy', () => {
  const file = 'programs/call_async_downloads.spy';
  const src = readFileSync(file, 'utf8');
  const sites = Object.fromEntries([...src.matchAll(/"(\w+)": ([\d.]+)/g)].map((m) => [m[1], Number(m[2])]));
  const r = runFile({ file });
  const lines = r.stdout.trimEnd().split('\n');

  it('runs to the end without errors', () => {
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(Object.keys(sites)).toHaveLength(5);
  });

  it('each download reports its page after exactly its blocking time (four workers, five jobs)', () => {
    for (const [site, secs] of Object.entries(sites)) {
      const line = lines.find((l) => l.startsWith(site + ' '));
      if (site === 'nowhere') expect(line).toBe(`nowhere failed: no route to host: nowhere`);
      else expect(line).toBe(`${site.padEnd(7)} ${`<html>${site.toUpperCase()}</html>`.padEnd(20)} after ${secs.toFixed(1)}s`);
    }
  });

  it('the main thread kept running while the workers blocked, and all ended with the slowest', () => {
    const slowest = Math.max(...Object.values(sites));
    expect(lines.at(-2)).toBe(`spinner ticked ${Math.round(slowest / 0.1)} times meanwhile`);
    expect(lines.at(-1)).toBe(`all done at t=${slowest.toFixed(1)}s`);
  });
});
