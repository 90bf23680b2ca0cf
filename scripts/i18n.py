#!/usr/bin/env python
"""The Chinese edition's catalogs and notebooks (issue 14; i18n/README.md, docs/authoring.md).

    .venv/bin/python scripts/i18n.py extract [LESSON ...]   write/update i18n/zh_CN/<lesson>.po
    .venv/bin/python scripts/i18n.py status  [LESSON ...]   how complete each catalog is
    .venv/bin/python scripts/i18n.py build   [LESSON ...]   Chinese notebooks of complete catalogs

`extract` reads the English lessons (solutions/<lesson>/<lesson>.ipynb and probes.py) and brings
each catalog up to date: new English text is added untranslated, changed text is marked fuzzy
(its old translation kept as a suggestion), removed text becomes obsolete. Translations are kept.
"""

import argparse
import json
import pathlib
import re
import sys

ROOT = pathlib.Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograd_course import i18n  # noqa: E402

LOCALE = "zh_CN"


def lessons(names):
    found = sorted(p.name for p in (ROOT / "solutions").iterdir()
                   if (p / f"{p.name}.ipynb").is_file() and "." not in p.name)
    if not names:
        return found
    unknown = [n for n in names if n not in found]
    if unknown:
        sys.exit(f"no such lesson: {', '.join(unknown)}")
    return names


def messages_of(lesson, root=ROOT):
    folder = root / "solutions" / lesson
    notebook = json.loads((folder / f"{lesson}.ipynb").read_text(encoding="utf-8"))
    probes = folder / "probes.py"
    return i18n.lesson_messages(notebook, probes.read_text(encoding="utf-8")
                                if probes.is_file() else None, lesson)


def catalog_path(lesson, root=ROOT, locale=LOCALE):
    return root / "i18n" / locale / f"{lesson}.po"


def load(path, locale=LOCALE):
    import polib

    return polib.pofile(str(path), wrapwidth=0) if path.is_file() else i18n.new_catalog(locale)


def cmd_extract(args):
    for lesson in lessons(args.lesson):
        path = catalog_path(lesson)
        po = load(path)
        po.metadata = dict(i18n.HEADER, **{k: v for k, v in po.metadata.items()
                                          if k not in i18n.HEADER}, Language=LOCALE)
        po.metadata["Project-Id-Version"] = f"autograd-course {lesson}"
        po.header = (f"Simplified Chinese (zh-CN) of autograd-course's lesson {lesson}.\n"
                     "Made by scripts/i18n.py extract; how to translate: i18n/README.md.")
        counts = i18n.update_catalog(po, messages_of(lesson))
        path.parent.mkdir(parents=True, exist_ok=True)
        po.save(str(path))
        print(f"{path.relative_to(ROOT)}: {len(po) - counts['obsolete']} entries "
              f"({counts['new']} new, {counts['fuzzy']} fuzzy, {counts['obsolete']} obsolete)")
    return 0


def cmd_status(args):
    incomplete = 0
    for lesson in lessons(args.lesson):
        path = catalog_path(lesson)
        po = load(path)
        messages = list({(m.context, m.msgid): m for m in messages_of(lesson)}.values())
        problems = i18n.catalog_problems(po, messages)
        done = len(messages) - len(problems)
        chars = sum(len(e.msgstr) for e in po if e.msgstr and not e.obsolete
                    and "fuzzy" not in e.flags)
        print(f"{lesson:<28} {done}/{len(messages)} translated, {chars} characters"
              + ("" if problems else "  complete"))
        for p in problems[: args.show]:
            print("    " + p)
        incomplete += bool(problems)
    return 0


TAG = "zh-CN"
MATPLOTLIBRC = """\
# Matplotlib's settings for the Chinese lessons (made by scripts/i18n.py build; read from the
# notebook's folder): Latin text in DejaVu Sans, as in the English lessons; the characters it
# lacks (Chinese) fall back to Noto Sans CJK SC (Debian's fonts-noto-cjk: binder/apt.txt,
# .ci/run, make lab), with no missing-glyph warnings.
font.family: DejaVu Sans, Noto Sans CJK SC
"""

