"""Assertion rewriting: a failing `assert` explains itself, like pytest's.

How it works. The collector imports a test file through RewritingLoader
(_load.py), which has this module parse the source, rewrite every
`assert` statement and compile the tree, in a child process, and caches
the code next to the file. Only the test file itself is rewritten, never
the modules it imports.

    assert add(x, 3) == 6, "msg"

becomes (names starting with "@" cannot clash with user names and are
never mangled inside classes)

    @cr_v = {}
    if not (@cr_v.setdefault(0, @cr_v.setdefault(1, add(
                @cr_v.setdefault(2, x), 3)) == @cr_v.setdefault(3, 6))):
        raise @cr_r.failure(@cr_v, SPEC, True, "msg")

`failure` lives in _assert.py (what a test's process carries); this
module is the parser's side, used where a file is compiled (see
_load.py). `setdefault` stores each subexpression's value as it is
computed and passes it on (each is computed at most once per run of the
assert, into a new dict), so everything is evaluated once, in Python's
order, with short-circuits kept, and without a Python call. SPEC is a
tuple made at rewrite time (a marshalled bytes constant in the code): the
source of the assert, for each recorded subexpression its source, its
recorded parent and its kind, and the values of the constants among the
comparison operands (known here: they are not recorded as they run).
`failure` turns the values and SPEC into the message:

    msg
    assert add(x, 3) == 6
     +  where 5 = add(x, 3)
     +    where 2 = x

plus, for a failing `==` of strings, sequences, dicts or sets, lines that
say where they differ. The new nodes carry the assert's own line numbers,
so tracebacks point at the lines of the file.
"""

import ast
import importlib.util
import marshal

from ._assert import HELPER, K_CMP, K_CONST, K_VALUE

VALUES = "@cr_v"       # local: the dict of recorded values of one assert
_LOAD = ast.Load()

_CMP_OPS = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=",
            ast.Gt: ">", ast.GtE: ">=", ast.Is: "is", ast.IsNot: "is not",
            ast.In: "in", ast.NotIn: "not in"}

_OPAQUE = (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp,
           ast.GeneratorExp, ast.JoinedStr)


# -- rewriting ---------------------------------------------------------------

def _position(node):
    """The source position of `node`, as keyword arguments of a new
    node's constructor."""
    return {"lineno": node.lineno, "col_offset": node.col_offset,
            "end_lineno": node.end_lineno,
            "end_col_offset": node.end_col_offset}


