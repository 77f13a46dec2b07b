// Unit tests for the parser: the AST each construct produces (shapes checked against CPython's
// ast module, offsets included), CPython 3.11's syntax-error wording and caret offsets, the
// checks CPython's compiler makes after parsing, and that every benchmark program parses.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type * as A from '../../src/compiler/ast.js';
import { SpySyntaxError } from '../../src/compiler/diagnostics.js';
import { parseModule } from '../../src/compiler/parse.js';
import { SpyParser } from '../../src/compiler/parser.js';

/** A tree without its offsets, to compare shapes. */
function shape(x: unknown): unknown {
  if (Array.isArray(x)) return x.map(shape);
  if (x === null || typeof x !== 'object' || x instanceof Uint8Array) return x;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(x)) if (k !== 'start' && k !== 'end' && k !== 'defStart') out[k] = shape(v);
  return out;
}

const body = (src: string): A.Stmt[] => parseModule(src).body;
const stmt = (src: string): A.Stmt => body(src)[0]!;
const expr = (src: string): A.Expr => (stmt(src) as A.ExprStmt).value;
const span = (n: A.Span): [number, number] => [n.start, n.end];

function fault(src: string): SpySyntaxError {
  try {
    parseModule(src);
  } catch (e) {
    if (e instanceof SpySyntaxError) return e;
    throw e;
  }
  throw new Error(`no syntax error in ${JSON.stringify(src)}`);
}

/**
 * An expression as an s-expression, to read precedence at a glance:
 * names and literals bare, `(op a b)` for operators, `(call f a)`, `(. a attr)`, `([] a i)`.
 */
function sx(e: A.Expr | null): string {
  if (e === null) return '_';
  switch (e.kind) {
    case 'Name': return e.id;
    case 'Constant': return typeof e.value === 'bigint' ? String(e.value) : JSON.stringify(e.value);
    case 'BinOp': return `(${e.op} ${sx(e.left)} ${sx(e.right)})`;
    case 'UnaryOp': return `(${e.op} ${sx(e.operand)})`;
    case 'BoolOp': return `(${e.op} ${e.values.map(sx).join(' ')})`;
    case 'Compare': return `(${[sx(e.left), ...e.ops.map((o, i) => `${o} ${sx(e.comparators[i]!)}`)].join(' ')})`;
    case 'Call': return `(call ${[e.func, ...e.args].map(sx).join(' ')}${e.keywords.map((k) => ` ${k.arg ?? '**'}=${sx(k.value)}`).join('')})`;
    case 'Attribute': return `(. ${sx(e.value)} ${e.attr})`;
    case 'Subscript': return `([] ${sx(e.value)} ${sx(e.slice)})`;
    case 'Slice': return `(: ${sx(e.lower)} ${sx(e.upper)} ${sx(e.step)})`;
    case 'Starred': return `*${sx(e.value)}`;
    case 'Tuple': return `(tuple ${e.elts.map(sx).join(' ')})`;
    case 'List': return `[${e.elts.map(sx).join(' ')}]`;
    case 'IfExp': return `(if ${sx(e.test)} ${sx(e.body)} ${sx(e.orelse)})`;
    case 'NamedExpr': return `(:= ${sx(e.target)} ${sx(e.value)})`;
    case 'Lambda': return `(lambda ${sx(e.body)})`;
    case 'Yield': return `(yield ${sx(e.value)})`;
    default: return e.kind;
  }
}
const ex = (src: string) => sx(expr(src));

/** The `ctx` of every node that has one, in source order of their starts. */
function contexts(node: unknown): string[] {
  const found: [number, string][] = [];
  const walk = (x: unknown) => {
    if (Array.isArray(x)) x.forEach(walk);
    else if (x !== null && typeof x === 'object') {
      const o = x as Record<string, unknown>;
      if (typeof o.ctx === 'string') found.push([o.start as number, o.ctx]);
      Object.values(o).forEach(walk);
    }
  };
  walk(node);
  return found.sort((a, b) => a[0] - b[0]).map(([, c]) => c);
}

describe('grammar', () => {
  it("passes Chevrotain's grammar validations", () => {
    expect(() => new SpyParser(true)).not.toThrow();
  });

  it('reuses its one parser across modules, also after a syntax error', () => {
    expect(() => parseModule('x = (')).toThrow(SpySyntaxError);
    expect(ex('1 + 2')).toBe('(+ 1 2)');
    expect(ex('a')).toBe('a');
  });
});

describe('operator precedence', () => {
  it('folds every binary level in Python order', () => {
    expect(ex('a or b and not c == d | e ^ f & g << h + i * -j ** k')).toBe(
      '(or a (and b (not (c == (| d (^ e (& f (<< g (+ h (* i (- (** j k))))))))))))');
    expect(ex('a * b + c * d')).toBe('(+ (* a b) (* c d))');
    expect(ex('a - b - c')).toBe('(- (- a b) c)');
    expect(ex('a // b % c @ d / e')).toBe('(/ (@ (% (// a b) c) d) e)');
  });

  it('makes ** right-associative and tighter than a unary operator on its left', () => {
    expect(ex('2 ** 3 ** 2')).toBe('(** 2 (** 3 2))');
    expect(ex('-2 ** 2')).toBe('(- (** 2 2))');
    expect(ex('2 ** -1')).toBe('(** 2 (- 1))');
    expect(ex('- - ~a')).toBe('(- (- (~ a)))');
  });

  it('chains comparisons into one Compare', () => {
    expect(ex('a < b <= c != d')).toBe('(a < b <= c != d)');
    expect(ex('a not in b is not c in d is e')).toBe('(a not in b is not c in d is e)');
  });

  it('flattens and/or runs into one BoolOp and binds not looser than comparisons', () => {
    expect(ex('a or b or c')).toBe('(or a b c)');
    expect(ex('a and b or c and d')).toBe('(or (and a b) (and c d))');
    expect(ex('not a == b')).toBe('(not (a == b))');
    expect(ex('not not a')).toBe('(not (not a))');
    expect(ex('a and not b or c')).toBe('(or (and a (not b)) c)');
  });

  it('puts conditional expressions and lambda below or', () => {
    expect(ex('a if b or c else d if e else f')).toBe('(if (or b c) a (if e d f))');
    expect(ex('lambda: a if b else c')).toBe('(lambda (if b a c))');
  });

  it('parses primaries left to right', () => {
    expect(ex('a.b(c)[d].e(*f, g=h, **i)')).toBe('(call (. ([] (call (. a b) c) d) e) *f g=h **=i)');
  });

  it('spans a composite node from its first to its last token, parentheses included', () => {
    const e = (stmt('x = (a + b) * c') as A.Assign).value as A.BinOp;
    expect(span(e)).toEqual([4, 15]);
    expect(span(e.left)).toEqual([5, 10]);
    const s = expr('f(x)(y).z[1]') as A.Subscript;
    expect(span(s)).toEqual([0, 12]);
    expect(span(s.value)).toEqual([0, 9]);
    expect(span((s.value as A.Attribute).value)).toEqual([0, 7]);
    const u = expr('-2 ** -1') as A.UnaryOp;
    expect([span(u), span(u.operand), span((u.operand as A.BinOp).right)]).toEqual([[0, 8], [1, 8], [6, 8]]);
    const n = expr('not a == b') as A.UnaryOp;
    expect([span(n), span(n.operand)]).toEqual([[0, 10], [4, 10]]);
  });
});

