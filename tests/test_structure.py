"""The library's structure (issue 11): imports, namespaces, one table of dtype names.

* ``tensor.py`` is the core everything else builds on: it imports nothing from ``autograd/``,
  ``ops/`` or ``creation.py`` (those all import it), not even inside a function.
* The core's module-level imports form no loop.
* ``autograd_lib.<name>`` is never one of ``ops``' internal modules (``autograd_lib.linalg``
  would shadow PyTorch's ``torch.linalg``); ``autograd_lib.return_types`` is the module.
* The names of the dtypes (``FloatTensor``, ``Float``, ``float``) live in ``_dtype.py`` only.

Run as a script, it prints the core's import graph and every import made inside a function::

    .venv/bin/python tests/test_structure.py
"""

import ast
import pathlib
import sys
import types

import numpy as np
import pytest

import autograd_lib
from autograd_lib import _dtype, _methods

ROOT = pathlib.Path(__file__).resolve().parent.parent
LIB = ROOT / "autograd_lib"

# The core: the modules every tensor operation goes through.
CORE_FILES = ["tensor", "_dtype", "backend", "grad_mode", "_formatting", "creation", "_methods"]
CORE_PACKAGES = ["ops", "autograd"]

# What tensor.py may import from the library: the modules that do not import it.
TENSOR_MAY_IMPORT = {"autograd_lib._dtype", "autograd_lib._formatting", "autograd_lib.grad_mode",
                     "autograd_lib.backend"}

OPS_MODULES = tuple(sorted(p.stem for p in (LIB / "ops").glob("*.py") if p.stem != "__init__"))


# -- reading imports with ast -------------------------------------------------------------------


