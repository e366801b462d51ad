"""Assertion rewriting: a failing `assert` explains itself, like pytest's.

How it works. The collector imports a test file through RewritingLoader,
which parses the source, rewrites every `assert` statement and compiles
the tree (no bytecode is cached). Only the test file itself is rewritten,
never the modules it imports.

    assert add(x, 3) == 6, "msg"

becomes (names starting with "@" cannot clash with user names and are
never mangled inside classes)

    @cr_v = {}
    if not (@cr_r.rec(@cr_v, 0, @cr_r.rec(@cr_v, 1, add(
                @cr_r.rec(@cr_v, 2, x), 3)) == @cr_r.rec(@cr_v, 3, 6))):
        raise @cr_r.failure(@cr_v, SPEC, True, "msg")

`rec` stores each subexpression's value as it is computed, so everything
is evaluated once, in Python's order, with short-circuits kept. SPEC is a
constant tuple made at rewrite time: the source of the assert, and for
each recorded subexpression its source, its recorded parent and its kind.
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
import importlib.machinery
import importlib.util
import sys
import types

MAXREPR = 240          # longest repr shown before it is cut in the middle
MAXDIFF = 12           # most difference lines shown for one comparison

HELPER = "@cr_r"       # module global: this module
VALUES = "@cr_v"       # local: the dict of recorded values of one assert

# Kinds of recorded subexpression. "cmp" and "const" never get a where-line.
K_VALUE, K_CMP, K_CONST = "v", "cmp", "const"

_CMP_OPS = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=",
            ast.Gt: ">", ast.GtE: ">=", ast.Is: "is", ast.IsNot: "is not",
            ast.In: "in", ast.NotIn: "not in"}

_OPAQUE = (ast.Lambda, ast.ListComp, ast.SetComp, ast.DictComp,
           ast.GeneratorExp, ast.JoinedStr)


# -- rewriting ---------------------------------------------------------------

def _locate(old, *new):
    """Give the `new` nodes the source position of `old`."""
    for n in new:
        n.lineno = old.lineno
        n.col_offset = old.col_offset
        n.end_lineno = old.end_lineno
        n.end_col_offset = old.end_col_offset


class _AssertRewriter(ast.NodeTransformer):
    """Replaces each Assert node by the statements of the module docstring."""

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

    def visit_Assert(self, node):
        if isinstance(node.test, ast.Tuple) and node.test.elts:
            return node     # always true; Python already warns about it
        self.records = []   # (source, parent, kind)
        self.compares = []  # (record of compare, ops, records of operands)
        test = self._expr(node.test, -1)
        spec = ("assert " + self._src(node.test), tuple(self.records),
                tuple(self.compares))
        has_msg = node.msg is not None
        fail_call = ast.Call(
            func=ast.Attribute(value=ast.Name(HELPER, ast.Load()),
                               attr="failure", ctx=ast.Load()),
            args=[ast.Name(VALUES, ast.Load()), ast.Constant(spec),
                  ast.Constant(has_msg),
                  node.msg if has_msg else ast.Constant(None)],
            keywords=[])
        init = ast.Assign(targets=[ast.Name(VALUES, ast.Store())],
                          value=ast.Dict(keys=[], values=[]))
        raise_ = ast.Raise(exc=fail_call, cause=None)
        check = ast.If(test=ast.UnaryOp(op=ast.Not(), operand=test),
                       body=[raise_], orelse=[])
        _locate(node, init, init.targets[0], init.value, check, check.test,
                raise_, fail_call, *fail_call.args[:3], fail_call.func,
                fail_call.func.value)
        if not has_msg:
            _locate(node, fail_call.args[3])
        return [init, check]

    def _record(self, node, parent, kind):
        self.records.append((self._src(node), parent, kind))
        return len(self.records) - 1

    def _wrap(self, node, index):
        call = ast.Call(
            func=ast.Attribute(value=ast.Name(HELPER, ast.Load()),
                               attr="rec", ctx=ast.Load()),
            args=[ast.Name(VALUES, ast.Load()), ast.Constant(index), node],
            keywords=[])
        _locate(node, call, call.func, call.func.value, *call.args[:2])
        return call

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
        whose values the explanation needs)."""
        if isinstance(node, ast.Constant):
            if force:
                return self._wrap(node, self._record(node, parent, K_CONST))
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
    _AssertRewriter(source).visit(tree)
    return tree