describe('atoms', () => {
  it('makes constants of every literal kind', () => {
    const values = (body('1\n0x10\n1.5\n"s"\nb"\\x01"\nNone\nTrue\nFalse\n...') as A.ExprStmt[]).map((s) => (s.value as A.Constant).value);
    expect(values).toEqual([1n, 16n, 1.5, 's', { bytes: new Uint8Array([1]) }, null, true, false, { ellipsis: true }]);
  });

  it('joins adjacent string literals into one constant spanning them all', () => {
    const c = expr("'a' \"b\"\\\n'''c'''") as A.Constant;
    expect(shape(c)).toEqual({ kind: 'Constant', value: 'abc' });
    expect(span(c)).toEqual([0, 16]);
    expect((expr("b'a' b'b'") as A.Constant).value).toEqual({ bytes: new Uint8Array([97, 98]) });
  });

  it('builds tuples, lists, sets and dicts, starred items included', () => {
    expect(shape(expr('()'))).toEqual({ kind: 'Tuple', elts: [], ctx: 'load' });
    expect(ex('(1,)')).toBe('(tuple 1)');
    expect(ex('(1)')).toBe('1');
    expect(ex('1, 2,')).toBe('(tuple 1 2)');
    expect(ex('[*a, b]')).toBe('[*a b]');
    expect(shape(expr('{*a, b}'))).toEqual({ kind: 'Set', elts: [
      { kind: 'Starred', value: { kind: 'Name', id: 'a', ctx: 'load' }, ctx: 'load' }, { kind: 'Name', id: 'b', ctx: 'load' }] });
    expect(shape(expr("{**a, 'k': v}"))).toEqual({ kind: 'Dict',
      keys: [null, { kind: 'Constant', value: 'k' }],
      values: [{ kind: 'Name', id: 'a', ctx: 'load' }, { kind: 'Name', id: 'v', ctx: 'load' }] });
    expect(shape(expr('{}'))).toEqual({ kind: 'Dict', keys: [], values: [] });
  });

  it('gives parenthesized tuples their parentheses and bare ones none', () => {
    expect(span(expr('(1, 2)'))).toEqual([0, 6]);
    expect(span((stmt('a, b = c') as A.Assign).targets[0]!)).toEqual([0, 4]);
  });

  it('builds comprehensions with several for and if clauses', () => {
    const c = expr('[x * y for x in a if x for y in b if y if x < y]') as A.Comprehension;
    expect(c.kind).toBe('ListComp');
    expect(sx(c.elt)).toBe('(* x y)');
    expect(c.generators.map((g) => [sx(g.target), sx(g.iter), g.ifs.map(sx)])).toEqual([
      ['x', 'a', ['x']], ['y', 'b', ['y', '(x < y)']]]);
    expect(c.generators[0]!.target).toMatchObject({ kind: 'Name', ctx: 'store' });
    const d = expr('{k: v for k, v in items}') as A.Comprehension;
    expect([d.kind, sx(d.elt), sx(d.value), sx(d.generators[0]!.target)]).toEqual(['DictComp', 'k', 'v', '(tuple k v)']);
    expect(expr('{x for x in a}').kind).toBe('SetComp');
    expect(expr('(x for x in a)').kind).toBe('GeneratorExp');
    expect(span(expr('[i for i in y if i]'))).toEqual([0, 19]);
  });

  it("gives a lone generator argument the call's parentheses", () => {
    const call = expr('f(x for x in y)') as A.Call;
    expect(call.args[0]!.kind).toBe('GeneratorExp');
    expect(span(call.args[0]!)).toEqual([1, 15]);
  });

  it('parses subscripts, slices and tuples of them', () => {
    expect(ex('a[1:2:3]')).toBe('([] a (: 1 2 3))');
    expect(ex('a[::2]')).toBe('([] a (: _ _ 2))');
    expect(ex('a[:]')).toBe('([] a (: _ _ _))');
    expect(ex('a[1:2, 3]')).toBe('([] a (tuple (: 1 2 _) 3))');
    expect(ex('a[*b]')).toBe('([] a (tuple *b))');
    expect(ex('a[i := 1]')).toBe('([] a (:= i 1))');
    const s = (expr('a[1:2, ::3]') as A.Subscript).slice;
    expect(span(s)).toEqual([2, 10]);
  });

  it('parses calls with every kind of argument, in order', () => {
    const c = expr('f(a, *b, c=1, *d, **e)') as A.Call;
    expect(c.args.map(sx)).toEqual(['a', '*b', '*d']);
    expect(c.keywords.map((k) => [k.arg, sx(k.value), k.start, k.end])).toEqual([['c', '1', 9, 12], [null, 'e', 18, 21]]);
  });

  it('parses walrus where Python allows it', () => {
    expect(sx((stmt('if (n := len(a)) > 1: pass') as A.If).test)).toBe('((:= n (call len a)) > 1)');
    expect(sx((stmt('while x := f(): pass') as A.While).test)).toBe('(:= x (call f))');
    expect(ex('[y := 1, y]')).toBe('[(:= y 1) y]');
    expect(ex('f(x := 1)')).toBe('(call f (:= x 1))');
    expect((expr('(y := 1)') as A.NamedExpr).target).toMatchObject({ kind: 'Name', id: 'y', ctx: 'store' });
  });

  it('parses yield forms', () => {
    const f = stmt('def f():\n  yield\n  yield a, b\n  x = yield c\n  yield from d\n  y = (yield)\n') as A.FunctionDef;
    expect(f.body.map((s) => (s.kind === 'Expr' ? sx(s.value) : s.kind === 'Assign' ? sx(s.value) : s.kind))).toEqual([
      '(yield _)', '(yield (tuple a b))', '(yield c)', 'YieldFrom', '(yield _)']);
  });

  it('parses lambda signatures', () => {
    const l = expr('lambda a, b=1, *c, d, e=2, **f: 0') as A.Lambda;
    expect(shape(l.args)).toEqual({
      posonly: [], args: [{ name: 'a', annotation: null }, { name: 'b', annotation: null }],
      defaults: [{ kind: 'Constant', value: 1n }], vararg: { name: 'c', annotation: null },
      kwonly: [{ name: 'd', annotation: null }, { name: 'e', annotation: null }],
      kwDefaults: [null, { kind: 'Constant', value: 2n }], kwarg: { name: 'f', annotation: null },
    });
    expect(shape((expr('lambda: 0') as A.Lambda).args)).toEqual({
      posonly: [], args: [], defaults: [], vararg: null, kwonly: [], kwDefaults: [], kwarg: null });
  });

  it('normalizes Unicode names (NFKC) as Python does', () => {
    expect(shape(expr('ﬁle'))).toEqual({ kind: 'Name', id: 'file', ctx: 'load' });
    expect((stmt('é = 1') as A.Assign).targets[0]).toMatchObject({ id: 'é', start: 0, end: 1 });
  });
});

