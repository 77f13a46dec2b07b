// The compiler's decisions that outputs alone do not show: scope classification (local, cell,
// free, global), the code object's shape, max stack depth, the handler table, and compile-time
// SyntaxErrors raised by scope analysis and code generation.
import { describe, it, expect } from 'vitest';
import { compileModule, compileInteractive } from '../../src/compiler/compile.js';
import { CodeObject, isCode, CO_GENERATOR, CO_VARARGS, CO_VARKEYWORDS } from '../../src/bytecode/code.js';
import { Ins, OPCODES } from '../../src/bytecode/opcodes.js';
import { isSyntaxFault } from '../../src/compiler/diagnostics.js';

function code(src: string): CodeObject {
  return compileModule(src, 'test.spy');
}

function child(co: CodeObject, name: string): CodeObject {
  const c = co.consts.find((k) => isCode(k) && k.name === name);
  if (!isCode(c)) throw new Error(`no code object ${name}`);
  return c;
}

function ops(co: CodeObject): string[] {
  return [...co.code].map((ins) => OPCODES[ins & Ins.OP_MASK].name);
}

function fault(src: string): { msg: string; offset: number } {
  try {
    code(src);
  } catch (e) {
    if (isSyntaxFault(e)) return { msg: e.msg, offset: e.offset };
    throw e;
  }
  throw new Error('expected a syntax fault');
}

describe('scope analysis', () => {
  it('classifies locals, cells and free variables', () => {
    const m = code('def outer(a):\n    b = 1\n    def inner():\n        return a + b + g\n    return inner\n');
    const outer = child(m, 'outer');
    const inner = child(outer, 'inner');
    expect(outer.varnames).toEqual(['a', 'inner']);
    expect(outer.cellvars).toEqual(['a', 'b']);
    expect(outer.cell2arg).toEqual([0, -1]);
    expect(inner.freevars).toEqual(['a', 'b']);
    expect(inner.names).toEqual(['g']);
    expect(ops(inner)).toContain('LOAD_GLOBAL');
    expect(ops(inner).filter((o) => o === 'LOAD_DEREF')).toHaveLength(2);
  });

  it('honours global and nonlocal declarations', () => {
    const m = code('x = 0\ndef f():\n    global x\n    x = 1\ndef g():\n    y = 0\n    def h():\n        nonlocal y\n        y += 1\n    return h\n');
    expect(ops(child(m, 'f'))).toContain('STORE_GLOBAL');
    const g = child(m, 'g');
    expect(g.cellvars).toEqual(['y']);
    expect(ops(child(g, 'h'))).toContain('STORE_DEREF');
  });

  it('lets methods see the class cell for zero-argument super(), not class attributes', () => {
    const m = code('class A:\n    k = 1\n    def f(self):\n        return super().f() + k\n');
    const body = child(m, 'A');
    expect(body.cellvars).toEqual(['__class__']);
    const f = child(body, 'f');
    expect(f.freevars).toEqual(['__class__']);
    expect(f.names).toContain('k');
  });

  it('gives comprehensions their own scope with the first iterable evaluated outside', () => {
    const m = code('def f(xs):\n    return [x * y for x in xs for y in range(x)]\n');
    const comp = child(child(m, 'f'), '<listcomp>');
    expect(comp.argcount).toBe(1);
    expect(comp.varnames).toEqual(['.0', 'x', 'y']);
  });

  it('marks generators and variadic functions', () => {
    const m = code('def g(*a, **k):\n    yield a\n');
    const g = child(m, 'g');
    expect(g.flags & CO_GENERATOR).toBeTruthy();
    expect(g.flags & CO_VARARGS).toBeTruthy();
    expect(g.flags & CO_VARKEYWORDS).toBeTruthy();
  });
});

describe('code objects', () => {
  it('computes the max stack depth from the opcode table', () => {
    expect(code('x = 1\n').maxStack).toBeGreaterThanOrEqual(1);
    const deep = code('x = [1, [2, [3, [4, [5]]]]]\n');
    expect(deep.maxStack).toBeGreaterThanOrEqual(5);
  });

  it('covers a try body with a handler and leaves the else outside it', () => {
    const m = code('try:\n    a()\nexcept E:\n    b()\nelse:\n    c()\n');
    expect(m.handlers.length).toBeGreaterThan(0);
    const names = m.names;
    const callOf = (n: string): number => [...m.code].findIndex((ins, i) => OPCODES[ins & Ins.OP_MASK].name === 'LOAD_NAME' && m.names[ins >>> 8] === n && i >= 0);
    expect(m.handlerAt[callOf('a')]).toBeGreaterThanOrEqual(0);
    expect(m.handlerAt[callOf('c')]).toBe(-1);
    expect(names).toContain('E');
  });

  it('inlines finally bodies on the return path, outside the finally handler', () => {
    const f = child(code('def f():\n    try:\n        return 1\n    finally:\n        g()\n'), 'f');
    const loads = [...f.code].map((ins, i) => [OPCODES[ins & Ins.OP_MASK].name, i] as const).filter(([n]) => n === 'LOAD_GLOBAL');
    expect(loads.length).toBeGreaterThanOrEqual(2); // g() on the return path and on the exception path
    // an exception in the return path's copy must not run the finally body a second time
    expect(f.handlerAt[loads[0][1]]).toBe(-1);
  });

  it('records a source offset for every instruction', () => {
    const src = 'a = 1\nb = a + 2\n';
    const m = code(src);
    expect(m.positions.length).toBe(m.code.length);
    for (const p of m.positions) expect(p).toBeLessThanOrEqual(src.length);
  });
});

describe('compile-time errors', () => {
  it('rejects misplaced statements and bad targets with CPython wording', () => {
    expect(fault('return 1\n').msg).toBe("'return' outside function");
    expect(fault('break\n').msg).toBe("'break' outside loop");
    expect(fault('def f():\n    x = 1\n    global x\n').msg).toBe("name 'x' is assigned to before global declaration");
    expect(fault('def f():\n    nonlocal q\n').msg).toBe("no binding for nonlocal 'q' found");
    expect(fault('def f(a, a):\n    pass\n').msg).toBe("duplicate argument 'a' in function definition");
  });
});

describe("interactive ('single') mode", () => {
  it('sends top-level expression statements, constants and those in loops too, to PRINT_EXPR', () => {
    const { code: m, compound } = compileInteractive('for i in x:\n    i\n    "s"\n', '<stdin>');
    expect(compound).toBe(true);
    expect(ops(m).filter((o) => o === 'PRINT_EXPR')).toHaveLength(2);
    expect(ops(m)).not.toContain('POP_TOP');
  });

  it('leaves expression statements inside functions and classes alone', () => {
    const { code: m, compound } = compileInteractive('def f():\n    g()\n', '<stdin>');
    expect(compound).toBe(true);
    expect(ops(child(m, 'f'))).not.toContain('PRINT_EXPR');
    expect(compileInteractive('x = 1; x', '<stdin>').compound).toBe(false);
  });

  it('refuses a statement after a compound one, as CPython compiles one statement at a time', () => {
    try {
      compileInteractive('if a:\n    pass\nx = 5\n', '<stdin>');
      throw new Error('expected a syntax fault');
    } catch (e) {
      expect(isSyntaxFault(e) && [e.msg, e.offset]).toEqual(['invalid syntax', 15]);
    }
  });
});
