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
    return parser


def main(argv=None):
    args = build_parser().parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