describe('f-strings', () => {
  it('makes JoinedStr of literal parts and FormattedValues with conversion and nested spec', () => {
    expect(shape(expr("f'a{x!r:>{w}}b'"))).toEqual({ kind: 'JoinedStr', values: [
      { kind: 'Constant', value: 'a' },
      { kind: 'FormattedValue', value: { kind: 'Name', id: 'x', ctx: 'load' }, conversion: 'r',
        formatSpec: { kind: 'JoinedStr', values: [
          { kind: 'Constant', value: '>' },
          { kind: 'FormattedValue', value: { kind: 'Name', id: 'w', ctx: 'load' }, conversion: '', formatSpec: null },
        ] } },
      { kind: 'Constant', value: 'b' },
    ] });
  });

  it('places each part and each embedded expression at its own offsets', () => {
    const j = (stmt("s = f'a{x + 1:3}'") as A.Assign).value as A.JoinedStr;
    expect(span(j)).toEqual([4, 17]);
    expect(j.values.map(span)).toEqual([[6, 7], [7, 16]]);
    const fv = j.values[1] as A.FormattedValue;
    expect(span(fv.value)).toEqual([8, 13]);
    expect(span(fv.formatSpec!)).toEqual([14, 15]);
  });

  it('decodes doubled braces and escapes in literal parts, and merges them', () => {
    expect(shape(expr("f'{{a}}\\t{b}'"))).toEqual({ kind: 'JoinedStr', values: [
      { kind: 'Constant', value: '{a}\t' },
      { kind: 'FormattedValue', value: { kind: 'Name', id: 'b', ctx: 'load' }, conversion: '', formatSpec: null }] });
  });

  it('expands {x=} into its text and the repr, unless a conversion or spec is given', () => {
    const parts = (src: string) => (expr(src) as A.JoinedStr).values.map((v) => {
      if (v.kind === 'Constant') return v.value;
      const f = v as A.FormattedValue;
      return `{${f.conversion}${f.formatSpec ? ':spec' : ''}}`;
    });
    expect(parts("f'{x=}'")).toEqual(['x=', '{r}']);
    expect(parts("f'{ x = :3}'")).toEqual([' x = ', '{:spec}']);
    expect(parts("f'{x=!s}'")).toEqual(['x=', '{s}']);
  });

  it('concatenates with plain strings into one JoinedStr', () => {
    const j = expr("'a' f'b{c}' 'd'") as A.JoinedStr;
    expect(j.values.map((v) => (v.kind === 'Constant' ? v.value : sx((v as A.FormattedValue).value)))).toEqual(['ab', 'c', 'd']);
    expect(shape(expr("f''"))).toEqual({ kind: 'JoinedStr', values: [] });
  });

  it('parses any expression in a field, strings in the other quote included', () => {
    const fv = (expr(`f"{a['k'] if b else c!r}"`) as A.JoinedStr).values[0] as A.FormattedValue;
    expect([sx(fv.value), fv.conversion]).toEqual(['(if b ([] a "k") c)', 'r']);
  });

  it('prefixes syntax errors inside a field with "f-string: "', () => {
    expect(fault("x = f'{a b}'").msg).toBe('f-string: invalid syntax. Perhaps you forgot a comma?');
  });
});

