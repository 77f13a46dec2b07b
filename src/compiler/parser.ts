// The grammar: one Chevrotain EmbeddedActionsParser whose actions build the AST of ast.ts
// directly (no CST). Binary operators are parsed as a flat operand/operator list and folded by
// precedence climbing, so an atom costs a handful of rule calls rather than one per level;
// assignment targets are parsed as expressions and converted afterwards, so nothing backtracks.
// Each rule carries its production; CPython 3.11's Grammar/python.gram is the reference.

import {
  Alternation, Alternative, EmbeddedActionsParser, EOF, LLkLookaheadStrategy, NonTerminal, Option,
  Repetition, RepetitionMandatory, RepetitionMandatoryWithSeparator, RepetitionWithSeparator, Rule,
  Terminal, type ILookaheadStrategy, type ILookaheadValidationError, type IOrAlt, type IProduction,
  type IToken, type OptionalProductionType, type TokenType,
} from 'chevrotain';
import type * as A from './ast.js';
import { locate, SpySyntaxError } from './diagnostics.js';
import { endOfInput } from './indent.js';
import { syntaxError, tokenEnd } from './lexer.js';
import * as T from './tokens.js';

// ---- operators ------------------------------------------------------------------------------

const P_OR = 1, P_AND = 2, P_NOT = 3, P_CMP = 4;
type OpName = A.BinOperator | A.CmpOperator | 'and' | 'or';
const PREC: Record<OpName, number> = {
  or: P_OR, and: P_AND,
  '<': P_CMP, '>': P_CMP, '==': P_CMP, '>=': P_CMP, '<=': P_CMP, '!=': P_CMP,
  in: P_CMP, 'not in': P_CMP, is: P_CMP, 'is not': P_CMP,
  '|': 5, '^': 6, '&': 7, '<<': 8, '>>': 8, '+': 9, '-': 9, '*': 10, '/': 10, '//': 10, '%': 10, '@': 10,
  '**': 11,
};
/** tokenTypeIdx → operator, for the category tokens the flat loops consume. */
const OP_OF: OpName[] = [];
const AUG_OF: A.BinOperator[] = [];
for (const [t, op] of [
  [T.Or, 'or'], [T.And, 'and'], [T.Lt, '<'], [T.Gt, '>'], [T.EqEq, '=='], [T.GtE, '>='], [T.LtE, '<='],
  [T.NotEq, '!='], [T.In, 'in'], [T.Pipe, '|'], [T.Caret, '^'], [T.Amp, '&'], [T.LShift, '<<'],
  [T.RShift, '>>'], [T.Plus, '+'], [T.Minus, '-'], [T.Star, '*'], [T.Slash, '/'], [T.DoubleSlash, '//'],
  [T.Percent, '%'], [T.At, '@'],
] as [TokenType, OpName][]) OP_OF[t.tokenTypeIdx!] = op;
for (const [t, op] of [
  [T.PlusEq, '+'], [T.MinusEq, '-'], [T.StarEq, '*'], [T.SlashEq, '/'], [T.DoubleSlashEq, '//'],
  [T.PercentEq, '%'], [T.AtEq, '@'], [T.AmpEq, '&'], [T.PipeEq, '|'], [T.CaretEq, '^'],
  [T.RShiftEq, '>>'], [T.LShiftEq, '<<'], [T.DoubleStarEq, '**'],
] as [TokenType, A.BinOperator][]) AUG_OF[t.tokenTypeIdx!] = op;

const ELLIPSIS: A.EllipsisValue = Object.freeze({ ellipsis: true as const });

/** Tokens a bitwise_or operand can start with. */
const OPERAND_START = new Set<TokenType>([...T.atomStart, T.Minus, T.Plus, T.Tilde]);

// ---- small helpers --------------------------------------------------------------------------

function addStmt(body: A.Stmt[], s: A.Stmt | A.Stmt[]): void {
  if (Array.isArray(s)) body.push(...s);
  else body.push(s);
}

const identName = (t: IToken): string => (typeof t.payload === 'string' ? t.payload : t.image);

function constantOf(t: IToken, value: A.Constant['value']): A.Constant {
  return { kind: 'Constant', value, start: t.startOffset, end: tokenEnd(t) };
}

function starred(star: IToken, value: A.Expr, end: number): A.Starred {
  return { kind: 'Starred', value, ctx: 'load', start: star.startOffset, end };
}

function tuple(elts: A.Expr[], start: number, end: number): A.TupleExpr {
  return { kind: 'Tuple', elts, ctx: 'load', start, end };
}

/** CPython's _PyPegen_get_expr_name: how messages name an expression. */
export function exprName(e: A.Expr): string {
  switch (e.kind) {
    case 'Attribute': return 'attribute';
    case 'Subscript': return 'subscript';
    case 'Starred': return 'starred';
    case 'Name': return 'name';
    case 'List': return 'list';
    case 'Tuple': return 'tuple';
    case 'Lambda': return 'lambda';
    case 'Call': return 'function call';
    case 'BoolOp': case 'BinOp': case 'UnaryOp': return 'expression';
    case 'GeneratorExp': return 'generator expression';
    case 'Yield': case 'YieldFrom': return 'yield expression';
    case 'ListComp': return 'list comprehension';
    case 'SetComp': return 'set comprehension';
    case 'DictComp': return 'dict comprehension';
    case 'Dict': return 'dict literal';
    case 'Set': return 'set display';
    case 'JoinedStr': case 'FormattedValue': return 'f-string expression';
    case 'Compare': return 'comparison';
    case 'IfExp': return 'conditional expression';
    case 'NamedExpr': return 'named expression';
    case 'Slice': return 'slice';
    case 'Constant':
      if (e.value === null) return 'None';
      if (e.value === true) return 'True';
      if (e.value === false) return 'False';
      if (typeof e.value === 'object' && 'ellipsis' in e.value) return 'ellipsis';
      return 'literal';
  }
}

/**
 * CPython's _PyPegen_get_invalid_target: the first part of `e` that cannot be assigned ('for':
 * in a for-target) or deleted. A for-target's `(a in b)` reads as the `in` of the loop, so
 * CPython looks only at its left side there.
 */
function invalidTarget(e: A.Expr, ctx: 'store' | 'del' | 'for'): A.Expr | null {
  switch (e.kind) {
    case 'Compare':
      if (ctx !== 'for') return e;
      return e.ops[0] === 'in' ? invalidTarget(e.left, ctx) : null;
    case 'List': case 'Tuple':
      for (const x of e.elts) {
        const bad = invalidTarget(x, ctx);
        if (bad) return bad;
      }
      return null;
    case 'Starred': return ctx === 'del' ? e : invalidTarget(e.value, ctx);
    case 'Name': case 'Attribute': case 'Subscript': return null;
    default: return e;
  }
}

/** Whether `e` is made only of names, attributes, subscripts, starred items, lists and tuples. */
function isTarget(e: A.Expr): boolean {
  switch (e.kind) {
    case 'Name': case 'Attribute': case 'Subscript': return true;
    case 'Starred': return isTarget(e.value);
    case 'List': case 'Tuple': return e.elts.every(isTarget);
    default: return false;
  }
}

function setCtx(e: A.Expr, ctx: A.Ctx): void {
  switch (e.kind) {
    case 'Name': case 'Attribute': case 'Subscript': e.ctx = ctx; break;
    case 'Starred': e.ctx = ctx; setCtx(e.value, ctx); break;
    case 'List': case 'Tuple': e.ctx = ctx; for (const x of e.elts) setCtx(x, ctx); break;
  }
}

/**
 * One flat run of operands and binary operators (with `not` prefixes), folded into a tree by
 * precedence climbing. Spans come from tokens, so `(a + b) * c` starts at the `(` as in CPython.
 */
class Flat {
  private readonly operands: A.Expr[];
  private readonly starts: number[];
  private readonly ends: number[];
  private readonly nots: (IToken[] | null)[];
  private readonly ops: OpName[] = [];
  private k = 0; // next operand
  private notsUsed = 0; // `not`s of operand k already applied

  constructor(first: A.Expr, start: number, end: number, nots: IToken[] | null) {
    this.operands = [first];
    this.starts = [start];
    this.ends = [end];
    this.nots = [nots];
  }

  add(op: OpName, nots: IToken[] | null, operand: A.Expr, start: number, end: number): void {
    this.ops.push(op);
    this.nots.push(nots);
    this.operands.push(operand);
    this.starts.push(start);
    this.ends.push(end);
  }

  build(): A.Expr {
    return this.climb(P_OR).e;
  }

  private climb(minPrec: number): { e: A.Expr; start: number; end: number } {
    let left = this.operand(minPrec);
    const ops = this.ops;
    for (;;) {
      const opIdx = this.k - 1;
      if (opIdx >= ops.length) break;
      const op = ops[opIdx]!;
      const p = PREC[op];
      if (p < minPrec) break;
      if (p === P_CMP) {
        const cmpOps: A.CmpOperator[] = [];
        const comparators: A.Expr[] = [];
        let end = left.end;
        while (this.k - 1 < ops.length && PREC[ops[this.k - 1]!] === P_CMP) {
          cmpOps.push(ops[this.k - 1] as A.CmpOperator);
          const r = this.climb(P_CMP + 1);
          comparators.push(r.e);
          end = r.end;
        }
        left = { e: { kind: 'Compare', left: left.e, ops: cmpOps, comparators, start: left.start, end }, start: left.start, end };
      } else if (p === P_OR || p === P_AND) {
        const values = [left.e];
        let end = left.end;
        while (this.k - 1 < ops.length && ops[this.k - 1] === op) {
          const r = this.climb(p + 1);
          values.push(r.e);
          end = r.end;
        }
        left = { e: { kind: 'BoolOp', op: op as 'and' | 'or', values, start: left.start, end }, start: left.start, end };
      } else {
        const r = this.climb(p + 1);
        const e: A.BinOp = { kind: 'BinOp', op: op as A.BinOperator, left: left.e, right: r.e, start: left.start, end: r.end };
        left = { e, start: left.start, end: r.end };
      }
    }
    return left;
  }

  private operand(minPrec: number): { e: A.Expr; start: number; end: number } {
    const nots = this.nots[this.k];
    if (nots && this.notsUsed < nots.length) {
      const tok = nots[this.notsUsed++]!;
      // `not` binds looser than comparisons: `a == not b` and `a + not b` are errors.
      if (minPrec > P_NOT) throw syntaxError('invalid syntax', tok.startOffset, tokenEnd(tok));
      const r = this.climb(P_NOT);
      return { e: { kind: 'UnaryOp', op: 'not', operand: r.e, start: tok.startOffset, end: r.end }, start: tok.startOffset, end: r.end };
    }
    const i = this.k++;
    this.notsUsed = 0;
    return { e: this.operands[i]!, start: this.starts[i]!, end: this.ends[i]! };
  }
}

// ---- lookahead ------------------------------------------------------------------------------

/** What a lookahead function needs of the parser it runs on (`this`). */
interface Peeker { LA(n: number): IToken }

/** A set of token types: one flag per tokenTypeIdx, and how many are set. */
class TokenSet {
  readonly has: Uint8Array;
  size = 0;
  constructor(width: number) {
    this.has = new Uint8Array(width);
  }
  add(idx: number): void {
    if (this.has[idx] === 0) { this.has[idx] = 1; this.size++; }
  }
  addAll(other: TokenSet): void {
    if (other.size === 0) return;
    const h = other.has;
    for (let i = 0; i < h.length; i++) if (h[i] !== 0) this.add(i);
  }
  members(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.has.length; i++) if (this.has[i] !== 0) out.push(i);
    return out;
  }
}

