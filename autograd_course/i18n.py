"""Translations of the lessons (gettext catalogs, ``i18n/<locale>/<lesson>.po``): what is
translated, and how a translation is applied to a cell or to a lesson's ``probes.py``.

The English lesson (``solutions/<lesson>/<lesson>.ipynb`` and its ``probes.py``) is the one
source. A catalog has one entry

* per Markdown cell: msgid the cell's whole source, msgctxt its cell id;
* per string literal a reader sees in a code cell (msgctxt the cell id): assert messages and
  ``raise AssertionError(...)``'s, ``what=`` of ``checks.close``, plot titles, axis labels,
  legend labels and ``text``/``annotate``, widgets' ``description=``, phrases marked
  ``N_("...")`` that such text takes in at run time; and per comment of a
  code cell (a comment that is Python code, such as ``# u = x**2``, is left out);
* per message of a probe in ``probes.py`` (msgctxt ``probes.py``): the message shown in the
  feedback when the probe fails.

A string literal's msgid is its source text between the quotes (the parts of an implicit
concatenation joined), so an f-string's placeholders appear as written (``{got}``) and must
stay in the translation; printed text (``print(...)``) is never translated, so that the outputs
of both editions are the same. :func:`translate_code` applies a catalog to a code cell's source
and refuses (:class:`TranslationError`) a result whose syntax tree differs from the English one
apart from those strings and comments.
"""

import ast
import dataclasses
import io
import pathlib
import re
import tokenize

PROBES_CONTEXT = "probes.py"
# Calls whose first positional argument is text a reader sees (matplotlib, AssertionError).
_TEXT_CALLS = {"set_title", "set_xlabel", "set_ylabel", "suptitle", "title", "xlabel", "ylabel",
               "set_label", "annotate", "AssertionError", "figtext"}
# Keywords whose value is text a reader sees (in any call).
_TEXT_KEYWORDS = {"what", "label", "title", "xlabel", "ylabel", "description"}
# nbgrader's markers and linters' pragmas: comments that are not prose.
_KEEP_COMMENT = re.compile(r"BEGIN SOLUTION|END SOLUTION|BEGIN HIDDEN TESTS|END HIDDEN TESTS|"
                           r"^\s*(noqa|type:|fmt:|pragma)", re.I)


class TranslationError(ValueError):
    """A translation that cannot be applied (it would change the code, or does not parse)."""


@dataclasses.dataclass
class Piece:
    """A translatable span of a code cell's (or probes.py's) source."""

    kind: str  # "string" or "comment"
    start: int  # character offsets in the source
    end: int
    msgid: str
    note: str  # what it is, for translators
    prefix: str = ""  # a string's prefix: "", "f", "r", "rf"
    quote: str = '"'


def _offsets(source):
    """(line, col) of tokenize/ast (col in characters for tokenize) -> offset in source."""
    starts, pos = [0, 0], 0
    for line in source.splitlines(keepends=True):
        pos += len(line)
        starts.append(pos)
    return starts


def _string_parts(text):
    """The string tokens of an expression's source text: [(prefix, quote, body)]."""
    parts = []
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        if tok.type == tokenize.STRING:
            m = re.match(r"(?is)([a-z]*)('''|\"\"\"|'|\")(.*)\2$", tok.string)
            parts.append((m.group(1).lower(), m.group(2), m.group(3)))
    return parts


def _add_texts(found, node, note):
    """Append (node, note) for the string literals that expression node shows: itself, the two
    results of a conditional (not its test), the parts of a + b, a list's items."""
    if isinstance(node, (ast.Constant, ast.JoinedStr)):
        if isinstance(node, ast.JoinedStr) or isinstance(node.value, str):
            found.append((node, note))
    elif isinstance(node, ast.IfExp):
        _add_texts(found, node.body, note)
        _add_texts(found, node.orelse, note)
    elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        _add_texts(found, node.left, note)
        _add_texts(found, node.right, note)
    elif isinstance(node, (ast.List, ast.Tuple)):
        for element in node.elts:
            _add_texts(found, element, note)


def _text_nodes(tree):
    """(node, note) for every expression of the tree that is text a reader sees."""
    found = []

    def add(node, note):
        _add_texts(found, node, note)

    for node in ast.walk(tree):
        if isinstance(node, ast.Assert) and node.msg is not None:
            add(node.msg, "the message of a failed test (assert)")
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if name in _TEXT_CALLS and node.args:
                add(node.args[0], f"text of {name}(...)")
            if name == "text" and len(node.args) >= 3:
                add(node.args[2], "text drawn in a plot")
            if name == "legend" and node.args:
                add(node.args[0], "legend labels")
            if name == "N_" and node.args:
                add(node.args[0], "a phrase marked N_ that the code puts into a plot's or "
                    "a widget's text at run time")
            for kw in node.keywords:
                if kw.arg in _TEXT_KEYWORDS:
                    add(kw.value, f"{kw.arg}= of a call" + (
                        " (the name of the checked value in a test's message)"
                        if kw.arg == "what" else ""))
    return found