def _math_with_chinese(source):
    """The first string literal of source that holds both $...$ math and Chinese, or None."""
    import ast

    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
            if re.search(r"\$[^$]+\$", text) and re.search(r"[\u4e00-\u9fff]", text):
                return text
    return None


def _executed_outputs(cell):
    return any("application/vnd.jupyter.widget-view+json" in o.get("data", {})
               for o in cell.get("outputs", []))


def chinese_notebook(lesson, po, root=ROOT, execute=True):
    """The Chinese instructor notebook of a lesson: the English one translated; its code cells
    keep the English outputs where their code is the English code, the others (translated
    titles, labels, messages; widgets) are executed anew. execute=False: those outputs are
    left empty (for comparing with the committed notebook)."""
    import nbformat

    english = nbformat.read(str(root / "solutions" / lesson / f"{lesson}.ipynb"), as_version=4)
    nb = nbformat.from_dict(i18n.translate_notebook(english, po, lesson))
    redo = [i for i, (c, e) in enumerate(zip(nb.cells, english.cells))
            if c.cell_type == "code" and (c.source != e.source or _executed_outputs(e))]
    for i in redo:
        nb.cells[i].outputs, nb.cells[i].execution_count = [], None
        mixed = _math_with_chinese(nb.cells[i].source)
        if mixed:
            raise SystemExit(
                f"{lesson}: {mixed!r} mixes $...$ with Chinese: Matplotlib draws the whole string "
                "with its math font, which has no Chinese glyphs (boxes, and no warning in the "
                "output). Keep the Chinese outside $...$, e.g. with Unicode (fₖ, eˣ).")
    if execute and redo:
        from nbclient import NotebookClient

        folder = root / "solutions" / i18n.edition_name(lesson, TAG)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "matplotlibrc").write_text(MATPLOTLIBRC, encoding="utf-8")
        ran = nbformat.from_dict(json.loads(json.dumps(nb)))
        NotebookClient(ran, timeout=600, kernel_name="python3", record_timing=False,
                       resources={"metadata": {"path": str(folder)}}).execute()
        for i in redo:
            nb.cells[i].outputs = ran.cells[i].outputs
            nb.cells[i].execution_count = ran.cells[i].execution_count
        if "widgets" in ran.metadata:
            nb.metadata["widgets"] = ran.metadata["widgets"]
        errors = [o for i in redo for o in nb.cells[i].outputs if o.output_type == "error"
                  and "raises-exception" not in nb.cells[i].metadata.get("tags", [])]
        if errors:
            raise SystemExit(f"{lesson}: a translated cell fails: {errors[0].get('ename')}: "
                             f"{errors[0].get('evalue')}")
        tofu = [o for i in redo for o in nb.cells[i].outputs if o.output_type == "stream"
                and "missing from font" in o.get("text", "")]
        if tofu:
            raise SystemExit(
                f"{lesson}: Matplotlib has no font for the Chinese text ({tofu[0].text.strip()}"
                "): install fonts-noto-cjk, then refresh Matplotlib's font list (python -c "
                "\"from matplotlib import font_manager as fm; "
                "fm._load_fontmanager(try_read_cache=False)\") and build again")
    return nb, redo


def build_lesson(lesson, root=ROOT, nbgrader=None):
    """Write solutions/<lesson>.zh-CN/ (the instructor notebook, matplotlibrc) and, through
    nbgrader generate_assignment, course/<lesson>.zh-CN/. Returns the assignment's name."""
    import subprocess

    import nbformat

    po = load(catalog_path(lesson, root))
    name = i18n.edition_name(lesson, TAG)
    nb, _ = chinese_notebook(lesson, po, root)
    folder = root / "solutions" / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "matplotlibrc").write_text(MATPLOTLIBRC, encoding="utf-8")
    nbformat.write(nb, str(folder / f"{name}.ipynb"))
    nbgrader = nbgrader or [sys.executable, "-m", "nbgrader"]
    subprocess.run([*nbgrader, "generate_assignment", name, "--force", "--log-level=WARN"],
                   cwd=root, check=True)
    return name


