// Code generation: walks the AST with the scope table and emits one CodeObject per module,
// function, lambda, class body and comprehension. `try` is zero-cost (a handler index per
// instruction, CPython 3.11's exception table); `finally` bodies are emitted inline on every
// exit path, and break/continue/return unwind the block stack at compile time.
import type * as A from './ast.js';
import { SpySyntaxError } from './diagnostics.js';
import { Scope, ScopeTable } from './scope.js';
import {
  Ins, Op, encode, stackEffect, OPCODES, Cmp, binOpIndex, INPLACE_BASE,
  MF_DEFAULTS, MF_KWDEFAULTS, MF_CLOSURE,
} from '../bytecode/opcodes.js';
import {
  CodeObject, Const, ELLIPSIS_CONST, CO_VARARGS, CO_VARKEYWORDS, CO_GENERATOR, CO_CLASS_BODY, CO_MODULE, Handler,
} from '../bytecode/code.js';

interface Label { pos: number }

/** A region of code whose exceptions go to `label` with the stack cut to `depth`. */
interface HandlerRegion { label: Label; depth: number }

/** What break/continue/return must undo when leaving a block (CPython's fblock). */
type Block =
  | { kind: 'loop'; continueLabel: Label; breakLabel: Label; isFor: boolean }
  | { kind: 'try-except' }
  | { kind: 'finally-try'; body: A.Stmt[]; region: HandlerRegion | null }
  | { kind: 'finally-end' }
  | { kind: 'with'; region: HandlerRegion | null }
  | { kind: 'handler'; name: string | null }
  | { kind: 'return-value' };

/** Stack values each block keeps below the statement-level stack. */
function blockStackSize(b: Block): number {
  switch (b.kind) {
    case 'loop': return b.isFor ? 1 : 0;
    case 'with': return 1;
    case 'handler': return 1;
    case 'return-value': return 1;
    case 'finally-end': return 2;
    default: return 0;
  }
}

class Unit {
  readonly code: number[] = [];
  readonly positions: number[] = [];
  readonly handlerOf: (HandlerRegion | null)[] = [];
  readonly labelRefs: [number, Label][] = [];
  readonly consts: Const[] = [];
  readonly constIndex = new Map<string, number>();
  readonly names: string[] = [];
  readonly nameIndex = new Map<string, number>();
  readonly varnames: string[] = [];
  readonly cellvars: string[];
  readonly freevars: string[];
  readonly blocks: Block[] = [];
  handler: HandlerRegion | null = null;
  position = 0;
  /** the enclosing class whose name private `__names` are mangled with, if any */
  className: string | null = null;

  constructor(readonly scope: Scope, readonly name: string, readonly qualname: string) {
    for (const p of scope.params) this.varnames.push(p);
    if (scope.kind === 'function' || scope.kind === 'comprehension') {
      for (const [n, k] of scope.kinds) if (k === 'local' && !this.varnames.includes(n)) this.varnames.push(n);
    }
    this.cellvars = [...scope.cells].sort();
    if (scope.kind === 'class' && scope.hasClassCell) this.cellvars.push('__class__');
    this.freevars = [...scope.frees].sort();
  }

  stackDepthOfBlocks(): number {
    let d = 0;
    for (const b of this.blocks) d += blockStackSize(b);
    return d;
  }
}

export class CodeGen {
  private u!: Unit;
  private readonly units: Unit[] = [];

  constructor(
    private readonly table: ScopeTable,
    private readonly filename: string,
    private readonly source: string,
    /** CPython's 'single' mode (the REPL): module-level expression statements print their value */
    private readonly interactive = false,
  ) {}

  compileModule(mod: A.Module): CodeObject {
    this.push(this.table.root, '<module>', '<module>');
    const body = mod.body;
    let doc: string | null = null;
    if (body.length && isDocstring(body[0])) {
      doc = ((body[0] as A.ExprStmt).value as A.Constant).value as string;
    }
    this.stmts(body);
    this.u.position = this.source.length;
    this.loadConst(null);
    this.emit(Op.RETURN_VALUE);
    return this.pop(CO_MODULE, 0, 0, 0, 0, doc);
  }

  // ---- units ---------------------------------------------------------------------------

  private push(scope: Scope, name: string, qualname: string): void {
    if (this.units.length > 180) throw new SpySyntaxError('SyntaxError', 'too many statically nested blocks', scope.node ? (scope.node as A.Span).start : 0);
    const outer = this.units.length ? this.u : null;
    this.u = new Unit(scope, name, qualname);
    this.u.className = scope.kind === 'class' ? name : outer?.className ?? null;
    this.units.push(this.u);
  }

  /** CPython's _Py_Mangle: `__x` inside class C becomes `_C__x`. */
  private mangle(name: string): string {
    const cls = this.u.className;
    if (cls === null || !name.startsWith('__') || name.endsWith('__') || name.includes('.')) return name;
    const stripped = cls.replace(/^_+/, '');
    return stripped ? `_${stripped}${name}` : name;
  }

  private attrArg(attr: string): number {
    return this.nameArg(this.mangle(attr));
  }

  private pop(flags: number, argcount: number, posonly: number, kwonly: number, firstOffset: number, doc: string | null): CodeObject {
    const u = this.u;
    this.units.pop();
    this.u = this.units[this.units.length - 1];
    // resolve labels
    for (const [at, label] of u.labelRefs) {
      u.code[at] = encode(u.code[at] & Ins.OP_MASK, label.pos);
    }
    const handlers: Handler[] = [];
    const handlerIds = new Map<HandlerRegion, number>();
    const handlerAt = new Int32Array(u.code.length);
    for (let i = 0; i < u.code.length; i++) {
      const h = u.handlerOf[i];
      if (!h) { handlerAt[i] = -1; continue; }
      let id = handlerIds.get(h);
      if (id === undefined) {
        id = handlers.length;
        handlers.push({ target: h.label.pos, depth: h.depth });
        handlerIds.set(h, id);
      }
      handlerAt[i] = id;
    }
    const code = Int32Array.from(u.code);
    const cell2arg = u.cellvars.map((c) => u.scope.params.indexOf(c));
    if (u.scope.isGenerator) flags |= CO_GENERATOR;
    if (u.scope.kind === 'class') flags |= CO_CLASS_BODY;
    const maxStack = computeMaxStack(code, handlers, u.varnames.length);
    return new CodeObject(
      u.name, u.qualname, this.filename, this.source, flags, argcount, posonly, kwonly,
      u.varnames, u.cellvars, u.freevars, cell2arg, u.consts, u.names, code,
      Int32Array.from(u.positions), handlers, handlerAt, maxStack, firstOffset, doc,
    );
  }