def _comment_is_code(text):
    try:
        ast.parse(text)
    except SyntaxError:
        return False
    return True


def code_pieces(source, comments=True, nodes=None):
    """The translatable pieces of Python source (a code cell), in source order."""
    tree = ast.parse(source)
    starts = _offsets(source)
    pieces = []
    for node, note in (nodes if nodes is not None else _text_nodes(tree)):
        start = starts[node.lineno] + _char_col(source, starts, node.lineno, node.col_offset)
        end = starts[node.end_lineno] + _char_col(source, starts, node.end_lineno,
                                                  node.end_col_offset)
        parts = _string_parts(source[start:end])
        if not parts:
            continue
        prefixes = {p.replace("f", "") for p, _, _ in parts}
        if len(prefixes) > 1 or "b" in "".join(prefixes):
            continue  # raw and non-raw parts together: left as they are
        fmt = any("f" in p for p, _, _ in parts)
        body = "".join(b if "f" in p or not fmt else b.replace("{", "{{").replace("}", "}}")
                       for p, _, b in parts)
        if not body.strip():
            continue
        prefix = prefixes.pop() + ("f" if fmt else "")
        note += "; an f-string: keep every {...} as it is" if fmt else ""
        pieces.append(Piece("string", start, end, body, note, prefix, parts[0][1]))
    if comments:
        spans = [(p.start, p.end) for p in pieces]
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type != tokenize.COMMENT:
                continue
            start = starts[tok.start[0]] + tok.start[1]
            text = tok.string.lstrip("#").strip()
            if (not text or _KEEP_COMMENT.search(text) or _comment_is_code(text)
                    or any(a <= start < b for a, b in spans)):
                continue
            offset = start + tok.string.index(text)
            pieces.append(Piece("comment", offset, start + len(tok.string), text,
                                "a comment in the code"))
    return sorted(pieces, key=lambda p: p.start)


def _char_col(source, starts, lineno, col):
    """ast's column (UTF-8 bytes) -> characters."""
    line = source[starts[lineno]:starts[lineno + 1]]
    return len(line.encode("utf-8")[:col].decode("utf-8"))


def _probe_nodes(tree):
    """The texts of probes.py a student may read: each probe(key, thunk, message)'s message,
    and the phrases marked N_("...") that messages take in at run time."""
    nodes = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
        if name == "N_" and node.args:
            _add_texts(nodes, node.args[0], "a phrase that probe messages take in (N_): "
                       "shown in the feedback inside a message")
        elif name == "probe":
            message = node.args[2] if len(node.args) >= 3 else next(
                (kw.value for kw in node.keywords if kw.arg == "message"), None)
            if message is not None:  # (a conditional's test is not a message: "tuple" in
                # `message if prop == "tuple" else f"{where}: {message}"`)
                _add_texts(nodes, message, "a probe's message: shown in the feedback when the "
                           "judge's check fails")
    return nodes


def probe_messages(source):
    """The pieces of probes.py that are messages of probes: probe(key, thunk, message, ...)."""
    return code_pieces(source, comments=False, nodes=_probe_nodes(ast.parse(source)))


def _literal(piece, translation):
    quote = piece.quote
    if "\n" in translation and len(quote) == 1:
        quote = quote * 3
    return f"{piece.prefix}{quote}{translation}{quote}"


def _normalized(tree, finder=_text_nodes):
    """The tree's dump with every translatable string blanked (an f-string keeps its
    placeholders, sorted, since a translation may reorder them) and comments gone."""
    targets = {id(node) for node, _ in finder(tree)}

    class Blank(ast.NodeTransformer):
        def visit(self, node):
            if id(node) in targets:
                if isinstance(node, ast.JoinedStr):
                    values = sorted(ast.dump(v) for v in node.values
                                    if isinstance(v, ast.FormattedValue))
                    return ast.Constant(value="\x00f-string\x00" + "\x00".join(values))
                return ast.Constant(value="")
            return self.generic_visit(node)

    return ast.dump(Blank().visit(tree))