describe('statements', () => {
  it('parses assignment chains with store context all the way down the targets', () => {
    const a = stmt('a = b.c = d[0] = e, (f, [g, *h]) = 1') as A.Assign;
    expect(a.targets.map(sx)).toEqual(['a', '(. b c)', '([] d 0)', '(tuple e (tuple f [g *h]))']);
    // a, b.c, b, d[0], d, 0-less…: only the objects whose attribute or item is set stay loads
    expect(contexts(a.targets)).toEqual(['store', 'store', 'load', 'store', 'load', 'store', 'store', 'store', 'store', 'store', 'store', 'store', 'store']);
    expect(sx(a.value)).toBe('1');
  });

  it('parses augmented assignment with every operator', () => {
    const ops = body('a += 1; a -= 1; a *= 1; a /= 1; a //= 1; a %= 1; a **= 1; a >>= 1; a <<= 1; a &= 1; a |= 1; a ^= 1; a @= 1')
      .map((s) => (s as A.AugAssign).op);
    expect(ops).toEqual(['+', '-', '*', '/', '//', '%', '**', '>>', '<<', '&', '|', '^', '@']);
    expect((stmt('a.b += 1') as A.AugAssign).target).toMatchObject({ kind: 'Attribute', ctx: 'store' });
  });

  it('parses annotated assignments', () => {
    expect(shape(stmt('x: int = 3'))).toEqual({ kind: 'AnnAssign', target: { kind: 'Name', id: 'x', ctx: 'store' },
      annotation: { kind: 'Name', id: 'int', ctx: 'load' }, value: { kind: 'Constant', value: 3n } });
    expect((stmt('a[0]: list') as A.AnnAssign).value).toBeNull();
  });

  it('marks del targets with del context', () => {
    const d = stmt('del a, b.c, (d, [e])') as A.Delete;
    expect(d.targets.map(sx)).toEqual(['a', '(. b c)', '(tuple d [e])']);
    expect(contexts(d)).toEqual(['del', 'del', 'load', 'del', 'del', 'del', 'del']);
  });

  it('parses simple statements', () => {
    const f = stmt('def f():\n  pass; return; return a, b; raise; raise E from c; global a, b; nonlocal c; assert x, "m"') as A.FunctionDef;
    const kinds = f.body.map((s) => s.kind);
    expect(kinds).toEqual(['Pass', 'Return', 'Return', 'Raise', 'Raise', 'Global', 'Nonlocal', 'Assert']);
    expect(shape(stmt('raise E from c'))).toEqual({ kind: 'Raise', exc: { kind: 'Name', id: 'E', ctx: 'load' }, cause: { kind: 'Name', id: 'c', ctx: 'load' } });
    expect(stmt('global a, b')).toMatchObject({ kind: 'Global', names: ['a', 'b'] });
  });

  it('nests elif as an If alone in the orelse, spanning from the elif keyword', () => {
    const s = stmt('if a:\n x\nelif b:\n y\nelse:\n z') as A.If;
    expect(sx(s.test)).toBe('a');
    expect(s.orelse).toHaveLength(1);
    const elif = s.orelse[0] as A.If;
    expect([elif.kind, sx(elif.test), span(elif), elif.orelse.map((x) => sx((x as A.ExprStmt).value))]).toEqual(['If', 'b', [9, 28], ['z']]);
    expect(span(s)).toEqual([0, 28]);
  });

  it('parses loops with else clauses', () => {
    const w = stmt('while a:\n  break\nelse:\n  pass') as A.While;
    expect([w.body[0]!.kind, w.orelse[0]!.kind]).toEqual(['Break', 'Pass']);
    const f = stmt('for k, v in d.items():\n  continue\nelse: pass') as A.For;
    expect([sx(f.target), (f.target as A.TupleExpr).ctx, sx(f.iter), f.orelse[0]!.kind]).toEqual(['(tuple k v)', 'store', '(call (. d items))', 'Pass']);
  });

  it('parses try with typed handlers, else and finally', () => {
    const t = stmt('try:\n a\nexcept (A, B) as e:\n b\nexcept C:\n c\nexcept:\n d\nelse:\n e\nfinally:\n f') as A.Try;
    expect(t.handlers.map((h) => [sx(h.type), h.name])).toEqual([['(tuple A B)', 'e'], ['C', null], ['_', null]]);
    expect([t.orelse.length, t.finalbody.length]).toEqual([1, 1]);
    expect(span(t.handlers[0]!)).toEqual([8, 30]);
    expect((stmt('try:\n a\nfinally:\n f') as A.Try).handlers).toEqual([]);
  });

  it('parses with items, parenthesized ones and store targets', () => {
    const w = stmt('with a as b, c as (d, e), f:\n  pass') as A.With;
    expect(w.items.map((i) => [sx(i.contextExpr), i.optionalVars && sx(i.optionalVars)])).toEqual([['a', 'b'], ['c', '(tuple d e)'], ['f', null]]);
    expect(w.items[1]!.optionalVars).toMatchObject({ ctx: 'store', elts: [{ ctx: 'store' }, { ctx: 'store' }] });
    expect((stmt('with (a as b, c):\n pass') as A.With).items).toHaveLength(2);
    expect((stmt('with (a, b):\n pass') as A.With).items).toHaveLength(2);
    expect((stmt('with (a, b) as c:\n pass') as A.With).items.map((i) => sx(i.contextExpr))).toEqual(['(tuple a b)']);
    expect((stmt('with (a).b as c:\n pass') as A.With).items.map((i) => sx(i.contextExpr))).toEqual(['(. a b)']);
  });

  it('parses function definitions: decorators, every parameter kind, annotations, return annotation', () => {
    const src = '@d\n@e.f(1)\ndef g(a, /, b: int = 1, *c, d, e=2, **f) -> str:\n    return a\n';
    const f = stmt(src) as A.FunctionDef;
    expect([f.name, f.decorators.map(sx), sx(f.returns)]).toEqual(['g', ['d', '(call (. e f) 1)'], 'str']);
    expect(shape(f.args)).toEqual({
      posonly: [{ name: 'a', annotation: null }],
      args: [{ name: 'b', annotation: { kind: 'Name', id: 'int', ctx: 'load' } }],
      defaults: [{ kind: 'Constant', value: 1n }], vararg: { name: 'c', annotation: null },
      kwonly: [{ name: 'd', annotation: null }, { name: 'e', annotation: null }],
      kwDefaults: [null, { kind: 'Constant', value: 2n }], kwarg: { name: 'f', annotation: null },
    });
    // start is the first decorator's `@`; defStart the `def` keyword, as co_firstlineno and tracebacks need
    expect([f.start, f.defStart, f.end]).toEqual([0, 11, 72]);
    expect(span(f.args.args[0]!)).toEqual([23, 29]);
    expect((stmt('def f(*, a): pass') as A.FunctionDef).args).toMatchObject({ vararg: null, kwonly: [{ name: 'a' }] });
  });

  it('parses class definitions with bases and keywords', () => {
    const c = stmt('@dec\nclass A(B, *C, metaclass=M, **kw):\n  x = 1\n  def m(self): pass') as A.ClassDef;
    expect([c.name, c.bases.map(sx), c.keywords.map((k) => k.arg), c.body.map((s) => s.kind), c.decorators.map(sx)])
      .toEqual(['A', ['B', '*C'], ['metaclass', null], ['Assign', 'FunctionDef'], ['dec']]);
    expect([c.start, c.defStart]).toEqual([0, 5]);
    expect((stmt('class A: pass') as A.ClassDef).bases).toEqual([]);
  });

  it('parses imports in all their forms', () => {
    expect(shape(stmt('import a.b as c, d'))).toEqual({ kind: 'Import', names: [{ name: 'a.b', asname: 'c' }, { name: 'd', asname: null }] });
    expect(shape(stmt('from .m import (x as y, z,)'))).toEqual({ kind: 'ImportFrom', module: 'm', level: 1,
      names: [{ name: 'x', asname: 'y' }, { name: 'z', asname: null }] });
    expect(stmt('from . import x')).toMatchObject({ module: null, level: 1 });
    expect(stmt('from ...a.b import c')).toMatchObject({ module: 'a.b', level: 3 });
    expect(stmt('from .... import c')).toMatchObject({ module: null, level: 4 });
    expect(stmt('from m import *')).toMatchObject({ names: [{ name: '*', asname: null }] });
    const imp = body('import a.b as c\nfrom .m import (x as y, z)');
    expect([span(imp[0]!), span((imp[0] as A.Import).names[0]!), span(imp[1]!), (imp[1] as A.ImportFrom).names.map(span)])
      .toEqual([[0, 15], [7, 15], [16, 42], [[32, 38], [40, 41]]]);
  });

  it('splits ; separated statements and one-line compound bodies', () => {
    expect(body('a = 1; b = 2;').map((s) => s.kind)).toEqual(['Assign', 'Assign']);
    const s = stmt('if x: y = 1; z = 2') as A.If;
    expect(s.body.map((b) => b.kind)).toEqual(['Assign', 'Assign']);
  });

  it('keeps a docstring as the first statement, an Expr of a string Constant', () => {
    const f = stmt('def f():\n    """Doc."""\n    return 1') as A.FunctionDef;
    expect(shape(f.body[0])).toEqual({ kind: 'Expr', value: { kind: 'Constant', value: 'Doc.' } });
  });

  it('ends a compound statement at its last real token, as CPython does', () => {
    expect(span(stmt('for x in y:\n    a = 1\n    b = 2;\n\nz = 3'))).toEqual([0, 32]);
    expect(span(stmt('x = 1 # c'))).toEqual([0, 5]);
  });

  it('reads layout: tabs, CRLF, comments, continuations, no final newline', () => {
    const src = '# -*- coding: utf-8 -*-\r\nif a:\r\n\tb = (1,\r\n  2)\r\n\tc = 1 + \\\r\n 2  # c\r\nd';
    expect(body(src).map((s) => s.kind)).toEqual(['If', 'Expr']);
    expect((stmt(src) as A.If).body.map((s) => sx((s as A.Assign).value))).toEqual(['(tuple 1 2)', '(+ 1 2)']);
  });
});