const PROD_CLASS: Record<OptionalProductionType | 'Alternation', new (...a: never[]) => IProduction> = {
  Option, Repetition, RepetitionMandatory, RepetitionMandatoryWithSeparator, RepetitionWithSeparator, Alternation,
};

/**
 * LL(1) decisions from FIRST sets. Chevrotain's default strategy enumerates token paths afresh
 * for every decision, walking the whole expression grammar each time: that was most of the
 * parser's start-up. Every decision in this grammar is LL(1) (two-token ones are GATEs), so
 * FIRST sets computed once per rule — the textbook fixpoint — suffice, and each decision at
 * parse time is one array lookup by token type. Validation (tests only) stays Chevrotain's.
 */
class FirstSetStrategy implements ILookaheadStrategy {
  private readonly first = new Map<Rule, TokenSet>();
  private readonly nullable = new Map<Rule, boolean>();
  /** Each rule's decisions by "<production class> <occurrence>". */
  private readonly decisions = new Map<Rule, Map<string, IProduction>>();

  /** `width`: one more than the largest tokenTypeIdx. */
  constructor(private readonly width: number) {}

  validate(options: { rules: Rule[]; tokenTypes: TokenType[]; grammarName: string }): ILookaheadValidationError[] {
    return new LLkLookaheadStrategy({ maxLookahead: 1 }).validate(options);
  }

  initialize({ rules }: { rules: Rule[] }): void {
    for (const r of rules) {
      this.first.set(r, new TokenSet(this.width));
      this.nullable.set(r, false);
    }
    for (let changed = true; changed;) {
      changed = false;
      for (const r of rules) {
        const set = this.first.get(r)!;
        const before = set.size;
        const nullable = this.seq(r.definition, set);
        if (nullable !== this.nullable.get(r) || set.size !== before) {
          this.nullable.set(r, nullable);
          changed = true;
        }
      }
    }
  }

  buildLookaheadForAlternation(options: { prodOccurrence: number; rule: Rule; hasPredicates: boolean }) {
    const alt = this.decision(options.rule, 'Alternation', options.prodOccurrence) as Alternation;
    const sets: Uint8Array[] = [];
    const nullable: boolean[] = [];
    const choice: number[] = [];
    let fallback: number | undefined;
    for (const a of alt.definition) {
      const set = new TokenSet(this.width);
      const empty = this.seq((a as Alternative).definition, set);
      // First alternative wins, and one that may be empty takes whatever is left.
      if (fallback === undefined) for (const idx of set.members()) choice[idx] ??= sets.length;
      if (empty) fallback ??= sets.length;
      nullable.push(empty);
      sets.push(set.has);
    }
    const n = sets.length;
    if (options.hasPredicates) {
      return function (this: Peeker, orAlts?: IOrAlt<unknown>[]): number | undefined {
        const idx = this.LA(1).tokenTypeIdx;
        for (let t = 0; t < n; t++) {
          const gate = orAlts?.[t]?.GATE;
          if (gate !== undefined && !gate.call(this)) continue;
          if (nullable[t] || sets[t]![idx] === 1) return t;
        }
        return undefined;
      };
    }
    return function (this: Peeker): number | undefined {
      return choice[this.LA(1).tokenTypeIdx] ?? fallback;
    };
  }

  buildLookaheadForOptional(options: { prodOccurrence: number; prodType: OptionalProductionType; rule: Rule }) {
    const prod = this.decision(options.rule, options.prodType, options.prodOccurrence) as Option;
    const set = new TokenSet(this.width);
    this.seq(prod.definition, set);
    if (set.size === 1) {
      // The common case (MANY over `,` or `.`): one compare.
      const only = set.members()[0]!;
      return function (this: Peeker): boolean {
        return this.LA(1).tokenTypeIdx === only;
      };
    }
    const has = set.has;
    return function (this: Peeker): boolean {
      return has[this.LA(1).tokenTypeIdx] === 1;
    };
  }

  /** The production of a kind with an occurrence index in a rule (indexed on first use). */
  private decision(rule: Rule, kind: keyof typeof PROD_CLASS, idx: number): IProduction {
    let byKey = this.decisions.get(rule);
    if (!byKey) {
      byKey = new Map();
      const index = (defs: IProduction[]) => {
        for (const p of defs) {
          if (p instanceof NonTerminal || p instanceof Terminal) continue;
          const name = Object.keys(PROD_CLASS).find((k) => p.constructor === PROD_CLASS[k as keyof typeof PROD_CLASS]);
          if (name) byKey!.set(`${name} ${(p as Option).idx}`, p);
          index((p as Option).definition);
        }
      };
      index(rule.definition);
      this.decisions.set(rule, byKey);
    }
    return byKey.get(`${kind} ${idx}`)!;
  }

  /** Adds FIRST of a sequence to `out`; true when the whole sequence can be empty. */
  private seq(defs: IProduction[], out: TokenSet): boolean {
    for (const p of defs) if (!this.prod(p, out)) return false;
    return true;
  }

  private prod(p: IProduction, out: TokenSet): boolean {
    if (p instanceof Terminal) {
      const t = p.terminalType;
      out.add(t.tokenTypeIdx!);
      for (const idx of t.categoryMatches ?? []) out.add(idx); // a category matches its members
      return false;
    }
    if (p instanceof NonTerminal) {
      out.addAll(this.first.get(p.referencedRule)!);
      return this.nullable.get(p.referencedRule)!;
    }
    if (p instanceof Alternation) {
      let nullable = false;
      for (const a of p.definition) if (this.seq((a as Alternative).definition, out)) nullable = true;
      return nullable;
    }
    if (p instanceof Option || p instanceof Repetition || p instanceof RepetitionWithSeparator) {
      this.seq(p.definition, out);
      return true;
    }
    if (p instanceof RepetitionMandatory || p instanceof RepetitionMandatoryWithSeparator || p instanceof Alternative) {
      return this.seq(p.definition, out);
    }
    throw new Error('unknown grammar production');
  }
}

// ---- intermediate shapes --------------------------------------------------------------------

interface ArgItem {
  kind: 'pos' | 'star' | 'kw' | 'dstar' | 'genexp';
  value: A.Expr;
  name: string | null;
  start: number;
  end: number;
}
export interface CallArgs { args: A.Expr[]; keywords: A.Keyword[]; genexp: A.Comprehension | null }
interface ParamItem {
  kind: '/' | '*' | '**' | 'param';
  tok: IToken;
  arg: A.Arg | null;
  dflt: A.Expr | null;
  /** the token after a `*` (and its name), where CPython points for a lambda's bare `*` */
  next: IToken | null;
}

const ARGS_DEF: { ARGS: [boolean] } = { ARGS: [true] };
/** `expression` restricted to a disjunction. */
const DISJUNCTION: { ARGS: [boolean] } = { ARGS: [true] };
/** What a comma-separated list holds (one rule parses all of them). */
const STAR_EXPRESSIONS = 0, SLICES = 1, TARGETS = 2, DISPLAY = 3;
type ListKind = typeof STAR_EXPRESSIONS | typeof SLICES | typeof TARGETS | typeof DISPLAY;
const LIST_ARGS = [0, 1, 2, 3].map((k) => ({ ARGS: [k as ListKind] as [ListKind] }));
const ARGS_LAMBDA: { ARGS: [boolean] } = { ARGS: [false] };

// ---- the parser -----------------------------------------------------------------------------

export class SpyParser extends EmbeddedActionsParser {
  /** The module's text, for line numbers in messages. */
  private source = '';
  /** Expressions written inside parentheses (targets and messages depend on it). */
  private parens = new WeakSet<A.Expr>();
  /** The last expression noted (see noteExpr) and its token span. */
  lastExpr: A.Expr | null = null;
  lastExprStart = -1;
  lastExprEnd = -1;

  /** `validate` runs Chevrotain's grammar checks (slow; for tests). */
  constructor(validate = false) {
    // LL(1) throughout: k=2 lookahead analysis was most of the start-up cost, so the few
    // two-token decisions are explicit GATEs and list items are optional after each comma.
    super(T.parserTokens, {
      maxLookahead: 1, skipValidations: !validate, recoveryEnabled: false,
      lookaheadStrategy: new FirstSetStrategy(Math.max(...T.parserTokens.map((t) => t.tokenTypeIdx!)) + 1),
    });
    this.performSelfAnalysis();
  }

  /** Parses a laid-out token stream; recognition errors are left in `this.errors`. */
  parseTokens(tokens: IToken[], source: string): A.Module {
    this.source = source;
    this.parens = new WeakSet();
    this.lastExpr = null;
    this.lastExprStart = this.lastExprEnd = -1;
    this.input = tokens;
    return this.file();
  }

  /**
   * Notes a disjunction just parsed where CPython's grammar tries its invalid_expression rule
   * (an expression, a for-target), for the messages that look back at it: "Perhaps you forgot
   * a comma?", "Missing parentheses in call to 'print'".
   */
  private noteExpr(e: A.Expr, start: number): A.Expr {
    if (!this.RECORDING_PHASE) {
      this.lastExpr = e;
      this.lastExprStart = start;
      this.lastExprEnd = this.lastEnd();
    }
    return e;
  }

  /** `def f((a))` / `lambda (a): 0`: CPython's own message for a parameter in parentheses. */
  private noParenParam(isDef: boolean | undefined): void {
    const t = this.LA(1);
    if (this.RECORDING_PHASE || t.tokenType !== T.LParen) return;
    throw syntaxError(`${isDef ? 'Function' : 'Lambda expression'} parameters cannot be parenthesized`, t.startOffset);
  }

  /** Whether a binary operator may follow: anything but a `not` without its `in`. */
  private readonly notInAhead = (): boolean => this.LA(1).tokenType !== T.Not || this.LA(2).tokenType === T.In;

  /** The token after the last one consumed (after an error: the one the parser stopped at). */
  nextToken(): IToken {
    return this.LA(1);
  }

  // ---- helpers used inside rules ----

  private lastEnd(): number {
    const t = this.LA(0);
    return t.startOffset + t.image.length;
  }

  /**
   * Where a compound statement ends: after its last real token, layout tokens aside (so a
   * trailing `;` counts, as in CPython).
   */
  private stmtEnd(): number {
    for (let i = 0; ; i--) {
      const t = this.LA(i);
      const type = t.tokenType;
      if (type !== T.Newline && type !== T.Indent && type !== T.Dedent) return tokenEnd(t);
    }
  }

  /** Where a token is, for messages; Chevrotain's EOF has no offset. */
  private offsetOf(t: IToken): number {
    return t.tokenType === EOF ? this.source.length : t.startOffset;
  }

  /** A token CPython requires outright (`&&':'` in its grammar): anything else is "expected ':'". */
  private expect(idx: number, type: TokenType, text: string): IToken {
    if (!this.RECORDING_PHASE) {
      const t = this.LA(1);
      if (t.tokenType !== type) throw syntaxError(`expected '${text}'`, this.offsetOf(t), tokenEnd(t));
    }
    return this.consume(idx, type);
  }

  /** A compound statement's colon: CPython says "expected ':'" only when the line ends there. */
  private colon(idx: number): IToken {
    if (!this.RECORDING_PHASE) {
      const t = this.LA(1);
      if (t.tokenType === T.Newline) throw syntaxError("expected ':'", t.startOffset, t.startOffset);
    }
    return this.consume(idx, T.Colon);
  }

