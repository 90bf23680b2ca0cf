"""autograd_lib/READING.md: the path through the library's code that lesson 10 sends students on.

Every ``file::name`` it cites must exist, and the main path (everything before "Side paths")
must stay about 300 lines of code, so that it can be read in one sitting (issue 11).
"""

import importlib
import inspect
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
READING = ROOT / "autograd_lib" / "READING.md"
ENTRY = re.compile(r"`(autograd_lib/[\w/]+\.py)::([\w.]+)`")
MAIN_PATH_LIMIT = 330  # "about 300 lines"


def entries(text):
    return [(m.group(1), m.group(2)) for m in ENTRY.finditer(text)]


def main_and_side():
    text = READING.read_text()
    main, _, side = text.partition("## Side paths")
    return entries(main), entries(side)


def resolve(path, name):
    module = path[: -len(".py")].replace("/", ".").removesuffix(".__init__")
    obj = importlib.import_module(module)
    for part in name.split("."):
        obj = getattr(obj, part)
    if isinstance(obj, property):
        obj = obj.fget
    return inspect.unwrap(getattr(obj, "__func__", obj))


def lines_of_code(obj):
    return sum(1 for line in inspect.getsourcelines(obj)[0] if line.strip())


def test_the_guide_cites_something():
    main, side = main_and_side()
    assert len(main) >= 10 and side


@pytest.mark.parametrize("path,name", [e for part in main_and_side() for e in part])
def test_every_cited_name_exists_in_its_file(path, name):
    obj = resolve(path, name)
    assert Path(inspect.getsourcefile(obj)).resolve() == (ROOT / path).resolve(), (
        f"{name} is cited in {path} but lives in {inspect.getsourcefile(obj)}"
    )


def test_the_main_path_reads_in_one_sitting():
    main, _ = main_and_side()
    counts = {f"{path}::{name}": lines_of_code(resolve(path, name)) for path, name in main}
    total = sum(counts.values())
    table = "\n".join(f"{n:4d}  {key}" for key, n in counts.items())
    assert total <= MAIN_PATH_LIMIT, f"the main path is {total} lines:\n{table}"


def test_the_guide_names_its_files_in_reading_order():
    """Within each section, the steps go tensor -> op -> node -> backward() -> engine."""
    text = READING.read_text()
    order = [text.index(heading) for heading in (
        "## 1. The tensor", "## 2. An operation", "## 3. The node", "## 4. `backward()`",
        "## 5. The engine", "## Side paths",
    )]
    assert order == sorted(order)
