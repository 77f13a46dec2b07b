"""Prints CPython's AST of a file as spy's AST (src/compiler/ast.ts) in JSON.

A development oracle: lets the code generator and VM be tested without spy's parser, and
lets the parser be compared against CPython's on real programs. Never run by CI.
"""
import ast
import json
import sys

OPS = {
    'Add': '+', 'Sub': '-', 'Mult': '*', 'Div': '/', 'FloorDiv': '//', 'Mod': '%', 'Pow': '**',
    'LShift': '<<', 'RShift': '>>', 'BitAnd': '&', 'BitOr': '|', 'BitXor': '^', 'MatMult': '@',
    'Not': 'not', 'USub': '-', 'UAdd': '+', 'Invert': '~', 'And': 'and', 'Or': 'or',
    'Eq': '==', 'NotEq': '!=', 'Lt': '<', 'LtE': '<=', 'Gt': '>', 'GtE': '>=', 'Is': 'is',
    'IsNot': 'is not', 'In': 'in', 'NotIn': 'not in',
}
CTX = {'Load': 'load', 'Store': 'store', 'Del': 'del'}


class Conv:
    def __init__(self, src):
        self.starts = [0]
        for i, ch in enumerate(src):
            if ch == '\n':
                self.starts.append(i + 1)
        self.lines = src.split('\n')

    def off(self, line, col):
        text = self.lines[line - 1].encode('utf-8')
        return self.starts[line - 1] + len(text[:col].decode('utf-8', 'replace'))

    def span(self, n):
        return {'start': self.off(n.lineno, n.col_offset), 'end': self.off(n.end_lineno, n.end_col_offset)}

    def args(self, a):
        arg = lambda x: dict(self.span(x), name=x.arg, annotation=self.e(x.annotation))
        return {
            'posonly': [arg(x) for x in a.posonlyargs], 'args': [arg(x) for x in a.args],
            'defaults': [self.e(d) for d in a.defaults], 'vararg': arg(a.vararg) if a.vararg else None,
            'kwonly': [arg(x) for x in a.kwonlyargs], 'kwDefaults': [self.e(d) for d in a.kw_defaults],
            'kwarg': arg(a.kwarg) if a.kwarg else None,
        }

    def kw(self, k):
        return dict(self.span(k), arg=k.arg, value=self.e(k.value))

    def e(self, n):
        if n is None:
            return None
        k = type(n).__name__
        d = self.span(n)
        d['kind'] = k
        if k == 'Name': d.update(id=n.id, ctx=CTX[type(n.ctx).__name__])
        elif k == 'Constant':
            v = n.value
            if v is Ellipsis: v = {'ellipsis': True}
            elif isinstance(v, bool) or v is None or isinstance(v, str): pass
            elif isinstance(v, int): v = {'$int': str(v)}
            elif isinstance(v, float): v = {'$float': repr(v)}
            elif isinstance(v, bytes): v = {'bytes': list(v)}
            d['value'] = v
        elif k == 'JoinedStr': d['values'] = [self.e(x) for x in n.values]
        elif k == 'FormattedValue':
            d.update(value=self.e(n.value), conversion={-1: '', 115: 's', 114: 'r', 97: 'a'}[n.conversion],
                     formatSpec=self.e(n.format_spec))
        elif k == 'BinOp': d.update(op=OPS[type(n.op).__name__], left=self.e(n.left), right=self.e(n.right))
        elif k == 'UnaryOp': d.update(op=OPS[type(n.op).__name__], operand=self.e(n.operand))
        elif k == 'BoolOp': d.update(op=OPS[type(n.op).__name__], values=[self.e(x) for x in n.values])
        elif k == 'Compare':
            d.update(left=self.e(n.left), ops=[OPS[type(o).__name__] for o in n.ops],
                     comparators=[self.e(x) for x in n.comparators])
        elif k == 'Call': d.update(func=self.e(n.func), args=[self.e(x) for x in n.args], keywords=[self.kw(x) for x in n.keywords])
        elif k == 'Attribute': d.update(value=self.e(n.value), attr=n.attr, ctx=CTX[type(n.ctx).__name__])
        elif k == 'Subscript': d.update(value=self.e(n.value), slice=self.e(n.slice), ctx=CTX[type(n.ctx).__name__])
        elif k == 'Slice': d.update(lower=self.e(n.lower), upper=self.e(n.upper), step=self.e(n.step))
        elif k == 'Starred': d.update(value=self.e(n.value), ctx=CTX[type(n.ctx).__name__])
        elif k in ('List', 'Tuple'): d.update(elts=[self.e(x) for x in n.elts], ctx=CTX[type(n.ctx).__name__])
        elif k == 'Set': d['elts'] = [self.e(x) for x in n.elts]
        elif k == 'Dict': d.update(keys=[self.e(x) for x in n.keys], values=[self.e(x) for x in n.values])
        elif k == 'IfExp': d.update(test=self.e(n.test), body=self.e(n.body), orelse=self.e(n.orelse))
        elif k == 'Lambda': d.update(args=self.args(n.args), body=self.e(n.body))
        elif k in ('ListComp', 'SetComp', 'GeneratorExp', 'DictComp'):
            gens = [dict(self.span(g.target), target=self.e(g.target), iter=self.e(g.iter), ifs=[self.e(x) for x in g.ifs], isAsync=False)
                    for g in n.generators]
            if k == 'DictComp': d.update(elt=self.e(n.key), value=self.e(n.value), generators=gens)
            else: d.update(elt=self.e(n.elt), value=None, generators=gens)
        elif k in ('Yield', 'YieldFrom'): d['value'] = self.e(n.value)
        elif k == 'NamedExpr': d.update(target=self.e(n.target), value=self.e(n.value))
        else: raise SystemExit('unsupported expression ' + k)
        return d

    def body(self, b):
        return [self.s(x) for x in b]

    def s(self, n):
        k = type(n).__name__
        d = self.span(n)
        d['kind'] = k
        if k == 'Expr': d['value'] = self.e(n.value)
        elif k == 'Assign': d.update(targets=[self.e(x) for x in n.targets], value=self.e(n.value))
        elif k == 'AugAssign': d.update(target=self.e(n.target), op=OPS[type(n.op).__name__], value=self.e(n.value))
        elif k == 'AnnAssign': d.update(target=self.e(n.target), annotation=self.e(n.annotation), value=self.e(n.value))
        elif k in ('Pass', 'Break', 'Continue'): pass
        elif k == 'Return': d['value'] = self.e(n.value)
        elif k == 'Delete': d['targets'] = [self.e(x) for x in n.targets]
        elif k in ('Global', 'Nonlocal'): d['names'] = n.names
        elif k in ('If', 'While'): d.update(test=self.e(n.test), body=self.body(n.body), orelse=self.body(n.orelse))
        elif k == 'For': d.update(target=self.e(n.target), iter=self.e(n.iter), body=self.body(n.body), orelse=self.body(n.orelse))
        elif k == 'Try':
            d.update(body=self.body(n.body), orelse=self.body(n.orelse), finalbody=self.body(n.finalbody),
                     handlers=[dict(self.span(h), type=self.e(h.type), name=h.name, body=self.body(h.body)) for h in n.handlers])
        elif k == 'Raise': d.update(exc=self.e(n.exc), cause=self.e(n.cause))
        elif k == 'Assert': d.update(test=self.e(n.test), msg=self.e(n.msg))
        elif k == 'With':
            d.update(body=self.body(n.body), items=[dict(self.span(i.context_expr), contextExpr=self.e(i.context_expr), optionalVars=self.e(i.optional_vars)) for i in n.items])
        elif k in ('FunctionDef', 'ClassDef'):
            decs = [self.e(x) for x in n.decorator_list]
            d['defStart'] = d['start']
            if decs: d['start'] = decs[0]['start'] - 1
            d.update(name=n.name, body=self.body(n.body), decorators=decs)
            if k == 'FunctionDef': d.update(args=self.args(n.args), returns=self.e(n.returns))
            else: d.update(bases=[self.e(x) for x in n.bases], keywords=[self.kw(x) for x in n.keywords])
        elif k == 'Import': d['names'] = [dict(self.span(n), name=a.name, asname=a.asname) for a in n.names]
        elif k == 'ImportFrom': d.update(module=n.module, level=n.level, names=[dict(self.span(n), name=a.name, asname=a.asname) for a in n.names])
        else: raise SystemExit('unsupported statement ' + k)
        return d


src = open(sys.argv[1], encoding='utf-8').read()
print(json.dumps({'kind': 'Module', 'body': Conv(src).body(ast.parse(src).body)}))
