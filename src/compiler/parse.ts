// The front end's one entry point: source text → AST, or a SpySyntaxError worded and placed as
// CPython 3.11 would. Runs lexer, layout and parser, picks which fault to report the way CPython
// does (tokenizer faults win over parser errors), then checks what CPython's compiler checks
// after parsing ('return' outside function, misplaced starred expressions, …).

import { EOF, type IRecognitionException, type IToken, type TokenType } from 'chevrotain';
import type * as A from './ast.js';
import { SpySyntaxError } from './diagnostics.js';
import { layout } from './indent.js';
import { syntaxError, tokenEnd, tokenize } from './lexer.js';
import { exprName, SpyParser } from './parser.js';
import * as T from './tokens.js';

let parser: SpyParser | null = null;

/** Parses a module; throws SpySyntaxError (never a raw Chevrotain error) on any fault. */
export function parseModule(source: string): A.Module {
  try {
    return parse(source);
  } catch (e) {
    // Nesting deep enough to exhaust the host stack (CPython gives up too, with a MemoryError or
    // RecursionError) is reported as a syntax fault rather than leaking a RangeError.
    if (e instanceof RangeError) throw new SpySyntaxError('SyntaxError', 'source too deeply nested to parse', 0, 1);
    throw e;
  }
}

function parse(source: string): A.Module {
  const { tokens: raw, fstrings } = tokenize(source);
  const tokens = layout(raw, source);
  const last = tokens[tokens.length - 1];
  const fault = last?.tokenType === T.ErrorToken ? (last.payload as SpySyntaxError) : null;
  parser ??= new SpyParser();
  let error: SpySyntaxError | null = null;
  let module: A.Module | null = null;
  try {
    module = parser.parseTokens(tokens, source);
    const first = parser.errors[0];
    if (first) error = describe(first, tokens, parser, source);
  } catch (e) {
    if (!(e instanceof SpySyntaxError)) throw e;
    // A check that looked ahead into a lexical fault reports the fault, as CPython's would
    // have failed fetching that token.
    error = parser.nextToken().tokenType === T.ErrorToken ? fault : e;
  }
  if (error) {
    if (fault && error !== fault && faultWins(error, fault, tokens, source)) throw fault;
    throw inFString(error, fstrings);
  }
  new ContextCheck().module(module!);
  return module!;
}

/** Faults CPython's tokenizer raises as exceptions as it meets them. */
const RAISED_BY_TOKENIZER = /^(unterminated |invalid (character|non-printable|decimal|hexadecimal|octal|binary|imaginary|digit)|leading zeros|unmatched |closing parenthesis|source code cannot)/;

/**
 * Which of a parser error and a later lexical fault CPython reports. After a parser error it
 * re-tokenizes the rest of the file (_PyPegen_tokenize_full_source_to_check_for_errors) and a
 * fault the tokenizer raises there wins — but not after "unexpected indent". Faults it only
 * flags (bad dedents, tabs, a stray backslash) lose, as do those raised while parsing
 * (string escapes, f-strings). An unclosed bracket wins when the last token CPython's parser
 * had read is on a later line than the bracket.
 */
function faultWins(error: SpySyntaxError, fault: SpySyntaxError, tokens: IToken[], source: string): boolean {
  if (error.msg === 'unexpected indent') return false;
  if (RAISED_BY_TOKENIZER.test(fault.msg)) return true;
  if (!fault.msg.endsWith('was never closed')) return false;
  const at = furthestRead(error, tokens);
  return at < 0 || T.lineOf(source, at) > T.lineOf(source, fault.offset);
}

/**
 * Where CPython's parser had read to when it gave up: the offending token (the end of the
 * error's range), except that its error rules read one operand further — the expression after
 * a missing comma, or after `=` in `(x = y` — and peek at the token after it. -1: the end of input.
 */
