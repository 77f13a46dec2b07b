// Layers checked by a test (STYLE.md 10): bytecode imports neither compiler nor vm; compiler
// and vm do not import each other; only src/cli (and bin) touch `process`.
import { describe, it, expect } from 'vitest';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';

function files(dir: string): string[] {
  const out: string[] = [];
  for (const f of readdirSync(dir)) {
    const p = join(dir, f);
    if (statSync(p).isDirectory()) out.push(...files(p));
    else if (p.endsWith('.ts')) out.push(p);
  }
  return out;
}

function imports(file: string): string[] {
  const src = readFileSync(file, 'utf8');
  return [...src.matchAll(/(?:import|export)[^'"]*?from\s+['"]([^'"]+)['"]/g)].map((m) => m[1]);
}

describe('layers', () => {
  it('src/bytecode imports neither the compiler nor the vm', () => {
    for (const f of files('src/bytecode')) {
      for (const i of imports(f)) expect(i, `${f} imports ${i}`).not.toMatch(/compiler|vm\//);
    }
  });
  it('src/compiler does not import src/vm', () => {
    for (const f of files('src/compiler')) {
      for (const i of imports(f)) expect(i, `${f} imports ${i}`).not.toMatch(/\.\.\/vm\//);
    }
  });
  it('src/vm does not import src/compiler (and never loads chevrotain)', () => {
    for (const f of files('src/vm')) {
      for (const i of imports(f)) expect(i, `${f} imports ${i}`).not.toMatch(/compiler|chevrotain/);
    }
  });
  it('only src/cli touches process', () => {
    for (const f of files('src').filter((p) => !p.startsWith(join('src', 'cli')))) {
      const src = readFileSync(f, 'utf8').replace(/\/\/.*$/gm, '');
      expect(/\bprocess\./.test(src), `${f} uses process`).toBe(false);
    }
  });
});
