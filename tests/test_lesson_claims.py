"""What the lessons say about autograd_lib's own code stays true of that code.

The lessons describe the library they teach with: its engine, its graph, its files. When the
code changes, such sentences go stale silently (issue 11: lesson 9 said in one place that
``run_backward`` counts the edges into each node, Kahn's algorithm, and in another that it
needs no counts). These tests read the Markdown cells of every instructor notebook,
``solutions/<lesson>/<lesson>.ipynb`` (``course/`` is generated from them, and
tests/test_course.py checks that it is), and check:

* **Quotes.** A phrase in italic quotes, ``*"..."*``, attributed in its sentence to a file of the
  library (the nearest ``autograd_lib/...py`` path or ``autograd_lib.module`` before it, e.g.
  the docstring of `autograd_lib/autograd/engine.py` promises *"no recursion, ..."*) must be in
  that file, verbatim up to whitespace (and RST's ````x```` read as Markdown's ```x```): in its
  module docstring when the sentence says "docstring", anywhere in the file otherwise. A sentence
  that quotes "the docstring" without naming a file fails too.
* **Forbidden claims.** Sentences about autograd_lib's engine (they name ``run_backward``,
  ``engine.py``, "autograd_lib's engine", or "its engine" next to ``autograd_lib``) must not
  say that it counts edges or dependencies (Kahn's algorithm, in-degrees) or that it recurses:
  the engine runs nodes newest first from a priority queue, with no counts and no recursion.
  A phrase is allowed when its own clause negates it ("with no dependency counts",
  "without recursion"), and sentences that describe Kahn's algorithm as an *alternative*
  without saying that autograd_lib's engine uses it are not about the engine, so they pass.
  ``test_the_claim_checker_itself`` pins both sides on the sentences of issue 11.
* **Public names only.** Sentences about the engine cite no line numbers and, of the names
  that ``engine.py`` defines, only ``run_backward`` (and ``Node``, ``AccumulateGrad``,
  ``buffers``): its private helpers and locals may change in any rewrite.
* **Paths.** Every repository path a lesson names (``autograd_lib/...``, ``tests/...``, ...)
  exists, and every bare ``name.py`` in backquotes is a file of ``autograd_lib``.
"""

import ast
import builtins
import json
import pathlib
import re

import pytest

ROOT = pathlib.Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
ENGINE = ROOT / "autograd_lib" / "autograd" / "engine.py"

# The English lessons: the claim checker reads English sentences. A Chinese edition
# (``<lesson>.zh-CN``) is built from its English lesson's catalog (tests/test_i18n.py), so its
# claims are the English ones translated.
LESSONS = sorted(
    p.name for p in SOLUTIONS.iterdir()
    if (p / f"{p.name}.ipynb").is_file() and "." not in p.name
) if SOLUTIONS.is_dir() else []

# -- reading the lessons ------------------------------------------------------------------------


def _markdown_cells(lesson):
    """(cell index, Markdown source without fenced code blocks) for each Markdown cell."""
    with open(SOLUTIONS / lesson / f"{lesson}.ipynb", encoding="utf-8") as f:
        notebook = json.load(f)
    for i, cell in enumerate(notebook["cells"]):
        if cell["cell_type"] == "markdown":
            text = "".join(cell["source"])
            yield i, re.sub(r"^```.*?^```[ \t]*$", "", text, flags=re.S | re.M)


_ITEM = re.compile(r"\s*(?:[*+-]|\d+\.)\s")  # a list item starts a new block


def _blocks(text):
    """Paragraphs, list items and table rows, each joined into one line."""
    blocks, current = [], []
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("|") or _ITEM.match(line):
            if current:
                blocks.append(" ".join(current))
            current = []
            if line.lstrip().startswith("|"):
                blocks.append(line.strip())
                continue
        if line.strip():
            current.append(line.strip())
    if current:
        blocks.append(" ".join(current))
    return blocks


_SENTENCE_END = re.compile(r"(?<=[.!?])[*_)\"]*\s+(?=[A-Z(*`$\[\"])")


def _sentences(text):
    for block in _blocks(text):
        yield from (s for s in _SENTENCE_END.split(block) if s.strip())


def _lesson_sentences():
    """(where, sentence) for every sentence of every lesson's Markdown."""
    for lesson in LESSONS:
        for i, text in _markdown_cells(lesson):
            for sentence in _sentences(text):
                yield f"{lesson}, cell {i}", sentence


def _normalise(text):
    return " ".join(text.replace("``", "`").split())


# -- the claim checker ----------------------------------------------------------------------------

# A sentence is about autograd_lib's engine when it names one of these.
_ABOUT_ENGINE = re.compile(
    r"run_backward|engine\.py|autograd_lib\.autograd\.engine"
    r"|autograd_lib`?'s (?:own )?(?:engine|backward pass)",
    re.I,
)
_ITS_ENGINE = re.compile(r"\b(?:its|the) engine\b", re.I)