class RewritingLoader(importlib.machinery.SourceFileLoader):
    """Loads one source file with its asserts rewritten; never reads or
    writes cached bytecode."""

    def get_code(self, fullname):
        path = self.get_filename(fullname)
        return self.source_to_code(self.get_data(path), path)

    def source_to_code(self, data, path, *, _optimize=-1):
        try:
            tree = ast.parse(data, filename=path)
        except SyntaxError as e:
            # The parser's frames say nothing about the test file.
            raise e.with_traceback(None)
        rewrite_module(tree, importlib.util.decode_source(data))
        return compile(tree, path, "exec", dont_inherit=True,
                       optimize=_optimize)

    def exec_module(self, module):
        module.__dict__[HELPER] = sys.modules[__name__]
        super().exec_module(module)


# -- at run time -------------------------------------------------------------

def rec(values, index, value):
    """Record the value of subexpression `index` and pass it on."""
    values[index] = value
    return value


def saferepr(obj, maxsize=MAXREPR):
    """repr(obj) on one line, cut in the middle beyond `maxsize` chars;
    never raises."""
    try:
        r = repr(obj)
    except Exception as e:
        r = "<[%s raised in repr()] %s object at 0x%x>" % (
            type(e).__name__, type(obj).__name__, id(obj))
    r = r.replace("\n", "\\n")
    if len(r) > maxsize:
        head = (maxsize - 3) // 2
        tail = maxsize - 3 - head
        r = r[:head] + "..." + r[len(r) - tail:]
    return r


def _compare(op, left, right):
    if op == "==":
        return left == right
    if op == "!=":
        return left != right
    if op == "<":
        return left < right
    if op == "<=":
        return left <= right
    if op == ">":
        return left > right
    if op == ">=":
        return left >= right
    if op == "is":
        return left is right
    if op == "is not":
        return left is not right
    if op == "in":
        return left in right
    return left not in right


def _plural(n, word):
    """"1 more item", "2 more items"."""
    return "%d more %s%s" % (n, word, "" if n == 1 else "s")


def _diff_text(left, right):
    """How two str (or bytes) differ."""
    out = []
    n = min(len(left), len(right))
    i = next((k for k in range(n) if left[k] != right[k]), n)
    if i < n:
        lo = max(0, i - 10)
        out.append("Strings differ at index %d: %s != %s" % (
            i, saferepr(left[lo:i + 30], 80), saferepr(right[lo:i + 30], 80)))
    elif len(left) > len(right):
        out.append("Left has %s: %s" % (
            _plural(len(left) - n, "character"), saferepr(left[n:], 80)))
    else:
        out.append("Right has %s: %s" % (
            _plural(len(right) - n, "character"), saferepr(right[n:], 80)))
    if isinstance(left, str) and ("\n" in left or "\n" in right):
        import difflib
        out.append("Line diff (- left, + right):")
        lines = [d for d in difflib.ndiff(left.splitlines(),
                                          right.splitlines())
                 if not d.startswith("?")]
        # Show the lines around the changes only.
        changed = [k for k, d in enumerate(lines) if d[:1] in "+-"]
        if changed:
            lines = lines[max(0, changed[0] - 2):changed[-1] + 3]
        out.extend(d[:MAXREPR] for d in lines[:MAXDIFF])
        if len(lines) > MAXDIFF:
            out.append("... (%d more lines)" % (len(lines) - MAXDIFF))
    return out


