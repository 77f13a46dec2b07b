// The one table that names every opcode: its operand kind, stack effect and a one-line doc in
// `(before -- after)` notation. The enum, the disassembler and the compiler's stack-depth
// computation all derive from it; a test fails when the eval loop lacks a case for an entry.

/** How an instruction's argument is read (and printed by `dis`). */
export type OperandKind =
  | 'none' | 'const' | 'local' | 'name' | 'cell' | 'jump' | 'count' | 'cmp' | 'binop' | 'flags';

/**
 * The opcode numbers. A `const enum` so the bundler inlines literals into the loop's switch;
 * it must list the table's names in the table's order (test/unit/opcodes.test.ts checks).
 */
export const enum Op {
  NOP,
  POP_TOP,
  DUP_TOP,
  DUP_TOP_TWO,
  ROT_TWO,
  ROT_THREE,
  ROT_FOUR,
  LOAD_CONST,
  LOAD_FAST,
  STORE_FAST,
  DELETE_FAST,
  LOAD_DEREF,
  STORE_DEREF,
  DELETE_DEREF,
  LOAD_CLASSDEREF,
  LOAD_CLOSURE,
  LOAD_GLOBAL,
  STORE_GLOBAL,
  DELETE_GLOBAL,
  LOAD_NAME,
  STORE_NAME,
  DELETE_NAME,
  LOAD_ATTR,
  STORE_ATTR,
  DELETE_ATTR,
  LOAD_METHOD,
  BINARY_SUBSCR,
  STORE_SUBSCR,
  DELETE_SUBSCR,
  BUILD_SLICE,
  BINARY_ADD,
  BINARY_SUBTRACT,
  BINARY_MULTIPLY,
  BINARY_MODULO,
  BINARY_FLOOR_DIVIDE,
  INPLACE_ADD,
  INPLACE_SUBTRACT,
  BINARY_OP,
  UNARY_NEGATIVE,
  UNARY_POSITIVE,
  UNARY_INVERT,
  UNARY_NOT,
  COMPARE_OP,
  IS_OP,
  CONTAINS_OP,
  JUMP_FORWARD,
  JUMP_ABSOLUTE,
  POP_JUMP_IF_FALSE,
  POP_JUMP_IF_TRUE,
  JUMP_IF_FALSE_OR_POP,
  JUMP_IF_TRUE_OR_POP,
  GET_ITER,
  FOR_ITER,
  BUILD_TUPLE,
  BUILD_LIST,
  BUILD_SET,
  BUILD_MAP,
  BUILD_STRING,
  LIST_APPEND,
  SET_ADD,
  MAP_ADD,
  LIST_EXTEND,
  SET_UPDATE,
  DICT_UPDATE,
  DICT_MERGE,
  LIST_TO_TUPLE,
  UNPACK_SEQUENCE,
  UNPACK_EX,
  FORMAT_VALUE,
  MAKE_FUNCTION,
  CALL_FUNCTION,
  CALL_FUNCTION_KW,
  CALL_FUNCTION_EX,
  CALL_METHOD,
  RETURN_VALUE,
  LOAD_BUILD_CLASS,
  YIELD_VALUE,
  SEND,
  GET_YIELD_FROM_ITER,
  RAISE_VARARGS,
  RERAISE,
  PUSH_EXC_INFO,
  POP_EXCEPT,
  POP_EXCEPT_RERAISE,
  CHECK_EXC_MATCH,
  LOAD_ASSERTION_ERROR,
  BEFORE_WITH,
  WITH_EXIT,
  WITH_EXCEPT_START,
  IMPORT_NAME,
  IMPORT_FROM,
  IMPORT_STAR,
  SETUP_ANNOTATIONS,
  PRINT_EXPR,
}

interface OpSpec {
  name: string;
  operand: OperandKind;
  /** net stack effect; a function of the argument where it depends on it */
  effect: number | ((arg: number) => number);
  /** stack effect when the jump is taken, if it differs */
  jumpEffect?: number;
  doc: string;
}