function furthestRead(error: SpySyntaxError, tokens: IToken[]): number {
  let i = tokens.findIndex((t) => tokenEnd(t) >= error.endOffset);
  if (i < 0) return error.endOffset - 1;
  const t = tokens[i]!;
  if (error.msg.endsWith('Perhaps you forgot a comma?')) i = skipOperand(tokens, i);
  else if (error.msg === 'invalid syntax' && t.tokenType === T.Equals && ENDS_OPERAND.has(tokens[i - 1]?.tokenType)) {
    i = skipOperand(tokens, i + 1);
  }
  const reached = tokens[i];
  return reached === undefined || reached.tokenType === T.ErrorToken ? -1 : reached.startOffset;
}

/** The index after one bitwise_or-ish operand starting at `i` (atoms, trailers, operators). */
function skipOperand(tokens: IToken[], i: number): number {
  /** Index after the bracketed group (or f-string) that opens at `k`. */
  const skipGroup = (k: number, open: Set<TokenType>, close: Set<TokenType>): number => {
    let depth = 0;
    do {
      const type = tokens[k++]!.tokenType;
      if (open.has(type)) depth++;
      else if (close.has(type)) depth--;
    } while (depth > 0 && k < tokens.length);
    return k;
  };
  let wantAtom = true;
  while (i < tokens.length) {
    const type = tokens[i]!.tokenType;
    if (type === T.FStringStart && (wantAtom || tokens[i - 1]?.tokenType === T.StringLit || tokens[i - 1]?.tokenType === T.FStringEnd)) {
      i = skipGroup(i, FSTRING_OPEN, FSTRING_CLOSE);
      wantAtom = false;
    } else if (wantAtom) {
      if (OPENERS.has(type)) i = skipGroup(i, OPENERS, CLOSERS);
      else if (type === T.Minus || type === T.Plus || type === T.Tilde) { i++; continue; }
      else if (ATOMS.has(type)) i++;
      else break;
      wantAtom = false;
    } else if (type === T.Dot) {
      i += 2;
    } else if (type === T.LParen || type === T.LBracket) {
      i = skipGroup(i, OPENERS, CLOSERS);
    } else if (type === T.StringLit && tokens[i - 1]!.tokenType === T.StringLit) {
      i++;
    } else if (type === T.DoubleStar || (type.CATEGORIES ?? []).includes(T.BitOperator)) {
      i++;
      wantAtom = true;
    } else {
      break;
    }
  }
  return i;
}

const ATOMS = new Set<TokenType>(T.atomStart);
const FSTRING_OPEN = new Set<TokenType>([T.FStringStart]);
const FSTRING_CLOSE = new Set<TokenType>([T.FStringEnd]);

// ---- parser errors → CPython's messages -------------------------------------------------------

/** Tokens that start an expression: an expression followed by one of these is a missing comma. */
const EXPR_START = new Set<TokenType>([...T.atomStart, T.Lambda, T.Not, T.Tilde]);
const OPENERS = new Set<TokenType>([T.LParen, T.LBracket, T.LBrace, T.FStringFieldStart]);
const CLOSERS = new Set<TokenType>([T.RParen, T.RBracket, T.RBrace, T.FStringFieldEnd]);
/** Tokens an operand can end with. */
const ENDS_OPERAND = new Set<TokenType | undefined>([
  T.Identifier, T.NumberLit, T.StringLit, T.FStringEnd, T.RParen, T.RBracket, T.RBrace, T.None, T.True, T.False, T.Ellipsis,
]);
/** Tokens that can end an atom, so a `(` after one opens a call. */
const ENDS_ATOM = new Set<TokenType>([T.Identifier, T.RParen, T.RBracket, T.RBrace, T.StringLit, T.FStringEnd]);