  // ---- emission ------------------------------------------------------------------------

  private emit(op: number, arg = 0): number {
    const u = this.u;
    u.code.push(encode(op, arg));
    u.positions.push(u.position);
    u.handlerOf.push(u.handler);
    return u.code.length - 1;
  }

  private emitJump(op: number, label: Label): void {
    const at = this.emit(op, 0);
    this.u.labelRefs.push([at, label]);
  }

  private label(): Label {
    return { pos: -1 };
  }

  private bind(label: Label): void {
    label.pos = this.u.code.length;
  }

  private constKey(c: Const): string {
    if (c === null) return 'N';
    switch (typeof c) {
      case 'number': return Object.is(c, -0) ? 'i-0' : `i${c}`;
      case 'bigint': return `i${c}`;
      case 'string': return `s${c}`;
      case 'boolean': return `b${c}`;
    }
    if ('float' in c) return Object.is(c.float, -0) ? 'f-0' : `f${c.float}`;
    if ('tuple' in c) return `t(${c.tuple.map((x) => this.constKey(x)).join(',')})`;
    return `o${this.u.consts.length}`; // code objects, bytes, ellipsis: never shared
  }

  private addConst(c: Const): number {
    const key = this.constKey(c);
    let i = this.u.constIndex.get(key);
    if (i === undefined) {
      i = this.u.consts.length;
      this.u.consts.push(c);
      this.u.constIndex.set(key, i);
    }
    return i;
  }

  private loadConst(c: Const): void {
    this.emit(Op.LOAD_CONST, this.addConst(c));
  }

  private nameArg(name: string): number {
    let i = this.u.nameIndex.get(name);
    if (i === undefined) {
      i = this.u.names.length;
      this.u.names.push(name);
      this.u.nameIndex.set(name, i);
    }
    return i;
  }

  private at(node: A.Span): void {
    this.u.position = node.start;
  }

  // ---- names ---------------------------------------------------------------------------

  private nameOp(name: string, ctx: A.Ctx): void {
    const u = this.u;
    const s = u.scope;
    const kind = s.kinds.get(name) ?? (s.kind === 'function' || s.kind === 'comprehension' ? 'global-implicit' : 'global-implicit');
    const mangled = this.mangle(name);
    const derefIndex = (): number => {
      let i = u.cellvars.indexOf(name);
      if (i >= 0) return i;
      i = u.freevars.indexOf(name);
      if (i < 0) throw new Error(`internal: ${name} is not a cell or free variable`);
      return u.cellvars.length + i;
    };
    if (s.kind === 'module') {
      this.emit(ctx === 'load' ? Op.LOAD_NAME : ctx === 'store' ? Op.STORE_NAME : Op.DELETE_NAME, this.nameArg(mangled));
      return;
    }
    if (s.kind === 'class') {
      if (kind === 'free' && ctx === 'load') { this.emit(Op.LOAD_CLASSDEREF, derefIndex()); return; }
      if (kind === 'global-explicit') {
        this.emit(ctx === 'load' ? Op.LOAD_GLOBAL : ctx === 'store' ? Op.STORE_GLOBAL : Op.DELETE_GLOBAL, this.nameArg(mangled));
        return;
      }
      this.emit(ctx === 'load' ? Op.LOAD_NAME : ctx === 'store' ? Op.STORE_NAME : Op.DELETE_NAME, this.nameArg(mangled));
      return;
    }
    switch (kind) {
      case 'local': {
        const i = u.varnames.indexOf(name);
        this.emit(ctx === 'load' ? Op.LOAD_FAST : ctx === 'store' ? Op.STORE_FAST : Op.DELETE_FAST, i);
        return;
      }
      case 'cell': case 'free':
        this.emit(ctx === 'load' ? Op.LOAD_DEREF : ctx === 'store' ? Op.STORE_DEREF : Op.DELETE_DEREF, derefIndex());
        return;
      default:
        this.emit(ctx === 'load' ? Op.LOAD_GLOBAL : ctx === 'store' ? Op.STORE_GLOBAL : Op.DELETE_GLOBAL, this.nameArg(mangled));
    }
  }

  // ---- statements ----------------------------------------------------------------------

  private stmts(body: A.Stmt[]): void {
    for (const s of body) this.stmt(s);
  }

  private stmt(s: A.Stmt): void {
    this.at(s);
    switch (s.kind) {
      case 'Expr':
        // CPython's compiler_visit_stmt_expr: at the REPL's top level (c_nestlevel <= 1) every
        // expression statement, constants too and those inside loops, goes to the display hook
        if (this.interactive && this.units.length === 1) { this.expr(s.value); this.emit(Op.PRINT_EXPR); return; }
        if (s.value.kind === 'Constant') { this.emit(Op.NOP); return; }
        this.expr(s.value);
        this.emit(Op.POP_TOP);
        return;
      case 'Assign':
        this.expr(s.value);
        s.targets.forEach((t, i) => {
          if (i < s.targets.length - 1) this.emit(Op.DUP_TOP);
          this.store(t);
        });
        return;
      case 'AugAssign': return this.augAssign(s);
      case 'AnnAssign':
        if (s.value) { this.expr(s.value); this.store(s.target); }
        return;
      case 'Pass': this.emit(Op.NOP); return;
      case 'Break': return this.breakContinue(s, true);
      case 'Continue': return this.breakContinue(s, false);
      case 'Return': return this.returnStmt(s);
      case 'Delete': for (const t of s.targets) this.del(t); return;
      case 'Global': case 'Nonlocal': this.emit(Op.NOP); return;
      case 'If': return this.ifStmt(s);
      case 'While': return this.whileStmt(s);
      case 'For': return this.forStmt(s);
      case 'Try': return s.finalbody.length ? this.tryFinally(s) : this.tryExcept(s);
      case 'Raise':
        if (s.exc) this.expr(s.exc);
        if (s.cause) this.expr(s.cause);
        this.at(s);
        this.emit(Op.RAISE_VARARGS, s.exc ? (s.cause ? 2 : 1) : 0);
        return;
      case 'Assert': {
        const end = this.label();
        this.jumpIf(s.test, true, end);
        this.at(s);
        this.emit(Op.LOAD_ASSERTION_ERROR);
        if (s.msg) { this.expr(s.msg); this.emit(Op.CALL_FUNCTION, 1); }
        this.emit(Op.RAISE_VARARGS, 1);
        this.bind(end);
        return;
      }
      case 'With': return this.withStmt(s, 0);
      case 'FunctionDef': return this.functionDef(s);
      case 'ClassDef': return this.classDef(s);
      case 'Import':
        for (const a of s.names) {
          this.loadConst(0);
          this.loadConst(null);
          this.emit(Op.IMPORT_NAME, this.nameArg(a.name));
          if (a.asname) {
            const parts = a.name.split('.');
            for (const p of parts.slice(1)) this.emit(Op.LOAD_ATTR, this.nameArg(p));
            this.nameOp(a.asname, 'store');
          } else {
            this.nameOp(a.name.split('.')[0], 'store');
          }
        }
        return;
      case 'ImportFrom': {
        this.loadConst(s.level);
        this.loadConst({ tuple: s.names.map((a) => a.name) });
        this.emit(Op.IMPORT_NAME, this.nameArg(s.module ?? ''));
        if (s.names.length === 1 && s.names[0].name === '*') {
          this.emit(Op.IMPORT_STAR);
          return;
        }
        for (const a of s.names) {
          this.emit(Op.IMPORT_FROM, this.nameArg(a.name));
          this.nameOp(a.asname ?? a.name, 'store');
        }
        this.emit(Op.POP_TOP);
        return;
      }
    }
  }

