// Scope analysis: decides for every name in every scope whether it is a fast local, a cell, a
// free variable, a global or a namespace name — CPython's symtable.c rules, including class
// scopes that do not enclose their methods, comprehensions as their own functions, and the
// implicit `__class__` cell that zero-argument `super()` reads.
import type * as A from './ast.js';
import { SpySyntaxError } from './diagnostics.js';

export type ScopeKind = 'module' | 'function' | 'class' | 'comprehension';

export type NameKind = 'local' | 'cell' | 'free' | 'global-explicit' | 'global-implicit';

export class Scope {
  /** names bound here (assignment, def, import, for targets, parameters) */
  readonly assigned = new Set<string>();
  readonly params: string[] = [];
  readonly used = new Set<string>();
  readonly globals = new Set<string>();
  readonly nonlocals = new Set<string>();
  readonly children: Scope[] = [];
  /** final classification, filled by resolve() */
  readonly kinds = new Map<string, NameKind>();
  readonly cells = new Set<string>();
  readonly frees = new Set<string>();
  isGenerator = false;
  /** a method that uses `super` or `__class__` needs the class cell */
  needsClassCell = false;
  /** the class body holds a `__class__` cell for its methods */
  hasClassCell = false;

  constructor(readonly kind: ScopeKind, readonly name: string, readonly node: object | null, readonly parent: Scope | null) {}

  bind(name: string): void {
    this.assigned.add(name);
  }
}

/** Builds the scope tree of a module. Scopes are keyed by their AST node. */
export class ScopeTable {
  readonly byNode = new Map<object, Scope>();
  readonly root: Scope;

  constructor(module: A.Module) {
    this.root = new Scope('module', '<module>', module, null);
    this.byNode.set(module, this.root);
    const v = new Collector(this);
    v.stmts(module.body, this.root);
    resolve(this.root, new Set());
  }

  scopeOf(node: object): Scope {
    const s = this.byNode.get(node);
    if (!s) throw new Error('internal: no scope for node');
    return s;
  }
}

class Collector {
  constructor(readonly table: ScopeTable) {}

  newScope(kind: ScopeKind, name: string, node: object, parent: Scope): Scope {
    const s = new Scope(kind, name, node, parent);
    parent.children.push(s);
    this.table.byNode.set(node, s);
    return s;
  }

  stmts(body: A.Stmt[], s: Scope): void {
    for (const st of body) this.stmt(st, s);
  }

  stmt(st: A.Stmt, s: Scope): void {
    switch (st.kind) {
      case 'Expr': this.expr(st.value, s); break;
      case 'Assign': this.expr(st.value, s); for (const t of st.targets) this.expr(t, s); break;
      case 'AugAssign': this.expr(st.value, s); this.expr(st.target, s); if (st.target.kind === 'Name') s.used.add(st.target.id); break;
      case 'AnnAssign': if (st.value) this.expr(st.value, s); this.expr(st.target, s); if (s.kind !== 'function') this.expr(st.annotation, s); break;
      case 'Pass': case 'Break': case 'Continue': break;
      case 'Return': if (st.value) this.expr(st.value, s); break;
      case 'Delete': for (const t of st.targets) this.expr(t, s); break;
      case 'Global': this.declare(st, s, 'global', s.globals); break;
      case 'Nonlocal':
        if (s.kind === 'module') throw new SpySyntaxError('SyntaxError', 'nonlocal declaration not allowed at module level', st.start, st.end);
        this.declare(st, s, 'nonlocal', s.nonlocals);
        break;
      case 'If': case 'While':
        this.expr(st.test, s); this.stmts(st.body, s); this.stmts(st.orelse, s); break;
      case 'For':
        this.expr(st.iter, s); this.expr(st.target, s); this.stmts(st.body, s); this.stmts(st.orelse, s); break;
      case 'Try':
        this.stmts(st.body, s);
        for (const h of st.handlers) {
          if (h.type) this.expr(h.type, s);
          if (h.name) s.bind(h.name);
          this.stmts(h.body, s);
        }
        this.stmts(st.orelse, s); this.stmts(st.finalbody, s);
        break;
      case 'Raise': if (st.exc) this.expr(st.exc, s); if (st.cause) this.expr(st.cause, s); break;
      case 'Assert': this.expr(st.test, s); if (st.msg) this.expr(st.msg, s); break;
      case 'With':
        for (const it of st.items) { this.expr(it.contextExpr, s); if (it.optionalVars) this.expr(it.optionalVars, s); }
        this.stmts(st.body, s);
        break;
      case 'FunctionDef': {
        for (const d of st.decorators) this.expr(d, s);
        this.argDefaults(st.args, s);
        if (st.returns) this.expr(st.returns, s);
        s.bind(st.name);
        const fs = this.newScope('function', st.name, st, s);
        this.params(st.args, fs);
        this.stmts(st.body, fs);
        break;
      }
      case 'ClassDef': {
        for (const d of st.decorators) this.expr(d, s);
        for (const b of st.bases) this.expr(b, s);
        for (const k of st.keywords) this.expr(k.value, s);
        s.bind(st.name);
        const cs = this.newScope('class', st.name, st, s);
        this.stmts(st.body, cs);
        break;
      }
      case 'Import':
        for (const a of st.names) s.bind(a.asname ?? a.name.split('.')[0]);
        break;
      case 'ImportFrom':
        for (const a of st.names) {
          if (a.name === '*') {
            if (s.kind !== 'module') throw new SpySyntaxError('SyntaxError', 'import * only allowed at module level', st.start, st.end);
            continue;
          }
          s.bind(a.asname ?? a.name);
        }
        break;
    }
  }