describe('syntax errors, as CPython 3.11 words and places them', () => {
  // [source, exception class, message, offset of the caret] — produced by running each source
  // through CPython 3.11's compile() (offset: the 0-based position SyntaxError.offset names).
  const table: [string, string, string, number][] = [
    ["x = = 1", "SyntaxError", "invalid syntax", 4],
    ["x = {1: 2, 3}\n", "SyntaxError", "':' expected after dictionary key", 11],
    ["d = {'a': 1, bcd, 'e': 2}\n", "SyntaxError", "':' expected after dictionary key", 15],
    ["d = {1: 2, 3: }\n", "SyntaxError", "expression expected after dictionary key and ':'", 12],
    ["d = {1: }\n", "SyntaxError", "expression expected after dictionary key and ':'", 6],
    ["if x\n  pass\n", "SyntaxError", "expected ':'", 4],
    ["if x y:\n  pass\n", "SyntaxError", "invalid syntax", 5],
    ["def f() x\n", "SyntaxError", "expected ':'", 8],
    ["def f()\n  pass", "SyntaxError", "expected ':'", 7],
    ["class A\n  pass", "SyntaxError", "expected ':'", 7],
    ["try\n  pass", "SyntaxError", "expected ':'", 3],
    ["while x\n pass", "SyntaxError", "expected ':'", 7],
    ["for x in y\n pass", "SyntaxError", "expected ':'", 10],
    ["with a\n pass", "SyntaxError", "expected ':'", 6],
    ["def f:\n pass", "SyntaxError", "expected '('", 5],
    ["x = 1\n  y = 2\n", "IndentationError", "unexpected indent", 7],
    ["if x:\n    a\n  b\n", "IndentationError", "unindent does not match any outer indentation level", 15],
    ["if x:\npass\n", "IndentationError", "expected an indented block after 'if' statement on line 1", 6],
    ["if x:\n", "IndentationError", "expected an indented block after 'if' statement on line 1", 5],
    ["if x:", "IndentationError", "expected an indented block after 'if' statement on line 1", 5],
    ["for x in y:\nz", "IndentationError", "expected an indented block after 'for' statement on line 1", 12],
    ["def f():\nz", "IndentationError", "expected an indented block after function definition on line 1", 9],
    ["@d\ndef f():\nz", "IndentationError", "expected an indented block after function definition on line 2", 12],
    ["class A:\nz", "IndentationError", "expected an indented block after class definition on line 1", 9],
    ["try:\nz", "IndentationError", "expected an indented block after 'try' statement on line 1", 5],
    ["try:\n x\nexcept:\nz", "IndentationError", "expected an indented block after 'except' statement on line 3", 16],
    ["try:\n x\nfinally:\nz", "IndentationError", "expected an indented block after 'finally' statement on line 3", 17],
    ["if x:\n y\nelse:\nz", "IndentationError", "expected an indented block after 'else' statement on line 3", 15],
    ["if x:\n y\nelif z:\nz", "IndentationError", "expected an indented block after 'elif' statement on line 3", 17],
    ["with a:\nz", "IndentationError", "expected an indented block after 'with' statement on line 1", 8],
    ["while a:\nz", "IndentationError", "expected an indented block after 'while' statement on line 1", 9],
    ["if x:\n\ty\n        z\n", "TabError", "inconsistent use of tabs and spaces in indentation", 9],
    ["try:\n  pass\n", "SyntaxError", "expected 'except' or 'finally' block", 11],
    ["try:\n  pass\nx = 1", "SyntaxError", "expected 'except' or 'finally' block", 12],
    ["s = 'abc\n", "SyntaxError", "unterminated string literal (detected at line 1)", 4],
    ["s = '''abc\n\nx", "SyntaxError", "unterminated triple-quoted string literal (detected at line 3)", 4],
    ["s = '''abc\n\nx\n", "SyntaxError", "unterminated triple-quoted string literal (detected at line 3)", 4],
    ["s = \"abc", "SyntaxError", "unterminated string literal (detected at line 1)", 4],
    ["x = rb'abc\n", "SyntaxError", "unterminated string literal (detected at line 1)", 4],
    ["foo(1,\n2\n", "SyntaxError", "'(' was never closed", 3],
    ["foo(1 2\n", "SyntaxError", "'(' was never closed", 3],
    ["x = (1 +", "SyntaxError", "'(' was never closed", 4],
    ["[1, 2", "SyntaxError", "'[' was never closed", 0],
    ["foo)\n", "SyntaxError", "unmatched ')'", 3],
    ["foo(]\n", "SyntaxError", "closing parenthesis ']' does not match opening parenthesis '('", 4],
    ["foo(\n]\n", "SyntaxError", "closing parenthesis ']' does not match opening parenthesis '(' on line 1", 5],
    ["def f(:\n pass", "SyntaxError", "invalid syntax", 6],
    ["x = 1 € 2", "SyntaxError", "invalid character '€' (U+20AC)", 6],
    ["x = $", "SyntaxError", "invalid syntax", 4],
    ["x = a!b", "SyntaxError", "invalid syntax", 5],
    ["x = \\ y", "SyntaxError", "unexpected character after line continuation character", 5],
    ["x = 1\\", "SyntaxError", "unexpected EOF while parsing", 6],
    ["1 = x", "SyntaxError", "cannot assign to literal here. Maybe you meant '==' instead of '='?", 0],
    ["f() = 1", "SyntaxError", "cannot assign to function call here. Maybe you meant '==' instead of '='?", 0],
    ["f() = x = 1", "SyntaxError", "cannot assign to function call", 0],
    ["a, f() = 1", "SyntaxError", "cannot assign to function call here. Maybe you meant '==' instead of '='?", 3],
    ["[f()] = 1", "SyntaxError", "cannot assign to function call", 1],
    ["(f()) = 1", "SyntaxError", "cannot assign to function call here. Maybe you meant '==' instead of '='?", 1],
    ["None = 1", "SyntaxError", "cannot assign to None", 0],
    ["x + 1 = 2", "SyntaxError", "cannot assign to expression here. Maybe you meant '==' instead of '='?", 0],
    ["a or b = 1", "SyntaxError", "cannot assign to expression", 0],
    ["a = b, f() = 1", "SyntaxError", "invalid syntax. Maybe you meant '==' or ':=' instead of '='?", 0],
    ["for f() in x: pass", "SyntaxError", "cannot assign to function call", 4],
    ["del f()", "SyntaxError", "cannot delete function call", 4],
    ["del 1", "SyntaxError", "cannot delete literal", 4],
    ["f() += 1", "SyntaxError", "'function call' is an illegal expression for augmented assignment", 0],
    ["(a, b) += 1", "SyntaxError", "'tuple' is an illegal expression for augmented assignment", 0],
    ["with a as f(): pass", "SyntaxError", "cannot assign to function call", 10],
    ["[x for 1 in y]", "SyntaxError", "cannot assign to literal", 7],
    ["lambda: 1 = 2", "SyntaxError", "cannot assign to lambda", 0],
    ["x = yield = 1", "SyntaxError", "assignment to yield expression not possible", 4],
    ["*a = 1", "SyntaxError", "starred assignment target must be in a list or tuple", 0],
    ["a, *b, *c = 1", "SyntaxError", "multiple starred expressions in assignment", 0],
    ["(*a) = 1", "SyntaxError", "cannot use starred expression here", 1],
    ["a, b: int", "SyntaxError", "only single target (not tuple) can be annotated", 0],
    ["[a]: int", "SyntaxError", "only single target (not list) can be annotated", 0],
    ["f(): int", "SyntaxError", "illegal target for annotation", 0],
    ["if x = 1:\n pass", "SyntaxError", "invalid syntax. Maybe you meant '==' or ':=' instead of '='?", 3],
    ["if f() = 1:\n pass", "SyntaxError", "cannot assign to function call here. Maybe you meant '==' instead of '='?", 3],
    ["x.y := 1", "SyntaxError", "cannot use assignment expressions with attribute", 0],
    ["(a.b := 1)", "SyntaxError", "cannot use assignment expressions with attribute", 1],
    ["x := 1", "SyntaxError", "invalid syntax", 2],
    ["return 1", "SyntaxError", "'return' outside function", 0],
    ["break", "SyntaxError", "'break' outside loop", 0],
    ["continue", "SyntaxError", "'continue' not properly in loop", 0],
    ["def f():\n  break", "SyntaxError", "'break' outside loop", 11],
    ["while x:\n  def g():\n    continue", "SyntaxError", "'continue' not properly in loop", 24],
    ["class A:\n  return 1", "SyntaxError", "'return' outside function", 11],
    ["yield x", "SyntaxError", "'yield' outside function", 0],
    ["class A:\n yield 1", "SyntaxError", "'yield' outside function", 10],
    ["[(yield) for x in y]", "SyntaxError", "'yield' inside list comprehension", 2],
    ["try:\n x\nexcept:\n y\nexcept E:\n z", "SyntaxError", "default 'except:' must be last", 8],
    ["nonlocal x", "SyntaxError", "nonlocal declaration not allowed at module level", 0],
    ["def f(a, a): pass", "SyntaxError", "duplicate argument 'a' in function definition", 9],
    ["x = *a", "SyntaxError", "can't use starred expression here", 4],
    ["x = 1abc", "SyntaxError", "invalid decimal literal", 4],
    ["x = 1_", "SyntaxError", "invalid decimal literal", 5],
    ["x = 0x", "SyntaxError", "invalid hexadecimal literal", 5],
    ["x = 012", "SyntaxError", "leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers", 4],
    ["x = 0b2", "SyntaxError", "invalid digit '2' in binary literal", 6],
    ["x = 0o8", "SyntaxError", "invalid digit '8' in octal literal", 6],
    ["x = 1e", "SyntaxError", "invalid decimal literal", 4],
    ["x = 1.real", "SyntaxError", "invalid decimal literal", 5],
    ["x = 1__0", "SyntaxError", "invalid decimal literal", 5],
    ["x = 0_1", "SyntaxError", "leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers", 4],
    ["print 'hello'", "SyntaxError", "Missing parentheses in call to 'print'. Did you mean print(...)?", 0],
    ["print x", "SyntaxError", "Missing parentheses in call to 'print'. Did you mean print(...)?", 0],
    ["exec 'x'", "SyntaxError", "Missing parentheses in call to 'exec'. Did you mean exec(...)?", 0],
    ["a + not b", "SyntaxError", "invalid syntax", 4],
    ["a == not b", "SyntaxError", "invalid syntax", 5],
    ["a not b", "SyntaxError", "invalid syntax", 6],
    ["[1 2]", "SyntaxError", "invalid syntax. Perhaps you forgot a comma?", 1],
    ["f(a b)", "SyntaxError", "invalid syntax. Perhaps you forgot a comma?", 2],
    ["{1: 2 3: 4}", "SyntaxError", "invalid syntax. Perhaps you forgot a comma?", 4],
    ["x = (1 2)", "SyntaxError", "invalid syntax. Perhaps you forgot a comma?", 5],
    ["a b c", "SyntaxError", "invalid syntax", 2],
    ["x = 1 2", "SyntaxError", "invalid syntax", 6],
    ["f(a.b=1)", "SyntaxError", "expression cannot contain assignment, perhaps you meant \"==\"?", 2],
    ["f(a=1, b)", "SyntaxError", "positional argument follows keyword argument", 8],
    ["f(**k, *a)", "SyntaxError", "iterable argument unpacking follows keyword argument unpacking", 7],
    ["f(**k, a)", "SyntaxError", "positional argument follows keyword argument unpacking", 8],
    ["f(x for x in y, 1)", "SyntaxError", "Generator expression must be parenthesized", 2],
    ["class A(x for x in y): pass", "SyntaxError", "invalid syntax", 10],
    ["def f(a=1, b): pass", "SyntaxError", "non-default argument follows default argument", 11],
    ["def f(*, **k): pass", "SyntaxError", "named arguments must follow bare *", 6],
    ["def f(**k, a): pass", "SyntaxError", "arguments cannot follow var-keyword argument", 11],
    ["def f(*a, *b): pass", "SyntaxError", "* argument may appear only once", 10],
    ["def f(a, *, b, /): pass", "SyntaxError", "/ must be ahead of *", 15],
    ["def f(/): pass", "SyntaxError", "invalid syntax", 6],
    ["lambda *: 1", "SyntaxError", "named arguments must follow bare *", 8],
    ["from x import a,", "SyntaxError", "trailing comma not allowed without surrounding parentheses", 16],
    ["from import x", "SyntaxError", "invalid syntax", 5],
    ["import", "SyntaxError", "invalid syntax", 6],
    ["x = 1;; y = 2", "SyntaxError", "invalid syntax", 6],
    ["if x: pass; if y: pass", "SyntaxError", "invalid syntax", 12],
    ["x = 'a' b'c'", "SyntaxError", "cannot mix bytes and nonbytes literals", 12],
    ["x = b'é'", "SyntaxError", "bytes can only contain ASCII literal characters", 4],
    ["x = '\\x4'", "SyntaxError", "(unicode error) 'unicodeescape' codec can't decode bytes in position 0-2: truncated \\xXX escape", 9],
    ["x = '\\u12'", "SyntaxError", "(unicode error) 'unicodeescape' codec can't decode bytes in position 0-3: truncated \\uXXXX escape", 10],
    ["x = b'\\xZZ'", "SyntaxError", "(value error) invalid \\x escape at position 0", 11],
    ["x = f'{}'", "SyntaxError", "f-string: empty expression not allowed", 9],
    ["x = f'{ }'", "SyntaxError", "f-string: empty expression not allowed", 10],
    ["x = f'{x!z}'", "SyntaxError", "f-string: invalid conversion character: expected 's', 'r', or 'a'", 12],
    ["x = f'}'", "SyntaxError", "f-string: single '}' is not allowed", 8],
    ["x = f'{'", "SyntaxError", "f-string: expecting '}'", 8],
    ["x = f'{x'", "SyntaxError", "f-string: expecting '}'", 9],
    ["x = f'{!r}'", "SyntaxError", "f-string: expression required before '!'", 11],
    ["x = f'{:x}'", "SyntaxError", "f-string: expression required before ':'", 11],
    ["x = f'{x#}'", "SyntaxError", "f-string expression part cannot include '#'", 11],
    ["x = f'{x}}'", "SyntaxError", "f-string: single '}' is not allowed", 11],
    ["x = f'{a[}'", "SyntaxError", "f-string: closing parenthesis '}' does not match opening parenthesis '['", 11],
    ["x = f'{x:{y:{z}}}'", "SyntaxError", "f-string: expressions nested too deeply", 18],
    ["x = 1 if 2", "SyntaxError", "expected 'else' after 'if' expression", 4],
    ["try:\n pass\nexcept A, B:\n pass", "SyntaxError", "multiple exception types must be parenthesized", 18],
    ["else:\n pass", "SyntaxError", "invalid syntax", 0],
    ["x = [i for i in]", "SyntaxError", "invalid syntax", 15],
    ["global", "SyntaxError", "invalid syntax", 6],
    ["a[]", "SyntaxError", "invalid syntax", 2],
    ["f(*)", "SyntaxError", "invalid syntax", 3],
    ["@\ndef f(): pass", "SyntaxError", "invalid syntax", 1],
    ["x = {*a: 1}", "SyntaxError", "invalid syntax", 7],
    ["[*a for a in b]", "SyntaxError", "iterable unpacking cannot be used in comprehension", 1],
    ["x = (", "SyntaxError", "'(' was never closed", 4],
    ["s = 'ab\\\ncd", "SyntaxError", "unterminated string literal (detected at line 2)", 4],
    ["x = a not # c\n", "SyntaxError", "invalid syntax", 10],
    ["x = [a not, b]", "SyntaxError", "invalid syntax", 10],
    ["[a not b]", "SyntaxError", "invalid syntax. Perhaps you forgot a comma?", 1],
    ["def f((a)): pass", "SyntaxError", "Function parameters cannot be parenthesized", 6],
    ["def f(a, (b)): pass", "SyntaxError", "Function parameters cannot be parenthesized", 9],
    ["lambda (a): 1", "SyntaxError", "Lambda expression parameters cannot be parenthesized", 7],
    ["f(a = b for a in c)", "SyntaxError", "invalid syntax. Maybe you meant '==' or ':=' instead of '='?", 2],
    ["if x.y := 1:\n pass", "SyntaxError", "cannot use assignment expressions with attribute", 3],
    ["(f() := 1)", "SyntaxError", "cannot use assignment expressions with function call", 1],
    ["foo(1 2\nx = 1\n", "SyntaxError", "'(' was never closed", 3],
    ["foo(1 2 3\n", "SyntaxError", "invalid syntax. Perhaps you forgot a comma?", 4],
    ["foo(\n1 2\n", "SyntaxError", "'(' was never closed", 3],
    ["x = (\n  a = 1\n", "SyntaxError", "'(' was never closed", 4],
    ["ch (= 1\n", "SyntaxError", "invalid syntax", 4],
    ["while raw =:= x:\n pass", "SyntaxError", "invalid syntax", 10],
    ["for a, (b in c) in d: pass", "SyntaxError", "invalid syntax", 16],
    ["def f(n):\n    if n < 2:\n(        return n\n", "IndentationError", "expected an indented block after 'if' statement on line 2", 23],
    ["if a:\n if b:\nx", "IndentationError", "expected an indented block after 'if' statement on line 2", 12],
    ["while i < n:\n      ", "IndentationError", "expected an indented block after 'while' statement on line 1", 19],
    ["try:\n  x\n   ", "SyntaxError", "expected 'except' or 'finally' block", 12],
    ["if x:\n  # c", "IndentationError", "expected an indented block after 'if' statement on line 1", 11],
    ["for i in n:\n    x\n  (  y\n", "IndentationError", "unindent does not match any outer indentation level", 24],
    ["x = = 1\nif x:\n\ty\n        z\n", "SyntaxError", "invalid syntax", 4],
    ["x = = 1\ny = f'{}'", "SyntaxError", "invalid syntax", 4],
    ["x = = 1\nx = \\ y", "SyntaxError", "invalid syntax", 4],
    ["x = 1 +not 2", "SyntaxError", "invalid syntax", 7],
    ["x = [x for x in y i]", "SyntaxError", "invalid syntax", 18],
    ["f():\n  x", "SyntaxError", "invalid syntax", 3],
    ["def f(): return 1\ndef g(:\n pass", "SyntaxError", "invalid syntax", 24],
    ["x = 1notin", "SyntaxError", "invalid decimal literal", 4],
  ];
  it.each(table)('%j', (src, kind, msg, offset) => {
    const e = fault(src);
    expect([e.kind, e.msg, e.offset]).toEqual([kind, msg, offset]);
    // -1: a fault CPython reports with no end (it then prints no caret)
    if (e.endOffset !== -1) expect(e.endOffset).toBeGreaterThan(e.offset);
  });

  it('gives carets a range where CPython prints one', () => {
    expect([fault('f() = 1').offset, fault('f() = 1').endOffset]).toEqual([0, 3]);
    expect([fault('x = (1 2)').offset, fault('x = (1 2)').endOffset]).toEqual([5, 8]);
    expect(fault('def f():\nprint(1)').endOffset).toBe(10); // an IndentationError gets one caret
  });

  it('reports a tokenizer fault after a parser error, as CPython re-tokenizes the rest', () => {
    expect(fault("x = = 1\ns = 'abc").msg).toBe('unterminated string literal (detected at line 2)');
    expect(fault('x = 1\n  y = 2\ns = "abc').msg).toBe('unexpected indent');
  });

  it('reports nesting too deep for the host stack as a syntax fault, and parses on afterwards', () => {
    expect(fault(`x = ${'('.repeat(201)}1${')'.repeat(201)}`)).toMatchObject({ msg: 'too many nested parentheses', offset: 204 });
    expect(() => parseModule(`x = ${'('.repeat(199)}1${')'.repeat(199)}`)).not.toThrow();
    expect(fault(`x = ${'not '.repeat(20000)}x`).msg).toBe('source too deeply nested to parse');
    expect(fault(`x = a${'.b'.repeat(100000)}`).msg).toBe('source too deeply nested to parse');
    expect(ex('a + b')).toBe('(+ a b)');
  });

  it('rejects what spy does not support with a clear message', () => {
    expect(fault('x = 1j').msg).toBe('imaginary numbers are not supported by spy');
    expect(fault("x = '\\N{BULLET}'").msg).toMatch(/unknown Unicode character name/);
    expect(fault('async def f(): pass').msg).toBe('invalid syntax');
  });
});