  private augAssign(s: A.AugAssign): void {
    const opArg = binOpIndex(s.op);
    const emitOp = (): void => {
      this.at(s);
      if (s.op === '+') this.emit(Op.INPLACE_ADD);
      else if (s.op === '-') this.emit(Op.INPLACE_SUBTRACT);
      else this.emit(Op.BINARY_OP, opArg + INPLACE_BASE);
    };
    const t = s.target;
    if (t.kind === 'Name') {
      this.nameOp(t.id, 'load');
      this.expr(s.value);
      emitOp();
      this.nameOp(t.id, 'store');
    } else if (t.kind === 'Attribute') {
      this.expr(t.value);
      this.emit(Op.DUP_TOP);
      this.emit(Op.LOAD_ATTR, this.attrArg(t.attr));
      this.expr(s.value);
      emitOp();
      this.emit(Op.ROT_TWO);
      this.emit(Op.STORE_ATTR, this.attrArg(t.attr));
    } else if (t.kind === 'Subscript') {
      this.expr(t.value);
      this.subscriptIndex(t.slice);
      this.emit(Op.DUP_TOP_TWO);
      this.emit(Op.BINARY_SUBSCR);
      this.expr(s.value);
      emitOp();
      this.emit(Op.ROT_THREE);
      this.emit(Op.STORE_SUBSCR);
    } else {
      throw new SpySyntaxError('SyntaxError', `'${describeTarget(t)}' is an illegal expression for augmented assignment`, t.start, t.end);
    }
  }

  private loopBlockIndex(): number {
    for (let i = this.u.blocks.length - 1; i >= 0; i--) if (this.u.blocks[i].kind === 'loop') return i;
    return -1;
  }

  private breakContinue(s: A.Span, isBreak: boolean): void {
    const li = this.loopBlockIndex();
    if (li < 0) {
      throw new SpySyntaxError('SyntaxError', isBreak ? "'break' outside loop" : "'continue' not properly in loop", s.start, s.end);
    }
    const loop = this.u.blocks[li] as Extract<Block, { kind: 'loop' }>;
    this.unwindBlocks(li + 1, false);
    if (isBreak) {
      if (loop.isFor) this.emit(Op.POP_TOP);
      this.emitJump(Op.JUMP_ABSOLUTE, loop.breakLabel);
    } else {
      this.emitJump(Op.JUMP_ABSOLUTE, loop.continueLabel);
    }
  }

  private returnStmt(s: A.Return): void {
    if (this.u.scope.kind !== 'function' && this.u.scope.kind !== 'comprehension') {
      throw new SpySyntaxError('SyntaxError', "'return' outside function", s.start, s.end);
    }
    if (s.value) this.expr(s.value);
    else this.loadConst(null);
    this.unwindBlocks(0, true);
    this.at(s);
    this.emit(Op.RETURN_VALUE);
  }

  /**
   * Emits the code that leaves every block above index `downTo` (innermost first): finally
   * bodies inline, `with` exits called, handled exceptions restored, for-iterators popped.
   */
  private unwindBlocks(downTo: number, preserveTop: boolean): void {
    const saved = this.u.blocks.slice();
    const savedHandler = this.u.handler;
    for (let i = saved.length - 1; i >= downTo; i--) {
      const b = saved[i];
      // code emitted for this block runs outside it
      this.u.blocks.length = i;
      switch (b.kind) {
        case 'loop':
          // an inner loop left entirely: drop its iterator
          if (b.isFor) { if (preserveTop) this.emit(Op.ROT_TWO); this.emit(Op.POP_TOP); }
          break;
        case 'return-value':
          if (preserveTop) this.emit(Op.ROT_TWO);
          this.emit(Op.POP_TOP);
          break;
        case 'try-except': break;
        case 'finally-try':
          this.u.handler = this.handlerOutside(i, saved);
          if (preserveTop) {
            // the return value stays on the stack while the finally body runs
            this.u.blocks.push({ kind: 'return-value' });
            this.stmts(b.body);
            this.u.blocks.pop();
          } else this.stmts(b.body);
          break;
        case 'finally-end':
          if (preserveTop) { this.emit(Op.ROT_TWO); this.emit(Op.POP_TOP); this.emit(Op.ROT_TWO); }
          else this.emit(Op.POP_TOP);
          this.emit(Op.POP_EXCEPT);
          break;
        case 'with':
          this.u.handler = this.handlerOutside(i, saved);
          if (preserveTop) this.emit(Op.ROT_TWO);
          this.emit(Op.WITH_EXIT);
          break;
        case 'handler':
          this.u.handler = this.handlerOutside(i, saved);
          if (preserveTop) this.emit(Op.ROT_TWO);
          this.emit(Op.POP_EXCEPT);
          if (b.name) { this.loadConst(null); this.nameOp(b.name, 'store'); this.nameOp(b.name, 'del'); }
          break;
      }
    }
    this.u.blocks.length = 0;
    this.u.blocks.push(...saved);
    this.u.handler = savedHandler;
  }

  /** The handler region in effect outside block i (the one enclosing it). */
  private handlerOutside(i: number, blocks: Block[]): HandlerRegion | null {
    const b = blocks[i];
    if (b.kind === 'finally-try' || b.kind === 'with') return b.region;
    return this.u.handler;
  }

