"""What a rewritten `assert` calls when it runs: records the values of its
subexpressions and, when it fails, turns them into the message
(_rewrite.py says how an assert is rewritten). Imports nothing heavy: a
test's process carries this module, not the parser.
"""

import marshal
import sys

HELPER = "@cr_r"       # the global through which a rewritten assert calls us
MAXREPR = 240          # longest repr shown before it is cut in the middle
MAXDIFF = 12           # most difference lines shown for one comparison

# Kinds of recorded subexpression. "cmp" and "const" never get a where-line.
K_VALUE, K_CMP, K_CONST = "v", "cmp", "const"

_ModuleType = type(sys)


def warm_up():
    """What a passing rewritten assert runs, for the worker to run before
    its test processes' snapshot (see _worker._warmup_item)."""
    values = {}
    return values.setdefault(0, values.setdefault(1, 0) ==
                             values.setdefault(2, 0))


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
    return callable(value) or isinstance(value, _ModuleType)


def explain(values, spec, has_msg, msg):
    """The failure message of one assert (see the module docstring)."""
    source, records, compares, literals = spec
    for i, value in literals:
        values[i] = value
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
    """The AssertionError that a failing rewritten assert raises. spec: as
    explain() takes it, marshalled (one constant, not dozens of objects in
    every test's process)."""
    try:
        spec = marshal.loads(spec) if isinstance(spec, bytes) else spec
        text = explain(values, spec, has_msg, msg)
    except Exception as e:  # never hide the failure behind our own bug
        text = "%s\n(could not explain the values: %s)" % (
            spec[0] if isinstance(spec, tuple) else "assert", saferepr(e))
    return AssertionError(text)
