"""The layers check (layers.py) on the real tree and build, and on small
made-up trees and graphs that break each rule once, so a check that
passes is known to be able to fail."""
import importlib.util
import os
import shutil
import subprocess
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
# The Python that runs layers.py: sys.executable is crossrun itself when
# crossrun runs this file.
PY = os.environ.get("PY", "/usr/bin/python3")


def _load_layers():
    spec = importlib.util.spec_from_file_location(
        "layers", os.path.join(HERE, "layers.py"))
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


layers = _load_layers()


def build_dir():
    """build/<mode>: `make check` sets CROSSRUN_UNIT_DIR=build/<mode>/unit."""
    unit = os.environ.get("CROSSRUN_UNIT_DIR")
    if unit:
        return os.path.dirname(os.path.abspath(os.path.join(ROOT, unit)))
    return os.path.join(ROOT, "build", "std")


def tree_violations(files):
    """include_violations of a runner/ tree made of files ({relpath:
    text}) in a temporary directory, removed afterwards."""
    top = tempfile.mkdtemp(prefix="layers-")
    try:
        runner = os.path.join(top, "runner")
        for rel, text in files.items():
            path = os.path.join(runner, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8") as f:
                f.write(text)
        return layers.include_violations(runner)
    finally:
        shutil.rmtree(top)


# ---- the real tree ----

def test_real_tree_and_build_are_one_way_without_a_circle():
    build = build_dir()
    assert layers.objects(build), "no objects under %s: run make" % build
    r = subprocess.run([PY, os.path.join(HERE, "layers.py"),
                        "--build", build, "--graph"], cwd=ROOT,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       text=True)
    assert r.returncode == 0, r.stdout
    assert "no circle" in r.stdout, r.stdout
    assert "circle:" not in r.stdout, r.stdout


def test_real_ffi_files_form_a_chain():
    graph = layers.symbol_graph(build_dir())
    ffi = sorted(m for m in graph if m.startswith("ffi/")
                 and layers.order_of(m) is not None)
    assert len(ffi) >= 10, ffi
    assert layers.circles(graph) == []
    for mod in ffi:
        for dep in graph[mod]:
            if dep.startswith("ffi/") and layers.order_of(dep) is not None:
                assert layers.order_of(dep) < layers.order_of(mod), \
                    "%s uses %s, later in the chain" % (mod, dep)
    assert layers.include_violations() == []


# ---- the checker catches what it should ----

def test_wrong_way_include_is_caught():
    bad = tree_violations({
        "core/buf.h": "int buf(void);\n",
        "ffi/api.h": "int api(void);\n",
        "core/buf.c": '#include "core/buf.h"\n#include "ffi/api.h"\n',
        "ffi/api.c": '#include "ffi/api.h"\n#include "core/buf.h"\n',
    })
    assert bad == ["core/buf.c includes ffi/api.h: core may not use ffi"]


def test_include_without_the_layer_folder_is_caught():
    bad = tree_violations({
        "cxx/decl.h": "int decl(void);\n",
        "cxx/decl.c": '#include "decl.h"\n',
    })
    assert bad == ['cxx/decl.c includes "decl.h": write it as '
                   '"cxx/decl.h"']


def test_include_of_a_later_file_in_the_chain_is_caught():
    bad = tree_violations({
        "ffi/01_errors.h": "int e(void);\n",
        "ffi/02_values.h": "int v(void);\n",
        "ffi/01_errors.c": '#include "ffi/01_errors.h"\n'
                           '#include "ffi/02_values.h"\n',
        "ffi/02_values.c": '#include "ffi/02_values.h"\n'
                           '#include "ffi/01_errors.h"\n',
    })
    assert bad == ["ffi/01_errors.c includes ffi/02_values.h: a file may "
                   "not use one later in its chain"]


def test_circle_is_caught():
    graph = {
        "core/buf": set(),
        "ffi/a": {"ffi/b", "core/buf"},
        "ffi/b": {"ffi/c"},
        "ffi/c": {"ffi/a"},
        "ffi/d": {"ffi/a"},          # uses the circle, is not in it
    }
    assert layers.circles(graph) == [["ffi/a", "ffi/b", "ffi/c"]]
    assert layers.link_violations(graph) == [
        "circle: ffi/a <-> ffi/b <-> ffi/c"]


def test_wrong_way_link_is_caught():
    graph = {"core/buf": {"cxx/decl"}, "cxx/decl": set(),
             "ffi/call": {"cxx/decl"}, "main": {"ffi/call"}}
    assert layers.link_violations(graph) == [
        "core/buf uses cxx/decl: core may not use cxx"]


def test_link_to_a_later_file_in_the_chain_is_caught():
    graph = {"ffi/04_conv": {"ffi/09_class", "ffi/01_errors"},
             "ffi/09_class": {"ffi/01_errors"}, "ffi/01_errors": set()}
    assert layers.link_violations(graph) == [
        "ffi/04_conv uses ffi/09_class: a file may not use one later in "
        "its chain"]


def test_a_chain_is_not_a_circle():
    graph = {"ffi/01_a": set(), "ffi/02_b": {"ffi/01_a"},
             "ffi/03_c": {"ffi/01_a", "ffi/02_b"}, "main": {"ffi/03_c"}}
    assert layers.circles(graph) == []
    assert layers.link_violations(graph) == []