/** Chevrotain's first recognition error, as the message and caret CPython would give. */
function describe(e: IRecognitionException, tokens: IToken[], p: SpyParser, source: string): SpySyntaxError {
  const tok = e.token;
  if (tok.tokenType === T.ErrorToken) return tok.payload as SpySyntaxError;
  if (tok.tokenType === EOF) return syntaxError('invalid syntax', source.length, source.length);
  if (tok.tokenType === T.Indent) {
    // CPython's caret for an INDENT sits one before the first character of the line's code.
    const at = tokenEnd(tok) - 1;
    return new SpySyntaxError('IndentationError', 'unexpected indent', at, at + 1);
  }
  if (tok.tokenType === T.Dedent) return new SpySyntaxError('IndentationError', 'unexpected unindent', tok.startOffset, tok.startOffset + 1);
  const i = tokens.indexOf(tok);
  const prev = tokens[i - 1];
  const openers: IToken[] = []; // brackets open at the offending token
  for (let k = 0; k < i; k++) {
    const type = tokens[k]!.tokenType;
    if (OPENERS.has(type)) openers.push(tokens[k]!);
    else if (CLOSERS.has(type)) openers.pop();
  }
  const depth = openers.length;
  const opener = openers[depth - 1];
  const afterExpr = prev !== undefined && p.lastExpr !== null && tokenEnd(prev) === p.lastExprEnd;
  // `x.y := 1`: CPython's invalid_named_expression (but a plain name, or a call's argument, is
  // just invalid syntax there).
  if (tok.tokenType === T.ColonEqual && afterExpr && !(p.lastExpr!.kind === 'Name' && p.lastExprStart === p.lastExpr!.start)) {
    const before = opener ? tokens[tokens.indexOf(opener) - 1] : undefined;
    const inCall = opener?.tokenType === T.LParen && before !== undefined && ENDS_ATOM.has(before.tokenType);
    if (!inCall) {
      return syntaxError(`cannot use assignment expressions with ${exprName(p.lastExpr!)}`, p.lastExprStart, p.lastExprEnd);
    }
  }
  // `a not b`: CPython stands at the token after the `not`, and `[a not b]` misses a comma.
  const next = tokens[i + 1];
  const strayNot = tok.tokenType === T.Not && ENDS_OPERAND.has(prev?.tokenType) && next !== undefined && next.tokenType !== T.In;
  if (strayNot && !EXPR_START.has(next.tokenType) && next.tokenType !== T.Minus && next.tokenType !== T.Plus) {
    return syntaxError('invalid syntax', next.startOffset, tokenEnd(next));
  }
  if (EXPR_START.has(tok.tokenType) && afterExpr) {
    const e = p.lastExpr!;
    // `print "x"`: CPython's invalid_legacy_expression.
    if (e.kind === 'Name' && (e.id === 'print' || e.id === 'exec') && p.lastExprStart === e.start && tok.tokenType !== T.LParen) {
      return syntaxError(`Missing parentheses in call to '${e.id}'. Did you mean ${e.id}(...)?`, e.start, tokenEnd(tok));
    }
    // `[a b]`: CPython's invalid_expression, only inside brackets and not for `name "string"`.
    const nameThenString = e.kind === 'Name' && p.lastExprStart === e.start && (tok.tokenType === T.StringLit || tok.tokenType === T.FStringStart);
    if (depth > 0 && !nameThenString) {
      return syntaxError('invalid syntax. Perhaps you forgot a comma?', p.lastExprStart, tokenEnd(strayNot ? next : tok));
    }
  }
  if (strayNot) return syntaxError('invalid syntax', next.startOffset, tokenEnd(next));
  return syntaxError('invalid syntax', tok.startOffset, tokenEnd(tok));
}

/** An error inside an f-string's expression says so, as CPython 3.11 does. */
function inFString(e: SpySyntaxError, fstrings: number[]): SpySyntaxError {
  if (e.msg.startsWith('f-string')) return e;
  for (let k = 0; k < fstrings.length; k += 2) {
    if (e.offset > fstrings[k]! && e.offset < fstrings[k + 1]!) {
      return new SpySyntaxError(e.kind, `f-string: ${e.msg}`, e.offset, e.endOffset);
    }
  }
  return e;
}

// ---- what CPython's symtable and compiler reject after parsing --------------------------------

type Scope = 'module' | 'class' | 'function';

/**
 * Walks the tree in source order looking for CPython's post-parse errors. Symbol-table errors
 * (raised in a pass of their own) win over compiler errors, wherever they are in the file.
 */