class _AssertRewriter:
    """Replaces each Assert node by the statements of the module docstring.

    Only statements are walked: an assert is a statement, and the
    expressions (most of a tree) never hold one."""

    def __init__(self, source):
        # decode_source() made every line end "\n". Split once: calling
        # ast.get_source_segment() per node would split the whole file
        # each time.
        self.lines = source.split("\n")

    def _segment(self, node):
        """The source text of `node` (positions count UTF-8 bytes)."""
        first, last = node.lineno - 1, node.end_lineno - 1
        if node.end_col_offset is None or last >= len(self.lines):
            return None
        if first == last:
            return self.lines[first].encode()[
                node.col_offset:node.end_col_offset].decode()
        parts = [self.lines[first].encode()[node.col_offset:].decode()]
        parts.extend(self.lines[first + 1:last])
        parts.append(self.lines[last].encode()[:node.end_col_offset]
                     .decode())
        return "\n".join(parts)

    def _src(self, node):
        """The source of `node` on one line."""
        try:
            seg = self._segment(node)
        except (AttributeError, TypeError, UnicodeDecodeError):
            seg = None      # odd positions: fall back to unparse
        if seg is None:
            seg = ast.unparse(node)
        if "\n" in seg:
            seg = " ".join(part.strip() for part in seg.splitlines())
        return seg

    def body(self, statements):
        """`statements` (a list) with their asserts, and those of the
        bodies nested in them, rewritten."""
        out = []
        for stmt in statements:
            if isinstance(stmt, ast.Assert):
                new = self.visit_Assert(stmt)
                out.extend(new if isinstance(new, list) else [new])
                continue
            for field in ("body", "orelse", "finalbody"):
                nested = getattr(stmt, field, None)
                if isinstance(nested, list) and nested and \
                        isinstance(nested[0], ast.stmt):
                    setattr(stmt, field, self.body(nested))
            for part in getattr(stmt, "handlers", None) or \
                    getattr(stmt, "cases", None) or ():
                part.body = self.body(part.body)    # except:, case:
            out.append(stmt)
        return out

    def visit_Assert(self, node):
        if isinstance(node.test, ast.Tuple) and node.test.elts:
            return node     # always true; Python already warns about it
        self.records = []   # (source, parent, kind)
        self.compares = []  # (record of compare, ops, records of operands)
        self.literals = []  # (record, value) of constant operands
        test = self._expr(node.test, -1)
        spec = ("assert " + self._src(node.test), tuple(self.records),
                tuple(self.compares), tuple(self.literals))
        has_msg = node.msg is not None
        at = _position(node)
        fail_call = ast.Call(
            func=ast.Attribute(value=ast.Name(HELPER, _LOAD, **at),
                               attr="failure", ctx=_LOAD, **at),
            args=[ast.Name(VALUES, _LOAD, **at),
                  ast.Constant(marshal.dumps(spec), **at),
                  ast.Constant(has_msg, **at),
                  node.msg if has_msg else ast.Constant(None, **at)],
            keywords=[], **at)
        init = ast.Assign(targets=[ast.Name(VALUES, ast.Store(), **at)],
                          value=ast.Dict(keys=[], values=[], **at), **at)
        check = ast.If(test=ast.UnaryOp(op=ast.Not(), operand=test, **at),
                       body=[ast.Raise(exc=fail_call, cause=None, **at)],
                       orelse=[], **at)
        return [init, check]

    def _record(self, node, parent, kind):
        self.records.append((self._src(node), parent, kind))
        return len(self.records) - 1

    def _wrap(self, node, index):
        """`node` recorded as value `index`: @cr_v.setdefault(index, node)."""
        at = _position(node)
        return ast.Call(
            func=ast.Attribute(value=ast.Name(VALUES, _LOAD, **at),
                               attr="setdefault", ctx=_LOAD, **at),
            args=[ast.Constant(index, **at), node], keywords=[], **at)

    # Nodes that _expr records first, before their children.
    _SELF_RECORDED = (ast.Constant, ast.NamedExpr, ast.Compare, ast.Call,
                      ast.Name, ast.Attribute, ast.Subscript, ast.BinOp,
                      ast.Await) + _OPAQUE

    def _operand(self, node, parent):
        """A comparison operand: always recorded, whatever its kind, so
        the explanation can compare the two values."""
        if isinstance(node, self._SELF_RECORDED) or (
                isinstance(node, ast.UnaryOp)
                and not isinstance(node.op, ast.Not)):
            return self._expr(node, parent, force=True)
        me = self._record(node, parent, K_CONST)
        return self._wrap(self._expr(node, me), me)

    def _expr(self, node, parent, force=False):
        """The rewritten `node`; `parent` is the nearest recorded ancestor.

        force: record it even when it is a constant (comparison operands,
        whose values the explanation needs: a constant's goes into SPEC,
        and the node stays as it is)."""
        if isinstance(node, ast.Constant):
            if force:
                self.literals.append(
                    (self._record(node, parent, K_CONST), node.value))
            return node
        if isinstance(node, ast.Starred):
            node.value = self._expr(node.value, parent)
            return node
        if isinstance(node, _OPAQUE):
            # Their own scope (or formatting): record the whole only.
            return self._wrap(node, self._record(node, parent, K_VALUE))
        if isinstance(node, ast.NamedExpr):
            me = self._record(node, parent, K_VALUE)
            node.value = self._expr(node.value, me)
            return self._wrap(node, me)
        if isinstance(node, ast.BoolOp):
            node.values = [self._expr(v, parent) for v in node.values]
            return node
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            node.operand = self._expr(node.operand, parent)
            return node
        if isinstance(node, ast.Compare):
            me = self._record(node, parent, K_CMP)
            operands = []
            comparators = []
            for c in [node.left] + node.comparators:
                operands.append(len(self.records))
                comparators.append(self._operand(c, me))
            node.left = comparators.pop(0)
            node.comparators = comparators
            ops = tuple(_CMP_OPS[type(op)] for op in node.ops)
            self.compares.append((me, ops, tuple(operands)))
            return self._wrap(node, me)
        if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
            node.elts = [self._expr(e, parent) for e in node.elts]
            return node
        if isinstance(node, ast.Dict):
            node.keys = [None if k is None else self._expr(k, parent)
                         for k in node.keys]
            node.values = [self._expr(v, parent) for v in node.values]
            return node
        if isinstance(node, ast.IfExp):
            node.test = self._expr(node.test, parent)
            node.body = self._expr(node.body, parent)
            node.orelse = self._expr(node.orelse, parent)
            return node
        if isinstance(node, ast.Slice):
            for field in ("lower", "upper", "step"):
                sub = getattr(node, field)
                if sub is not None:
                    setattr(node, field, self._expr(sub, parent))
            return node
        if isinstance(node, ast.Call):
            me = self._record(node, parent, K_VALUE)
            # The callee's own value is not interesting; what it hangs on
            # (`obj` in `obj.method()`) may be.
            if isinstance(node.func, ast.Attribute):
                node.func.value = self._expr(node.func.value, me)
            elif not isinstance(node.func, ast.Name):
                node.func = self._expr(node.func, me)
            node.args = [self._expr(a, me) for a in node.args]
            for kw in node.keywords:
                kw.value = self._expr(kw.value, me)
            return self._wrap(node, me)
        if isinstance(node, ast.Name):
            if not isinstance(node.ctx, ast.Load):
                return node
            return self._wrap(node, self._record(node, parent, K_VALUE))
        if isinstance(node, ast.Attribute):
            me = self._record(node, parent, K_VALUE)
            node.value = self._expr(node.value, me)
            return self._wrap(node, me)
        if isinstance(node, ast.Subscript):
            me = self._record(node, parent, K_VALUE)
            node.value = self._expr(node.value, me)
            node.slice = self._expr(node.slice, me)
            return self._wrap(node, me)
        if isinstance(node, (ast.BinOp, ast.UnaryOp, ast.Await)):
            me = self._record(node, parent, K_VALUE)
            if isinstance(node, ast.BinOp):
                node.left = self._expr(node.left, me)
                node.right = self._expr(node.right, me)
            elif isinstance(node, ast.UnaryOp):
                node.operand = self._expr(node.operand, me)
            else:
                node.value = self._expr(node.value, me)
            return self._wrap(node, me)
        # Anything else (yield, ...) is kept as it is.
        return node


def rewrite_module(tree, source):
    """Rewrite the asserts of module `tree` (parsed from `source`, a str)
    in place and return it."""
    tree.body = _AssertRewriter(source).body(tree.body)
    return tree


def compile_source(data, path):
    """The code object of the module source `data` (bytes) at `path`, its
    asserts rewritten. Raises SyntaxError (without the parser's frames)."""
    try:
        tree = ast.parse(data, filename=path)
    except SyntaxError as e:
        # The parser's frames say nothing about the test file.
        raise e.with_traceback(None)
    rewrite_module(tree, importlib.util.decode_source(data))
    return compile(tree, path, "exec", dont_inherit=True)