  /**
   * A comma in a list whose items are optional after it (which is how trailing commas parse
   * with one token of lookahead); a comma right after an item-less comma is invalid syntax.
   */
  private listComma(idx: number, pending: IToken | null): IToken {
    const c = this.consume(idx, T.Comma);
    if (pending !== null && !this.RECORDING_PHASE) throw syntaxError('invalid syntax', c.startOffset, tokenEnd(c));
    return c;
  }

  private markParens<E extends A.Expr>(e: E): E {
    if (!this.RECORDING_PHASE) this.parens.add(e);
    return e;
  }

  private toTarget<E extends A.Expr>(e: E, ctx: 'store' | 'del' | 'for'): E {
    const bad = invalidTarget(e, ctx);
    if (bad) throw syntaxError(`cannot ${ctx === 'del' ? 'delete' : 'assign to'} ${exprName(bad)}`, bad.start, bad.end);
    if (ctx === 'for' && !isTarget(e)) {
      const t = this.LA(1);
      throw syntaxError('invalid syntax', this.offsetOf(t), tokenEnd(t));
    }
    setCtx(e, ctx === 'del' ? 'del' : 'store');
    return e;
  }

  /** Would CPython's grammar see `e` as one bitwise_or operand (so `e = x` reads as a typo for ==)? */
  private isBitOr(e: A.Expr): boolean {
    if (this.parens.has(e)) return true;
    switch (e.kind) {
      case 'BoolOp': case 'Compare': case 'IfExp': case 'Lambda': case 'NamedExpr':
      case 'Starred': case 'Yield': case 'YieldFrom': return false;
      case 'UnaryOp': return e.op !== 'not';
      default: return true;
    }
  }

  /** CPython's invalid_named_expression exempts these from the "Maybe you meant '=='" hint. */
  private static noEqHint(e: A.Expr): boolean {
    return e.kind === 'List' || e.kind === 'Tuple' || e.kind === 'GeneratorExp' ||
      (e.kind === 'Constant' && (e.value === null || e.value === true || e.value === false));
  }

  /** The bitwise_or that `v` starts with, or null when it starts otherwise (`not`, `lambda`, …). */
  private leadingBitOr(v: A.Expr): A.Expr | null {
    for (;;) {
      if (this.parens.has(v)) return v;
      switch (v.kind) {
        case 'Tuple': if (v.elts.length === 0) return v; v = v.elts[0]!; continue;
        case 'BoolOp': v = v.values[0]!; continue;
        case 'Compare': v = v.left; continue;
        case 'IfExp': v = v.body; continue;
        case 'UnaryOp': return v.op === 'not' ? null : v;
        case 'Lambda': case 'Yield': case 'YieldFrom': case 'Starred': case 'NamedExpr': return null;
        default: return v;
      }
    }
  }

  /** `e = ...` where `e` cannot be assigned: CPython's "Maybe you meant '=='" messages. */
  private equalsHint(e: A.Expr, rhsEnd: number): void {
    if (e.kind === 'Name' && !this.parens.has(e)) {
      throw syntaxError("invalid syntax. Maybe you meant '==' or ':=' instead of '='?", e.start, rhsEnd);
    }
    if (this.isBitOr(e) && !SpyParser.noEqHint(e)) {
      throw syntaxError(`cannot assign to ${exprName(e)} here. Maybe you meant '==' instead of '='?`, e.start, e.end);
    }
  }

  /** A condition followed by `=` (`if x = 1:`). */
  private noEquals(test: A.Expr): void {
    if (this.RECORDING_PHASE || this.LA(1).tokenType !== T.Equals) return;
    const after = this.LA(2);
    // Without an operand after the `=`, CPython has no hint: just invalid syntax at the `=`.
    if (!OPERAND_START.has(after.tokenType)) return;
    this.equalsHint(test, tokenEnd(after));
  }

  private assign(values: A.Expr[], start: number): A.Assign {
    const targets = values.slice(0, -1);
    const value = values[values.length - 1]!;
    if (targets.some((t) => invalidTarget(t, 'store') !== null)) {
      // CPython's invalid_named_expression: the first `x = y` of the statement reads as a typo
      // for `==` when `y` starts with a bitwise_or that no further `=` follows.
      const t = targets[0]!;
      const next = targets[1] ?? value;
      const rhs = this.leadingBitOr(next);
      if (rhs !== null && (targets.length === 1 || rhs !== next)) {
        this.equalsHint(t.kind === 'Tuple' && !this.parens.has(t) ? t.elts[t.elts.length - 1]! : t, rhs.end);
      }
    }
    for (const t of targets) {
      if ((t.kind === 'Yield' || t.kind === 'YieldFrom') && !this.parens.has(t)) {
        throw syntaxError('assignment to yield expression not possible', t.start, t.end);
      }
      this.toTarget(t, 'store');
    }
    return { kind: 'Assign', targets, value, start, end: this.lastEnd() };
  }

  private annAssign(target: A.Expr, annotation: A.Expr, value: A.Expr | null, start: number): A.AnnAssign {
    if (target.kind === 'Tuple' || target.kind === 'List') {
      const what = target.kind === 'List' ? 'list' : 'tuple';
      const at = target.kind === 'Tuple' && !this.parens.has(target) ? target.elts[0]! : target;
      throw syntaxError(`only single target (not ${what}) can be annotated`, at.start, at.end);
    }
    if (target.kind !== 'Name' && target.kind !== 'Attribute' && target.kind !== 'Subscript') {
      throw syntaxError('illegal target for annotation', target.start, target.end);
    }
    setCtx(target, 'store');
    return { kind: 'AnnAssign', target, annotation, value, start, end: this.lastEnd() };
  }

  private augAssign(target: A.Expr, op: IToken, value: A.Expr, start: number): A.AugAssign {
    if (target.kind !== 'Name' && target.kind !== 'Attribute' && target.kind !== 'Subscript') {
      throw syntaxError(`'${exprName(target)}' is an illegal expression for augmented assignment`, target.start, target.end);
    }
    setCtx(target, 'store');
    return { kind: 'AugAssign', target, op: AUG_OF[op.tokenTypeIdx]!, value, start, end: this.lastEnd() };
  }

  private missingBlock(owner: string, at: number, nl: IToken): never {
    const next = this.LA(1);
    let k = 1;
    while (this.LA(k).tokenType === T.Dedent) k++;
    // CPython points at the next line's first token, or — when that line dedents or input
    // ends — at the line break after the colon.
    const offset = this.LA(k).tokenType === EOF ? endOfInput(this.source, nl.startOffset)
      : next.tokenType === T.Dedent ? nl.startOffset : next.startOffset;
    // One caret, as CPython prints for every IndentationError.
    throw new SpySyntaxError('IndentationError',
      `expected an indented block after ${owner} on line ${locate(this.source, at).line}`, offset, offset + 1);
  }

  /** `with (` … `)` `:` — CPython reads the parentheses as grouping with-items, not a tuple. */
  private parenthesizedWithItems(): boolean {
    if (this.LA(2).tokenType === T.Yield) return false; // `with (yield):` — a with item is never a yield
    let depth = 0;
    for (let i = 1; ; i++) {
      const type = this.LA(i).tokenType;
      if (type === T.LParen || type === T.LBracket || type === T.LBrace) depth++;
      else if (type === T.RParen || type === T.RBracket || type === T.RBrace) {
        if (--depth === 0) return this.LA(i + 1).tokenType === T.Colon;
      } else if (type === EOF || type === T.Newline || type === T.ErrorToken) return false;
    }
  }

  // ---- module and statements ----

  // file: statement* ENDMARKER
  public readonly file = this.RULE('file', (): A.Module => {
    const body: A.Stmt[] = [];
    this.MANY(() => addStmt(body, this.SUBRULE(this.statement)));
    return { kind: 'Module', body };
  });

  // statement: compound_stmt | simple_stmts
  public readonly statement = this.RULE('statement', (): A.Stmt | A.Stmt[] => this.OR([
    { ALT: () => this.SUBRULE(this.ifStmt) },
    { ALT: () => this.SUBRULE(this.whileStmt) },
    { ALT: () => this.SUBRULE(this.forStmt) },
    { ALT: () => this.SUBRULE(this.tryStmt) },
    { ALT: () => this.SUBRULE(this.withStmt) },
    { ALT: () => this.SUBRULE(this.funcDef) },
    { ALT: () => this.SUBRULE(this.classDef) },
    { ALT: () => this.SUBRULE(this.decorated) },
    { ALT: () => this.SUBRULE(this.simpleStmts) },
  ]));

  // simple_stmts: simple_stmt (';' simple_stmt)* [';'] NEWLINE
  // Read as (simple_stmt [';'])+ NEWLINE, going round again only after a `;` (one rule call
  // less per statement than calling a simple_stmt rule).
  public readonly simpleStmts = this.RULE('simpleStmts', (): A.Stmt[] => {
    const stmts: A.Stmt[] = [];
    let more = true;
    this.AT_LEAST_ONE({ GATE: () => more, DEF: () => {
      stmts.push(this.OR(this.simpleAlts ??= this.simpleStatements()));
      more = this.OPTION(() => this.CONSUME(T.Semicolon)) !== undefined;
    } });
    this.CONSUME(T.Newline);
    return stmts;
  });

  /** Alternatives of simple_stmt (built once: they capture nothing). */
  private simpleAlts: IOrAlt<A.Stmt>[] | undefined;

  // simple_stmt: 'pass' | 'break' | 'continue' | return_stmt | raise_stmt | global_stmt
  //   | nonlocal_stmt | del_stmt | assert_stmt | import_name | import_from | expression_stmt
  private simpleStatements(): IOrAlt<A.Stmt>[] {
    return [
    { ALT: () => { const t = this.CONSUME(T.Pass); return { kind: 'Pass', start: t.startOffset, end: tokenEnd(t) }; } },
    { ALT: () => { const t = this.CONSUME(T.Break); return { kind: 'Break', start: t.startOffset, end: tokenEnd(t) }; } },
    { ALT: () => { const t = this.CONSUME(T.Continue); return { kind: 'Continue', start: t.startOffset, end: tokenEnd(t) }; } },
    { ALT: () => this.SUBRULE(this.returnStmt) },
    { ALT: () => this.SUBRULE(this.raiseStmt) },
    { ALT: () => this.SUBRULE(this.globalStmt) },
    { ALT: () => this.SUBRULE(this.delStmt) },
    { ALT: () => this.SUBRULE(this.assertStmt) },
    { ALT: () => this.SUBRULE(this.importStmt) },
    { ALT: () => this.SUBRULE(this.fromStmt) },
    { ALT: () => this.SUBRULE(this.exprStmt) },
    ];
  }

