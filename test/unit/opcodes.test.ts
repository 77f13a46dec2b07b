// The opcode table is the single source: the const enum must list it in order, and the eval
// loop must have a case for every opcode.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { OPCODES } from '../../src/bytecode/opcodes.js';

const opcodesSrc = readFileSync('src/bytecode/opcodes.ts', 'utf8');
const loopSrc = readFileSync('src/vm/interp.ts', 'utf8');

describe('opcode table', () => {
  it('the const enum lists the table names in table order', () => {
    const body = /export const enum Op \{([^}]*)\}/.exec(opcodesSrc)?.[1] ?? '';
    const enumNames = body.split(',').map((s) => s.trim()).filter(Boolean);
    expect(enumNames).toEqual(OPCODES.map((o) => o.name));
  });

  it('has unique names and a doc with a stack picture for each opcode', () => {
    const names = OPCODES.map((o) => o.name);
    expect(new Set(names).size).toBe(names.length);
    for (const o of OPCODES) expect(o.doc).toMatch(/^\(.*--.*\)/);
  });

  it('every opcode has a case in the eval loop', () => {
    const missing = OPCODES.filter((o) => !loopSrc.includes(`case Op.${o.name}:`)).map((o) => o.name);
    expect(missing).toEqual([]);
  });
});
