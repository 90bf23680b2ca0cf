"""The Chinese edition's pipeline (issue 14; i18n/README.md, scripts/i18n.py).

Fast: what a catalog holds, fuzzy and obsolete entries, translations that would change the code
refused; for every committed Chinese edition (solutions/<lesson>.zh-CN/): its catalog complete
with no fuzzy entries, its notebook what a fresh build makes, its code cells the English ones
apart from comments and the strings a reader sees. (tests/test_course.py runs nbval on the
committed Chinese notebooks, regenerates them and grades them, with the English ones.)

Slow (notebooks): the whole pipeline on a fake translation of one lesson, in a temporary copy
of the course: built, executed, nbval strict and lax, the solution graded full marks, the
untouched student notebook zero, a wrong answer's feedback showing the translated probe message.
"""

import importlib.util
import json
import pathlib
import shutil

import pytest

from autograd_course import i18n

ROOT = pathlib.Path(__file__).resolve().parent.parent
SOLUTIONS = ROOT / "solutions"
FAKE_LESSON = "06_zero_grad"  # short, with plots; its fake translation is made per test session
FAKE = "中文："


def _script():
    spec = importlib.util.spec_from_file_location("i18n_script", ROOT / "scripts" / "i18n.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


script = _script()
EDITIONS = sorted(p.name for p in SOLUTIONS.iterdir()
                  if i18n.edition(p.name)[1] and (p / f"{p.name}.ipynb").is_file())
ENGLISH = sorted(p.name for p in SOLUTIONS.iterdir()
                 if not i18n.edition(p.name)[1] and (p / f"{p.name}.ipynb").is_file())


# -- extraction and translation, without notebooks ---------------------------------------------

CELL = '''\
x = 3  # the input
# u = x**2
print("printed, not translated")
assert x == 3, f"x should be 3, got {x}"
checks.close(x, 3, what="the input x")
ax.set_title("A title")
ax.plot([1], [2], label=r"$e^x$ branch")
w = widgets.FloatSlider(description="learning rate")
### BEGIN SOLUTION
y = 1
### END SOLUTION
'''


def test_code_cells_give_their_reader_visible_strings_and_comments():
    got = [(p.kind, p.msgid) for p in i18n.code_pieces(CELL)]
    assert got == [("comment", "the input"), ("string", "x should be 3, got {x}"),
                   ("string", "the input x"), ("string", "A title"),
                   ("string", "$e^x$ branch"), ("string", "learning rate")]


def test_translation_replaces_strings_and_comments_only():
    table = {"the input": "输入", "x should be 3, got {x}": "x 应为 3，实际为 {x}",
             "A title": "标题", "$e^x$ branch": "$e^x$ 分支"}
    out = i18n.translate_code(CELL, table.get)
    assert 'assert x == 3, f"x 应为 3，实际为 {x}"' in out and "# 输入" in out
    assert 'label=r"$e^x$ 分支"' in out and 'print("printed, not translated")' in out
    assert i18n.same_code(CELL, out)
    for bad in ["x 应为 3，实际为 {y}", "x 应为 3", "x 应为 3 {x} {x}", 'x "{x}"']:
        with pytest.raises(i18n.TranslationError):
            i18n.translate_code(CELL, {"x should be 3, got {x}": bad}.get)


def test_phrases_marked_n_in_a_code_cell_are_translated():
    """A phrase that a plot's text takes in at run time (a status word in an f-string legend)
    is marked N_("...") in the lesson's code: it is in the catalog and translated in place,
    the same translation wherever the code compares with it (a name bound to it)."""
    cell = ('DIVERGES = N_("diverges")\n'
            'status = DIVERGES if loss > 1 else N_("converges")\n'
            'ax.plot(curve, label=f"lr = {lr}: {status}")\n'
            'print("diverges")\n')
    assert [p.msgid for p in i18n.code_pieces(cell)] == ["diverges", "converges",
                                                         "lr = {lr}: {status}"]
    out = i18n.translate_code(cell, {"diverges": "发散", "converges": "收敛"}.get)
    assert 'DIVERGES = N_("发散")' in out and 'else N_("收敛")' in out
    assert 'print("diverges")' in out and i18n.same_code(cell, out)


def test_probe_messages_are_translated_and_nothing_else():
    source = ('def ex1_tests(answer, probe):\n'
              '    probe("key", lambda: answer.f(2), "f(2) is wrong", rtol=0)\n'
              '    probe("k2", lambda: 1, message=f"f is wrong at {2}")\n')
    assert [p.msgid for p in i18n.probe_messages(source)] == ["f(2) is wrong",
                                                             "f is wrong at {2}"]
    out = i18n.translate_probes(source, {"f(2) is wrong": "f(2) 不对"}.get)
    assert '"f(2) 不对"' in out and '"key"' in out
    with pytest.raises(i18n.TranslationError):
        i18n.translate_probes(source, {"f is wrong at {2}": "f 不对"}.get)


def _catalog(notebook, probes=""):
    po = i18n.new_catalog()
    i18n.update_catalog(po, i18n.lesson_messages(notebook, probes, "l"))
    return po


def test_changed_english_is_fuzzy_and_removed_english_obsolete():
    nb = {"cells": [{"cell_type": "markdown", "id": "a", "source": "Hello"},
                    {"cell_type": "markdown", "id": "b", "source": "Bye"}]}
    po = _catalog(nb)
    for e in po:
        e.msgstr = {"Hello": "你好", "Bye": "再见"}[e.msgid]
    nb = {"cells": [{"cell_type": "markdown", "id": "a", "source": "Hello!"}]}
    counts = i18n.update_catalog(po, i18n.lesson_messages(nb, "", "l"))
    assert counts == {"new": 0, "fuzzy": 1, "obsolete": 1}
    entry = po.find("Hello!", msgctxt="a")
    assert "fuzzy" in entry.flags and entry.msgstr == "你好" and entry.previous_msgid == "Hello"
    assert [e.msgid for e in po if e.obsolete] == ["Bye"]
    assert i18n.catalog_problems(po, i18n.lesson_messages(nb, "", "l"))  # fuzzy: incomplete


def test_every_lesson_has_a_catalog():
    """(A catalog that lags behind its English lesson fails only once the lesson has a Chinese
    edition: test_edition_catalog_is_complete; before, `scripts/i18n.py extract` catches up.)"""
    for lesson in ENGLISH:
        path = script.catalog_path(lesson)
        assert path.is_file(), f"{path} is missing: run scripts/i18n.py extract"
        po = script.load(path)
        assert po.metadata.get("Language") == "zh_CN"
        assert po.metadata.get("Plural-Forms") == "nplurals=1; plural=0;"


def test_assignment_names_of_editions():
    assert i18n.edition("03_graph.zh-CN") == ("03_graph", "zh-CN")
    assert i18n.edition("03_graph") == ("03_graph", None)
    lessons = ["03_graph", "03_graph.zh-CN", "04_backward"]
    assert i18n.match_lessons("3", lessons) == ["03_graph"]
    assert i18n.match_lessons("03.zh-CN", lessons) == ["03_graph.zh-CN"]
    assert i18n.match_lessons("graph.zh-CN", lessons) == ["03_graph.zh-CN"]


# -- the committed Chinese editions --------------------------------------------------------------


@pytest.mark.parametrize("edition", EDITIONS)
def test_edition_catalog_is_complete(edition):
    lesson = i18n.edition(edition)[0]
    problems = i18n.catalog_problems(script.load(script.catalog_path(lesson)),
                                     script.messages_of(lesson))
    assert not problems, (f"i18n/zh_CN/{lesson}.po has missing, untranslated or fuzzy entries, "
                          "so solutions/{edition} may not match the English:\n"
                          + "\n".join(problems[:10]))


@pytest.mark.parametrize("edition", EDITIONS)
def test_edition_is_a_fresh_build(edition):
    lesson = i18n.edition(edition)[0]
    problems = script.built_problems(lesson)
    assert not problems, (f"solutions/{edition} is not what scripts/i18n.py build {lesson} "
                          "makes: rebuild it and commit\n" + "\n".join(problems[:10]))


@pytest.mark.parametrize("edition", EDITIONS)
def test_edition_has_the_english_code(edition):
    lesson = i18n.edition(edition)[0]
    english = json.loads((SOLUTIONS / lesson / f"{lesson}.ipynb").read_text(encoding="utf-8"))
    for folder in (SOLUTIONS, ROOT / "course"):
        zh = json.loads((folder / edition / f"{edition}.ipynb").read_text(encoding="utf-8"))
        en = english if folder == SOLUTIONS else json.loads(
            (ROOT / "course" / lesson / f"{lesson}.ipynb").read_text(encoding="utf-8"))
        en_code = [c for c in en["cells"] if c["cell_type"] == "code"]
        zh_code = [c for c in zh["cells"] if c["cell_type"] == "code"]
        assert [c["id"] for c in en_code] == [c["id"] for c in zh_code]
        for e, z in zip(en_code, zh_code):
            assert i18n.same_code("".join(e["source"]), "".join(z["source"])), (
                f"{folder.name}/{edition}, cell {z['id']}: not the English code")


# -- the whole pipeline on a fake translation ----------------------------------------------------


def _has_cjk_font():
    from matplotlib import font_manager

    return any("Noto Sans CJK" in f.name for f in font_manager.fontManager.ttflist)


@pytest.fixture(scope="session")
def fake_edition(tmp_path_factory):
    """A copy of the course (config, FAKE_LESSON's solution, its catalog) whose catalog is
    filled with a fake translation, built: (root, edition name)."""
    import polib

    if not _has_cjk_font():  # the build refuses plots whose Chinese text has no font
        pytest.skip("no Noto Sans CJK font (Debian: fonts-noto-cjk) in Matplotlib's font list")
    root = tmp_path_factory.mktemp("i18n")
    shutil.copy2(ROOT / "nbgrader_config.py", root)
    shutil.copytree(SOLUTIONS / FAKE_LESSON, root / "solutions" / FAKE_LESSON)
    path = script.catalog_path(FAKE_LESSON, root)
    path.parent.mkdir(parents=True)
    po = i18n.new_catalog()
    i18n.update_catalog(po, script.messages_of(FAKE_LESSON, root))
    for entry in po:
        entry.msgstr = FAKE + entry.msgid
    po.save(str(path))
    assert not i18n.catalog_problems(polib.pofile(str(path)),
                                     script.messages_of(FAKE_LESSON, root))
    return root, script.build_lesson(FAKE_LESSON, root)


@pytest.mark.notebooks
def test_fake_edition_builds_runs_and_grades(fake_edition):
    from test_course import _nbval, _read, _run, _tail

    root, name = fake_edition
    assert not script.built_problems(FAKE_LESSON, root)
    solution = root / "solutions" / name / f"{name}.ipynb"
    student = root / "course" / name / f"{name}.ipynb"
    zh = _read(solution)
    assert zh["cells"][0]["source"][0].startswith(FAKE)
    stderr = [o for c in zh["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])
              if o.get("name") == "stderr"]
    assert not stderr, f"a cell of the Chinese notebook writes to stderr: {stderr[:1]}"
    assert (root / "course" / name / "matplotlibrc").is_file()
    assert not (root / "course" / name / "probes.py").exists()
    for notebook, mode in [(solution, "--nbval"), (student, "--nbval-lax")]:
        result = _nbval(notebook, mode)
        assert result.returncode == 0, _tail(result.stdout + result.stderr)

    # graded: the solution, the untouched copy, and a wrong answer (every answer's functions
    # redefined to return None), whose feedback shows the translated probe messages
    wrong = json.loads(json.dumps(zh))
    for cell in wrong["cells"]:
        if cell.get("metadata", {}).get("nbgrader", {}).get("solution"):
            names = sorted(i18n_defined(cell))
            cell["source"] = "".join(cell["source"]) + "".join(
                f"\n\ndef {n}(*args, **kwargs):\n    return None\n" for n in names)
    for student_id, nb in [("solved", zh), ("untouched", _read(student)), ("wrong", wrong)]:
        folder = root / "submitted" / student_id / name
        folder.mkdir(parents=True)
        (folder / f"{name}.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    result = _run(["-m", "nbgrader", "autograde", name, "--force"], cwd=root)
    assert result.returncode == 0, _tail(result.stdout + result.stderr)

    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}", course_id="autograd-course") as gb:
        assert [a.name for a in gb.assignments] == [name]  # the language shows in the gradebook
        scores = {s: gb.find_submission(name, s).score for s in ("solved", "untouched", "wrong")}
        total = gb.find_submission(name, "solved").max_score
    assert total > 0 and scores == {"solved": total, "untouched": 0, "wrong": 0}, scores
    graded = _read(root / "autograded" / "wrong" / name / f"{name}.ipynb")
    errors = [o.get("evalue", "") + "".join(o.get("traceback", [])) for c in graded["cells"]
              for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert any(FAKE in e for e in errors), f"no translated probe message in {errors[:2]}"


def i18n_defined(cell):
    from autograd_course.judge import defined_names

    return {n for n in defined_names("".join(cell["source"]))
            if not n.startswith("_")}


# -- launching: the shipped settings and fonts --------------------------------------------------


def test_shipped_lab_settings():
    for lang, locale in [("en", "default"), ("zh-CN", "zh_CN")]:
        path = ROOT / "binder" / "lab-settings" / lang / "overrides.json"
        settings = json.loads(path.read_text(encoding="utf-8"))
        assert settings["@jupyterlab/apputils-extension:notification"]["fetchNews"] == "false"
        assert settings["@jupyterlab/translation-extension:plugin"]["locale"] == locale
    makefile = (ROOT / "Makefile").read_text()
    assert "binder/lab-settings/$(LAB_LANG)" in makefile
    assert "binder/lab-settings/en/overrides.json" in (ROOT / "binder" / "postBuild").read_text()
    assert "fonts-noto-cjk" in (ROOT / "binder" / "apt.txt").read_text().split()
    assert "fonts-noto-cjk" in (ROOT / ".ci" / "run").read_text()
    assert "01_why_autodiff.zh-CN" in (ROOT / "README.md").read_text()
    assert "README.zh-CN.md" in (ROOT / "README.md").read_text()


def test_chinese_plot_text_falls_back_to_noto_sans_cjk(tmp_path):
    """With the Chinese lessons' matplotlibrc, a Chinese title draws with Noto Sans CJK, with no
    missing-glyph warning (turned into an error here)."""
    import subprocess
    import sys

    if not _has_cjk_font():
        pytest.skip("no Noto Sans CJK font (Debian: fonts-noto-cjk) in Matplotlib's font list")
    (tmp_path / "matplotlibrc").write_text(script.MATPLOTLIBRC, encoding="utf-8")
    code = ("import matplotlib; matplotlib.use('svg'); import matplotlib.pyplot as plt\n"
            "plt.rcParams['svg.fonttype'] = 'none'\n"
            "fig, ax = plt.subplots(); ax.set_title('学习率 lr = 0.5'); ax.set_xlabel('轮 epoch')\n"
            "fig.savefig('t.svg')\n")
    result = subprocess.run([sys.executable, "-W", "error", "-c", code], cwd=tmp_path,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    svg = (tmp_path / "t.svg").read_text(encoding="utf-8")
    assert "学习率" in svg and "Noto Sans CJK SC" in svg


def test_visible_check_messages_speak_the_lessons_language(tmp_path, monkeypatch):
    """checks.close and previous_cell_ok frame the exercise's words in the lesson's language:
    Chinese in a <lesson>.zh-CN folder (where a Chinese notebook's kernel starts), English
    elsewhere."""
    from autograd_course import checks

    def message(**kw):
        with pytest.raises(AssertionError) as caught:
            checks.close([1.0], [2.0], what="a.grad", **kw)
        return str(caught.value)

    monkeypatch.delenv("AUTOGRAD_COURSE_LANG", raising=False)
    monkeypatch.chdir(tmp_path)
    assert message() == "a.grad: expected [2.0], got [1.0]"
    chinese = tmp_path / "03_graph.zh-CN"
    chinese.mkdir()
    monkeypatch.chdir(chinese)
    assert message() == "a.grad：期望 [2.0]，得到 [1.0]"
    monkeypatch.setattr(checks, "_outcomes", [False])
    with pytest.raises(AssertionError, match="单元格没有正常结束"):
        checks.previous_cell_ok()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("AUTOGRAD_COURSE_LANG", "zh-CN")
    assert "期望" in message()


def test_build_refuses_chinese_inside_math_labels():
    """Matplotlib draws a string with $...$ in its math font, which has no Chinese glyphs: boxes,
    and no warning in the cell's output (a translator found them by eye). The build says so."""
    script = _script()
    assert script._math_with_chinese('ax.plot(x, y, label=r"$e^x$ 分支")') == "$e^x$ 分支"
    assert script._math_with_chinese('ax.set_title(f"$L(w)$ 的曲线, lr={lr}")')
    assert script._math_with_chinese('ax.plot(x, y, label="eˣ 分支")') is None
    assert script._math_with_chinese('ax.set_xlabel("$x$")') is None


def test_a_conditional_probe_message_gives_its_two_results_not_its_test():
    source = ('probe("k", f, message if prop == "tuple" else f"{where}: {message}")\n'
              'probe("k2", f, "plain" if hidden else "shown")\n')
    assert [p.msgid for p in i18n.probe_messages(source)] == [
        "{where}: {message}", "plain", "shown"]


def test_phrases_marked_n_are_translated_with_the_messages():
    """A phrase a message takes in at run time (f"{where}, ...") is marked N_("..."): it has its
    own catalog entry and the judge's probes.py holds its translation."""
    from autograd_course.probing import N_

    assert N_("for other inputs") == "for other inputs"
    source = ('cases = [("a", N_("for other inputs"))]\n'
              'for key, where in cases:\n'
              '    probe(key, f, f"{where}, the value is wrong")\n')
    assert [p.msgid for p in i18n.probe_messages(source)] == [
        "for other inputs", "{where}, the value is wrong"]
    lookup = {"for other inputs": "换用其他输入时",
              "{where}, the value is wrong": "{where}：值不对"}
    translated = i18n.translate_probes(source, lookup.get)
    assert 'N_("换用其他输入时")' in translated and 'f"{where}：值不对"' in translated


# -- lesson 08: the status words of its plots --------------------------------------------------

STATUS_08 = {"diverges": "发散", "reaches the best loss": "达到最小损失",
             "still above the best loss": "仍高于最小损失"}


@pytest.mark.notebooks
def test_chinese_lesson_08_plots_show_no_english_status_word():
    """Lesson 08's verdict() puts a status word into the legend of the learning-rate plot and
    into the title of the widget's plot. The outputs hold them only as pixels, so the Chinese
    instructor notebook runs (up to the widget, in its folder) in a kernel with a cell added
    after each of the two: they print the legend's labels and the widget's titles for a
    diverging, a converged and a slow learning rate. None may hold an English status word."""
    import subprocess

    import nbformat
    from nbclient import NotebookClient

    if not _has_cjk_font():  # Matplotlib would warn about missing glyphs; the text is the same
        pytest.skip("no Noto Sans CJK font (Debian: fonts-noto-cjk) in Matplotlib's font list")
    name = i18n.edition_name("08_linear_regression", script.TAG)
    folder = SOLUTIONS / name
    nb = nbformat.read(str(folder / f"{name}.ipynb"), as_version=4)
    ids = [c.get("id") for c in nb.cells]
    cells = [c for c in nb.cells[:ids.index("l08-widget") + 1] if c.cell_type == "code"]
    legend = nbformat.v4.new_code_cell(
        'print("LEGEND", [t.get_text() for t in ax.get_legend().get_texts()])')
    titles = nbformat.v4.new_code_cell(
        "_shown, _show = [], plt.show\n"
        "plt.show = lambda: _shown.append(plt.gcf().axes[0].get_title())\n"
        "for _lr in [0.5, 0.05, 0.001]:\n"
        "    show_training(_lr)\n"
        "plt.show = _show\n"
        'print("TITLES", _shown)')
    at = [c.get("id") for c in cells].index("l08-lr-static-code") + 1
    nb.cells = cells[:at] + [legend] + cells[at:] + [titles]
    # The kernel's own stdout/stderr not on pytest's capture files: with them, this run idled
    # for the whole cell timeout before finishing (seen here: 620 s instead of 40 s).
    NotebookClient(nb, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(folder)}}).execute(
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    printed = {}
    for cell in (legend, titles):
        text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
        key, _, value = text.strip().partition(" ")
        printed[key] = value
    shown = printed["LEGEND"] + printed["TITLES"]
    english = [word for word in STATUS_08 if word in shown]
    assert not english, f"English status words in the Chinese lesson's plots: {english}\n{printed}"
    for label in ("LEGEND", "TITLES"):
        missing = [word for word in STATUS_08.values() if word not in printed[label]]
        assert not missing, f"{label}: no {missing} in {printed[label]}"