def translate_code(source, lookup, pieces=None, where="code", finder=_text_nodes):
    """Source with each piece's translation (lookup(msgid) -> str or None: None keeps it);
    raises TranslationError if the result's code differs from the source's apart from them."""
    pieces = code_pieces(source) if pieces is None else pieces
    out, pos = [], 0
    for piece in pieces:
        translation = lookup(piece.msgid)
        if translation is None or translation == piece.msgid:
            continue
        out.append(source[pos:piece.start])
        if piece.kind == "comment":
            if "\n" in translation:
                translation = " ".join(translation.split())
            out.append(translation)
        else:
            out.append(_literal(piece, translation))
        pos = piece.end
    out.append(source[pos:])
    result = "".join(out)
    try:
        tree = ast.parse(result)
    except SyntaxError as e:
        raise TranslationError(f"{where}: the translated code does not parse ({e.msg}, line "
                               f"{e.lineno}): check the quotes and {{placeholders}}") from None
    if _normalized(tree, finder) != _normalized(ast.parse(source), finder):
        raise TranslationError(
            f"{where}: the translation changes the code, not only its messages, labels and "
            "comments (an f-string's {placeholders} must stay exactly as in the English)")
    return result


def translate_probes(source, lookup, where="probes.py"):
    """probes.py's source with its messages translated (same checks as translate_code)."""
    return translate_code(source, lookup, probe_messages(source), where, _probe_nodes)


# -- catalogs ----------------------------------------------------------------------------------

LOCALES = {"zh-CN": "zh_CN"}  # the course's language tags -> gettext's locale names
HEADER = {
    "Project-Id-Version": "autograd-course",
    "Report-Msgid-Bugs-To": "https://github.com/ (the course's issues)",
    "Language": "zh_CN",
    "MIME-Version": "1.0",
    "Content-Type": "text/plain; charset=UTF-8",
    "Content-Transfer-Encoding": "8bit",
    "Plural-Forms": "nplurals=1; plural=0;",
}


def _cell_source(cell):
    s = cell.get("source", "")
    return "".join(s) if isinstance(s, list) else s


@dataclasses.dataclass
class Message:
    context: str  # msgctxt: a cell id, or "probes.py"
    msgid: str
    note: str
    where: str  # the #: reference


def lesson_messages(notebook, probes_source, lesson):
    """Every message of a lesson, in order: its cells' (Markdown, then code strings and
    comments, cell by cell), then its probes'."""
    messages = []
    for index, cell in enumerate(notebook["cells"]):
        cid = cell.get("id") or f"cell-{index}"
        source = _cell_source(cell)
        where = f"{lesson}.ipynb#{cid}"
        if cell["cell_type"] == "markdown":
            if source.strip():
                messages.append(Message(cid, source, "a Markdown cell (Markdown and LaTeX kept "
                                        "as they are; code in `backticks` stays English)", where))
        elif cell["cell_type"] == "code":
            for piece in code_pieces(source):
                messages.append(Message(cid, piece.msgid, piece.note, where))
    if probes_source is not None:
        for piece in probe_messages(probes_source):
            messages.append(Message(PROBES_CONTEXT, piece.msgid, piece.note, "probes.py"))
    return messages


def update_catalog(po, messages):
    """Bring a polib catalog up to date with the English messages: new ones added (empty),
    unchanged ones kept, changed ones fuzzy with the old translation as a suggestion, removed
    ones obsolete. Returns {"new": n, "fuzzy": n, "obsolete": n}."""
    import difflib

    import polib

    old = {(e.msgctxt, e.msgid): e for e in po}
    old_by_context = {}
    for e in po:
        if e.msgstr:
            old_by_context.setdefault(e.msgctxt, []).append(e)
    used, entries, counts = set(), [], {"new": 0, "fuzzy": 0, "obsolete": 0}
    seen = set()
    for m in messages:
        key = (m.context, m.msgid)
        if key in seen:
            continue
        seen.add(key)
        entry = old.get(key)
        if entry is not None:
            entry.obsolete = False
            entry.comment, entry.occurrences = m.note, [(m.where, "")]
            used.add(key)
            entries.append(entry)
            continue
        entry = polib.POEntry(msgctxt=m.context, msgid=m.msgid, msgstr="", comment=m.note,
                              occurrences=[(m.where, "")])
        # The same cell's old text (a changed English source): its translation, fuzzy.
        candidates = [e for e in old_by_context.get(m.context, [])
                      if (e.msgctxt, e.msgid) not in used
                      and (e.msgctxt, e.msgid) not in {(x.context, x.msgid) for x in messages}]
        best = max(candidates, default=None, key=lambda e: difflib.SequenceMatcher(
            None, e.msgid, m.msgid).quick_ratio())
        if best is not None and (m.context != PROBES_CONTEXT or difflib.SequenceMatcher(
                None, best.msgid, m.msgid).ratio() > 0.6):
            used.add((best.msgctxt, best.msgid))
            entry.msgstr, entry.previous_msgid = best.msgstr, best.msgid
            entry.flags.append("fuzzy")
            counts["fuzzy"] += 1
        else:
            counts["new"] += 1
        entries.append(entry)
    for e in po:
        key = (e.msgctxt, e.msgid)
        if key not in used and key not in seen and e.msgstr:
            e.obsolete = True
            entries.append(e)
            counts["obsolete"] += 1
    po[:] = entries
    return counts