  private ifStmt(s: A.If): void {
    const end = this.label();
    const orelse = this.label();
    this.jumpIf(s.test, false, s.orelse.length ? orelse : end);
    this.stmts(s.body);
    if (s.orelse.length) {
      this.emitJump(Op.JUMP_FORWARD, end);
      this.bind(orelse);
      this.stmts(s.orelse);
    }
    this.bind(end);
  }

  private whileStmt(s: A.While): void {
    const top = this.label();
    const end = this.label();
    const orelse = this.label();
    this.bind(top);
    this.jumpIf(s.test, false, orelse);
    this.u.blocks.push({ kind: 'loop', continueLabel: top, breakLabel: end, isFor: false });
    this.stmts(s.body);
    this.u.blocks.pop();
    this.at(s);
    this.emitJump(Op.JUMP_ABSOLUTE, top);
    this.bind(orelse);
    this.stmts(s.orelse);
    this.bind(end);
  }

  private forStmt(s: A.For): void {
    const top = this.label();
    const end = this.label();
    const exhausted = this.label();
    this.expr(s.iter);
    this.at(s);
    this.emit(Op.GET_ITER);
    this.bind(top);
    this.emitJump(Op.FOR_ITER, exhausted);
    this.u.blocks.push({ kind: 'loop', continueLabel: top, breakLabel: end, isFor: true });
    this.store(s.target);
    this.stmts(s.body);
    this.u.blocks.pop();
    this.at(s);
    this.emitJump(Op.JUMP_ABSOLUTE, top);
    this.bind(exhausted);
    this.stmts(s.orelse);
    this.bind(end);
  }

  /**
   *   body (handler H)          H:  PUSH_EXC_INFO          (prev exc)
   *   else-body                     DUP_TOP; type; CHECK_EXC_MATCH; POP_JUMP_IF_FALSE next
   *   JUMP end                      STORE name | POP_TOP; body; POP_EXCEPT; JUMP end
   *                                 next: ... RERAISE
   *                            cleanup: POP_EXCEPT_RERAISE    (an exception inside a handler)
   */
  private tryExcept(s: A.Try): void {
    const u = this.u;
    const depth = u.stackDepthOfBlocks();
    const handlerLabel = this.label();
    const end = this.label();
    const outer = u.handler;
    const region: HandlerRegion = { label: handlerLabel, depth };
    u.handler = region;
    u.blocks.push({ kind: 'try-except' });
    this.stmts(s.body);
    u.blocks.pop();
    u.handler = outer;
    this.stmts(s.orelse);
    this.emitJump(Op.JUMP_FORWARD, end);

    this.bind(handlerLabel);
    this.at(s.handlers[0] ?? s);
    this.emit(Op.PUSH_EXC_INFO);
    const cleanup = this.label();
    const cleanupRegion: HandlerRegion = { label: cleanup, depth: depth + 1 };
    u.handler = cleanupRegion;
    for (let i = 0; i < s.handlers.length; i++) {
      const h = s.handlers[i];
      this.at(h);
      const next = this.label();
      if (h.type) {
        this.expr(h.type);
        this.emit(Op.CHECK_EXC_MATCH);
        this.emitJump(Op.POP_JUMP_IF_FALSE, next);
      } else if (i < s.handlers.length - 1) {
        throw new SpySyntaxError('SyntaxError', "default 'except:' must be last", h.start, h.end);
      }
      if (h.name) this.nameOp(h.name, 'store');
      else this.emit(Op.POP_TOP);
      u.blocks.push({ kind: 'handler', name: h.name });
      if (h.name) {
        // `except E as e:` unbinds e however the body is left (CPython wraps it in a finally)
        const nameCleanup = this.label();
        const nameRegion: HandlerRegion = { label: nameCleanup, depth: depth + 1 };
        u.handler = nameRegion;
        this.stmts(h.body);
        u.handler = cleanupRegion;
        u.blocks.pop();
        this.emit(Op.POP_EXCEPT);
        this.loadConst(null); this.nameOp(h.name, 'store'); this.nameOp(h.name, 'del');
        this.emitJump(Op.JUMP_FORWARD, end);
        this.bind(nameCleanup);
        this.loadConst(null); this.nameOp(h.name, 'store'); this.nameOp(h.name, 'del');
        this.emit(Op.POP_EXCEPT_RERAISE);
      } else {
        this.stmts(h.body);
        u.blocks.pop();
        this.emit(Op.POP_EXCEPT);
        this.emitJump(Op.JUMP_FORWARD, end);
      }
      this.bind(next);
    }
    this.emit(Op.RERAISE);
    this.bind(cleanup);
    u.handler = outer;
    this.emit(Op.POP_EXCEPT_RERAISE);
    this.bind(end);
  }

  /**
   *   body (handler F)           F: PUSH_EXC_INFO     (prev exc)
   *   finally-body                  finally-body (cleanup C)
   *   JUMP end                      RERAISE
   *                              C: POP_EXCEPT_RERAISE
   */
  private tryFinally(s: A.Try): void {
    const u = this.u;
    const depth = u.stackDepthOfBlocks();
    const finLabel = this.label();
    const end = this.label();
    const outer = u.handler;
    const region: HandlerRegion = { label: finLabel, depth };
    u.handler = region;
    u.blocks.push({ kind: 'finally-try', body: s.finalbody, region: outer });
    if (s.handlers.length) this.tryExcept({ ...s, finalbody: [] });
    else this.stmts(s.body);
    u.blocks.pop();
    u.handler = outer;
    this.stmts(s.finalbody);
    this.emitJump(Op.JUMP_FORWARD, end);

    this.bind(finLabel);
    this.emit(Op.PUSH_EXC_INFO);
    const cleanup = this.label();
    u.handler = { label: cleanup, depth: depth + 1 };
    u.blocks.push({ kind: 'finally-end' });
    this.stmts(s.finalbody);
    u.blocks.pop();
    this.emit(Op.RERAISE);
    this.bind(cleanup);
    u.handler = outer;
    this.emit(Op.POP_EXCEPT_RERAISE);
    this.bind(end);
  }