describe('checks after parsing', () => {
  it('allows return, yield, break and continue where they belong', () => {
    expect(() => parseModule('def f():\n  for x in y:\n    if x: break\n    continue\n  else:\n    return (yield x)\n')).not.toThrow();
    expect(() => parseModule('while x:\n  try:\n    pass\n  finally:\n    continue\n')).not.toThrow();
    expect(() => parseModule('f = lambda: (yield)')).not.toThrow();
    expect(() => parseModule('def g():\n  [(x for x in (yield))]')).not.toThrow();
  });

  it("rejects break in a loop's else clause when no loop encloses it", () => {
    expect(fault('for x in y:\n  pass\nelse:\n  break').msg).toBe("'break' outside loop");
  });

  it('reports symbol-table errors before compiler errors, as CPython runs them in that order', () => {
    expect(fault('return 1\nnonlocal x').msg).toBe('nonlocal declaration not allowed at module level');
  });
});

describe('benchmark programs', () => {
  const dir = '/work/shared/bench';
  const files = [
    ...readdirSync(dir).filter((f) => f.endsWith('.py')).map((f) => join(dir, f)),
    ...readdirSync(join(dir, 'stackless')).filter((f) => f.endsWith('.py')).map((f) => join(dir, 'stackless', f)),
  ];
  it.each(files)('%s parses, every node inside its parent', (file) => {
    const src = readFileSync(file, 'utf8');
    const m = parseModule(src);
    expect(m.body.length).toBeGreaterThan(0);
    expect(misplacedSpans(m, src)).toEqual([]);
  });

  it('keeps spans nested across every construct', () => {
    const src = [
      '@d(1)',
      'class A(B, metaclass=M):',
      '    """doc"""',
      '    def f(self, a: int = 1, *b, c, **d) -> str:',
      '        x = [i * 2 for i in range(3) if i] + [*a, *b]',
      "        y = {k: v for k, v in d.items()} | {**d, 'k': f'{x!r:>{w}} {y=}'}",
      '        with open(a) as f, (g := h) as (i, j):',
      '            try:',
      '                yield from (z for z in x)',
      '            except (E, F) as e:',
      '                raise X from e',
      '            finally:',
      '                del a[1:2, ::3], b.c',
      '        return lambda q, *r, **s: q if r else -s ** 2',
      'for p, (q, *r) in s:',
      '    while not p: p += 1',
      'else:',
      '    assert p, "m"',
    ].join('\n');
    expect(misplacedSpans(parseModule(src), src)).toEqual([]);
  });
});