const table = [
  { name: 'NOP', operand: 'none', effect: 0, doc: '( -- ) do nothing; keeps a line number alive' },
  { name: 'POP_TOP', operand: 'none', effect: -1, doc: '(a -- )' },
  { name: 'DUP_TOP', operand: 'none', effect: 1, doc: '(a -- a a)' },
  { name: 'DUP_TOP_TWO', operand: 'none', effect: 2, doc: '(a b -- a b a b)' },
  { name: 'ROT_TWO', operand: 'none', effect: 0, doc: '(a b -- b a)' },
  { name: 'ROT_THREE', operand: 'none', effect: 0, doc: '(a b c -- c a b)' },
  { name: 'ROT_FOUR', operand: 'none', effect: 0, doc: '(a b c d -- d a b c)' },

  { name: 'LOAD_CONST', operand: 'const', effect: 1, doc: '( -- consts[i])' },
  { name: 'LOAD_FAST', operand: 'local', effect: 1, doc: '( -- locals[i]) UnboundLocalError if unset' },
  { name: 'STORE_FAST', operand: 'local', effect: -1, doc: '(v -- ) locals[i] = v' },
  { name: 'DELETE_FAST', operand: 'local', effect: 0, doc: '( -- ) unbind locals[i]' },
  { name: 'LOAD_DEREF', operand: 'cell', effect: 1, doc: '( -- cells[i].value) a closure variable' },
  { name: 'STORE_DEREF', operand: 'cell', effect: -1, doc: '(v -- ) cells[i].value = v' },
  { name: 'DELETE_DEREF', operand: 'cell', effect: 0, doc: '( -- ) unbind cells[i]' },
  { name: 'LOAD_CLASSDEREF', operand: 'cell', effect: 1, doc: '( -- v) class body: namespace first, then the cell' },
  { name: 'LOAD_CLOSURE', operand: 'cell', effect: 1, doc: '( -- cells[i]) the cell itself, for MAKE_FUNCTION' },
  { name: 'LOAD_GLOBAL', operand: 'name', effect: 1, doc: '( -- v) globals, then builtins' },
  { name: 'STORE_GLOBAL', operand: 'name', effect: -1, doc: '(v -- )' },
  { name: 'DELETE_GLOBAL', operand: 'name', effect: 0, doc: '( -- )' },
  { name: 'LOAD_NAME', operand: 'name', effect: 1, doc: '( -- v) locals mapping, globals, builtins' },
  { name: 'STORE_NAME', operand: 'name', effect: -1, doc: '(v -- ) into the locals mapping' },
  { name: 'DELETE_NAME', operand: 'name', effect: 0, doc: '( -- )' },

  { name: 'LOAD_ATTR', operand: 'name', effect: 0, doc: '(obj -- obj.name)' },
  { name: 'STORE_ATTR', operand: 'name', effect: -2, doc: '(v obj -- ) obj.name = v' },
  { name: 'DELETE_ATTR', operand: 'name', effect: -1, doc: '(obj -- ) del obj.name' },
  { name: 'LOAD_METHOD', operand: 'name', effect: 1, doc: '(obj -- fn obj | bound NULL) no bound-method allocation' },
  { name: 'BINARY_SUBSCR', operand: 'none', effect: -1, doc: '(c k -- c[k])' },
  { name: 'STORE_SUBSCR', operand: 'none', effect: -3, doc: '(v c k -- ) c[k] = v' },
  { name: 'DELETE_SUBSCR', operand: 'none', effect: -2, doc: '(c k -- ) del c[k]' },
  { name: 'BUILD_SLICE', operand: 'count', effect: (n) => 1 - n, doc: '(lo hi [step] -- slice)' },

  { name: 'BINARY_ADD', operand: 'none', effect: -1, doc: '(a b -- a+b) small-int fast path' },
  { name: 'BINARY_SUBTRACT', operand: 'none', effect: -1, doc: '(a b -- a-b) small-int fast path' },
  { name: 'BINARY_MULTIPLY', operand: 'none', effect: -1, doc: '(a b -- a*b) small-int fast path' },
  { name: 'BINARY_MODULO', operand: 'none', effect: -1, doc: '(a b -- a%b) floored, small-int fast path' },
  { name: 'BINARY_FLOOR_DIVIDE', operand: 'none', effect: -1, doc: '(a b -- a//b) small-int fast path' },
  { name: 'INPLACE_ADD', operand: 'none', effect: -1, doc: '(a b -- a+=b) __iadd__ first' },
  { name: 'INPLACE_SUBTRACT', operand: 'none', effect: -1, doc: '(a b -- a-=b) __isub__ first' },
  { name: 'BINARY_OP', operand: 'binop', effect: -1, doc: '(a b -- a op b) any other operator, inplace ones included' },
  { name: 'UNARY_NEGATIVE', operand: 'none', effect: 0, doc: '(a -- -a)' },
  { name: 'UNARY_POSITIVE', operand: 'none', effect: 0, doc: '(a -- +a)' },
  { name: 'UNARY_INVERT', operand: 'none', effect: 0, doc: '(a -- ~a)' },
  { name: 'UNARY_NOT', operand: 'none', effect: 0, doc: '(a -- not a)' },
  { name: 'COMPARE_OP', operand: 'cmp', effect: -1, doc: '(a b -- a cmp b) rich comparison, reflected on NotImplemented' },
  { name: 'IS_OP', operand: 'flags', effect: -1, doc: '(a b -- a is b) arg 1: is not' },
  { name: 'CONTAINS_OP', operand: 'flags', effect: -1, doc: '(a b -- a in b) arg 1: not in' },

  { name: 'JUMP_FORWARD', operand: 'jump', effect: 0, doc: '( -- ) pc = target' },
  { name: 'JUMP_ABSOLUTE', operand: 'jump', effect: 0, doc: '( -- ) pc = target; a loop back-edge' },
  { name: 'POP_JUMP_IF_FALSE', operand: 'jump', effect: -1, doc: '(c -- ) jump if not c' },
  { name: 'POP_JUMP_IF_TRUE', operand: 'jump', effect: -1, doc: '(c -- ) jump if c' },
  { name: 'JUMP_IF_FALSE_OR_POP', operand: 'jump', effect: -1, jumpEffect: 0, doc: '(c -- c?) `and`: keep c and jump if false' },
  { name: 'JUMP_IF_TRUE_OR_POP', operand: 'jump', effect: -1, jumpEffect: 0, doc: '(c -- c?) `or`: keep c and jump if true' },

  { name: 'GET_ITER', operand: 'none', effect: 0, doc: '(obj -- iter(obj)) __iter__ called softly' },
  { name: 'FOR_ITER', operand: 'jump', effect: 1, jumpEffect: -1, doc: '(it -- it next) or pop it and jump when exhausted' },

  { name: 'BUILD_TUPLE', operand: 'count', effect: (n) => 1 - n, doc: '(x1..xn -- (x1..xn))' },
  { name: 'BUILD_LIST', operand: 'count', effect: (n) => 1 - n, doc: '(x1..xn -- [x1..xn])' },
  { name: 'BUILD_SET', operand: 'count', effect: (n) => 1 - n, doc: '(x1..xn -- {x1..xn})' },
  { name: 'BUILD_MAP', operand: 'count', effect: (n) => 1 - 2 * n, doc: '(k1 v1..kn vn -- {k1: v1..})' },
  { name: 'BUILD_STRING', operand: 'count', effect: (n) => 1 - n, doc: '(s1..sn -- s1+..+sn) f-strings' },
  { name: 'LIST_APPEND', operand: 'count', effect: -1, doc: '(list .. v -- list ..) list at depth i, for comprehensions' },
  { name: 'SET_ADD', operand: 'count', effect: -1, doc: '(set .. v -- set ..)' },
  { name: 'MAP_ADD', operand: 'count', effect: -2, doc: '(map .. k v -- map ..)' },
  { name: 'LIST_EXTEND', operand: 'count', effect: -1, doc: '(list .. it -- list ..) `[*it]`' },
  { name: 'SET_UPDATE', operand: 'count', effect: -1, doc: '(set .. it -- set ..) `{*it}`' },
  { name: 'DICT_UPDATE', operand: 'count', effect: -1, doc: '(map .. m -- map ..) `{**m}`' },
  { name: 'DICT_MERGE', operand: 'count', effect: -1, doc: '(map .. m -- map ..) `f(**m)`: duplicate keys are a TypeError' },
  { name: 'LIST_TO_TUPLE', operand: 'none', effect: 0, doc: '(list -- tuple)' },
  { name: 'UNPACK_SEQUENCE', operand: 'count', effect: (n) => n - 1, doc: '(seq -- xn..x1) exactly n items' },
  { name: 'UNPACK_EX', operand: 'count', effect: (a) => (a & 0xff) + (a >> 8), doc: '(seq -- xn..rest..x1) arg: before | after<<8' },
  { name: 'FORMAT_VALUE', operand: 'flags', effect: (f) => ((f & 4) ? -1 : 0), doc: '(v [spec] -- str) flags: conversion 1=s 2=r 3=a, 4=has spec' },

  { name: 'MAKE_FUNCTION', operand: 'flags', effect: (f) => -1 - ((f & 1) ? 1 : 0) - ((f & 2) ? 1 : 0) - ((f & 8) ? 1 : 0), doc: '([defaults] [kwdefaults] [closure] code -- fn) flags 1,2,8' },
  { name: 'CALL_FUNCTION', operand: 'count', effect: (n) => -n, doc: '(fn a1..an -- result) spy callees get a frame, never a TS recursion' },
  { name: 'CALL_FUNCTION_KW', operand: 'count', effect: (n) => -n - 1, doc: '(fn a1..an names -- result) the last len(names) args are keywords' },
  { name: 'CALL_FUNCTION_EX', operand: 'flags', effect: (f) => ((f & 1) ? -2 : -1), doc: '(fn args [kwargs] -- result) `f(*a, **k)`' },
  { name: 'CALL_METHOD', operand: 'count', effect: (n) => -n - 1, doc: '(fn self|NULL a1..an -- result) pairs with LOAD_METHOD' },
  { name: 'RETURN_VALUE', operand: 'none', effect: -1, doc: '(v -- ) pop this frame; the continuation decides where v goes' },
  { name: 'LOAD_BUILD_CLASS', operand: 'none', effect: 1, doc: '( -- __build_class__)' },

  { name: 'YIELD_VALUE', operand: 'none', effect: 0, doc: '(v -- sent) suspend the generator; resumes with the sent value' },
  { name: 'SEND', operand: 'jump', effect: -1, jumpEffect: -1, doc: '(sub v -- sub) `yield from`: resume sub; jump with its return value on exhaustion' },
  { name: 'GET_YIELD_FROM_ITER', operand: 'none', effect: 0, doc: '(obj -- iter) generators pass through' },

  { name: 'RAISE_VARARGS', operand: 'count', effect: (n) => -n, doc: '([exc [cause]] -- ) raise; n=0 re-raises the handled exception' },
  { name: 'RERAISE', operand: 'none', effect: -1, doc: '(exc -- ) raise again without a new traceback entry' },
  { name: 'PUSH_EXC_INFO', operand: 'none', effect: 1, doc: '(exc -- prev exc) start handling exc' },
  { name: 'POP_EXCEPT', operand: 'none', effect: -1, doc: '(prev -- ) stop handling; restore prev as the handled exception' },
  { name: 'POP_EXCEPT_RERAISE', operand: 'none', effect: -2, doc: '(prev exc -- ) cleanup: restore prev, re-raise exc' },
  { name: 'CHECK_EXC_MATCH', operand: 'none', effect: 0, doc: '(exc type -- exc matches) `except type:`' },
  { name: 'LOAD_ASSERTION_ERROR', operand: 'none', effect: 1, doc: '( -- AssertionError)' },

  { name: 'BEFORE_WITH', operand: 'none', effect: 1, doc: '(mgr -- exit entered) __enter__ called softly' },
  { name: 'WITH_EXIT', operand: 'none', effect: -1, doc: '(exit -- ) normal exit: exit(None, None, None), result dropped' },
  { name: 'WITH_EXCEPT_START', operand: 'none', effect: 1, doc: '(exit prev exc -- exit prev exc res) exit(type, exc, tb) softly' },

  { name: 'IMPORT_NAME', operand: 'name', effect: -1, doc: '(level fromlist -- module)' },
  { name: 'IMPORT_FROM', operand: 'name', effect: 1, doc: '(module -- module module.name) ImportError if missing' },
  { name: 'IMPORT_STAR', operand: 'none', effect: -1, doc: '(module -- ) copy public names into the namespace' },
  { name: 'SETUP_ANNOTATIONS', operand: 'none', effect: 0, doc: '( -- ) make __annotations__ exist' },
  { name: 'PRINT_EXPR', operand: 'none', effect: -1, doc: '(v -- ) REPL: print repr(v) unless None, set _' },
] as const satisfies readonly OpSpec[];