class ContextCheck {
  private scope: Scope = 'module';
  private inLoop = false;
  /** set while inside a comprehension's element/conditions: the kind of comprehension */
  private comp: A.Comprehension['kind'] | null = null;
  private symtableError: SpySyntaxError | null = null;
  private compileError: SpySyntaxError | null = null;

  module(m: A.Module): void {
    this.stmts(m.body);
    const err = this.symtableError ?? this.compileError;
    if (err) throw err;
  }

  private symtable(msg: string, at: A.Span): void {
    this.symtableError ??= syntaxError(msg, at.start, at.end);
  }

  private compile(msg: string, at: A.Span): void {
    this.compileError ??= syntaxError(msg, at.start, at.end);
  }

  private stmts(body: A.Stmt[]): void {
    for (const s of body) this.stmt(s);
  }

  private loopBody(body: A.Stmt[]): void {
    const outer = this.inLoop;
    this.inLoop = true;
    this.stmts(body);
    this.inLoop = outer;
  }

  /** Runs `f` in a new scope (function, lambda, class): loops and comprehensions do not reach in. */
  private nested(scope: Scope, f: () => void): void {
    const saved = [this.scope, this.inLoop, this.comp] as const;
    this.scope = scope;
    this.inLoop = false;
    this.comp = null;
    f();
    [this.scope, this.inLoop, this.comp] = saved;
  }

  private stmt(s: A.Stmt): void {
    switch (s.kind) {
      case 'Expr': this.expr(s.value); break;
      case 'Assign':
        for (const t of s.targets) this.target(t);
        this.expr(s.value);
        break;
      case 'AugAssign': this.expr(s.target); this.expr(s.value); break;
      case 'AnnAssign':
        this.expr(s.target);
        this.expr(s.annotation);
        if (s.value) this.expr(s.value);
        break;
      case 'Pass': break;
      case 'Break': if (!this.inLoop) this.compile("'break' outside loop", s); break;
      case 'Continue': if (!this.inLoop) this.compile("'continue' not properly in loop", s); break;
      case 'Return':
        if (this.scope !== 'function') this.compile("'return' outside function", s);
        if (s.value) this.expr(s.value);
        break;
      case 'Delete': for (const t of s.targets) this.expr(t); break;
      case 'Global': break;
      case 'Nonlocal':
        if (this.scope === 'module') this.symtable('nonlocal declaration not allowed at module level', s);
        break;
      case 'If': this.expr(s.test); this.stmts(s.body); this.stmts(s.orelse); break;
      case 'While': this.expr(s.test); this.loopBody(s.body); this.stmts(s.orelse); break;
      case 'For':
        this.target(s.target);
        this.expr(s.iter);
        this.loopBody(s.body);
        this.stmts(s.orelse);
        break;
      case 'Try':
        this.stmts(s.body);
        s.handlers.forEach((h, i) => {
          if (h.type === null && i < s.handlers.length - 1) this.compile("default 'except:' must be last", h);
          if (h.type) this.expr(h.type);
          this.stmts(h.body);
        });
        this.stmts(s.orelse);
        this.stmts(s.finalbody);
        break;
      case 'Raise': if (s.exc) this.expr(s.exc); if (s.cause) this.expr(s.cause); break;
      case 'Assert': this.expr(s.test); if (s.msg) this.expr(s.msg); break;
      case 'With':
        for (const item of s.items) {
          this.expr(item.contextExpr);
          if (item.optionalVars) this.target(item.optionalVars);
        }
        this.stmts(s.body);
        break;
      case 'FunctionDef':
        for (const d of s.decorators) this.expr(d);
        this.signature(s.args);
        if (s.returns) this.expr(s.returns);
        this.nested('function', () => this.stmts(s.body));
        break;
      case 'ClassDef':
        for (const d of s.decorators) this.expr(d);
        for (const b of s.bases) this.expr(b, true);
        for (const k of s.keywords) this.expr(k.value);
        this.nested('class', () => this.stmts(s.body));
        break;
      case 'Import': case 'ImportFrom': break;
    }
  }