  // expression_stmt: star_expressions
  //   | single_target ':' expression ['=' annotated_rhs]
  //   | single_target augassign (yield_expr | star_expressions)
  //   | (star_targets '=')+ (yield_expr | star_expressions)
  // The left side is parsed as an expression and converted to a target once `=` is seen.
  public readonly exprStmt = this.RULE('exprStmt', (): A.Stmt => {
    const start = this.LA(1).startOffset;
    const first = this.OR([
      { ALT: () => this.SUBRULE(this.yieldExpr) },
      { ALT: () => this.SUBRULE(this.starExpressions) },
    ]);
    return this.OR2([
      { ALT: () => {
        const colon = this.CONSUME(T.Colon);
        // `f():` and nothing after: CPython never got past the colon with a target it cannot annotate.
        if (!this.RECORDING_PHASE && this.LA(1).tokenType === T.Newline &&
          first.kind !== 'Name' && first.kind !== 'Attribute' && first.kind !== 'Subscript') {
          throw syntaxError('invalid syntax', colon.startOffset, tokenEnd(colon));
        }
        const annotation = this.SUBRULE(this.expression);
        const value = this.OPTION(() => {
          this.CONSUME(T.Equals);
          return this.SUBRULE2(this.rhs);
        }) ?? null;
        return this.ACTION(() => this.annAssign(first, annotation, value, start));
      } },
      { ALT: () => {
        const op = this.CONSUME(T.AugAssignOp);
        const value = this.SUBRULE3(this.rhs);
        return this.ACTION(() => this.augAssign(first, op, value, start));
      } },
      { ALT: () => {
        const values = [first];
        this.AT_LEAST_ONE(() => {
          this.CONSUME2(T.Equals);
          values.push(this.SUBRULE4(this.rhs));
        });
        return this.ACTION(() => this.assign(values, start));
      } },
      { ALT: () => ({ kind: 'Expr', value: first, start, end: this.lastEnd() }) },
    ]);
  });

  // annotated_rhs: yield_expr | star_expressions
  public readonly rhs = this.RULE('rhs', (): A.Expr => this.OR([
    { ALT: () => this.SUBRULE(this.yieldExpr) },
    { ALT: () => this.SUBRULE(this.starExpressions) },
  ]));

  // return_stmt: 'return' [star_expressions]
  public readonly returnStmt = this.RULE('returnStmt', (): A.Return => {
    const t = this.CONSUME(T.Return);
    const value = this.OPTION(() => this.SUBRULE(this.starExpressions)) ?? null;
    return { kind: 'Return', value, start: t.startOffset, end: this.lastEnd() };
  });

  // raise_stmt: 'raise' [expression ['from' expression]]
  public readonly raiseStmt = this.RULE('raiseStmt', (): A.Raise => {
    const t = this.CONSUME(T.Raise);
    let cause: A.Expr | null = null;
    const exc = this.OPTION(() => {
      const e = this.SUBRULE(this.expression);
      cause = this.OPTION2(() => {
        this.CONSUME(T.From);
        return this.SUBRULE2(this.expression);
      }) ?? null;
      return e;
    }) ?? null;
    return { kind: 'Raise', exc, cause, start: t.startOffset, end: this.lastEnd() };
  });

  // global_stmt: 'global' NAME (',' NAME)* ;  nonlocal_stmt: 'nonlocal' NAME (',' NAME)*
  public readonly globalStmt = this.RULE('globalStmt', (): A.Global | A.Nonlocal => {
    const t = this.OR([
      { ALT: () => this.CONSUME(T.Global) },
      { ALT: () => this.CONSUME(T.Nonlocal) },
    ]);
    const names = [identName(this.CONSUME(T.Identifier))];
    this.MANY(() => {
      this.CONSUME(T.Comma);
      names.push(identName(this.CONSUME2(T.Identifier)));
    });
    return { kind: t.tokenType === T.Global ? 'Global' : 'Nonlocal', names, start: t.startOffset, end: this.lastEnd() };
  });

  // del_stmt: 'del' del_targets   (del_targets: ','.del_target+ [','])
  public readonly delStmt = this.RULE('delStmt', (): A.Delete => {
    const t = this.CONSUME(T.Del);
    const e = this.SUBRULE(this.starExpressions);
    return this.ACTION(() => {
      const targets = e.kind === 'Tuple' && !this.parens.has(e) ? e.elts : [e];
      for (const x of targets) this.toTarget(x, 'del');
      return { kind: 'Delete', targets, start: t.startOffset, end: this.lastEnd() };
    });
  });

  // assert_stmt: 'assert' expression [',' expression]
  public readonly assertStmt = this.RULE('assertStmt', (): A.Assert => {
    const t = this.CONSUME(T.Assert);
    const test = this.SUBRULE(this.expression);
    const msg = this.OPTION(() => {
      this.CONSUME(T.Comma);
      return this.SUBRULE2(this.expression);
    }) ?? null;
    return { kind: 'Assert', test, msg, start: t.startOffset, end: this.lastEnd() };
  });

  // import_name: 'import' dotted_as_name (',' dotted_as_name)*
  public readonly importStmt = this.RULE('importStmt', (): A.Import => {
    const t = this.CONSUME(T.Import);
    const names = [this.SUBRULE(this.dottedAsName)];
    this.MANY(() => {
      this.CONSUME(T.Comma);
      names.push(this.SUBRULE2(this.dottedAsName));
    });
    return { kind: 'Import', names, start: t.startOffset, end: this.lastEnd() };
  });

  // dotted_as_name: dotted_name ['as' NAME] ;  dotted_name: NAME ('.' NAME)*
  public readonly dottedAsName = this.RULE('dottedAsName', (): A.Alias => {
    const start = this.LA(1).startOffset;
    const name = this.SUBRULE(this.dottedName);
    const asname = this.OPTION(() => {
      this.CONSUME(T.As);
      return identName(this.CONSUME(T.Identifier));
    }) ?? null;
    return { name, asname, start, end: this.lastEnd() };
  });

  public readonly dottedName = this.RULE('dottedName', (): string => {
    let name = identName(this.CONSUME(T.Identifier));
    this.MANY(() => {
      this.CONSUME(T.Dot);
      name += '.' + identName(this.CONSUME2(T.Identifier));
    });
    return name;
  });

  // import_from: 'from' ('.' | '...')* dotted_name 'import' import_from_targets
  //   | 'from' ('.' | '...')+ 'import' import_from_targets
  // import_from_targets: '(' import_as_names [','] ')' | import_as_names !',' | '*'
  public readonly fromStmt = this.RULE('fromStmt', (): A.ImportFrom => {
    const t = this.CONSUME(T.From);
    let level = 0;
    this.MANY(() => {
      level += this.OR([
        { ALT: () => { this.CONSUME(T.Dot); return 1; } },
        { ALT: () => { this.CONSUME(T.Ellipsis); return 3; } },
      ]);
    });
    const module = this.OPTION(() => this.SUBRULE(this.dottedName)) ?? null;
    const imp = this.CONSUME(T.Import);
    if (!this.RECORDING_PHASE && level === 0 && module === null) throw syntaxError('invalid syntax', imp.startOffset, tokenEnd(imp));
    const names = this.OR2([
      { ALT: () => {
        const star = this.CONSUME(T.Star);
        return [{ name: '*', asname: null, start: star.startOffset, end: tokenEnd(star) }];
      } },
      { ALT: () => {
        this.CONSUME(T.LParen);
        const list = this.SUBRULE(this.importAsNames);
        this.CONSUME(T.RParen);
        return list;
      } },
      { ALT: () => {
        const list = this.SUBRULE2(this.importAsNames);
        if (!this.RECORDING_PHASE && this.LA(0).tokenType === T.Comma) {
          const after = this.LA(1);
          throw syntaxError('trailing comma not allowed without surrounding parentheses', after.startOffset, after.startOffset);
        }
        return list;
      } },
    ]);
    return { kind: 'ImportFrom', module, names, level, start: t.startOffset, end: this.lastEnd() };
  });

  // import_as_names: import_as_name (',' import_as_name)* [','] ;  import_as_name: NAME ['as' NAME]
  public readonly importAsNames = this.RULE('importAsNames', (): A.Alias[] => {
    const names = [this.SUBRULE(this.importAsName)];
    let pending = null as IToken | null;
    this.MANY(() => {
      pending = this.listComma(0, pending);
      this.OPTION(() => {
        names.push(this.SUBRULE2(this.importAsName));
        pending = null;
      });
    });
    return names;
  });

  public readonly importAsName = this.RULE('importAsName', (): A.Alias => {
    const n = this.CONSUME(T.Identifier);
    const asname = this.OPTION(() => {
      this.CONSUME(T.As);
      return identName(this.CONSUME2(T.Identifier));
    }) ?? null;
    return { name: identName(n), asname, start: n.startOffset, end: this.lastEnd() };
  });

  // block: NEWLINE INDENT statement+ DEDENT | simple_stmts
  // `owner` and `at` name the header for "expected an indented block after …".
  public readonly block = this.RULE('block', (owner?: string, at?: number): A.Stmt[] => this.OR([
    { ALT: () => {
      const nl = this.CONSUME(T.Newline);
      if (!this.RECORDING_PHASE && this.LA(1).tokenType !== T.Indent) this.missingBlock(owner!, at!, nl);
      this.CONSUME(T.Indent);
      const body: A.Stmt[] = [];
      this.AT_LEAST_ONE(() => addStmt(body, this.SUBRULE(this.statement)));
      this.CONSUME(T.Dedent);
      return body;
    } },
    { ALT: () => this.SUBRULE(this.simpleStmts) },
  ]));

  // else_block: 'else' &&':' block
  public readonly elseClause = this.RULE('elseClause', (): A.Stmt[] => {
    const t = this.CONSUME(T.Else);
    this.expect(0, T.Colon, ':');
    return this.SUBRULE(this.block, { ARGS: ["'else' statement", t.startOffset] });
  });

  // if_stmt: 'if' named_expression ':' block ('elif' named_expression ':' block)* [else_block]
  // An elif becomes an If alone in the orelse of the one before, as in CPython's AST.
  public readonly ifStmt = this.RULE('ifStmt', (): A.If => {
    const t = this.CONSUME(T.If);
    const test = this.SUBRULE(this.namedExpression);
    this.noEquals(test);
    this.colon(1);
    const body = this.SUBRULE(this.block, { ARGS: ["'if' statement", t.startOffset] });
    const elifs: { tok: IToken; test: A.Expr; body: A.Stmt[] }[] = [];
    this.MANY(() => {
      const tok = this.CONSUME(T.Elif);
      const test = this.SUBRULE2(this.namedExpression);
      this.noEquals(test);
      this.colon(2);
      elifs.push({ tok, test, body: this.SUBRULE2(this.block, { ARGS: ["'elif' statement", tok.startOffset] }) });
    });
    let orelse = this.OPTION(() => this.SUBRULE(this.elseClause)) ?? [];
    return this.ACTION(() => {
      const end = this.stmtEnd(); // every If of an elif chain ends where the whole statement does
      for (let i = elifs.length - 1; i >= 0; i--) {
        const e = elifs[i]!;
        orelse = [{ kind: 'If', test: e.test, body: e.body, orelse, start: e.tok.startOffset, end }];
      }
      return { kind: 'If', test, body, orelse, start: t.startOffset, end };
    });
  });

  // while_stmt: 'while' named_expression ':' block [else_block]
  public readonly whileStmt = this.RULE('whileStmt', (): A.While => {
    const t = this.CONSUME(T.While);
    const test = this.SUBRULE(this.namedExpression);
    this.noEquals(test);
    this.colon(1);
    const body = this.SUBRULE(this.block, { ARGS: ["'while' statement", t.startOffset] });
    const orelse = this.OPTION(() => this.SUBRULE(this.elseClause)) ?? [];
    return this.ACTION(() => ({ kind: 'While', test, body, orelse, start: t.startOffset, end: this.stmtEnd() }));
  });