  /** `global`/`nonlocal`: a name must not be used or bound in the scope before it is declared. */
  declare(st: A.Global | A.Nonlocal, s: Scope, what: string, into: Set<string>): void {
    for (const n of st.names) {
      if (s.assigned.has(n) || s.used.has(n)) {
        const how = s.assigned.has(n) ? 'assigned to' : 'used';
        throw new SpySyntaxError('SyntaxError', `name '${n}' is ${how} before ${what} declaration`, st.start, st.end);
      }
      into.add(n);
    }
  }

  argDefaults(args: A.Arguments, s: Scope): void {
    for (const d of args.defaults) this.expr(d, s);
    for (const d of args.kwDefaults) if (d) this.expr(d, s);
    for (const a of [...args.posonly, ...args.args, ...args.kwonly]) if (a.annotation) this.expr(a.annotation, s);
    if (args.vararg?.annotation) this.expr(args.vararg.annotation, s);
    if (args.kwarg?.annotation) this.expr(args.kwarg.annotation, s);
  }

  params(args: A.Arguments, fs: Scope): void {
    const all = [...args.posonly, ...args.args, ...args.kwonly];
    if (args.vararg) all.splice(args.posonly.length + args.args.length, 0, args.vararg);
    // CPython order: positional, keyword-only, *args, **kwargs
    const ordered = [...args.posonly, ...args.args, ...args.kwonly];
    if (args.vararg) ordered.push(args.vararg);
    if (args.kwarg) ordered.push(args.kwarg);
    const seen = new Set<string>();
    for (const a of ordered) {
      if (seen.has(a.name)) throw new SpySyntaxError('SyntaxError', `duplicate argument '${a.name}' in function definition`, a.start, a.end);
      seen.add(a.name);
      fs.params.push(a.name);
      fs.bind(a.name);
    }
  }