def about_engine(sentence):
    return bool(_ABOUT_ENGINE.search(sentence)) or (
        "autograd_lib" in sentence and bool(_ITS_ENGINE.search(sentence))
    )


# What autograd_lib's engine does not do (see its docstring): phrase -> what that would claim.
FORBIDDEN = {
    r"\bKahn\b": "uses Kahn's algorithm",
    r"\bdependenc(?:y|ies)[ -]counts?\b|\bcount(?:s|ed|ing)? (?:of |the |its )*dependenc":
        "counts dependencies",
    r"\bcount(?:s|ed|ing)?\b(?:\s+[\w-]+){0,3}\s+edges?\b|\bedges?[ -]counts?\b":
        "counts edges",
    r"\bin-?degrees?\b": "counts in-degrees",
    r"\brecursi(?:on|ve|vely)\b|\brecurses\b": "recurses",
}
_NEGATION = re.compile(
    r"\b(?:no|not|never|without|nothing|none|instead of|unlike|rather than)\b|n't\b", re.I
)


def _negated(sentence, start):
    """Is the phrase at ``start`` negated within its own clause?"""
    clause = re.split(r"[;:,.()!?]", sentence[max(0, start - 40):start])[-1]
    return bool(_NEGATION.search(clause))


def wrong_claims(sentence):
    """The forbidden claims a sentence makes about autograd_lib's engine ([] if none)."""
    if not about_engine(sentence):
        return []
    return [
        claim
        for pattern, claim in FORBIDDEN.items()
        for m in re.finditer(pattern, sentence, re.I)
        if not _negated(sentence, m.start())
    ]


def test_the_claim_checker_itself():
    wrong = [
        # issue 11: lesson 9's table, and section 10 before the fix
        "| `topo_order(v)` and a loop in `backward()` | `engine.run_backward`: dependency counts "
        "and a priority queue |",
        "**A scheduler instead of a precomputed order.** `engine.run_backward` counts how many "
        "edges point at each node (Kahn's algorithm), and runs ready nodes newest first from a "
        "priority queue on the creation sequence number, the order PyTorch uses.",
        "`autograd_lib`'s engine visits the graph recursively.",
        "The engine (`autograd_lib/autograd/engine.py`) first finds the in-degree of each node.",
        "`autograd_lib` does not sort the graph: its engine counts the edges into each node.",
    ]
    right = [
        # lesson 9, section 3: Kahn's algorithm as the alternative autograd_lib does not use
        "(Another classic way is **Kahn's algorithm**: count for every node how many edges point "
        "to it, then repeatedly take a node whose count has dropped to zero.",
        "`autograd_lib` uses a third way, with no counts: creation order is a topological order, "
        "so its engine runs the nodes newest first, from a priority queue on their creation "
        "number.",
        "PyTorch's engine counts the dependencies of every node.",
        "`engine.run_backward` needs no dependency counts and no Kahn's algorithm.",
        "It is one loop over `run_backward`'s queue, without recursion.",
        "**Kahn's algorithm.** Write `topo_order` another way: first count, for every node, the "
        "edges that point to it.",
    ]
    for sentence in wrong:
        assert wrong_claims(sentence), f"not caught: {sentence}"
    for sentence in right:
        assert not wrong_claims(sentence), f"caught wrongly ({wrong_claims(sentence)}): {sentence}"
    # and the splitter keeps these apart, as they are in the lesson
    paragraph = right[0] + " " + right[1] + " Any of them is fine here.)"
    assert [wrong_claims(s) for s in _sentences(paragraph)] == [[], [], []]


def test_lessons_make_no_wrong_claims_about_the_engine():
    found = [
        f"{where}: says autograd_lib's engine {', '.join(claims)}:\n    {sentence}"
        for where, sentence in _lesson_sentences()
        if (claims := wrong_claims(sentence))
    ]
    assert not found, (
        "autograd_lib's engine runs nodes newest first from a priority queue on their creation "
        "number, with no counts and no recursion (autograd_lib/autograd/engine.py):\n"
        + "\n".join(found)
    )


# -- quotes from the library's files ----------------------------------------------------------

_QUOTE = re.compile(r'(?<![*\w])\*"([^"]+)"\*(?!\*)')  # *"..."*, not **"..."** (bold)
_FILE_REF = re.compile(r"`(autograd_lib/[\w/]+\.py)`|`(autograd_lib(?:\.\w+)+)`")
_SENTENCE_START = re.compile(r".*(?<=[.!?])\s+(?=[A-Z(*`\"])", re.S)


def _module_file(reference):
    """The file of ``autograd_lib/x/y.py``, or of the longest module prefix of ``autograd_lib.x.y``
    (a module, or the package whose attribute it is)."""
    if reference.endswith(".py"):
        return ROOT / reference
    parts = reference.split(".")
    for n in range(len(parts), 0, -1):
        base = ROOT.joinpath(*parts[:n])
        for candidate in (base.with_suffix(".py"), base / "__init__.py"):
            if candidate.is_file():
                return candidate
    return ROOT.joinpath(*parts).with_suffix(".py")  # missing: reported by the caller