  /**
   *   mgr; BEFORE_WITH; STORE target       W: PUSH_EXC_INFO            (exit prev exc)
   *   body (handler W)                        WITH_EXCEPT_START          (exit prev exc res)
   *   WITH_EXIT; JUMP end                     POP_JUMP_IF_TRUE suppress; RERAISE
   *                                   suppress: POP_TOP; POP_EXCEPT; POP_TOP; JUMP end
   */
  private withStmt(s: A.With, itemIndex: number): void {
    const u = this.u;
    const item = s.items[itemIndex];
    this.expr(item.contextExpr);
    this.at(item);
    this.emit(Op.BEFORE_WITH);
    const depth = u.stackDepthOfBlocks() + 1;
    const handlerLabel = this.label();
    const end = this.label();
    const outer = u.handler;
    u.handler = { label: handlerLabel, depth };
    u.blocks.push({ kind: 'with', region: outer });
    if (item.optionalVars) this.store(item.optionalVars);
    else this.emit(Op.POP_TOP);
    if (itemIndex + 1 < s.items.length) this.withStmt(s, itemIndex + 1);
    else this.stmts(s.body);
    u.blocks.pop();
    u.handler = outer;
    this.at(s);
    this.emit(Op.WITH_EXIT);
    this.emitJump(Op.JUMP_FORWARD, end);

    this.bind(handlerLabel);
    this.emit(Op.PUSH_EXC_INFO);
    const cleanup = this.label();
    u.handler = { label: cleanup, depth: depth + 1 };
    this.emit(Op.WITH_EXCEPT_START);
    const suppress = this.label();
    this.emitJump(Op.POP_JUMP_IF_TRUE, suppress);
    this.emit(Op.RERAISE);
    this.bind(suppress);
    this.emit(Op.POP_TOP);
    this.emit(Op.POP_EXCEPT);
    this.emit(Op.POP_TOP);
    this.emitJump(Op.JUMP_FORWARD, end);
    this.bind(cleanup);
    u.handler = outer;
    this.emit(Op.POP_EXCEPT_RERAISE);
    this.bind(end);
  }

  // ---- functions and classes -----------------------------------------------------------

  private qualnameFor(name: string): string {
    const u = this.u;
    if (u.scope.kind === 'module') return name;
    if (u.scope.kind === 'function' || u.scope.kind === 'comprehension') return `${u.qualname}.<locals>.${name}`;
    return `${u.qualname}.${name}`;
  }

  /** Pushes defaults / kw-defaults and returns the MAKE_FUNCTION flags they need. */
  private functionDefaults(args: A.Arguments): number {
    let flags = 0;
    if (args.defaults.length) {
      for (const d of args.defaults) this.expr(d);
      this.emit(Op.BUILD_TUPLE, args.defaults.length);
      flags |= MF_DEFAULTS;
    }
    const kwd = args.kwonly.map((a, i) => [a, args.kwDefaults[i]] as const).filter(([, d]) => d !== null);
    if (kwd.length) {
      for (const [a, d] of kwd) { this.loadConst(a.name); this.expr(d as A.Expr); }
      this.emit(Op.BUILD_MAP, kwd.length);
      flags |= MF_KWDEFAULTS;
    }
    return flags;
  }

  private makeClosure(code: CodeObject, flags: number): void {
    if (code.freevars.length) {
      for (const name of code.freevars) {
        const u = this.u;
        let i = u.cellvars.indexOf(name);
        if (i < 0) i = u.cellvars.length + u.freevars.indexOf(name);
        this.emit(Op.LOAD_CLOSURE, i);
      }
      this.emit(Op.BUILD_TUPLE, code.freevars.length);
      flags |= MF_CLOSURE;
    }
    this.loadConst(code);
    this.emit(Op.MAKE_FUNCTION, flags);
  }

  private functionBody(node: A.FunctionDef | A.Lambda, name: string, qualname: string): CodeObject {
    const scope = this.table.scopeOf(node);
    this.push(scope, name, qualname);
    let doc: string | null = null;
    if (node.kind === 'FunctionDef') {
      const body = node.body;
      if (body.length && isDocstring(body[0])) doc = ((body[0] as A.ExprStmt).value as A.Constant).value as string;
      this.stmts(body);
      const last = body[body.length - 1];
      if (!last || last.kind !== 'Return') {
        this.u.position = last ? last.end - 1 : node.start;
        this.loadConst(null);
        this.emit(Op.RETURN_VALUE);
      }
    } else {
      this.at(node.body);
      this.expr(node.body);
      if (scope.isGenerator) { this.emit(Op.POP_TOP); this.loadConst(null); }
      this.emit(Op.RETURN_VALUE);
    }
    const a = node.args;
    let flags = 0;
    if (a.vararg) flags |= CO_VARARGS;
    if (a.kwarg) flags |= CO_VARKEYWORDS;
    const start = node.kind === 'FunctionDef' ? node.defStart : node.start;
    return this.pop(flags, a.posonly.length + a.args.length, a.posonly.length, a.kwonly.length, start, doc);
  }

  private functionDef(s: A.FunctionDef): void {
    for (const d of s.decorators) this.expr(d);
    this.u.position = s.defStart;
    const flags = this.functionDefaults(s.args);
    const code = this.functionBody(s, s.name, this.qualnameFor(s.name));
    this.u.position = s.defStart;
    this.makeClosure(code, flags);
    for (let i = s.decorators.length - 1; i >= 0; i--) {
      this.at(s.decorators[i]);
      this.emit(Op.CALL_FUNCTION, 1);
    }
    this.nameOp(s.name, 'store');
  }

  private classDef(s: A.ClassDef): void {
    for (const d of s.decorators) this.expr(d);
    this.u.position = s.defStart;
    this.emit(Op.LOAD_BUILD_CLASS);
    const scope = this.table.scopeOf(s);
    const qualname = this.qualnameFor(s.name);
    this.push(scope, s.name, qualname);
    let doc: string | null = null;
    this.u.position = s.defStart;
    this.nameOp('__name__', 'load');
    this.nameOp('__module__', 'store');
    this.loadConst(qualname);
    this.nameOp('__qualname__', 'store');
    if (s.body.length && isDocstring(s.body[0])) {
      doc = ((s.body[0] as A.ExprStmt).value as A.Constant).value as string;
      this.loadConst(doc);
      this.nameOp('__doc__', 'store');
    }
    this.stmts(s.body);
    if (this.u.cellvars.includes('__class__')) {
      this.emit(Op.LOAD_CLOSURE, this.u.cellvars.indexOf('__class__'));
      this.emit(Op.STORE_NAME, this.nameArg('__classcell__'));
    }
    this.loadConst(null);
    this.emit(Op.RETURN_VALUE);
    const code = this.pop(0, 0, 0, 0, s.defStart, doc);
    this.u.position = s.defStart;
    this.makeClosure(code, 0);
    this.loadConst(s.name);
    this.callWith(s.bases, s.keywords, 2, s);
    for (let i = s.decorators.length - 1; i >= 0; i--) {
      this.at(s.decorators[i]);
      this.emit(Op.CALL_FUNCTION, 1);
    }
    this.nameOp(s.name, 'store');
  }