  /** Defaults and annotations belong to the enclosing scope; names must be distinct. */
  private signature(a: A.Arguments): void {
    const all = [...a.posonly, ...a.args, ...(a.vararg ? [a.vararg] : []), ...a.kwonly, ...(a.kwarg ? [a.kwarg] : [])];
    const seen = new Set<string>();
    for (const arg of all) {
      if (seen.has(arg.name)) this.symtable(`duplicate argument '${arg.name}' in function definition`, arg);
      seen.add(arg.name);
      if (arg.annotation) this.expr(arg.annotation);
    }
    for (const d of a.defaults) this.expr(d);
    for (const d of a.kwDefaults) if (d) this.expr(d);
  }

  /** An assignment target: a bare `*x` or two starred names at one level are compiler errors. */
  private target(t: A.Expr): void {
    if (t.kind === 'Starred') {
      this.compile('starred assignment target must be in a list or tuple', t);
      this.expr(t.value);
      return;
    }
    this.expr(t);
  }

  private expr(e: A.Expr, starOk = false): void {
    switch (e.kind) {
      case 'Name': case 'Constant': break;
      case 'JoinedStr': for (const v of e.values) this.expr(v); break;
      case 'FormattedValue': this.expr(e.value); if (e.formatSpec) this.expr(e.formatSpec); break;
      case 'BinOp': this.expr(e.left); this.expr(e.right); break;
      case 'UnaryOp': this.expr(e.operand); break;
      case 'BoolOp': for (const v of e.values) this.expr(v); break;
      case 'Compare': this.expr(e.left); for (const c of e.comparators) this.expr(c); break;
      case 'Call':
        this.expr(e.func);
        for (const a of e.args) this.expr(a, true);
        for (const k of e.keywords) this.expr(k.value);
        break;
      case 'Attribute': this.expr(e.value); break;
      case 'Subscript': this.expr(e.value); this.expr(e.slice); break;
      case 'Slice':
        if (e.lower) this.expr(e.lower);
        if (e.upper) this.expr(e.upper);
        if (e.step) this.expr(e.step);
        break;
      case 'Starred':
        if (!starOk) this.compile("can't use starred expression here", e);
        this.expr(e.value);
        break;
      case 'List': case 'Tuple':
        if (e.ctx === 'store' && e.elts.filter((x) => x.kind === 'Starred').length > 1) {
          this.compile('multiple starred expressions in assignment', e);
        }
        for (const x of e.elts) this.expr(x, true);
        break;
      case 'Set': for (const x of e.elts) this.expr(x, true); break;
      case 'Dict':
        e.keys.forEach((k, i) => {
          if (k) this.expr(k);
          this.expr(e.values[i]!);
        });
        break;
      case 'IfExp': this.expr(e.test); this.expr(e.body); this.expr(e.orelse); break;
      case 'Lambda':
        this.signature(e.args);
        this.nested('function', () => this.expr(e.body));
        break;
      case 'ListComp': case 'SetComp': case 'DictComp': case 'GeneratorExp': {
        // The first iterable is evaluated outside the comprehension; the rest is inside it.
        const [first, ...rest] = e.generators;
        this.expr(first!.iter);
        const outer = this.comp;
        this.comp = e.kind;
        this.target(first!.target);
        for (const c of first!.ifs) this.expr(c);
        for (const g of rest) {
          this.target(g.target);
          this.expr(g.iter);
          for (const c of g.ifs) this.expr(c);
        }
        this.expr(e.elt);
        if (e.value) this.expr(e.value);
        this.comp = outer;
        break;
      }
      case 'Yield': case 'YieldFrom':
        if (this.comp) this.symtable(`'yield' inside ${COMP_NAMES[this.comp]}`, e);
        else if (this.scope !== 'function') this.compile("'yield' outside function", e);
        if (e.value) this.expr(e.value);
        break;
      case 'NamedExpr': this.expr(e.value); break;
    }
  }
}

const COMP_NAMES: Record<A.Comprehension['kind'], string> = {
  ListComp: 'list comprehension', SetComp: 'set comprehension', DictComp: 'dict comprehension',
  GeneratorExp: 'generator expression',
};