  // for_stmt: 'for' star_targets 'in' star_expressions ':' block [else_block]
  public readonly forStmt = this.RULE('forStmt', (): A.For => {
    const t = this.CONSUME(T.For);
    const target = this.SUBRULE(this.targetList);
    this.CONSUME(T.In);
    const iter = this.SUBRULE(this.starExpressions);
    this.colon(1);
    const body = this.SUBRULE(this.block, { ARGS: ["'for' statement", t.startOffset] });
    const orelse = this.OPTION(() => this.SUBRULE(this.elseClause)) ?? [];
    return this.ACTION(() => ({ kind: 'For', target, iter, body, orelse, start: t.startOffset, end: this.stmtEnd() }));
  });

  // try_stmt: 'try' &&':' block (except_block+ [else_block] [finally_block] | finally_block)
  public readonly tryStmt = this.RULE('tryStmt', (): A.Try => {
    const t = this.CONSUME(T.Try);
    this.expect(0, T.Colon, ':');
    const body = this.SUBRULE(this.block, { ARGS: ["'try' statement", t.startOffset] });
    if (!this.RECORDING_PHASE) {
      const next = this.LA(1);
      if (next.tokenType !== T.Except && next.tokenType !== T.Finally) {
        // At end of input CPython points at the last line break, where the final DEDENTs sit.
        // At end of input CPython points at the last line break, where the final DEDENTs sit, with
        // no end (end_offset -1), so it prints no caret.
        if (next.tokenType === EOF) throw syntaxError("expected 'except' or 'finally' block", this.LA(0).startOffset, -1);
        throw syntaxError("expected 'except' or 'finally' block", next.startOffset, tokenEnd(next));
      }
    }
    const handlers: A.ExceptHandler[] = [];
    this.MANY(() => handlers.push(this.SUBRULE(this.exceptClause)));
    const orelse = this.OPTION(() => this.SUBRULE(this.elseClause)) ?? [];
    const finalbody = this.OPTION2(() => {
      const f = this.CONSUME(T.Finally);
      this.expect(1, T.Colon, ':');
      return this.SUBRULE2(this.block, { ARGS: ["'finally' statement", f.startOffset] });
    }) ?? [];
    return this.ACTION(() => ({ kind: 'Try', body, handlers, orelse, finalbody, start: t.startOffset, end: this.stmtEnd() }));
  });

  // except_block: 'except' [expression ['as' NAME]] ':' block
  public readonly exceptClause = this.RULE('exceptClause', (): A.ExceptHandler => {
    const t = this.CONSUME(T.Except);
    let name: string | null = null;
    const type = this.OPTION(() => {
      const e = this.SUBRULE(this.expression);
      if (!this.RECORDING_PHASE && this.LA(1).tokenType === T.Comma) {
        throw syntaxError('multiple exception types must be parenthesized', e.start, tokenEnd(this.LA(2)));
      }
      name = this.OPTION2(() => {
        this.CONSUME(T.As);
        return identName(this.CONSUME(T.Identifier));
      }) ?? null;
      return e;
    }) ?? null;
    this.colon(1);
    const body = this.SUBRULE(this.block, { ARGS: ["'except' statement", t.startOffset] });
    return this.ACTION(() => ({ type, name, body, start: t.startOffset, end: this.stmtEnd() }));
  });

  // with_stmt: 'with' '(' ','.with_item+ [','] ')' ':' block | 'with' ','.with_item+ ':' block
  public readonly withStmt = this.RULE('withStmt', (): A.With => {
    const t = this.CONSUME(T.With);
    const items = this.OR([
      {
        GATE: () => this.LA(1).tokenType === T.LParen && this.parenthesizedWithItems(),
        IGNORE_AMBIGUITIES: true,
        ALT: () => {
          this.CONSUME(T.LParen);
          const list = [this.SUBRULE(this.withItem)];
          let pending = null as IToken | null;
          this.MANY(() => {
            pending = this.listComma(0, pending);
            this.OPTION(() => {
              list.push(this.SUBRULE2(this.withItem));
              pending = null;
            });
          });
          this.CONSUME(T.RParen);
          return list;
        },
      },
      { ALT: () => {
        const list = [this.SUBRULE3(this.withItem)];
        this.MANY2(() => {
          this.CONSUME2(T.Comma);
          list.push(this.SUBRULE4(this.withItem));
        });
        return list;
      } },
    ]);
    this.colon(1);
    const body = this.SUBRULE(this.block, { ARGS: ["'with' statement", t.startOffset] });
    return this.ACTION(() => ({ kind: 'With', items, body, start: t.startOffset, end: this.stmtEnd() }));
  });

  // with_item: expression ['as' star_target]
  public readonly withItem = this.RULE('withItem', (): A.WithItem => {
    const start = this.LA(1).startOffset;
    const contextExpr = this.SUBRULE(this.expression);
    const optionalVars = this.OPTION(() => {
      this.CONSUME(T.As);
      const target = this.SUBRULE(this.targetItem);
      return this.ACTION(() => this.toTarget(target, 'store'));
    }) ?? null;
    return { contextExpr, optionalVars, start, end: this.lastEnd() };
  });

  // decorators: ('@' named_expression NEWLINE)+ then a function or class definition
  public readonly decorated = this.RULE('decorated', (): A.FunctionDef | A.ClassDef => {
    const start = this.LA(1).startOffset;
    const decorators: A.Expr[] = [];
    this.AT_LEAST_ONE(() => {
      this.CONSUME(T.At);
      decorators.push(this.SUBRULE(this.namedExpression));
      this.CONSUME(T.Newline);
    });
    return this.OR([
      { ALT: () => this.SUBRULE(this.funcDef, { ARGS: [decorators, start] }) },
      { ALT: () => this.SUBRULE(this.classDef, { ARGS: [decorators, start] }) },
    ]);
  });

  // function_def: 'def' NAME &&'(' [params] ')' ['->' expression] &&':' block
  public readonly funcDef = this.RULE('funcDef', (decorators?: A.Expr[], start?: number): A.FunctionDef => {
    const t = this.CONSUME(T.Def);
    const name = identName(this.CONSUME(T.Identifier));
    this.expect(0, T.LParen, '(');
    this.noParenParam(true);
    const args = this.OPTION(() => this.SUBRULE(this.params, ARGS_DEF)) ?? null;
    this.CONSUME(T.RParen);
    const returns = this.OPTION2(() => {
      this.CONSUME(T.Arrow);
      return this.SUBRULE(this.expression);
    }) ?? null;
    this.expect(1, T.Colon, ':');
    const body = this.SUBRULE(this.block, { ARGS: ['function definition', t.startOffset] });
    return this.ACTION(() => ({
      kind: 'FunctionDef', name, args: args ?? emptyArguments(), body, decorators: decorators ?? [], returns,
      start: start ?? t.startOffset, end: this.stmtEnd(), defStart: t.startOffset,
    }));
  });

  // class_def: 'class' NAME ['(' [arguments] ')'] ':' block
  public readonly classDef = this.RULE('classDef', (decorators?: A.Expr[], start?: number): A.ClassDef => {
    const t = this.CONSUME(T.Class);
    const name = identName(this.CONSUME(T.Identifier));
    const args = this.OPTION(() => {
      this.CONSUME(T.LParen);
      const a = this.OPTION2(() => this.SUBRULE(this.arguments)) ?? null;
      this.CONSUME(T.RParen);
      return a;
    }) ?? null;
    this.colon(1);
    const body = this.SUBRULE(this.block, { ARGS: ['class definition', t.startOffset] });
    return this.ACTION(() => {
      // A class's arguments are a call's, but a bare generator expression is not allowed there.
      if (args?.genexp) {
        const f = args.genexp.generators[0]!;
        throw syntaxError('invalid syntax', f.start, f.start + 3);
      }
      return {
        kind: 'ClassDef', name, bases: args?.args ?? [], keywords: args?.keywords ?? [], body,
        decorators: decorators ?? [], start: start ?? t.startOffset, end: this.stmtEnd(), defStart: t.startOffset,
      };
    });
  });

  // params: param_item (',' param_item)* [','] — checked for order afterwards, as CPython's
  // invalid_parameters rules do. `annotated` is false for lambda.
  public readonly params = this.RULE('params', (annotated?: boolean): A.Arguments => {
    const ARGS = annotated ? ARGS_DEF : ARGS_LAMBDA;
    const items = [this.SUBRULE(this.paramItem, ARGS)];
    let pending = null as IToken | null;
    this.MANY(() => {
      pending = this.listComma(0, pending);
      this.noParenParam(annotated);
      this.OPTION(() => {
        items.push(this.SUBRULE2(this.paramItem, ARGS));
        pending = null;
      });
    });
    return this.ACTION(() => buildArguments(items, annotated === true, pending !== null));
  });

  // param_item: '/' | '*' [param_name] | '**' param_name | param_name ['=' expression]
  public readonly paramItem = this.RULE('paramItem', (annotated?: boolean): ParamItem => {
    const ARGS = annotated ? ARGS_DEF : ARGS_LAMBDA;
    return this.OR([
      { ALT: () => ({ kind: '/', tok: this.CONSUME(T.Slash), arg: null, dflt: null, next: null }) },
      { ALT: () => {
        const tok = this.CONSUME(T.DoubleStar);
        return { kind: '**', tok, arg: this.SUBRULE(this.paramName, ARGS), dflt: null, next: null };
      } },
      { ALT: () => {
        const tok = this.CONSUME(T.Star);
        const arg = this.OPTION(() => this.SUBRULE2(this.paramName, ARGS)) ?? null;
        return { kind: '*', tok, arg, dflt: null, next: this.LA(1) };
      } },
      { ALT: () => {
        const tok = this.LA(1);
        const arg = this.SUBRULE3(this.paramName, ARGS);
        const dflt = this.OPTION2(() => {
          this.CONSUME(T.Equals);
          return this.SUBRULE(this.expression);
        }) ?? null;
        return { kind: 'param', tok, arg, dflt, next: null };
      } },
    ]);
  });

  // param_name: NAME [':' expression]   (annotations only in def)
  public readonly paramName = this.RULE('paramName', (annotated?: boolean): A.Arg => {
    const n = this.CONSUME(T.Identifier);
    const annotation = this.OPTION({
      GATE: () => annotated === true,
      DEF: () => {
        this.CONSUME(T.Colon);
        return this.SUBRULE(this.expression);
      },
    }) ?? null;
    return { name: identName(n), annotation, start: n.startOffset, end: this.lastEnd() };
  });

  // ---- expressions ----

  // star_expressions: star_expression (',' star_expression)* [',']
  public readonly starExpressions = this.RULE('starExpressions', (): A.Expr => {
    const start = this.LA(1).startOffset;
    // The first item inline (not via starExpression): most statements are just one expression.
    const first = this.OR([
      { ALT: () => this.SUBRULE(this.starItem) },
      { ALT: () => this.SUBRULE(this.expression) },
    ]);
    const elts = this.OPTION(() => this.SUBRULE(this.listRest, { ARGS: [STAR_EXPRESSIONS, first] }));
    return elts ? tuple(elts, start, this.lastEnd()) : first;
  });

  // list_rest: (',' [list_item])+  — the tail of a comma-separated list whose first item the
  // caller parsed (callers make it optional: no comma, no tuple). An item is optional after
  // each comma because that is how a trailing comma reads with one token of lookahead.
  public readonly listRest = this.RULE('listRest', (kind?: ListKind, first?: A.Expr): A.Expr[] => {
    const elts = [first!];
    let pending = null as IToken | null;
    this.AT_LEAST_ONE(() => {
      pending = this.listComma(0, pending);
      this.OPTION(() => {
        elts.push(this.SUBRULE(this.listItem, LIST_ARGS[kind!]));
        pending = null;
      });
    });
    return elts;
  });