def _diff_sequence(left, right):
    n = min(len(left), len(right))
    for i in range(n):
        if left[i] != right[i]:
            return ["At index %d diff: %s != %s" % (
                i, saferepr(left[i], 100), saferepr(right[i], 100))]
    if len(left) > len(right):
        return ["Left contains %s, first extra item: %s" % (
            _plural(len(left) - n, "item"), saferepr(left[n], 100))]
    if len(right) > len(left):
        return ["Right contains %s, first extra item: %s" % (
            _plural(len(right) - n, "item"), saferepr(right[n], 100))]
    return []


def _diff_dict(left, right):
    out = []
    differ = [k for k in left if k in right and left[k] != right[k]]
    if differ:
        out.append("Differing items:")
        for k in differ[:MAXDIFF]:
            out.append("%s != %s" % (saferepr({k: left[k]}, 110),
                                     saferepr({k: right[k]}, 110)))
        if len(differ) > MAXDIFF:
            out.append("... (%d more)" % (len(differ) - MAXDIFF))
    for side, a, b in (("Left", left, right), ("Right", right, left)):
        extra = [k for k in a if k not in b]
        if extra:
            out.append("%s contains %s:" % (
                side, _plural(len(extra), "item")))
            out.append(saferepr({k: a[k] for k in extra[:MAXDIFF]}))
    return out


def _diff_set(left, right):
    out = []
    for side, a, b in (("left", left, right), ("right", right, left)):
        extra = a - b
        if extra:
            out.append("Extra items in the %s set:" % side)
            out.extend(saferepr(x, 110) for x in list(extra)[:MAXDIFF])
    return out


def compare_detail(op, left, right):
    """Lines saying how `left op right` failed (empty when nothing useful
    can be added to the two values)."""
    if op != "==":
        return []
    if isinstance(left, (str, bytes)) and type(left) is type(right):
        return _diff_text(left, right)
    if isinstance(left, (list, tuple)) and isinstance(right, (list, tuple)):
        return _diff_sequence(left, right)
    if isinstance(left, dict) and isinstance(right, dict):
        return _diff_dict(left, right)
    if isinstance(left, (set, frozenset)) and \
            isinstance(right, (set, frozenset)):
        return _diff_set(left, right)
    return []


def _hidden(value):
    """Values whose where-line would only say `<function f>`."""
    return callable(value) or isinstance(value, types.ModuleType)


def explain(values, spec, has_msg, msg):
    """The failure message of one assert (see the module docstring)."""
    source, records, compares = spec
    lines = []
    if has_msg:
        lines.append(msg if isinstance(msg, str) else saferepr(msg))
    lines.append(source)

    # Where-lines: recorded values as a tree, a hidden node's children
    # taking its place.
    depth = {}
    for i, (src, parent, kind) in enumerate(records):
        d = depth.get(parent, 0)
        if i not in values or kind != K_VALUE or _hidden(values[i]):
            depth[i] = d
            continue
        r = saferepr(values[i])
        if r == src:
            depth[i] = d
            continue
        depth[i] = d + 1
        lines.append(" +  %swhere %s = %s" % ("  " * d, r, src))

    for me, ops, operands in compares:
        try:
            if me not in values or values[me]:
                continue
        except Exception:
            continue
        for k, op in enumerate(ops):
            a, b = operands[k], operands[k + 1]
            if a not in values or b not in values:
                break
            try:
                if _compare(op, values[a], values[b]):
                    continue
                detail = compare_detail(op, values[a], values[b])
            except Exception:
                break
            lines.extend("  " + line for line in detail)
            break
    return "\n".join(lines)


def failure(values, spec, has_msg, msg):
    """The AssertionError that a failing rewritten assert raises."""
    try:
        text = explain(values, spec, has_msg, msg)
    except Exception as e:  # never hide the failure behind our own bug
        text = "%s\n(could not explain the values: %s)" % (
            spec[0], saferepr(e))
    return AssertionError(text)