export const OPCODES: readonly OpSpec[] = table;
export const OPCODE_COUNT = table.length;

export function opName(op: number): string {
  return table[op]?.name ?? `<${op}>`;
}

export function stackEffect(op: number, arg: number, jump: boolean): number {
  const spec: OpSpec = table[op];
  if (jump && spec.jumpEffect !== undefined) return spec.jumpEffect;
  return typeof spec.effect === 'number' ? spec.effect : spec.effect(arg);
}

/**
 * Instructions are one int each: the opcode in the low 8 bits, the argument above it. The
 * argument stays below 2**23, so `ins >> ARG_SHIFT` is a non-negative int32: `>>>` would make
 * it a uint32, which V8 keeps as a double in the loop (pc with it), converting on every jump.
 */
export const enum Ins {
  ARG_SHIFT = 8,
  OP_MASK = 0xff,
  // a const enum, so that bundling writes the numbers into the loop: a module-level const stays
  // a closure variable that V8 loads and checks at every instruction
}
const MAX_ARG = (1 << (31 - Ins.ARG_SHIFT)) - 1;
export function encode(op: number, arg: number): number {
  if (arg > MAX_ARG) throw new RangeError(`an instruction argument above ${MAX_ARG}: the code object is too large`);
  return op | (arg << Ins.ARG_SHIFT);
}

// ---- operand vocabularies -------------------------------------------------------------

/** COMPARE_OP arguments, in CPython's order. */
export const CMP_OPS = ['<', '<=', '==', '!=', '>', '>='] as const;
export const Cmp = { LT: 0, LE: 1, EQ: 2, NE: 3, GT: 4, GE: 5 } as const;

/** BINARY_OP arguments; an inplace operator is its binary index + INPLACE_BASE. */
export const BIN_OPS = ['+', '-', '*', '/', '//', '%', '**', '<<', '>>', '&', '|', '^', '@'] as const;
export const INPLACE_BASE = 16;
export function binOpIndex(op: string): number {
  return (BIN_OPS as readonly string[]).indexOf(op);
}
export function binOpLabel(arg: number): string {
  return arg >= INPLACE_BASE ? `${BIN_OPS[arg - INPLACE_BASE]}=` : BIN_OPS[arg];
}

/** MAKE_FUNCTION flags */
export const MF_DEFAULTS = 1;
export const MF_KWDEFAULTS = 2;
export const MF_CLOSURE = 8;