  // ---- targets -------------------------------------------------------------------------

  private store(t: A.Expr): void {
    switch (t.kind) {
      case 'Name': this.nameOp(t.id, 'store'); return;
      case 'Attribute':
        this.expr(t.value);
        this.at(t);
        this.emit(Op.STORE_ATTR, this.attrArg(t.attr));
        return;
      case 'Subscript':
        this.expr(t.value);
        this.subscriptIndex(t.slice);
        this.at(t);
        this.emit(Op.STORE_SUBSCR);
        return;
      case 'Tuple': case 'List': {
        const star = t.elts.findIndex((e) => e.kind === 'Starred');
        this.at(t);
        if (star < 0) this.emit(Op.UNPACK_SEQUENCE, t.elts.length);
        else {
          if (t.elts.slice(star + 1).some((e) => e.kind === 'Starred')) {
            throw new SpySyntaxError('SyntaxError', 'multiple starred expressions in assignment', t.start, t.end);
          }
          this.emit(Op.UNPACK_EX, star | ((t.elts.length - star - 1) << 8));
        }
        for (const e of t.elts) this.store(e.kind === 'Starred' ? e.value : e);
        return;
      }
      case 'Starred':
        throw new SpySyntaxError('SyntaxError', 'starred assignment target must be in a list or tuple', t.start, t.end);
      default:
        throw new SpySyntaxError('SyntaxError', `cannot assign to ${describeTarget(t)}`, t.start, t.end);
    }
  }

  private del(t: A.Expr): void {
    this.at(t);
    switch (t.kind) {
      case 'Name': this.nameOp(t.id, 'del'); return;
      case 'Attribute': this.expr(t.value); this.at(t); this.emit(Op.DELETE_ATTR, this.attrArg(t.attr)); return;
      case 'Subscript': this.expr(t.value); this.subscriptIndex(t.slice); this.at(t); this.emit(Op.DELETE_SUBSCR); return;
      case 'Tuple': case 'List': for (const e of t.elts) this.del(e); return;
      default: throw new SpySyntaxError('SyntaxError', `cannot delete ${describeTarget(t)}`, t.start, t.end);
    }
  }

  // ---- expressions ---------------------------------------------------------------------

  /** Compiles a condition and jumps to `target` when its truth equals `whenTrue`. */
  private jumpIf(e: A.Expr, whenTrue: boolean, target: Label): void {
    if (e.kind === 'UnaryOp' && e.op === 'not') return this.jumpIf(e.operand, !whenTrue, target);
    if (e.kind === 'BoolOp') {
      const isAnd = e.op === 'and';
      if (isAnd !== whenTrue) {
        // `a and b` jumping when false / `a or b` jumping when true: any operand decides
        for (const v of e.values) this.jumpIf(v, whenTrue, target);
      } else {
        const skip = this.label();
        for (let i = 0; i < e.values.length - 1; i++) this.jumpIf(e.values[i], !whenTrue, skip);
        this.jumpIf(e.values[e.values.length - 1], whenTrue, target);
        this.bind(skip);
      }
      return;
    }
    this.expr(e);
    this.emitJump(whenTrue ? Op.POP_JUMP_IF_TRUE : Op.POP_JUMP_IF_FALSE, target);
  }

  private subscriptIndex(slice: A.Expr): void {
    if (slice.kind === 'Slice') this.sliceExpr(slice);
    else this.expr(slice);
  }

  private sliceExpr(s: A.Slice): void {
    if (s.lower) this.expr(s.lower); else this.loadConst(null);
    if (s.upper) this.expr(s.upper); else this.loadConst(null);
    if (s.step) { this.expr(s.step); this.emit(Op.BUILD_SLICE, 3); } else this.emit(Op.BUILD_SLICE, 2);
  }

  private expr(e: A.Expr): void {
    switch (e.kind) {
      case 'Name': this.nameOp(e.id, 'load'); return;
      case 'Constant': this.loadConst(constOf(e)); return;
      case 'JoinedStr': {
        if (e.values.length === 1 && e.values[0].kind === 'Constant') { this.expr(e.values[0]); return; }
        for (const v of e.values) this.expr(v);
        if (e.values.length !== 1) this.emit(Op.BUILD_STRING, e.values.length);
        if (e.values.length === 0) this.loadConst('');
        return;
      }
      case 'FormattedValue': {
        this.expr(e.value);
        let flags = { '': 0, s: 1, r: 2, a: 3 }[e.conversion];
        if (e.formatSpec) { this.expr(e.formatSpec); flags |= 4; }
        this.emit(Op.FORMAT_VALUE, flags);
        return;
      }
      case 'BinOp': {
        this.expr(e.left);
        this.expr(e.right);
        this.at(e);
        switch (e.op) {
          case '+': this.emit(Op.BINARY_ADD); return;
          case '-': this.emit(Op.BINARY_SUBTRACT); return;
          case '*': this.emit(Op.BINARY_MULTIPLY); return;
          case '%': this.emit(Op.BINARY_MODULO); return;
          case '//': this.emit(Op.BINARY_FLOOR_DIVIDE); return;
          default: this.emit(Op.BINARY_OP, binOpIndex(e.op));
        }
        return;
      }
      case 'UnaryOp': {
        this.expr(e.operand);
        this.at(e);
        const op = { not: Op.UNARY_NOT, '-': Op.UNARY_NEGATIVE, '+': Op.UNARY_POSITIVE, '~': Op.UNARY_INVERT }[e.op];
        this.emit(op);
        return;
      }
      case 'BoolOp': {
        const end = this.label();
        const jump = e.op === 'and' ? Op.JUMP_IF_FALSE_OR_POP : Op.JUMP_IF_TRUE_OR_POP;
        for (let i = 0; i < e.values.length; i++) {
          this.expr(e.values[i]);
          if (i < e.values.length - 1) this.emitJump(jump, end);
        }
        this.bind(end);
        return;
      }
      case 'Compare': return this.compare(e);
      case 'Call': return this.call(e);
      case 'Attribute':
        this.expr(e.value);
        this.at(e);
        this.emit(Op.LOAD_ATTR, this.attrArg(e.attr));
        return;
      case 'Subscript':
        this.expr(e.value);
        this.subscriptIndex(e.slice);
        this.at(e);
        this.emit(Op.BINARY_SUBSCR);
        return;
      case 'Slice': this.sliceExpr(e); return;
      case 'Starred':
        throw new SpySyntaxError('SyntaxError', "can't use starred expression here", e.start, e.end);
      case 'List': return this.sequence(e.elts, 'list');
      case 'Tuple': return this.sequence(e.elts, 'tuple');
      case 'Set': return this.sequence(e.elts, 'set');
      case 'Dict': return this.dict(e);
      case 'IfExp': {
        const orelse = this.label();
        const end = this.label();
        this.jumpIf(e.test, false, orelse);
        this.expr(e.body);
        this.emitJump(Op.JUMP_FORWARD, end);
        this.bind(orelse);
        this.expr(e.orelse);
        this.bind(end);
        return;
      }
      case 'Lambda': {
        const flags = this.functionDefaults(e.args);
        const code = this.functionBody(e, '<lambda>', this.qualnameFor('<lambda>'));
        this.makeClosure(code, flags);
        return;
      }
      case 'ListComp': case 'SetComp': case 'DictComp': case 'GeneratorExp': return this.comprehension(e);
      case 'Yield':
        if (e.value) this.expr(e.value); else this.loadConst(null);
        this.at(e);
        this.emit(Op.YIELD_VALUE);
        return;
      case 'YieldFrom': {
        this.expr(e.value);
        this.at(e);
        this.emit(Op.GET_YIELD_FROM_ITER);
        this.loadConst(null);
        const loop = this.label();
        const done = this.label();
        this.bind(loop);
        this.emitJump(Op.SEND, done);
        this.emit(Op.YIELD_VALUE);
        this.emitJump(Op.JUMP_ABSOLUTE, loop);
        this.bind(done);
        return;
      }
      case 'NamedExpr':
        this.expr(e.value);
        this.emit(Op.DUP_TOP);
        this.nameOp(e.target.id, 'store');
        return;
    }
  }