def module_name(path):
    """``autograd_lib/ops/shape.py`` -> ``autograd_lib.ops.shape`` (a package: its name)."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def is_module(name):
    """Is ``name`` (``autograd_lib.ops.shape``) a module or package of the library?"""
    path = ROOT.joinpath(*name.split("."))
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def imports(path, here=None):
    """``(line, module, in_function)`` for every module that ``path`` imports.

    ``from .ops import shape`` imports ``autograd_lib.ops.shape``; ``from .tensor import Tensor``
    imports ``autograd_lib.tensor``. ``in_function``: the import runs when a function is called,
    not when the module is imported. ``here``: the module's name (default: from its path).
    """
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    here = here or module_name(path)
    package = here if path.name == "__init__.py" else here.rpartition(".")[0]
    found = []

    def visit(node, in_function):
        for child in ast.iter_child_nodes(node):
            inside = in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                       ast.Lambda))
            if isinstance(child, ast.Import):
                for alias in child.names:
                    found.append((child.lineno, alias.name, inside))
            elif isinstance(child, ast.ImportFrom):
                if child.level:
                    base = package.split(".")
                    base = base[: len(base) - (child.level - 1)]
                    base = ".".join(base + ([child.module] if child.module else []))
                else:
                    base = child.module
                for alias in child.names:
                    sub = f"{base}.{alias.name}"
                    found.append((child.lineno, sub if is_module(sub) else base, inside))
            visit(child, inside)

    visit(tree, False)
    return found


def library_files():
    return sorted(p for p in LIB.rglob("*.py") if "__pycache__" not in p.parts)


def core_files():
    files = [LIB / f"{name}.py" for name in CORE_FILES]
    for package in CORE_PACKAGES:
        files += sorted((LIB / package).glob("*.py"))
    return files


def core_graph():
    """``{module: set of core modules it imports at module level}``.

    Importing ``autograd_lib.autograd.graph`` first runs ``autograd_lib/autograd/__init__.py``,
    so that counts as importing the package too (except for the package's own modules).
    """
    core = {module_name(p) for p in core_files()}
    graph = {}
    for path in core_files():
        here = module_name(path)
        own = {here.rsplit(".", k)[0] for k in range(here.count(".") + 1)}
        edges = set()
        for _, name, in_function in imports(path):
            if in_function:
                continue
            parts = name.split(".")
            for k in range(2, len(parts) + 1):  # the module and the packages above it
                target = ".".join(parts[:k])
                if target in core and target not in own:
                    edges.add(target)
        graph[here] = edges
    return graph


def find_cycle(graph):
    """A list of modules that import each other in a loop, or None."""
    state = {}  # module -> "open" while on the DFS path, "done" after

    def dfs(node, path):
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return path[path.index(nxt):] + [nxt]
            if nxt not in state:
                cycle = dfs(nxt, path + [nxt])
                if cycle:
                    return cycle
        state[node] = "done"
        return None

    for start in sorted(graph):
        if start not in state:
            cycle = dfs(start, [start])
            if cycle:
                return cycle
    return None


# -- 1. tensor.py builds on nothing above it; no import loop ---------------------------------------


def test_tensor_py_imports_nothing_from_autograd_ops_or_creation():
    path = LIB / "tensor.py"
    bad = [f"tensor.py:{line}: {name}" for line, name, _ in imports(path)
           if (name == "autograd_lib" or name.startswith("autograd_lib."))
           and name not in TENSOR_MAY_IMPORT]
    assert bad == [], "tensor.py must not import these (move the method to _methods.py):\n" + (
        "\n".join(bad))
    source = path.read_text(encoding="utf-8")
    assert "importlib" not in source and "__import__" not in source


def test_the_import_reader_sees_imports_inside_functions(tmp_path):
    # The check above is only as good as ``imports``: it must resolve relative imports, and
    # see the ones inside methods.
    probe = tmp_path / "probe.py"
    probe.write_text(
        "from . import _dtype, autograd\n"
        "import numpy\n"
        "class T:\n"
        "    def f(self):\n"
        "        from .ops.shape import convert\n"
        "        from ..autograd_lib import creation\n"
    )
    assert [(name, inside) for _, name, inside in imports(probe, "autograd_lib.tensor")] == [
        ("autograd_lib._dtype", False), ("autograd_lib.autograd", False), ("numpy", False),
        ("autograd_lib.ops.shape", True), ("autograd_lib.creation", True)]


def test_the_core_has_no_import_loop():
    cycle = find_cycle(core_graph())
    assert cycle is None, "module-level import loop: " + " -> ".join(cycle)


def test_find_cycle_finds_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_methods_py_defines_no_method_that_tensor_py_defines():
    # One definition of each method: tensor.py's class body, or _methods.py, not both (Tensor's
    # __hash__ was defined in both).
    tree = ast.parse((LIB / "tensor.py").read_text(encoding="utf-8"))
    (cls,) = [n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Tensor"]
    in_class = {n.name for n in cls.body if isinstance(n, ast.FunctionDef)}
    attached = set(_methods._METHODS)
    tree = ast.parse((LIB / "_methods.py").read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if (isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)
                        and target.value.id == "Tensor"):
                    attached.add(target.attr)
    assert attached & in_class == set()


# -- 3. namespaces -----------------------------------------------------------------------------


@pytest.mark.parametrize("name", OPS_MODULES)
def test_no_ops_module_in_the_top_level_namespace(name):
    value = getattr(autograd_lib, name, None)
    assert not (isinstance(value, types.ModuleType)
                and value.__name__.startswith("autograd_lib.ops")), (
        f"autograd_lib.{name} is the internal module {value.__name__}")


def test_ops_all_lists_functions_only():
    from autograd_lib import ops

    for name in ops.__all__:
        value = getattr(ops, name)
        assert callable(value) and not isinstance(value, types.ModuleType), name
        assert getattr(autograd_lib, name) is value, name
    assert len(set(ops.__all__)) == len(ops.__all__)


def test_return_types_is_the_module():
    rt = autograd_lib.return_types
    assert isinstance(rt, types.ModuleType)
    assert rt is sys.modules["autograd_lib.return_types"]
    x = autograd_lib.tensor([[1.0, 5.0], [3.0, 2.0]])
    assert type(x.max(dim=1)) is rt.max
    assert type(autograd_lib.min(x, dim=0)) is rt.min
    assert repr(x.max(dim=1)).startswith("autograd_lib.return_types.max(")


# -- 2. one table of dtype names ---------------------------------------------------------------


def test_every_dtype_has_its_names():
    torch = pytest.importorskip("torch")
    for d in _dtype.ALL:
        t = torch.zeros(1, dtype=getattr(torch, d.name))
        assert d.legacy_name == d.scalar_type + "Tensor"
        assert "torch." + d.legacy_name == t.type()
        assert _dtype.legacy_type_name(d.np) == "autograd_lib." + d.legacy_name
        assert _dtype.legacy_type_name(d.np, on_gpu=True) == "autograd_lib.cuda." + d.legacy_name
        assert autograd_lib.zeros(1, dtype=d).type() == "autograd_lib." + d.legacy_name
        other = torch.float64 if d is not _dtype.float64 else torch.float32
        with pytest.raises(RuntimeError) as caught:
            torch.zeros(1, 1, dtype=getattr(torch, d.name)) @ torch.zeros(1, 1, dtype=other)
        assert f"got: {d.cpp_type} != " in str(caught.value)


@pytest.mark.parametrize("target", ["int16", "int8", "uint8", "int64"])
def test_inplace_cast_error_names_the_dtypes_as_pytorch(target):
    torch = pytest.importorskip("torch")
    messages = []
    for m in (torch, autograd_lib):
        x = m.zeros(2, dtype=getattr(m, target))
        with pytest.raises(RuntimeError) as caught:
            x.pow_(0.5)
        messages.append(str(caught.value))
    assert messages[0] == messages[1]


def _dtype_name_tables(path):
    """Line numbers of dict literals keyed by two or more dtype names (a table of dtype names)."""
    names = {d.name for d in _dtype.ALL}
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Dict):
            keys = [k.value for k in node.keys if isinstance(k, ast.Constant)]
            if len([k for k in keys if k in names]) >= 2:
                found.append(node.lineno)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            if node.value in {d.legacy_name for d in _dtype.ALL}:
                found.append(node.lineno)
    return found


@pytest.mark.parametrize(
    "path", [p for p in library_files() if p.name != "_dtype.py"],
    ids=lambda p: str(p.relative_to(LIB)),
)
def test_no_other_table_of_dtype_names(path):
    assert _dtype_name_tables(path) == []


def test_the_table_finder_finds_tables(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text('A = {"float32": "Float", "int64": "Long"}\nB = {"x": "BoolTensor"}\n')
    assert _dtype_name_tables(probe) == [1, 2]


def test_dtype_pickles_and_numpy_lookup_still_work():
    import pickle

    for d in _dtype.ALL:
        assert pickle.loads(pickle.dumps(d)) is d
        assert _dtype.from_numpy_dtype(np.dtype(d.np)) is d


# -- 4. one copy of each helper -----------------------------------------------------------------


def test_typename_is_pytorchs_and_shared():
    import collections

    from autograd_lib.nn import module
    from autograd_lib.optim import optimizer

    torch = pytest.importorskip("torch")
    assert module.typename is optimizer.typename is autograd_lib.typename
    for value in (3, [1], None, collections.OrderedDict(), collections.OrderedDict, np.zeros(1)):
        assert autograd_lib.typename(value) == torch.typename(value)
    assert autograd_lib.typename(autograd_lib.zeros(1, dtype=autograd_lib.int64)) == (
        "autograd_lib.LongTensor")


def test_viz_box_is_not_called_node():
    from autograd_lib import viz

    assert not hasattr(viz, "Node") and "Node" not in viz.__all__
    x = autograd_lib.tensor(2.0, requires_grad=True)
    assert all(type(n) is viz.DrawnNode for n in viz.draw(x * x).nodes)


def test_module_and_optimizer_zero_grad_agree():
    model = autograd_lib.nn.Linear(2, 1)
    opt = autograd_lib.optim.SGD(model.parameters(), lr=0.1)
    for zero_grad in (model.zero_grad, opt.zero_grad):
        model(autograd_lib.ones(1, 2)).sum().backward()
        zero_grad(set_to_none=False)
        assert [p.grad.tolist() for p in model.parameters()] == [[[0.0, 0.0]], [0.0]]
        zero_grad()
        assert [p.grad for p in model.parameters()] == [None, None]


def test_tensors_and_nodes_keep_cpythons_fast_attribute_reads():
    """No ``__getattr__``/``__getattribute__`` on Tensor or any node class: with one, CPython
    reads every attribute of every instance the slow way (W1b 13% slower when Node had a
    ``__getattr__``; docs/performance.md, row 33). ``_saved_<name>`` are properties instead."""
    from autograd_lib.autograd.profiler import _node_classes

    classes = [autograd_lib.Tensor, *_node_classes()]  # Node and every subclass
    assert len(classes) > 100
    slow = [c.__qualname__ for c in classes
            if "__getattr__" in vars(c) or "__getattribute__" in vars(c)]
    assert not slow, slow
    x = autograd_lib.tensor([1.0, 2.0], requires_grad=True)
    node = (x * x.exp()).grad_fn  # MulBackward0 saves other, then self
    assert node._saved_self is x and node._saved_other._grad_fn is not None
    assert node._raw_saved_self.unpack() is x
    with pytest.raises(AttributeError, match="'MulBackward0' object has no attribute '_saved_x'"):
        node._saved_x  # noqa: B018


# -- the report: python tests/test_structure.py ----------------------------------------------------


def main():
    graph = core_graph()

    def short(name):
        return name.removeprefix("autograd_lib.")
    print("Module-level imports in the core (who imports whom):")
    for module in sorted(graph):
        targets = ", ".join(short(m) for m in sorted(graph[module]))
        print(f"  {short(module):22} -> {targets or '-'}")
    cycle = find_cycle(graph)
    print("import loop: " + (" -> ".join(map(short, cycle)) if cycle else "none"))
    print("\nImports inside functions (autograd_lib/):")
    for path in library_files():
        for line, name, in_function in imports(path):
            if in_function:
                print(f"  {path.relative_to(ROOT)}:{line}: {name}")


if __name__ == "__main__":
    main()
