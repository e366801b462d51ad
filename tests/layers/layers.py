"""layers: checks that the harness's layers depend on each other one way
(DESIGN.md section 1): the program -> ffi -> cxx -> core.

Two views of the same rule, because either alone can be fooled:
  - includes: a file of runner/<layer>/ includes only headers of its own
    layer or of layers below it ("core/buf.h", "cxx/decl.h", ...);
  - links: in the built objects (nm), a module uses only symbols defined
    by its own layer or by layers below, and no modules of one layer use
    each other in a circle (a circle is a set of modules each reachable
    from the others: strongly connected components of the symbol graph).
Inside a layer, files numbered in their chain's order ("ffi/04_conv.c")
may use only files with a lower number, by include and by symbol (see
the top of runner/ffi/12_module.c).

Usage: layers.py [--build DIR] [--graph]
  exits 0 when both hold, 1 naming every violation; --graph prints the
  module graph (one line per module: what it uses).
"""
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))
RUNNER = os.path.join(ROOT, "runner")
# Lower rank may not depend on higher rank.
RANK = {"core": 0, "cxx": 1, "ffi": 2, "program": 3}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
NUMBERED = re.compile(r'^(\d+)_')


def layer_of(rel):
    """The layer of a path relative to runner/ ("cxx/decl.c" -> "cxx")."""
    head = rel.split("/", 1)[0] if "/" in rel else ""
    return head if head in RANK else "program"


def order_of(rel):
    """The chain number of a numbered file ("ffi/04_conv.h" -> 4), else
    None."""
    m = NUMBERED.match(os.path.basename(rel))
    return int(m.group(1)) if m else None


def later_in_chain(mine, theirs):
    """Does mine (a path or module under runner/) use a file that comes
    after it in its folder's chain?"""
    a, b = order_of(mine), order_of(theirs)
    return (a is not None and b is not None and a < b and
            os.path.dirname(mine) == os.path.dirname(theirs))


def sources(runner=RUNNER):
    """Every C/C++ source and header under runner/, relative paths."""
    out = []
    for d, _, names in os.walk(runner):
        for n in names:
            if n.endswith((".c", ".h", ".cc")):
                out.append(os.path.relpath(os.path.join(d, n), runner))
    return sorted(out)


def include_violations(runner=RUNNER):
    """Lines 'FILE includes HEADER: LAYER may not use LAYER'."""
    bad = []
    for rel in sources(runner):
        with open(os.path.join(runner, rel), encoding="utf-8") as f:
            text = f.read()
        mine = layer_of(rel)
        for inc in INCLUDE.findall(text):
            if not os.path.exists(os.path.join(runner, inc)):
                if os.path.exists(os.path.join(runner, os.path.dirname(rel),
                                               inc)) and mine != "program":
                    bad.append("%s includes \"%s\": write it as \"%s\""
                               % (rel, inc, os.path.join(
                                   os.path.dirname(rel), inc)))
                continue          # a system or Python header
            theirs = layer_of(inc)
            if RANK[theirs] > RANK[mine]:
                bad.append("%s includes %s: %s may not use %s"
                           % (rel, inc, mine, theirs))
            elif later_in_chain(rel, inc):
                bad.append("%s includes %s: a file may not use one later "
                           "in its chain" % (rel, inc))
    return bad


def objects(build, runner=RUNNER):
    """{module: path of its .o} for every object built from a source that
    runner/ still has (a renamed file leaves its old object behind)."""
    base = os.path.join(build, "runner")
    out = {}
    for d, _, names in os.walk(base):
        for n in names:
            if n.endswith(".o"):
                rel = os.path.relpath(os.path.join(d, n), base)[:-2]
                if any(os.path.exists(os.path.join(runner, rel + ext))
                       for ext in (".c", ".cc")):
                    out[rel] = os.path.join(d, n)
    return out


def symbol_graph(build):
    """{module: set of modules whose symbols it uses}, from nm."""
    defined, used = {}, {}
    for mod, path in objects(build).items():
        out = subprocess.run(["nm", "-P", path], stdout=subprocess.PIPE,
                             check=True, text=True).stdout
        used[mod] = set()
        for line in out.splitlines():
            parts = line.split()
            if len(parts) < 2:
                continue
            name, kind = parts[0], parts[1]
            if kind == "U":
                used[mod].add(name)
            elif kind in "TDBRVWG" and kind.isupper():
                defined.setdefault(name, mod)
    return {mod: {defined[s] for s in syms if s in defined} - {mod}
            for mod, syms in used.items()}


def circles(graph):
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []

    def visit(v):
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return out


def link_violations(graph):
    bad = []
    for mod in sorted(graph):
        for dep in sorted(graph[mod]):
            if RANK[layer_of(dep)] > RANK[layer_of(mod)]:
                bad.append("%s uses %s: %s may not use %s"
                           % (mod, dep, layer_of(mod), layer_of(dep)))
            elif later_in_chain(mod, dep):
                bad.append("%s uses %s: a file may not use one later in "
                           "its chain" % (mod, dep))
    for comp in circles(graph):
        bad.append("circle: " + " <-> ".join(comp))
    return bad


def main(argv):
    build = os.path.join(ROOT, "build", "std")
    if "--build" in argv:
        build = argv[argv.index("--build") + 1]
    bad = include_violations()
    graph = symbol_graph(build) if objects(build) else None
    if graph is None:
        bad.append("no objects under %s/runner: run make first" % build)
    else:
        bad += link_violations(graph)
    if "--graph" in argv and graph is not None:
        for mod in sorted(graph, key=lambda m: (RANK[layer_of(m)], m)):
            print("%-22s -> %s" % (mod, " ".join(sorted(graph[mod])) or "-"))
    for line in bad:
        print("layers: " + line)
    if not bad:
        print("layers: one way (core <- cxx <- ffi <- program), no circle")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