  // list_item: star_expression | slice | star_target | star_named_expression, as `kind` says
  public readonly listItem = this.RULE('listItem', (kind?: ListKind): A.Expr => this.OR([
    { GATE: () => kind === STAR_EXPRESSIONS, ALT: () => this.SUBRULE(this.starExpression) },
    { GATE: () => kind === SLICES, ALT: () => this.SUBRULE(this.sliceItem) },
    { GATE: () => kind === TARGETS, ALT: () => this.SUBRULE(this.targetItem) },
    { GATE: () => kind === DISPLAY, ALT: () => this.SUBRULE(this.starNamedExpression) },
  ]));

  // star_expression: '*' bitwise_or | expression
  public readonly starExpression = this.RULE('starExpression', (): A.Expr => this.OR([
    { ALT: () => this.SUBRULE(this.starItem) },
    { ALT: () => this.SUBRULE(this.expression) },
  ]));

  // star_item: '*' bitwise_or
  public readonly starItem = this.RULE('starItem', (): A.Starred => {
    const star = this.CONSUME(T.Star);
    const value = this.SUBRULE(this.bitOrExpr);
    return starred(star, value, this.lastEnd());
  });

  // star_named_expression: '*' bitwise_or | named_expression
  public readonly starNamedExpression = this.RULE('starNamedExpression', (): A.Expr => this.OR([
    { ALT: () => this.SUBRULE(this.starItem) },
    { ALT: () => this.SUBRULE(this.namedExpression) },
  ]));

  // named_expression: NAME ':=' expression | expression
  public readonly namedExpression = this.RULE('namedExpression', (): A.Expr => this.OR([
    { GATE: this.walrusAhead, IGNORE_AMBIGUITIES: true, ALT: () => this.SUBRULE(this.walrus) },
    { ALT: () => this.SUBRULE(this.expression) },
  ]));

  private readonly walrusAhead = (): boolean => this.LA(2).tokenType === T.ColonEqual;

  // assignment_expression: NAME ':=' expression
  public readonly walrus = this.RULE('walrus', (): A.NamedExpr => {
    const n = this.CONSUME(T.Identifier);
    this.CONSUME(T.ColonEqual);
    const value = this.SUBRULE(this.expression);
    const target: A.Name = { kind: 'Name', id: identName(n), ctx: 'store', start: n.startOffset, end: tokenEnd(n) };
    return { kind: 'NamedExpr', target, value, start: n.startOffset, end: this.lastEnd() };
  });

  // expression: lambdef | disjunction ['if' disjunction 'else' expression]
  // With `only` set it is just a disjunction (a comprehension's iterable or condition, the test
  // of a conditional expression): one rule for both, as every operand passes through it.
  public readonly expression = this.RULE('expression', (only?: boolean): A.Expr => {
    const start = this.LA(1).startOffset;
    return this.OR([
      { ALT: () => {
        const lambda = this.SUBRULE(this.lambdef);
        if (only && !this.RECORDING_PHASE) throw syntaxError('invalid syntax', lambda.start, lambda.start + 6);
        return lambda;
      } },
      { ALT: () => {
        const body = this.disjunction(4);
        if (only) return body;
        this.noteExpr(body, start);
        return this.OPTION(() => {
          this.CONSUME(T.If);
          const test = this.SUBRULE2(this.expression, DISJUNCTION);
          if (!this.RECORDING_PHASE) {
            const next = this.LA(1).tokenType;
            if (next !== T.Else && next !== T.Colon) throw syntaxError("expected 'else' after 'if' expression", start, this.lastEnd());
          }
          this.CONSUME(T.Else);
          const orelse = this.SUBRULE(this.expression);
          return { kind: 'IfExp', test, body, orelse, start, end: this.lastEnd() } satisfies A.IfExp;
        }) ?? body;
      } },
    ]);
  });

  // lambdef: 'lambda' [lambda_params] ':' expression
  public readonly lambdef = this.RULE('lambdef', (): A.Lambda => {
    const t = this.CONSUME(T.Lambda);
    this.noParenParam(false);
    const args = this.OPTION(() => this.SUBRULE(this.params, ARGS_LAMBDA)) ?? null;
    this.CONSUME(T.Colon);
    const body = this.SUBRULE(this.expression);
    return { kind: 'Lambda', args: args ?? emptyArguments(), body, start: t.startOffset, end: this.lastEnd() };
  });

  // disjunction … sum, flattened:  operand (binop operand)*  with operand: 'not'* factor and
  // binop: 'or' | 'and' | comparison operators | 'not' 'in' | 'is' ['not'] | '|' | '^' | '&'
  //   | '<<' | '>>' | '+' | '-' | '*' | '/' | '//' | '%' | '@'
  /**
   * The operator loop, inlined into `expression` (a rule call costs more than its DSL calls).
   * `k` offsets the DSL occurrence indices so they stay distinct from the host rule's own.
   */
  private disjunction(k: number): A.Expr {
    let nots = null as IToken[] | null;
    this.many(k, () => { (nots ??= []).push(this.consume(k, T.Not)); });
    const start = this.LA(1).startOffset;
    const first = this.subrule(k, this.factor);
    const firstEnd = this.lastEnd();
    let flat = null as Flat | null;
    // `a not b` is no operator: stop before the `not`, so `[a not b]` reads as a missing comma.
    this.many(k + 1, { GATE: this.notInAhead, DEF: () => {
      const op = this.or(k, [
        { ALT: (): OpName => { this.consume(k + 1, T.Not); this.consume(k, T.In); return 'not in'; } },
        { ALT: (): OpName => {
          this.consume(k, T.Is);
          return this.option(k, () => { this.consume(k + 2, T.Not); return 'is not' as const; }) ?? 'is';
        } },
        { ALT: (): OpName => OP_OF[this.consume(k, T.BinaryOperator).tokenTypeIdx]! },
      ]);
      let more = null as IToken[] | null;
      // Only `and` and `or` take a `not` operand: `a + not b` fails at the `not`, as in CPython.
      this.many(k + 2, { GATE: () => op === 'and' || op === 'or', DEF: () => { (more ??= []).push(this.consume(k + 3, T.Not)); } });
      const s = this.LA(1).startOffset;
      const operand = this.subrule(k + 1, this.factor);
      if (!this.RECORDING_PHASE) (flat ??= new Flat(first, start, firstEnd, nots)).add(op, more, operand, s, this.lastEnd());
    } });
    if (this.RECORDING_PHASE) return first;
    if (flat === null && nots !== null) flat = new Flat(first, start, firstEnd, nots);
    return flat === null ? first : flat.build();
  }

  // bitwise_or … term, flattened: factor (('|' | '^' | '&' | '<<' | '>>' | '+' | '-' | '*' | '/'
  //   | '//' | '%' | '@') factor)*  — what `*x` and for-targets take (no comparisons, so `in` stops it)
  public readonly bitOrExpr = this.RULE('bitOrExpr', (): A.Expr => {
    const start = this.LA(1).startOffset;
    const first = this.SUBRULE(this.factor);
    const firstEnd = this.lastEnd();
    let flat = null as Flat | null;
    this.MANY(() => {
      const op = OP_OF[this.CONSUME(T.BitOperator).tokenTypeIdx]!;
      const s = this.LA(1).startOffset;
      const operand = this.SUBRULE2(this.factor);
      if (!this.RECORDING_PHASE) (flat ??= new Flat(first, start, firstEnd, null)).add(op, null, operand, s, this.lastEnd());
    });
    return flat === null ? first : flat.build();
  });

  // factor: ('+' | '-' | '~') factor | power ;  power: primary ['**' factor]
  // primary: atom ('.' NAME | '(' [arguments] ')' | '[' slices ']')*
  // (one rule with factor and atom: every operand passes through all three)
  public readonly factor = this.RULE('factor', (): A.Expr => {
    let prefixes = null as IToken[] | null;
    this.MANY(() => { (prefixes ??= []).push(this.CONSUME(T.UnaryOperator)); });
    const start = this.LA(1).startOffset;
    let e = this.OR(this.atomAlts ??= this.atoms());
    this.MANY2(() => {
      e = this.OR2([
        { ALT: (): A.Expr => {
          this.CONSUME(T.Dot);
          const n = this.CONSUME2(T.Identifier);
          return { kind: 'Attribute', value: e, attr: identName(n), ctx: 'load', start, end: tokenEnd(n) };
        } },
        { ALT: (): A.Expr => {
          const lp = this.CONSUME(T.LParen);
          const a = this.OPTION2(() => this.SUBRULE(this.arguments)) ?? null;
          const rp = this.CONSUME(T.RParen);
          if (a?.genexp && !this.RECORDING_PHASE) {
            // f(x for x in y): the generator expression spans the call's parentheses, as in CPython.
            a.genexp.start = lp.startOffset;
            a.genexp.end = tokenEnd(rp);
          }
          return { kind: 'Call', func: e, args: a?.args ?? [], keywords: a?.keywords ?? [], start, end: tokenEnd(rp) };
        } },
        { ALT: (): A.Expr => {
          this.CONSUME(T.LBracket);
          const slice = this.SUBRULE(this.slices);
          const rb = this.CONSUME(T.RBracket);
          return { kind: 'Subscript', value: e, slice, ctx: 'load', start, end: tokenEnd(rb) };
        } },
      ]);
    });
    this.OPTION(() => {
      this.CONSUME(T.DoubleStar);
      const right = this.SUBRULE(this.factor);
      e = { kind: 'BinOp', op: '**', left: e, right, start, end: this.lastEnd() };
    });
    if (prefixes !== null && !this.RECORDING_PHASE) {
      const end = this.lastEnd();
      for (let i = prefixes.length - 1; i >= 0; i--) {
        const p = prefixes[i]!;
        e = { kind: 'UnaryOp', op: p.image as '-' | '+' | '~', operand: e, start: p.startOffset, end };
      }
    }
    return e;
  });

  // slices: slice (',' slice)* [',']
  public readonly slices = this.RULE('slices', (): A.Expr => {
    const start = this.LA(1).startOffset;
    const first = this.SUBRULE(this.sliceItem);
    let elts = this.OPTION(() => this.SUBRULE(this.listRest, { ARGS: [SLICES, first] })) ?? null;
    // `a[*b]` is a one-element tuple (PEP 646), as `a[*b,]` is.
    if (elts === null && first.kind === 'Starred') elts = [first];
    return elts ? tuple(elts, start, this.lastEnd()) : first;
  });

  // slice: '*' bitwise_or | [expression] ':' [expression] [':' [expression]] | named_expression
  public readonly sliceItem = this.RULE('sliceItem', (): A.Expr => this.OR([
    { ALT: () => this.SUBRULE(this.starItem) },
    { ALT: () => {
      const start = this.LA(1).startOffset;
      const lower = this.OPTION(() => this.SUBRULE(this.namedExpression)) ?? null;
      const slice = this.OPTION2(() => {
        this.CONSUME(T.Colon);
        const upper = this.OPTION3(() => this.SUBRULE(this.expression)) ?? null;
        const step = this.OPTION4(() => {
          this.CONSUME2(T.Colon);
          return this.OPTION5(() => this.SUBRULE2(this.expression)) ?? null;
        }) ?? null;
        return { kind: 'Slice', lower, upper, step, start, end: this.lastEnd() } satisfies A.Slice;
      });
      if (slice) return slice;
      if (lower === null && !this.RECORDING_PHASE) {
        const t = this.LA(1);
        throw syntaxError('invalid syntax', this.offsetOf(t), tokenEnd(t));
      }
      return lower!;
    } },
  ]));