describe('broken programs', () => {
  it('fail only with SpySyntaxError, at an offset inside the source', () => {
    // Deterministic mutations of the benchmark programs: truncations, deletions, insertions.
    let seed = 12345;
    const rnd = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const dir = '/work/shared/bench';
    const sources = readdirSync(dir).filter((f) => f.endsWith('.py')).map((f) => readFileSync(join(dir, f), 'utf8'));
    const inserts = ['(', ')', '[', ']', ':', ',', '=', '\n', ' ', '\t', '"', "'", '{', '}', 'f"{', '\\', 'if ', 'lambda', '*', '@', 'not', ';'];
    const escaped: string[] = [];
    for (const src of sources) {
      for (let k = 0; k < 100; k++) {
        const a = rnd(src.length);
        const mutated = [
          () => src.slice(0, a),
          () => src.slice(0, a) + src.slice(a + 1 + rnd(5)),
          () => src.slice(0, a) + inserts[rnd(inserts.length)] + src.slice(a),
        ][k % 3]!();
        try {
          parseModule(mutated);
        } catch (e) {
          const ok = e instanceof SpySyntaxError && e.offset >= 0 && e.offset <= mutated.length + 1 && e.endOffset > e.offset;
          if (!ok) escaped.push(`${JSON.stringify(mutated.slice(0, 80))}: ${String(e)}`);
        }
      }
    }
    expect(escaped).toEqual([]);
  });
});

/** Nodes whose span is malformed or pokes out of the span of the node holding them. */
function misplacedSpans(root: A.Module, src: string): string[] {
  const out: string[] = [];
  const walk = (x: unknown, parent: A.Span | null, path: string): void => {
    if (Array.isArray(x)) {
      x.forEach((y, i) => walk(y, parent, `${path}[${i}]`));
      return;
    }
    if (x === null || typeof x !== 'object' || x instanceof Uint8Array) return;
    const node = x as Partial<A.Span> & Record<string, unknown>;
    let holder = parent;
    if (typeof node.start === 'number' && typeof node.end === 'number') {
      const bad = !(node.start >= 0 && node.start <= node.end && node.end <= src.length) ||
        (parent !== null && (node.start < parent.start || node.end > parent.end));
      if (bad) out.push(`${path} ${String(node.kind)} [${node.start}, ${node.end}]`);
      holder = node as A.Span;
    }
    for (const [k, v] of Object.entries(node)) if (k !== 'start' && k !== 'end') walk(v, holder, `${path}.${k}`);
  };
  walk(root.body, null, 'body');
  return out;
}
