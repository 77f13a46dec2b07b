// The abstract syntax tree the parser builds and the code generator walks.
// Mirrors CPython's Python.asdl closely enough that its semantics carry over; every node
// carries `start`/`end` character offsets into the source (lines are computed only when printing).

export interface Span { start: number; end: number }

// ---- expressions ----------------------------------------------------------------------

export type Expr =
  | Name | Constant | JoinedStr | FormattedValue | BinOp | UnaryOp | BoolOp | Compare
  | Call | Attribute | Subscript | Slice | Starred | ListExpr | TupleExpr | SetExpr | DictExpr
  | IfExp | Lambda | Comprehension | Yield | YieldFrom | NamedExpr;

export type Ctx = 'load' | 'store' | 'del';

export interface Name extends Span { kind: 'Name'; id: string; ctx: Ctx }
/** A literal. `value` kinds: int as bigint, float as number, complex not supported. */
export interface Constant extends Span {
  kind: 'Constant';
  value: bigint | number | string | boolean | null | EllipsisValue | BytesValue;
}
export interface EllipsisValue { ellipsis: true }
export interface BytesValue { bytes: Uint8Array }
/** f-string: parts are Constant(str) or FormattedValue. */
export interface JoinedStr extends Span { kind: 'JoinedStr'; values: Expr[] }
export interface FormattedValue extends Span {
  kind: 'FormattedValue';
  value: Expr;
  conversion: '' | 's' | 'r' | 'a';
  /** The format spec, itself a JoinedStr (it may contain nested {fields}), or null. */
  formatSpec: JoinedStr | null;
}
export type BinOperator = '+' | '-' | '*' | '/' | '//' | '%' | '**' | '<<' | '>>' | '&' | '|' | '^' | '@';
export interface BinOp extends Span { kind: 'BinOp'; op: BinOperator; left: Expr; right: Expr }
export interface UnaryOp extends Span { kind: 'UnaryOp'; op: 'not' | '-' | '+' | '~'; operand: Expr }
export interface BoolOp extends Span { kind: 'BoolOp'; op: 'and' | 'or'; values: Expr[] }
export type CmpOperator = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'is' | 'is not' | 'in' | 'not in';
export interface Compare extends Span { kind: 'Compare'; left: Expr; ops: CmpOperator[]; comparators: Expr[] }
export interface Keyword extends Span {
  /** null for `**mapping` */
  arg: string | null;
  value: Expr;
}
/** args may contain Starred for `*iterable`. */
export interface Call extends Span { kind: 'Call'; func: Expr; args: Expr[]; keywords: Keyword[] }
export interface Attribute extends Span { kind: 'Attribute'; value: Expr; attr: string; ctx: Ctx }
/** `slice` is an ordinary expression, a Slice, or a TupleExpr (of expressions and Slices). */
export interface Subscript extends Span { kind: 'Subscript'; value: Expr; slice: Expr; ctx: Ctx }
export interface Slice extends Span { kind: 'Slice'; lower: Expr | null; upper: Expr | null; step: Expr | null }
export interface Starred extends Span { kind: 'Starred'; value: Expr; ctx: Ctx }
export interface ListExpr extends Span { kind: 'List'; elts: Expr[]; ctx: Ctx }
export interface TupleExpr extends Span { kind: 'Tuple'; elts: Expr[]; ctx: Ctx }
export interface SetExpr extends Span { kind: 'Set'; elts: Expr[] }
/** A null key means `**value` unpacking. */
export interface DictExpr extends Span { kind: 'Dict'; keys: (Expr | null)[]; values: Expr[] }
export interface IfExp extends Span { kind: 'IfExp'; test: Expr; body: Expr; orelse: Expr }
export interface Lambda extends Span { kind: 'Lambda'; args: Arguments; body: Expr }
export interface ComprehensionFor extends Span { target: Expr; iter: Expr; ifs: Expr[]; isAsync: false }
export interface Comprehension extends Span {
  kind: 'ListComp' | 'SetComp' | 'DictComp' | 'GeneratorExp';
  /** element (for DictComp: the key) */
  elt: Expr;
  /** DictComp only */
  value: Expr | null;
  generators: ComprehensionFor[];
}
export interface Yield extends Span { kind: 'Yield'; value: Expr | null }
export interface YieldFrom extends Span { kind: 'YieldFrom'; value: Expr }
export interface NamedExpr extends Span { kind: 'NamedExpr'; target: Name; value: Expr }