def _quotes():
    """(where, quote, file or None, from the docstring?) for each quote attributed to a file."""
    for lesson in LESSONS:
        for i, text in _markdown_cells(lesson):
            for block in _blocks(text):
                for m in _QUOTE.finditer(block):
                    before = block[:m.start()]
                    start = _SENTENCE_START.match(before)
                    sentence = before[start.end():] if start else before
                    refs = [a or b for a, b in _FILE_REF.findall(sentence)]
                    docstring = "docstring" in sentence.lower()
                    if refs or docstring:
                        path = _module_file(refs[-1]) if refs else None
                        yield f"{lesson}, cell {i}", m.group(1), path, docstring


def test_quoted_docstrings_say_what_the_lessons_quote():
    quotes = list(_quotes())
    assert any(docstring for *_, docstring in quotes), (
        "no quote of an autograd_lib docstring found in the lessons: lesson 9 quotes "
        "engine.py's; has the quoting (*\"...\"*) or this test's reader changed?"
    )
    problems = []
    for where, quote, path, docstring in quotes:
        if path is None:
            problems.append(f"{where}: *\"{quote}\"* quotes a docstring without naming its file")
            continue
        shown = path.relative_to(ROOT)
        if not path.is_file():
            problems.append(f"{where}: *\"{quote}\"* is attributed to {shown}, which is missing")
            continue
        source = path.read_text(encoding="utf-8")
        text = (ast.get_docstring(ast.parse(source)) or "") if docstring else source
        if _normalise(quote) not in _normalise(text):
            what = "module docstring" if docstring else "text"
            problems.append(f"{where}: *\"{quote}\"* is not in the {what} of {shown}")
    assert not problems, (
        "a lesson quotes what autograd_lib's code no longer says; change the lesson (or, if the "
        "code still works that way, the docstring):\n" + "\n".join(problems)
    )


# -- names and line numbers ---------------------------------------------------------------------

PUBLIC = {"run_backward", "Node", "AccumulateGrad", "buffers"}


def _engine_names():
    """The names of engine.py a lesson must not cite: what it defines at module level
    (functions, classes, globals, imports), every private name (``_seq``, ``_helper``), and its
    local variables of five letters or more (its data structures: a queue, sets of nodes; short
    ones such as ``x`` or ``g`` are everyday words of a lesson). Less PUBLIC, function parameters
    (API arguments such as ``retain_graph``) and Python's builtins."""
    tree = ast.parse(ENGINE.read_text(encoding="utf-8"))
    names, parameters = set(), set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name))
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) and len(node.id) >= 5:
            names.add(node.id)
        elif isinstance(node, ast.Attribute) and re.match(r"_(?!_)", node.attr):
            names.add(node.attr)
        elif isinstance(node, ast.Name) and re.match(r"_(?!_)", node.id):
            names.add(node.id)
        elif isinstance(node, ast.arg):
            parameters.add(node.arg)
    return names - PUBLIC - parameters - set(dir(builtins))


_LINE_NUMBER = re.compile(r"\blines? \d+|\.py:\d+|#L\d+", re.I)


def test_lessons_cite_only_public_engine_names():
    private = _engine_names()
    found = []
    for where, sentence in _lesson_sentences():
        if not about_engine(sentence):
            continue
        cited = sorted({n for n in re.findall(r"`(\w+)`", sentence) if n in private})
        if cited:
            found.append(f"{where}: cites {', '.join(cited)} of engine.py:\n    {sentence}")
        if _LINE_NUMBER.search(sentence):
            found.append(f"{where}: cites line numbers of the engine:\n    {sentence}")
    assert not found, (
        "lessons may name only run_backward, Node, AccumulateGrad and buffers of the engine "
        "(the rest changes with every rewrite), and no line numbers:\n" + "\n".join(found)
    )


# -- paths --------------------------------------------------------------------------------------

_PATH = re.compile(r"(?<![\w/.])((?:autograd_lib|autograd_course|tests|scripts|docs|solutions)"
                   r"/[\w./-]*\w)")
_BARE_FILE = re.compile(r"`(\w+\.py)`")


@pytest.mark.parametrize("lesson", LESSONS)
def test_paths_named_in_lessons_exist(lesson):
    library_files = {p.name for p in (ROOT / "autograd_lib").rglob("*.py")}
    missing = []
    for i, text in _markdown_cells(lesson):
        for path in sorted(set(_PATH.findall(text))):
            if not (ROOT / path).exists():
                missing.append(f"cell {i}: {path}")
        for name in sorted(set(_BARE_FILE.findall(text))):
            if name not in library_files:
                missing.append(f"cell {i}: {name} (no file of autograd_lib has this name)")
    assert not missing, f"{lesson} names files that do not exist:\n" + "\n".join(missing)