  // arguments: arg (',' arg)* [',']
  public readonly arguments = this.RULE('arguments', (): CallArgs => {
    const items = [this.SUBRULE(this.arg)];
    let pending = null as IToken | null;
    this.MANY(() => {
      pending = this.listComma(0, pending);
      this.OPTION(() => {
        items.push(this.SUBRULE2(this.arg));
        pending = null;
      });
    });
    return this.ACTION(() => splitArgs(items, pending !== null, this.LA(1)));
  });

  // arg: '*' expression | '**' expression | NAME '=' expression | named_expression [for_if_clauses]
  public readonly arg = this.RULE('arg', (): ArgItem => this.OR([
    { ALT: (): ArgItem => {
      const star = this.CONSUME(T.Star);
      const value = this.SUBRULE(this.expression);
      return { kind: 'star', value: starred(star, value, this.lastEnd()), name: null, start: star.startOffset, end: this.lastEnd() };
    } },
    { ALT: (): ArgItem => {
      const t = this.CONSUME(T.DoubleStar);
      const value = this.SUBRULE2(this.expression);
      return { kind: 'dstar', value, name: null, start: t.startOffset, end: this.lastEnd() };
    } },
    { GATE: () => this.LA(2).tokenType === T.Equals, IGNORE_AMBIGUITIES: true, ALT: (): ArgItem => {
      const n = this.CONSUME(T.Identifier);
      const eq = this.CONSUME(T.Equals);
      const value = this.SUBRULE3(this.expression);
      if (!this.RECORDING_PHASE && this.LA(1).tokenType === T.For) {
        throw syntaxError("invalid syntax. Maybe you meant '==' or ':=' instead of '='?", n.startOffset, tokenEnd(eq));
      }
      return { kind: 'kw', value, name: identName(n), start: n.startOffset, end: this.lastEnd() };
    } },
    { ALT: (): ArgItem => {
      const start = this.LA(1).startOffset;
      // named_expression, inline: arguments are the commonest expressions after statements.
      const value = this.OR2([
        { GATE: this.walrusAhead, IGNORE_AMBIGUITIES: true, ALT: () => this.SUBRULE(this.walrus) },
        { ALT: () => this.SUBRULE4(this.expression) },
      ]);
      if (!this.RECORDING_PHASE && this.LA(1).tokenType === T.Equals) {
        throw syntaxError('expression cannot contain assignment, perhaps you meant "=="?', start, tokenEnd(this.LA(1)));
      }
      const gens = this.OPTION(() => this.SUBRULE(this.compFor));
      if (gens) {
        const end = this.lastEnd();
        const genexp: A.Comprehension = { kind: 'GeneratorExp', elt: value, value: null, generators: gens, start, end };
        return { kind: 'genexp', value: genexp, name: null, start, end };
      }
      return { kind: 'pos', value, name: null, start, end: this.lastEnd() };
    } },
  ]));

  // for_if_clauses: ('for' star_targets 'in' disjunction ('if' disjunction)*)+
  public readonly compFor = this.RULE('compFor', (): A.ComprehensionFor[] => {
    const gens: A.ComprehensionFor[] = [];
    this.AT_LEAST_ONE(() => {
      const f = this.CONSUME(T.For);
      const target = this.SUBRULE(this.targetList);
      this.CONSUME(T.In);
      const iter = this.SUBRULE(this.expression, DISJUNCTION);
      const ifs: A.Expr[] = [];
      this.MANY(() => {
        this.CONSUME(T.If);
        ifs.push(this.SUBRULE2(this.expression, DISJUNCTION));
      });
      gens.push({ target, iter, ifs, isAsync: false, start: f.startOffset, end: this.lastEnd() });
    });
    return gens;
  });

  // star_targets (for loops, comprehensions): star_target (',' star_target)* [',']
  public readonly targetList = this.RULE('targetList', (): A.Expr => {
    const start = this.LA(1).startOffset;
    const first = this.SUBRULE(this.targetItem);
    const elts = this.OPTION(() => this.SUBRULE(this.listRest, { ARGS: [TARGETS, first] }));
    return this.ACTION(() => this.toTarget(elts ? tuple(elts, start, this.lastEnd()) : first, 'for'));
  });

  // star_target: '*' bitwise_or | bitwise_or
  public readonly targetItem = this.RULE('targetItem', (): A.Expr => this.OR([
    { ALT: () => this.SUBRULE(this.starItem) },
    { ALT: () => {
      const start = this.LA(1).startOffset;
      return this.noteExpr(this.SUBRULE2(this.bitOrExpr), start);
    } },
  ]));

  // yield_expr: 'yield' 'from' expression | 'yield' [star_expressions]
  public readonly yieldExpr = this.RULE('yieldExpr', (): A.Yield | A.YieldFrom => {
    const t = this.CONSUME(T.Yield);
    return this.OR([
      { ALT: (): A.YieldFrom => {
        this.CONSUME(T.From);
        const value = this.SUBRULE(this.expression);
        return { kind: 'YieldFrom', value, start: t.startOffset, end: this.lastEnd() };
      } },
      { ALT: (): A.Yield => {
        const value = this.OPTION(() => this.SUBRULE(this.starExpressions)) ?? null;
        return { kind: 'Yield', value, start: t.startOffset, end: this.lastEnd() };
      } },
    ]);
  });

  // ---- atoms ----

  /** Alternatives of atom (built once: they capture nothing). */
  private atomAlts: IOrAlt<A.Expr>[] | undefined;

  // atom: NAME | NUMBER | strings | 'None' | 'True' | 'False' | '...' | paren | list | brace
  private atoms(): IOrAlt<A.Expr>[] {
    return [
    { ALT: (): A.Expr => {
      const t = this.CONSUME(T.Identifier);
      return { kind: 'Name', id: identName(t), ctx: 'load', start: t.startOffset, end: tokenEnd(t) };
    } },
    { ALT: () => {
      const t = this.CONSUME(T.NumberLit);
      return this.ACTION(() => {
        const p = t.payload as T.NumberPayload;
        if ('imaginary' in p) throw syntaxError('imaginary numbers are not supported by spy', t.startOffset, tokenEnd(t));
        if ('fault' in p) throw syntaxError(p.fault, p.offset, p.end);
        return constantOf(t, p.value);
      });
    } },
    { ALT: () => this.SUBRULE(this.strings) },
    { ALT: () => constantOf(this.CONSUME(T.None), null) },
    { ALT: () => constantOf(this.CONSUME(T.True), true) },
    { ALT: () => constantOf(this.CONSUME(T.False), false) },
    { ALT: () => constantOf(this.CONSUME(T.Ellipsis), ELLIPSIS) },
    { ALT: () => this.SUBRULE(this.parenAtom) },
    { ALT: () => this.SUBRULE(this.listAtom) },
    { ALT: () => this.SUBRULE(this.braceAtom) },
    ];
  }

  // strings: (STRING | fstring)+   — adjacent literals are one constant (or one f-string)
  public readonly strings = this.RULE('strings', (): A.Expr => {
    const start = this.LA(1).startOffset;
    const parts: (IToken | A.JoinedStr)[] = [];
    this.AT_LEAST_ONE(() => {
      this.OR([
        { ALT: () => { parts.push(this.CONSUME(T.StringLit)); } },
        { ALT: () => { parts.push(this.SUBRULE(this.fstring)); } },
      ]);
    });
    return this.ACTION(() => concatStrings(parts, start, this.lastEnd()));
  });

  // fstring: FSTRING_START (FSTRING_MIDDLE | fstring_field)* FSTRING_END
  public readonly fstring = this.RULE('fstring', (): A.JoinedStr => {
    const t = this.CONSUME(T.FStringStart);
    const values: A.Expr[] = [];
    this.MANY(() => {
      this.OR([
        { ALT: () => { pushStr(values, this.CONSUME(T.FStringMiddle)); } },
        { ALT: () => { this.SUBRULE(this.fstringField, { ARGS: [values] }); } },
      ]);
    });
    this.CONSUME(T.FStringEnd);
    return { kind: 'JoinedStr', values, start: t.startOffset, end: this.lastEnd() };
  });

  // fstring_field: '{' (yield_expr | star_expressions) ['='] ['!' NAME]
  //   [':' (FSTRING_MIDDLE | fstring_field)*] '}'   — appends its parts to `values`
  public readonly fstringField = this.RULE('fstringField', (values?: A.Expr[]): void => {
    const open = this.CONSUME(T.FStringFieldStart);
    const value = this.SUBRULE(this.rhs);
    const selfDoc = this.OPTION(() => this.CONSUME(T.FStringSelfDoc));
    const conv = this.OPTION2(() => this.CONSUME(T.FStringConversion));
    const formatSpec = this.OPTION3(() => {
      const colon = this.CONSUME(T.FStringSpecStart);
      const parts: A.Expr[] = [];
      this.MANY(() => {
        this.OR([
          { ALT: () => { pushStr(parts, this.CONSUME(T.FStringMiddle)); } },
          { ALT: () => { this.SUBRULE(this.fstringField, { ARGS: [parts] }); } },
        ]);
      });
      return { kind: 'JoinedStr', values: parts, start: tokenEnd(colon), end: this.LA(1).startOffset } satisfies A.JoinedStr;
    }) ?? null;
    const close = this.CONSUME(T.FStringFieldEnd);
    if (this.RECORDING_PHASE) return;
    if (selfDoc) {
      // f'{x=}' prints the expression's text, then its repr unless a conversion or spec says otherwise.
      const text: A.Constant = { kind: 'Constant', value: selfDoc.payload as string, start: tokenEnd(open), end: tokenEnd(selfDoc) };
      appendStr(values!, text);
    }
    const conversion = conv ? (conv.payload as 's' | 'r' | 'a') : selfDoc && formatSpec === null ? 'r' : '';
    values!.push({ kind: 'FormattedValue', value, conversion, formatSpec, start: open.startOffset, end: tokenEnd(close) });
  });

  // '(' ')' | '(' yield_expr ')' | '(' star_named_expression for_if_clauses ')'
  //   | '(' star_named_expression list_rest ')'
  public readonly parenAtom = this.RULE('parenAtom', (): A.Expr => {
    const lp = this.CONSUME(T.LParen);
    return this.OR([
      { ALT: () => this.markParens(tuple([], lp.startOffset, tokenEnd(this.CONSUME(T.RParen)))) },
      { ALT: () => {
        const y = this.SUBRULE(this.yieldExpr);
        this.CONSUME2(T.RParen);
        return this.markParens(y);
      } },
      { ALT: () => {
        const first = this.SUBRULE(this.starNamedExpression);
        return this.OR2([
          { ALT: () => {
            const gens = this.SUBRULE(this.compFor);
            const rp = this.CONSUME3(T.RParen);
            return this.ACTION(() => comprehension('GeneratorExp', first, null, gens, lp.startOffset, tokenEnd(rp)));
          } },
          { ALT: () => {
            const elts = this.OPTION(() => this.SUBRULE(this.listRest, { ARGS: [DISPLAY, first] }));
            const rp = this.CONSUME4(T.RParen);
            if (elts) return this.markParens(tuple(elts, lp.startOffset, tokenEnd(rp)));
            if (first.kind === 'Starred' && !this.RECORDING_PHASE) {
              throw syntaxError('cannot use starred expression here', first.start, first.end);
            }
            return this.markParens(first);
          } },
        ]);
      } },
    ]);
  });

