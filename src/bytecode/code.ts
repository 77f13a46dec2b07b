// The code object: what the compiler produces and the VM runs. Instructions are packed ints
// (see opcodes.ts); positions are source offsets, one per instruction, turned into lines only
// when something is printed. Constants are plain data so this layer needs no VM types.

export interface FloatConst { readonly float: number }
export interface TupleConst { readonly tuple: readonly Const[] }
export interface BytesConst { readonly bytes: Uint8Array }
export const ELLIPSIS_CONST = { ellipsis: true } as const;
export type Const =
  | number | bigint | string | boolean | null
  | FloatConst | TupleConst | BytesConst | typeof ELLIPSIS_CONST | CodeObject;

export const CO_VARARGS = 1;
export const CO_VARKEYWORDS = 2;
export const CO_GENERATOR = 4;
/** a class body: names go through the namespace mapping */
export const CO_CLASS_BODY = 8;
/** module-level code */
export const CO_MODULE = 16;

/** One `except`/`finally`/`with` handler: where to go and how deep the stack is there. */
export interface Handler {
  readonly target: number;
  readonly depth: number;
}

export class CodeObject {
  /** a brand instead of instanceof: the CLI bundles the compiler separately from the VM */
  readonly isCodeObject = true;
  /** cache slot the VM fills on first run (materialized constants); the compiler leaves it null */
  runtime: unknown = null;

  constructor(
    readonly name: string,
    readonly qualname: string,
    readonly filename: string,
    /** the whole source text, for tracebacks and `dis` */
    readonly source: string,
    readonly flags: number,
    readonly argcount: number,
    readonly posonlyCount: number,
    readonly kwonlyCount: number,
    /** names of the fast locals; the first argcount+kwonly(+varargs)(+varkw) are parameters */
    readonly varnames: readonly string[],
    /** locals captured by inner functions (they live in cells) */
    readonly cellvars: readonly string[],
    /** variables of enclosing functions this code reads through cells */
    readonly freevars: readonly string[],
    /** for each cellvar, the parameter index it is initialised from, or -1 */
    readonly cell2arg: readonly number[],
    readonly consts: readonly Const[],
    readonly names: readonly string[],
    readonly code: Int32Array,
    /** source offset of each instruction */
    readonly positions: Int32Array,
    readonly handlers: readonly Handler[],
    /** index into handlers for each instruction, or -1 */
    readonly handlerAt: Int32Array,
    readonly maxStack: number,
    /** offset of the `def`/`class`/`lambda` or 0 for a module */
    readonly firstOffset: number,
    readonly docstring: string | null,
  ) {}

  get nlocals(): number {
    return this.varnames.length;
  }
}

/** 1-based line number of an offset in a source text. */
export function lineOfOffset(source: string, offset: number): number {
  let line = 1;
  for (let i = 0; i < offset && i < source.length; i++) if (source.charCodeAt(i) === 10) line++;
  return line;
}

export function isCode(c: unknown): c is CodeObject {
  return typeof c === 'object' && c !== null && (c as { isCodeObject?: unknown }).isCodeObject === true;
}
