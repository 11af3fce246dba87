"""The import graph of evalkit, read from the source: no circles (issue 21, first slice).

Every import counts — at the top, inside functions, under TYPE_CHECKING — since
each is a dependency of the code's meaning. A circle means two modules can
only be understood, tested and changed together.
"""

import ast
import subprocess
import sys
from pathlib import Path

from conftest import ROOT

PACKAGE = ROOT / "evalkit"


def _modules() -> dict[str, Path]:
    out = {}
    for file in PACKAGE.rglob("*.py"):
        parts = file.relative_to(ROOT).with_suffix("").parts
        out[".".join(parts[:-1] if parts[-1] == "__init__" else parts)] = file
    return out


def import_graph() -> dict[str, set[str]]:
    """Module → the evalkit modules it imports (the package's own __init__ left out: it is the facade)."""
    modules = _modules()
    graph: dict[str, set[str]] = {m: set() for m in modules}
    for name, file in modules.items():
        package = name.split(".") if file.name == "__init__.py" else name.split(".")[:-1]
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    anchor = package[: len(package) - node.level + 1]
                    base = ".".join(anchor + ([node.module] if node.module else []))
                targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
            else:
                continue
            for target in targets:
                while target and target not in modules:
                    target = target.rpartition(".")[0]
                if target and target not in (name, "evalkit"):
                    graph[name].add(target)
    return graph


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (iterative Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_graph_is_read_from_every_import():
    graph = import_graph()
    assert len(graph) > 50
    assert "evalkit.core.numbers" in graph["evalkit.core.fields"]  # a top-level import
    assert "evalkit.outputs.html" not in graph["evalkit.core.working"]  # the core asks ``display`` instead


def test_the_circle_finder_finds_a_circle():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_import_circles():
    assert circles(import_graph()) == []


# The layers, lowest first: a module may import its own layer and the layers before it, never one after it.
LAYERS = ("core", "inputs", "kinds", "loader", "outputs", "runs", "cli")


def layer_of(module: str) -> str:
    parts = module.split(".")
    return "cli" if parts[1:2] in (["__main__"], ["clitext"]) else parts[1]  # clitext: the CLI's own words


def upward(graph: dict[str, set[str]]) -> list[str]:
    rank = {name: i for i, name in enumerate(LAYERS)}
    return sorted(f"{m} → {t}" for m, targets in graph.items() if m != "evalkit" for t in targets
                  if rank[layer_of(t)] > rank[layer_of(m)])


def test_every_module_sits_in_a_layer():
    assert {layer_of(m) for m in import_graph() if m != "evalkit"} == set(LAYERS)


def test_imports_point_toward_the_core():
    assert upward(import_graph()) == []


def test_the_layer_check_finds_an_upward_import():
    assert upward({"evalkit.core.numbers": {"evalkit.outputs.html"}, "evalkit.outputs.html": {"evalkit.core.numbers"}}) \
        == ["evalkit.core.numbers → evalkit.outputs.html"]


def test_the_core_imports_nothing_of_evalkit_outside_itself():
    graph = import_graph()
    core = [m for m in graph if m.startswith("evalkit.core.")]
    assert len(core) > 20
    assert {t for m in core for t in graph[m] if layer_of(t) != "core"} == set()


def test_the_lowest_modules_import_nothing_of_evalkit_above_them():
    graph = import_graph()
    assert graph["evalkit.core.errors"] == set()
    assert graph["evalkit.core.display"] == set()
    assert graph["evalkit.core.rowlabels"] == set()


def test_core_objects_show_plainly_without_the_presentation_and_richly_with_it():
    code = ("import sys; from decimal import Decimal\n"
            "from evalkit.core import rates\nfrom evalkit.core.working import Quantity\n"
            "f = rates.rate('coverage_rate', Quantity('a', Decimal(1), '个'), Quantity('b', Decimal(2), '个'), "
            "ref='C-01', key='k')\n"
            "assert f._repr_html_() is None and 'evalkit.outputs.html' not in sys.modules\n"
            "import evalkit.outputs.html\nassert 'id=\"C-01\"' in f._repr_html_()\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT)
    assert done.returncode == 0, done.stderr


def test_figure_and_check_kinds_are_one_table_each():
    """Every model of the FigureSpec / CheckSpec unions has exactly one entry in its table, and nothing else."""
    import typing

    from evalkit.core.checks import CHECK_KINDS, CHECKS, CheckSpec
    from evalkit.core.evaluation import FIGURE_KINDS
    from evalkit.core.specs import FigureSpec

    figure_models = set(typing.get_args(typing.get_args(FigureSpec)[0]))
    assert set(FIGURE_KINDS) == figure_models
    check_models = set(typing.get_args(typing.get_args(CheckSpec)[0]))
    assert {model for model, _ in CHECKS.values()} == check_models and tuple(CHECKS) == CHECK_KINDS
    for kind, (model, _) in CHECKS.items():
        assert typing.get_args(model.model_fields["kind"].annotation) == (kind,)