  private compare(e: A.Compare): void {
    this.expr(e.left);
    const n = e.ops.length;
    const cleanup = this.label();
    for (let i = 0; i < n; i++) {
      this.expr(e.comparators[i]);
      if (i < n - 1) {
        this.emit(Op.DUP_TOP);
        this.emit(Op.ROT_THREE);
      }
      this.at(e);
      this.compareOp(e.ops[i]);
      if (i < n - 1) this.emitJump(Op.JUMP_IF_FALSE_OR_POP, cleanup);
    }
    if (n > 1) {
      const end = this.label();
      this.emitJump(Op.JUMP_FORWARD, end);
      this.bind(cleanup);
      this.emit(Op.ROT_TWO);
      this.emit(Op.POP_TOP);
      this.bind(end);
    }
  }

  private compareOp(op: A.CmpOperator): void {
    switch (op) {
      case '<': this.emit(Op.COMPARE_OP, Cmp.LT); return;
      case '<=': this.emit(Op.COMPARE_OP, Cmp.LE); return;
      case '==': this.emit(Op.COMPARE_OP, Cmp.EQ); return;
      case '!=': this.emit(Op.COMPARE_OP, Cmp.NE); return;
      case '>': this.emit(Op.COMPARE_OP, Cmp.GT); return;
      case '>=': this.emit(Op.COMPARE_OP, Cmp.GE); return;
      case 'is': this.emit(Op.IS_OP, 0); return;
      case 'is not': this.emit(Op.IS_OP, 1); return;
      case 'in': this.emit(Op.CONTAINS_OP, 0); return;
      case 'not in': this.emit(Op.CONTAINS_OP, 1); return;
    }
  }

  private sequence(elts: A.Expr[], kind: 'list' | 'tuple' | 'set'): void {
    const hasStar = elts.some((x) => x.kind === 'Starred');
    if (!hasStar) {
      if (kind === 'tuple' && elts.length && elts.every((x) => x.kind === 'Constant')) {
        this.loadConst({ tuple: elts.map((x) => constOf(x as A.Constant)) });
        return;
      }
      for (const x of elts) this.expr(x);
      this.emit(kind === 'list' ? Op.BUILD_LIST : kind === 'tuple' ? Op.BUILD_TUPLE : Op.BUILD_SET, elts.length);
      return;
    }
    this.emit(kind === 'set' ? Op.BUILD_SET : Op.BUILD_LIST, 0);
    for (const x of elts) {
      if (x.kind === 'Starred') {
        this.expr(x.value);
        this.emit(kind === 'set' ? Op.SET_UPDATE : Op.LIST_EXTEND, 1);
      } else {
        this.expr(x);
        this.emit(kind === 'set' ? Op.SET_ADD : Op.LIST_APPEND, 1);
      }
    }
    if (kind === 'tuple') this.emit(Op.LIST_TO_TUPLE);
  }

  private dict(e: A.DictExpr): void {
    if (!e.keys.some((k) => k === null)) {
      for (let i = 0; i < e.keys.length; i++) { this.expr(e.keys[i] as A.Expr); this.expr(e.values[i]); }
      this.emit(Op.BUILD_MAP, e.keys.length);
      return;
    }
    this.emit(Op.BUILD_MAP, 0);
    for (let i = 0; i < e.keys.length; i++) {
      const k = e.keys[i];
      if (k === null) {
        this.expr(e.values[i]);
        this.emit(Op.DICT_UPDATE, 1);
      } else {
        this.expr(k);
        this.expr(e.values[i]);
        this.emit(Op.MAP_ADD, 1);
      }
    }
  }

  private call(e: A.Call): void {
    // obj.method(args) without * or ** : LOAD_METHOD / CALL_METHOD avoids a bound method
    const simple = !e.args.some((a) => a.kind === 'Starred') && !e.keywords.some((k) => k.arg === null);
    if (e.func.kind === 'Attribute' && simple && e.keywords.length === 0) {
      this.expr(e.func.value);
      this.at(e.func);
      this.emit(Op.LOAD_METHOD, this.attrArg(e.func.attr));
      for (const a of e.args) this.expr(a);
      this.at(e);
      this.emit(Op.CALL_METHOD, e.args.length);
      return;
    }
    this.expr(e.func);
    this.callWith(e.args, e.keywords, 0, e);
  }