  expr(e: A.Expr, s: Scope): void {
    switch (e.kind) {
      case 'Name':
        if (e.ctx === 'load') {
          s.used.add(e.id);
          if (e.id === 'super' && s.kind === 'function') s.needsClassCell = true;
          if (e.id === '__class__' && s.kind === 'function') s.needsClassCell = true;
        } else s.bind(e.id);
        break;
      case 'Constant': break;
      case 'JoinedStr': for (const v of e.values) this.expr(v, s); break;
      case 'FormattedValue': this.expr(e.value, s); if (e.formatSpec) this.expr(e.formatSpec, s); break;
      case 'BinOp': this.expr(e.left, s); this.expr(e.right, s); break;
      case 'UnaryOp': this.expr(e.operand, s); break;
      case 'BoolOp': for (const v of e.values) this.expr(v, s); break;
      case 'Compare': this.expr(e.left, s); for (const c of e.comparators) this.expr(c, s); break;
      case 'Call':
        this.expr(e.func, s);
        for (const a of e.args) this.expr(a, s);
        for (const k of e.keywords) this.expr(k.value, s);
        break;
      case 'Attribute': this.expr(e.value, s); break;
      case 'Subscript': this.expr(e.value, s); this.expr(e.slice, s); break;
      case 'Slice':
        if (e.lower) this.expr(e.lower, s);
        if (e.upper) this.expr(e.upper, s);
        if (e.step) this.expr(e.step, s);
        break;
      case 'Starred': this.expr(e.value, s); break;
      case 'List': case 'Tuple': case 'Set': for (const x of e.elts) this.expr(x, s); break;
      case 'Dict':
        for (const k of e.keys) if (k) this.expr(k, s);
        for (const v of e.values) this.expr(v, s);
        break;
      case 'IfExp': this.expr(e.test, s); this.expr(e.body, s); this.expr(e.orelse, s); break;
      case 'Lambda': {
        this.argDefaults(e.args, s);
        const ls = this.newScope('function', '<lambda>', e, s);
        this.params(e.args, ls);
        this.expr(e.body, ls);
        break;
      }
      case 'ListComp': case 'SetComp': case 'DictComp': case 'GeneratorExp': {
        // the first iterable is evaluated in the enclosing scope
        this.expr(e.generators[0].iter, s);
        const names = { ListComp: '<listcomp>', SetComp: '<setcomp>', DictComp: '<dictcomp>', GeneratorExp: '<genexpr>' };
        const cs = this.newScope('comprehension', names[e.kind], e, s);
        cs.params.push('.0');
        cs.bind('.0');
        if (e.kind === 'GeneratorExp') cs.isGenerator = true;
        e.generators.forEach((g, i) => {
          if (i > 0) this.expr(g.iter, cs);
          this.expr(g.target, cs);
          for (const c of g.ifs) this.expr(c, cs);
        });
        this.expr(e.elt, cs);
        if (e.value) this.expr(e.value, cs);
        break;
      }
      case 'Yield': case 'YieldFrom':
        if (s.kind === 'module' || s.kind === 'class') {
          throw new SpySyntaxError('SyntaxError', "'yield' outside function", e.start, e.end);
        }
        s.isGenerator = true;
        if (e.value) this.expr(e.value, s);
        break;
      case 'NamedExpr': {
        this.expr(e.value, s);
        // in a comprehension the target binds in the enclosing function (PEP 572)
        let target = s;
        while (target.kind === 'comprehension' && target.parent) target = target.parent;
        target.bind(e.target.id);
        if (target !== s) { s.nonlocals.add(e.target.id); if (target.kind === 'module') { s.nonlocals.delete(e.target.id); s.globals.add(e.target.id); } }
        break;
      }
    }
  }
}

/**
 * Classifies the names of `s` given the names bound by enclosing function scopes, and returns
 * the names `s` (or its descendants) need from outside as free variables.
 */
function resolve(s: Scope, enclosing: Set<string>): Set<string> {
  const needFromOutside = new Set<string>();
  // names this scope binds that children may capture
  const localBinds = new Set<string>();
  if (s.kind === 'function' || s.kind === 'comprehension') {
    for (const n of s.assigned) if (!s.globals.has(n) && !s.nonlocals.has(n)) localBinds.add(n);
  }
  for (const n of s.nonlocals) {
    if (!enclosing.has(n)) throw new SpySyntaxError('SyntaxError', `no binding for nonlocal '${n}' found`, 0, 0);
  }
  const childEnclosing = new Set<string>(s.kind === 'class' ? enclosing : [...enclosing, ...localBinds, ...s.nonlocals]);
  if (s.kind === 'module') childEnclosing.clear();
  for (const g of s.globals) childEnclosing.delete(g);
  if (s.kind === 'class') childEnclosing.add('__class__');

  for (const child of s.children) {
    const free = resolve(child, childEnclosing);
    for (const n of free) {
      if (s.kind === 'class' && n === '__class__') { s.hasClassCell = true; continue; }
      if (localBinds.has(n)) s.cells.add(n);
      else needFromOutside.add(n);
    }
  }
  if (s.needsClassCell && s.kind === 'function') {
    if (enclosing.has('__class__')) needFromOutside.add('__class__');
  }

  const all = new Set<string>([...s.assigned, ...s.used, ...s.globals, ...s.nonlocals]);
  for (const n of all) {
    let kind: NameKind;
    if (s.globals.has(n)) kind = 'global-explicit';
    else if (s.nonlocals.has(n)) { kind = 'free'; needFromOutside.add(n); }
    else if (s.kind === 'module') kind = 'global-implicit';
    else if (s.kind === 'class') {
      kind = s.assigned.has(n) ? 'local' : (enclosing.has(n) && n !== '__class__' ? 'free' : 'global-implicit');
      if (kind === 'free') needFromOutside.add(n);
    } else if (localBinds.has(n)) kind = s.cells.has(n) ? 'cell' : 'local';
    else if (enclosing.has(n)) { kind = 'free'; needFromOutside.add(n); }
    else kind = 'global-implicit';
    s.kinds.set(n, kind);
  }
  for (const n of needFromOutside) {
    if (s.kind !== 'class' || n !== '__class__') s.frees.add(n);
    if (!s.kinds.has(n)) s.kinds.set(n, 'free');
  }
  if (s.kind === 'function' && s.needsClassCell && enclosing.has('__class__')) {
    s.frees.add('__class__');
    s.kinds.set('__class__', 'free');
  }
  return needFromOutside;
}