def new_catalog(locale="zh_CN"):
    import polib

    po = polib.POFile(wrapwidth=0)
    po.metadata = dict(HEADER, Language=locale)
    return po


def catalog_lookup(po):
    """(context, msgid) -> translation, for translated, non-fuzzy, non-obsolete entries."""
    return {(e.msgctxt, e.msgid): e.msgstr for e in po
            if e.msgstr and not e.obsolete and "fuzzy" not in e.flags}


def catalog_problems(po, messages):
    """What keeps a catalog from being complete: missing, untranslated, fuzzy entries."""
    have = {(e.msgctxt, e.msgid): e for e in po if not e.obsolete}
    problems = []
    for m in messages:
        e = have.get((m.context, m.msgid))
        if e is None:
            problems.append(f"missing: {m.where}: {m.msgid[:60]!r}")
        elif "fuzzy" in e.flags:
            problems.append(f"fuzzy: {m.where}: {m.msgid[:60]!r}")
        elif not e.msgstr:
            problems.append(f"untranslated: {m.where}: {m.msgid[:60]!r}")
    return problems


# -- editions: the Chinese lesson of an English one ----------------------------------------------


def edition(assignment):
    """(English lesson, language tag or None) of an assignment: `03_graph.zh-CN` ->
    ("03_graph", "zh-CN"); `03_graph` -> ("03_graph", None)."""
    base, dot, tag = assignment.partition(".")
    return (base, tag) if dot and tag in LOCALES else (assignment, None)


def edition_name(lesson, tag):
    return f"{lesson}.{tag}"


def translate_notebook(notebook, po, lesson=""):
    """A deep copy of an English notebook with the catalog's translations applied to its
    Markdown cells and to its code cells' strings and comments (outputs untouched). Raises
    TranslationError on a translation that would change the code."""
    import copy

    lookup = catalog_lookup(po)
    nb = copy.deepcopy(notebook)
    for index, cell in enumerate(nb["cells"]):
        cid = cell.get("id") or f"cell-{index}"
        source = _cell_source(cell)
        if cell["cell_type"] == "markdown":
            translated = lookup.get((cid, source))
            if translated is not None:
                cell["source"] = translated
        elif cell["cell_type"] == "code":
            cell["source"] = translate_code(
                source, lambda msgid, cid=cid: lookup.get((cid, msgid)),
                where=f"{lesson}.ipynb, cell {cid}")
    return nb


def translated_probes_source(probes_source, po, lesson=""):
    lookup = catalog_lookup(po)
    return translate_probes(probes_source, lambda msgid: lookup.get((PROBES_CONTEXT, msgid)),
                            where=f"{lesson}/probes.py")


def probes_for(source_dir, assignment):
    """(path of probes.py, its source as the judge runs it) for an assignment: its own folder's
    probes.py; for a translated edition (`03_graph.zh-CN`), the English lesson's probes.py with
    its messages translated by the catalog (i18n/<locale>/<lesson>.po beside solutions/)."""
    source_dir = pathlib.Path(source_dir)
    own = source_dir / assignment / "probes.py"
    lesson, tag = edition(assignment)
    if own.is_file() or tag is None:
        return own, own.read_text(encoding="utf-8") if own.is_file() else None
    path = source_dir / lesson / "probes.py"
    if not path.is_file():
        return path, None
    source = path.read_text(encoding="utf-8")
    catalog = source_dir.resolve().parent / "i18n" / LOCALES[tag] / f"{lesson}.po"
    if catalog.is_file():
        import polib

        source = translated_probes_source(source, polib.pofile(str(catalog)), lesson)
    return path, source


def match_lessons(name, lessons):
    """The lessons a short name means: the exact name, else by number (`3`, `03`) or part of the
    name (`graph`), in the edition the name asks for: `03` or `graph` the English lesson,
    `03.zh-CN` or `graph.zh-CN` the Chinese one."""
    if name in lessons:
        return [name]
    base, tag = edition(name)
    number = base.lstrip("0")
    matches = []
    for lesson in lessons:
        english, lesson_tag = edition(lesson)
        if lesson_tag != tag:
            continue
        if (number.isdigit() and english.split("_")[0].lstrip("0") == number
                or not base.isdigit() and base.lower() in english.lower()):
            matches.append(lesson)
    return matches


def same_code(english, translated):
    """Whether two code cells are the same code apart from comments and the string literals a
    reader sees (f-strings with the same placeholders)."""
    try:
        return _normalized(ast.parse(translated)) == _normalized(ast.parse(english))
    except SyntaxError:
        return False
