// Code objects to and from JSON, for the bytecode cache (CPython's __pycache__ idea): a program
// whose source has not changed runs without loading the parser at all.
import { CodeObject, Const, isCode } from './code.js';

export const FORMAT_VERSION = 1;

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

function constToJson(c: Const): Json {
  if (c === null || typeof c === 'boolean' || typeof c === 'string') return c;
  if (typeof c === 'number') return Object.is(c, -0) ? { i: '-0' } : c;
  if (typeof c === 'bigint') return { b: c.toString() };
  if (isCode(c)) return { code: codeToJson(c) };
  if ('float' in c) return { f: Number.isFinite(c.float) ? c.float : String(c.float) };
  if ('tuple' in c) return { t: c.tuple.map(constToJson) };
  if ('bytes' in c) return { y: [...c.bytes] };
  return { e: 1 };
}

function constFromJson(j: Json, source: string): Const {
  if (j === null || typeof j === 'boolean' || typeof j === 'string' || typeof j === 'number') return j;
  const o = j as { [k: string]: Json };
  if ('i' in o) return -0;
  if ('b' in o) return BigInt(o.b as string);
  if ('code' in o) return codeFromJson(o.code, source);
  if ('f' in o) return { float: typeof o.f === 'string' ? Number(o.f) : (o.f as number) };
  if ('t' in o) return { tuple: (o.t as Json[]).map((x) => constFromJson(x, source)) };
  if ('y' in o) return { bytes: Uint8Array.from(o.y as number[]) };
  return { ellipsis: true };
}

function codeToJson(c: CodeObject): Json {
  return {
    name: c.name, qualname: c.qualname, filename: c.filename, flags: c.flags, argcount: c.argcount,
    posonly: c.posonlyCount, kwonly: c.kwonlyCount, varnames: [...c.varnames], cellvars: [...c.cellvars],
    freevars: [...c.freevars], cell2arg: [...c.cell2arg], consts: c.consts.map(constToJson), names: [...c.names],
    code: [...c.code], positions: [...c.positions], handlers: c.handlers.map((h) => [h.target, h.depth]),
    handlerAt: [...c.handlerAt], maxStack: c.maxStack, firstOffset: c.firstOffset, doc: c.docstring,
  };
}

function codeFromJson(j: Json, source: string): CodeObject {
  const o = j as { [k: string]: Json };
  return new CodeObject(
    o.name as string, o.qualname as string, o.filename as string, source, o.flags as number, o.argcount as number,
    o.posonly as number, o.kwonly as number, o.varnames as string[], o.cellvars as string[], o.freevars as string[],
    o.cell2arg as number[], (o.consts as Json[]).map((x) => constFromJson(x, source)), o.names as string[],
    Int32Array.from(o.code as number[]), Int32Array.from(o.positions as number[]),
    (o.handlers as number[][]).map(([target, depth]) => ({ target, depth })), Int32Array.from(o.handlerAt as number[]),
    o.maxStack as number, o.firstOffset as number, o.doc as string | null,
  );
}

/** The JSON text of a module's code object (the source itself is not stored). */
export function serializeCode(code: CodeObject): string {
  return JSON.stringify({ v: FORMAT_VERSION, code: codeToJson(code) });
}

/** The code object back, given the source it was compiled from; null when the format differs. */
export function deserializeCode(text: string, source: string): CodeObject | null {
  const o = JSON.parse(text) as { v: number; code: Json };
  if (o.v !== FORMAT_VERSION) return null;
  return codeFromJson(o.code, source);
}