// ---- function signatures ---------------------------------------------------------------

export interface Arg extends Span { name: string; annotation: Expr | null }
export interface Arguments {
  posonly: Arg[];
  args: Arg[];
  /** defaults for the last N of posonly+args */
  defaults: Expr[];
  vararg: Arg | null;
  kwonly: Arg[];
  /** one per kwonly arg; null when it has no default */
  kwDefaults: (Expr | null)[];
  kwarg: Arg | null;
}

// ---- statements ------------------------------------------------------------------------

export type Stmt =
  | ExprStmt | Assign | AugAssign | AnnAssign | Pass | Break | Continue | Return | Delete
  | Global | Nonlocal | If | While | For | Try | Raise | Assert | With | FunctionDef
  | ClassDef | Import | ImportFrom;

export interface ExprStmt extends Span { kind: 'Expr'; value: Expr }
/** `a = b = value`: targets in source order. */
export interface Assign extends Span { kind: 'Assign'; targets: Expr[]; value: Expr }
export interface AugAssign extends Span { kind: 'AugAssign'; target: Expr; op: BinOperator; value: Expr }
export interface AnnAssign extends Span { kind: 'AnnAssign'; target: Expr; annotation: Expr; value: Expr | null }
export interface Pass extends Span { kind: 'Pass' }
export interface Break extends Span { kind: 'Break' }
export interface Continue extends Span { kind: 'Continue' }
export interface Return extends Span { kind: 'Return'; value: Expr | null }
export interface Delete extends Span { kind: 'Delete'; targets: Expr[] }
export interface Global extends Span { kind: 'Global'; names: string[] }
export interface Nonlocal extends Span { kind: 'Nonlocal'; names: string[] }
export interface If extends Span { kind: 'If'; test: Expr; body: Stmt[]; orelse: Stmt[] }
export interface While extends Span { kind: 'While'; test: Expr; body: Stmt[]; orelse: Stmt[] }
export interface For extends Span { kind: 'For'; target: Expr; iter: Expr; body: Stmt[]; orelse: Stmt[] }
export interface ExceptHandler extends Span { type: Expr | null; name: string | null; body: Stmt[] }
export interface Try extends Span {
  kind: 'Try';
  body: Stmt[];
  handlers: ExceptHandler[];
  orelse: Stmt[];
  finalbody: Stmt[];
}
export interface Raise extends Span { kind: 'Raise'; exc: Expr | null; cause: Expr | null }
export interface Assert extends Span { kind: 'Assert'; test: Expr; msg: Expr | null }
export interface WithItem extends Span { contextExpr: Expr; optionalVars: Expr | null }
export interface With extends Span { kind: 'With'; items: WithItem[]; body: Stmt[] }
export interface FunctionDef extends Span {
  kind: 'FunctionDef';
  name: string;
  args: Arguments;
  body: Stmt[];
  decorators: Expr[];
  returns: Expr | null;
  /** offset of the `def` keyword (start may be the first decorator's `@`) */
  defStart: number;
}
export interface ClassDef extends Span {
  kind: 'ClassDef';
  name: string;
  bases: Expr[];
  keywords: Keyword[];
  body: Stmt[];
  decorators: Expr[];
  defStart: number;
}
export interface Alias extends Span { name: string; asname: string | null }
export interface Import extends Span { kind: 'Import'; names: Alias[] }
/** `from ..m import a`: level counts the dots; module may be null for `from . import x`. */
export interface ImportFrom extends Span { kind: 'ImportFrom'; module: string | null; names: Alias[]; level: number }

export interface Module { kind: 'Module'; body: Stmt[] }