def built_problems(lesson, root=ROOT):
    """How the committed Chinese notebook of a lesson differs from a fresh build (not executed:
    the re-executed cells are compared by source, their outputs by nbval)."""
    import nbformat

    name = i18n.edition_name(lesson, TAG)
    path = root / "solutions" / name / f"{name}.ipynb"
    if not path.is_file():
        return [f"{path.relative_to(root)} is missing"]
    committed = nbformat.read(str(path), as_version=4)
    fresh, redo = chinese_notebook(lesson, load(catalog_path(lesson, root)), root, execute=False)
    problems = []
    if len(fresh.cells) != len(committed.cells):
        return [f"{len(committed.cells)} cells committed, {len(fresh.cells)} built"]
    for i, (f, c) in enumerate(zip(fresh.cells, committed.cells)):
        keys = ["cell_type", "id", "metadata", "source"]
        if i not in redo and f.cell_type == "code":
            keys += ["outputs", "execution_count"]
        for key in keys:
            if f.get(key) != c.get(key):
                problems.append(f"cell {i} ({f.get('id')}): {key} differs from a fresh build")
    meta = {k: v for k, v in committed.metadata.items() if k != "widgets"}
    if meta != {k: v for k, v in fresh.metadata.items() if k != "widgets"}:
        problems.append("the notebook's metadata differs from a fresh build")
    if (root / "solutions" / name / "matplotlibrc").read_text(encoding="utf-8") != MATPLOTLIBRC:
        problems.append(f"solutions/{name}/matplotlibrc differs from a fresh build")
    return problems


def cmd_build(args):
    built = []
    for lesson in lessons(args.lesson):
        po = load(catalog_path(lesson))
        problems = i18n.catalog_problems(po, messages_of(lesson))
        if problems:
            print(f"{lesson}: not built, its catalog is not complete ({len(problems)} entries "
                  "missing, untranslated or fuzzy: scripts/i18n.py status --show 10)")
            continue
        try:
            built.append(build_lesson(lesson))
        except i18n.TranslationError as e:
            print(f"{lesson}: not built: {e}", file=sys.stderr)
            return 1
        print(f"{lesson}: built solutions/{built[-1]}/ and course/{built[-1]}/")
    return 0


def cmd_check(args):
    status = 0
    for lesson in lessons(args.lesson):
        if not (ROOT / "solutions" / i18n.edition_name(lesson, TAG)).is_dir():
            continue
        problems = i18n.catalog_problems(load(catalog_path(lesson)), messages_of(lesson))
        problems += built_problems(lesson)
        for p in problems:
            print(f"{lesson}: {p}")
        status |= bool(problems)
    return status


def build_parser():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("extract", help="write/update i18n/zh_CN/<lesson>.po from the English")
    p.add_argument("lesson", nargs="*")
    p.set_defaults(func=cmd_extract)
    p = sub.add_parser("status", help="how complete each catalog is")
    p.add_argument("lesson", nargs="*")
    p.add_argument("--show", type=int, default=0, metavar="N", help="list N problems each")
    p.set_defaults(func=cmd_status)
    p = sub.add_parser("build", help="the Chinese notebooks of the complete catalogs")
    p.add_argument("lesson", nargs="*")
    p.set_defaults(func=cmd_build)
    p = sub.add_parser("check", help="built Chinese lessons: catalog complete, notebooks fresh")
    p.add_argument("lesson", nargs="*")
    p.set_defaults(func=cmd_check)
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
