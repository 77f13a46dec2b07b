// Development driver: runs a program parsed by CPython (test/tools/pyast.py) through spy's code
// generator and VM, so either side can be checked in isolation. Never run by CI.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { ScopeTable } from '../../src/compiler/scope.js';
import { CodeGen } from '../../src/compiler/codegen.js';
import type { Module } from '../../src/compiler/ast.js';
import { createVM, runProgram } from '../../src/index.js';
import { ProcessHost } from '../../src/cli/host.js';

function pyParse(file: string): Module {
  const json = execFileSync('python3', [new URL('./pyast.py', import.meta.url).pathname.replace('/dist-dev/', '/test/tools/'), file], { encoding: 'utf8', maxBuffer: 1 << 28 });
  return JSON.parse(json, (_k, v) => {
    if (v && typeof v === 'object' && '$int' in v) return BigInt(v.$int);
    if (v && typeof v === 'object' && '$float' in v) return parseFloat(v.$float);
    if (v && typeof v === 'object' && 'bytes' in v && Array.isArray(v.bytes)) return { bytes: Uint8Array.from(v.bytes) };
    return v;
  }) as Module;
}

const file = process.argv[2];
const host = new ProcessHost();
host.compile = (source: string, filename: string) => {
  writeFileSync('/tmp/devrun-src.py', source);
  const mod = pyParse('/tmp/devrun-src.py');
  return new CodeGen(new ScopeTable(mod), filename, source).compileModule(mod);
};
const vm = createVM({ host, argv: [file, ...process.argv.slice(3)], path: [dirname(file)] });
for (const f of readdirSync('src/stdlib/spy')) vm.sourceModules.set(f.replace(/\.spy$/, ''), () => readFileSync(`src/stdlib/spy/${f}`, 'utf8'));
const code = runProgram(vm, readFileSync(file, 'utf8'), file);
host.flush();
process.exitCode = code;