  /** Emits the call of the callable on the stack (plus `extra` positional values already pushed). */
  private callWith(args: A.Expr[], keywords: A.Keyword[], extra: number, node: A.Span): void {
    const simple = !args.some((a) => a.kind === 'Starred') && !keywords.some((k) => k.arg === null);
    if (simple) {
      for (const a of args) this.expr(a);
      const seen = new Set<string>();
      for (const k of keywords) {
        if (seen.has(k.arg as string)) throw new SpySyntaxError('SyntaxError', `keyword argument repeated: ${k.arg}`, k.start, k.end);
        seen.add(k.arg as string);
        this.expr(k.value);
      }
      this.at(node);
      if (keywords.length) {
        this.loadConst({ tuple: keywords.map((k) => k.arg as string) });
        this.emit(Op.CALL_FUNCTION_KW, extra + args.length + keywords.length);
      } else {
        this.emit(Op.CALL_FUNCTION, extra + args.length);
      }
      return;
    }
    // general case: build a list of positionals (then a tuple) and a dict of keywords
    this.emit(Op.BUILD_LIST, extra);
    for (const a of args) {
      if (a.kind === 'Starred') { this.expr(a.value); this.emit(Op.LIST_EXTEND, 1); }
      else { this.expr(a); this.emit(Op.LIST_APPEND, 1); }
    }
    this.emit(Op.LIST_TO_TUPLE);
    if (keywords.length) {
      this.emit(Op.BUILD_MAP, 0);
      for (const k of keywords) {
        if (k.arg === null) { this.expr(k.value); this.emit(Op.DICT_MERGE, 1); }
        else { this.loadConst(k.arg); this.expr(k.value); this.emit(Op.MAP_ADD, 1); }
      }
    }
    this.at(node);
    this.emit(Op.CALL_FUNCTION_EX, keywords.length ? 1 : 0);
  }

  private comprehension(e: A.Comprehension): void {
    const scope = this.table.scopeOf(e);
    const name = scope.name;
    const qualname = this.qualnameFor(name);
    this.push(scope, name, qualname);
    this.at(e);
    if (e.kind === 'ListComp') this.emit(Op.BUILD_LIST, 0);
    else if (e.kind === 'SetComp') this.emit(Op.BUILD_SET, 0);
    else if (e.kind === 'DictComp') this.emit(Op.BUILD_MAP, 0);
    this.comprehensionLoop(e, 0, e.kind === 'GeneratorExp' ? 0 : 1);
    if (e.kind === 'GeneratorExp') this.loadConst(null);
    this.emit(Op.RETURN_VALUE);
    const code = this.pop(0, 1, 0, 0, e.start, null);
    this.makeClosure(code, 0);
    this.expr(e.generators[0].iter);
    this.emit(Op.GET_ITER);
    this.at(e);
    this.emit(Op.CALL_FUNCTION, 1);
  }

  private comprehensionLoop(e: A.Comprehension, gi: number, depthBelow: number): void {
    const g = e.generators[gi];
    const top = this.label();
    const exhausted = this.label();
    if (gi === 0) this.emit(Op.LOAD_FAST, 0);
    else { this.expr(g.iter); this.emit(Op.GET_ITER); }
    this.bind(top);
    this.emitJump(Op.FOR_ITER, exhausted);
    this.store(g.target);
    for (const cond of g.ifs) this.jumpIf(cond, false, top);
    const depth = depthBelow + gi + 1;
    if (gi + 1 < e.generators.length) {
      this.comprehensionLoop(e, gi + 1, depthBelow);
    } else {
      this.at(e.elt);
      switch (e.kind) {
        case 'ListComp': this.expr(e.elt); this.emit(Op.LIST_APPEND, depth); break;
        case 'SetComp': this.expr(e.elt); this.emit(Op.SET_ADD, depth); break;
        case 'DictComp': this.expr(e.elt); this.expr(e.value as A.Expr); this.emit(Op.MAP_ADD, depth); break;
        case 'GeneratorExp': this.expr(e.elt); this.emit(Op.YIELD_VALUE); this.emit(Op.POP_TOP); break;
      }
    }
    this.emitJump(Op.JUMP_ABSOLUTE, top);
    this.bind(exhausted);
  }
}

function isDocstring(s: A.Stmt): boolean {
  return s.kind === 'Expr' && s.value.kind === 'Constant' && typeof s.value.value === 'string';
}

function constOf(c: A.Constant): Const {
  const v = c.value;
  if (typeof v === 'bigint') {
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  }
  if (typeof v === 'number') return { float: v };
  if (v !== null && typeof v === 'object') {
    if ('ellipsis' in v) return ELLIPSIS_CONST;
    return { bytes: v.bytes };
  }
  return v;
}

function describeTarget(e: A.Expr): string {
  switch (e.kind) {
    case 'Call': return 'function call';
    case 'Constant': return 'literal';
    case 'BinOp': case 'UnaryOp': return 'expression';
    case 'BoolOp': return 'expression';
    case 'Compare': return 'comparison';
    case 'Lambda': return 'lambda';
    case 'IfExp': return 'conditional expression';
    case 'ListComp': return 'list comprehension';
    case 'SetComp': return 'set comprehension';
    case 'DictComp': return 'dict comprehension';
    case 'GeneratorExp': return 'generator expression';
    case 'Dict': return 'dict literal';
    case 'Set': return 'set display';
    case 'JoinedStr': return 'f-string expression';
    case 'Yield': case 'YieldFrom': return 'yield expression';
    case 'NamedExpr': return 'named expression';
    case 'Tuple': return 'tuple';
    case 'List': return 'list';
    default: return 'expression';
  }
}

/** Longest stack the code can build, by walking every path (handlers included). */
function computeMaxStack(code: Int32Array, handlers: readonly Handler[], _nlocals: number): number {
  const depthAt = new Int32Array(code.length).fill(-1);
  const work: number[] = [];
  let max = 0;
  const visit = (pc: number, depth: number): void => {
    if (pc >= code.length) return;
    if (depthAt[pc] >= depth) return;
    depthAt[pc] = depth;
    work.push(pc);
  };
  visit(0, 0);
  for (const h of handlers) visit(h.target, h.depth + 1);
  while (work.length) {
    const pc = work.pop() as number;
    const ins = code[pc];
    const op = ins & Ins.OP_MASK;
    const arg = ins >> Ins.ARG_SHIFT;
    const d = depthAt[pc];
    const after = d + stackEffect(op, arg, false);
    if (after > max) max = after;
    const spec = OPCODES[op];
    if (spec.operand === 'jump') {
      visit(arg, d + stackEffect(op, arg, true));
      if (op === Op.JUMP_FORWARD || op === Op.JUMP_ABSOLUTE) continue;
    }
    if (op === Op.RETURN_VALUE || op === Op.RAISE_VARARGS || op === Op.RERAISE || op === Op.POP_EXCEPT_RERAISE) continue;
    visit(pc + 1, after);
  }
  return max + 2;
}