  // '[' ']' | '[' star_named_expression (for_if_clauses | list_rest) ']'
  public readonly listAtom = this.RULE('listAtom', (): A.Expr => {
    const lb = this.CONSUME(T.LBracket);
    return this.OR([
      { ALT: (): A.Expr => ({ kind: 'List', elts: [], ctx: 'load', start: lb.startOffset, end: tokenEnd(this.CONSUME(T.RBracket)) }) },
      { ALT: () => {
        const first = this.SUBRULE(this.starNamedExpression);
        return this.OR2([
          { ALT: () => {
            const gens = this.SUBRULE(this.compFor);
            const rb = this.CONSUME2(T.RBracket);
            return this.ACTION(() => comprehension('ListComp', first, null, gens, lb.startOffset, tokenEnd(rb)));
          } },
          { ALT: (): A.Expr => {
            const elts = this.OPTION(() => this.SUBRULE(this.listRest, { ARGS: [DISPLAY, first] }));
            const rb = this.CONSUME3(T.RBracket);
            return { kind: 'List', elts: elts ?? [first], ctx: 'load', start: lb.startOffset, end: tokenEnd(rb) };
          } },
        ]);
      } },
    ]);
  });

  // '{' '}' | '{' '**' bitwise_or dict_rest '}' | '{' expression ':' expression (for_if_clauses | dict_rest) '}'
  //   | '{' star_named_expression (for_if_clauses | list_rest) '}'
  public readonly braceAtom = this.RULE('braceAtom', (): A.Expr => {
    const lb = this.CONSUME(T.LBrace);
    const start = lb.startOffset;
    return this.OR([
      { ALT: (): A.Expr => ({ kind: 'Dict', keys: [], values: [], start, end: tokenEnd(this.CONSUME(T.RBrace)) }) },
      { ALT: (): A.Expr => {
        this.CONSUME(T.DoubleStar);
        const v = this.SUBRULE(this.bitOrExpr);
        const d = this.SUBRULE(this.dictRest, { ARGS: [null, v] });
        return { kind: 'Dict', keys: d.keys, values: d.values, start, end: tokenEnd(this.CONSUME2(T.RBrace)) };
      } },
      { ALT: () => {
        const first = this.SUBRULE(this.starNamedExpression);
        return this.OR2([
          { ALT: () => {
            const colon = this.CONSUME(T.Colon);
            if (!this.RECORDING_PHASE && (first.kind === 'Starred' || (first.kind === 'NamedExpr' && !this.parens.has(first)))) {
              throw syntaxError('invalid syntax', colon.startOffset, tokenEnd(colon));
            }
            this.valueAfterColon(colon);
            const v = this.SUBRULE(this.expression);
            return this.OR3([
              { ALT: () => {
                const gens = this.SUBRULE2(this.compFor);
                const rb = this.CONSUME3(T.RBrace);
                return this.ACTION(() => comprehension('DictComp', first, v, gens, start, tokenEnd(rb)));
              } },
              { ALT: (): A.Expr => {
                const d = this.SUBRULE2(this.dictRest, { ARGS: [first, v] });
                return { kind: 'Dict', keys: d.keys, values: d.values, start, end: tokenEnd(this.CONSUME4(T.RBrace)) };
              } },
            ]);
          } },
          { ALT: () => {
            const gens = this.SUBRULE3(this.compFor);
            const rb = this.CONSUME5(T.RBrace);
            return this.ACTION(() => comprehension('SetComp', first, null, gens, start, tokenEnd(rb)));
          } },
          { ALT: (): A.Expr => {
            const elts = this.OPTION(() => this.SUBRULE(this.listRest, { ARGS: [DISPLAY, first] }));
            return { kind: 'Set', elts: elts ?? [first], start, end: tokenEnd(this.CONSUME6(T.RBrace)) };
          } },
        ]);
      } },
    ]);
  });

  /** invalid_kvpair: `{k: }` — CPython points at the colon. */
  private valueAfterColon(colon: IToken): void {
    if (this.RECORDING_PHASE) return;
    const next = this.LA(1).tokenType;
    if (next === T.RBrace || next === T.Comma) {
      throw syntaxError("expression expected after dictionary key and ':'", colon.startOffset, tokenEnd(colon));
    }
  }

  // dict_rest: (',' ('**' bitwise_or | expression ':' expression))* [',']
  public readonly dictRest = this.RULE('dictRest', (key?: A.Expr | null, value?: A.Expr) => {
    const keys: (A.Expr | null)[] = [key ?? null];
    const values: A.Expr[] = [value!];
    let pending = null as IToken | null;
    this.MANY(() => {
      pending = this.listComma(0, pending);
      this.OPTION(() => {
        this.OR([
          { ALT: () => {
            this.CONSUME(T.DoubleStar);
            keys.push(null);
            values.push(this.SUBRULE(this.bitOrExpr));
          } },
          { ALT: () => {
            const key = this.SUBRULE(this.expression);
            keys.push(key);
            // invalid_kvpair: a key with no ':' after it, as in {1: 2, 3}
            if (!this.RECORDING_PHASE && this.LA(1).tokenType !== T.Colon) {
              throw syntaxError("':' expected after dictionary key", key.end - 1);
            }
            this.valueAfterColon(this.CONSUME(T.Colon));
            values.push(this.SUBRULE2(this.expression));
          } },
        ]);
        pending = null;
      });
    });
    return { keys, values };
  });
}

// ---- actions too long to sit in a rule ------------------------------------------------------

function emptyArguments(): A.Arguments {
  return { posonly: [], args: [], defaults: [], vararg: null, kwonly: [], kwDefaults: [], kwarg: null };
}

function comprehension(kind: A.Comprehension['kind'], elt: A.Expr, value: A.Expr | null,
  generators: A.ComprehensionFor[], start: number, end: number): A.Comprehension {
  if (elt.kind === 'Starred') {
    throw syntaxError(kind === 'DictComp' ? 'dict unpacking cannot be used in dict comprehension'
      : 'iterable unpacking cannot be used in comprehension', elt.start, elt.end);
  }
  return { kind, elt, value, generators, start, end };
}

/** Appends a literal piece, merging it into a literal just before it. */
function appendStr(values: A.Expr[], c: A.Constant): void {
  if (c.value === '') return;
  const prev = values[values.length - 1];
  if (prev && prev.kind === 'Constant' && typeof prev.value === 'string') {
    values[values.length - 1] = { kind: 'Constant', value: prev.value + (c.value as string), start: prev.start, end: c.end };
  } else {
    values.push(c);
  }
}

const pushStr = (values: A.Expr[], t: IToken) =>
  appendStr(values, { kind: 'Constant', value: t.payload as string, start: t.startOffset, end: tokenEnd(t) });

/** Implicit concatenation of adjacent literals: one str, one bytes, or one f-string. */
function concatStrings(parts: (IToken | A.JoinedStr)[], start: number, end: number): A.Expr {
  let hasBytes = false;
  let hasStr = false;
  let hasF = false;
  for (const p of parts) {
    if ('kind' in p) hasF = true;
    else if (p.payload instanceof Uint8Array) hasBytes = true;
    else hasStr = true;
  }
  if (hasBytes && (hasStr || hasF)) throw syntaxError('cannot mix bytes and nonbytes literals', end, end);
  if (hasBytes) {
    const chunks = parts.map((p) => (p as IToken).payload as Uint8Array);
    const bytes = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
    let at = 0;
    for (const c of chunks) { bytes.set(c, at); at += c.length; }
    return { kind: 'Constant', value: { bytes }, start, end };
  }
  if (!hasF) {
    let s = '';
    for (const p of parts) s += (p as IToken).payload as string;
    return { kind: 'Constant', value: s, start, end };
  }
  const values: A.Expr[] = [];
  for (const p of parts) {
    if ('kind' in p) {
      for (const v of p.values) {
        if (v.kind === 'Constant') appendStr(values, v);
        else values.push(v);
      }
    } else {
      pushStr(values, p);
    }
  }
  return { kind: 'JoinedStr', values, start, end };
}

/**
 * Splits call arguments and checks their order, with CPython's messages. `after` is the token
 * after the arguments, where CPython puts the caret for a misplaced positional argument.
 */
function splitArgs(items: ArgItem[], trailing: boolean, after: IToken): CallArgs {
  const args: A.Expr[] = [];
  const keywords: A.Keyword[] = [];
  let genexp: A.Comprehension | null = null;
  let sawKeyword = false;
  let sawDoubleStar = false;
  for (const it of items) {
    switch (it.kind) {
      case 'genexp':
        if (items.length > 1 || trailing) throw syntaxError('Generator expression must be parenthesized', it.start, it.end);
        genexp = it.value as A.Comprehension;
        args.push(genexp);
        break;
      case 'pos':
        if (sawDoubleStar) throw syntaxError('positional argument follows keyword argument unpacking', after.startOffset, tokenEnd(after));
        if (sawKeyword) throw syntaxError('positional argument follows keyword argument', after.startOffset, tokenEnd(after));
        args.push(it.value);
        break;
      case 'star':
        if (sawDoubleStar) throw syntaxError('iterable argument unpacking follows keyword argument unpacking', it.start, it.end);
        args.push(it.value);
        break;
      case 'kw':
        sawKeyword = true;
        keywords.push({ arg: it.name, value: it.value, start: it.start, end: it.end });
        break;
      case 'dstar':
        sawDoubleStar = true;
        keywords.push({ arg: null, value: it.value, start: it.start, end: it.end });
        break;
    }
  }
  return { args, keywords, genexp };
}

/** Builds a signature from its items, checking order the way CPython's invalid_parameters does. */
function buildArguments(items: ParamItem[], isDef: boolean, trailing: boolean): A.Arguments {
  const a = emptyArguments();
  let slashSeen = false;
  let starSeen = false;
  let defaultSeen = false;
  for (let i = 0; i < items.length; i++) {
    const it = items[i]!;
    const at = it.tok.startOffset;
    if (a.kwarg) throw syntaxError('arguments cannot follow var-keyword argument', at, tokenEnd(it.tok));
    switch (it.kind) {
      case '/':
        if (slashSeen) throw syntaxError('/ may appear only once', at);
        if (starSeen) throw syntaxError('/ must be ahead of *', at);
        if (a.args.length === 0) {
          throw syntaxError(i + 1 < items.length || trailing ? 'at least one argument must precede /' : 'invalid syntax', at);
        }
        slashSeen = true;
        a.posonly = a.args;
        a.args = [];
        break;
      case '*': {
        if (starSeen) throw syntaxError('* argument may appear only once', at);
        starSeen = true;
        a.vararg = it.arg;
        const next = items[i + 1];
        if (!it.arg && (!next || next.kind === '**')) {
          // CPython points at the `*` in a def but at the token after it in a lambda.
          const t = isDef || !it.next ? it.tok : it.next;
          throw syntaxError('named arguments must follow bare *', t.startOffset, tokenEnd(t));
        }
        break;
      }
      case '**':
        a.kwarg = it.arg;
        break;
      case 'param':
        if (starSeen) {
          a.kwonly.push(it.arg!);
          a.kwDefaults.push(it.dflt);
        } else {
          if (it.dflt) {
            defaultSeen = true;
            a.defaults.push(it.dflt);
          } else if (defaultSeen) {
            throw syntaxError('non-default argument follows default argument', it.arg!.start, it.arg!.end);
          }
          a.args.push(it.arg!);
        }
        break;
    }
  }
  return a;
}
