"""The course in a real browser: JupyterLab as `make lab` starts it, driven by headless Chromium.

One JupyterLab server (binder/setup-extensions.sh's student setup, `jupyter lab
--notebook-dir=course` from a scratch copy of course/ and nbgrader_config.py) and one browser
for the module. For each lesson, the student's notebook is filled in with the solutions (the
stubs replaced by the instructor's answers, as a student would type them), opened in
JupyterLab, run with Run > Run All Cells, and checked: no cell shows an error; the widgets
render and moving a slider redraws the plot; the computation-graph pictures render with their
node names; and nbgrader's Validate button reports success. Two Chinese lessons run the same
way in a second server with JupyterLab's interface in Chinese (`make lab LANG=zh-CN`), where
the plots' Chinese titles must be drawn with the CJK font. A third server, started as on Binder
(English settings, no LANG), opens the README's 中文版 badge link: the interface switches to
Chinese (autograd_course.lab_language) and its menus show no unexpected English label.
Screenshots go to test-output/screenshots/.

Needs Chromium (/usr/bin/chromium, or $AUTOGRAD_COURSE_CHROMIUM) and Playwright's Python
package (never `playwright install`: the system Chromium is used); skipped without them.
"""

import json
import os
import re
import time
import urllib.parse

import pytest
from browser_helpers import (
    CHROMIUM,
    PANEL,
    ROOT,
    LabServer,
    browser_errors,
    copy_course,
    error_outputs,
    fill_solutions,
    image_bytes,
    kernel_idle,
    launch_browser,
    menu,
    open_notebook,
    read_notebook,
    rendered_svgs,
    run_all,
    screenshot,
    setup_extensions,
    show,
    svg_op_names,
    widget_count,
    write_notebook,
)

try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - depends on the machine
    sync_playwright = None

SOLUTIONS = ROOT / "solutions"
COURSE = ROOT / "course"
VALIDATE_TIMEOUT_MS = 300_000  # the server re-runs the whole notebook


def _missing():
    """Why the browser tests cannot run here, or None."""
    if sync_playwright is None:
        return ("Playwright's Python package is not installed (pip install playwright; it "
                "drives the system Chromium, no `playwright install` needed)")
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return (f"no Chromium at {CHROMIUM} (apt-get install chromium, or set "
                "AUTOGRAD_COURSE_CHROMIUM)")
    return None


_MISSING = _missing()
# CI sets AUTOGRAD_COURSE_REQUIRE_BROWSER=1: there a missing browser fails instead of skipping.
_REQUIRED = os.environ.get("AUTOGRAD_COURSE_REQUIRE_BROWSER") == "1"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(bool(_MISSING) and not _REQUIRED, reason=_MISSING or ""),
]


# The Chinese editions run in the Chinese JupyterLab (test_chinese_lessons_in_chinese_jupyterlab):
# two with sliders and plots whose titles are Chinese. The others have the English lessons'
# code (tests/test_i18n.py), run by nbval in tests/test_course.py.
CHINESE_IN_BROWSER = ("04_backward.zh-CN", "08_linear_regression.zh-CN")


def _lessons(names=None):
    if not SOLUTIONS.is_dir():
        return []
    return sorted(
        p.name for p in SOLUTIONS.iterdir()
        if (p / f"{p.name}.ipynb").is_file() and (COURSE / p.name / f"{p.name}.ipynb").is_file()
        and ("." not in p.name if names is None else p.name in names)
    )


LESSONS = _lessons()  # the English lessons
ZH_LESSONS = _lessons(CHINESE_IN_BROWSER)

# The menus' names: JupyterLab's own, and those of its Chinese language pack
# (jupyterlab-language-pack-zh-CN). nbgrader's Validate button is not translated.
EN_UI = {"run_all": ("Run", "Run All Cells"), "save": ("File", "Save Notebook")}
ZH_UI = {"run_all": ("运行", "运行所有单元格"), "save": None}  # None: Ctrl+S
ZH_MENUS = ("文件", "编辑", "查看", "运行", "内核")
EN_MENUS = ("File", "Edit", "View", "Run", "Kernel")


@pytest.fixture(scope="module", autouse=True)
def _browser_required():
    if _MISSING:  # only reached with AUTOGRAD_COURSE_REQUIRE_BROWSER=1
        pytest.fail(_MISSING + " (and AUTOGRAD_COURSE_REQUIRE_BROWSER=1)")


def _serve(tmp_path_factory, **options):
    setup_extensions()
    root = copy_course(tmp_path_factory.mktemp("lab-root"))
    server = LabServer(root, tmp_path_factory.mktemp("lab-scratch"), **options)
    try:
        server.start()
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """The JupyterLab server, serving a scratch copy of course/; stopped (its whole process
    group) when the module is done, whatever happened."""
    yield from _serve(tmp_path_factory)


@pytest.fixture(scope="module")
def lab_zh(tmp_path_factory):
    """The same, started as `make lab LANG=zh-CN` starts it: with the shipped Chinese settings
    (binder/lab-settings/zh-CN: the interface in Chinese)."""
    yield from _serve(tmp_path_factory, log_name="jupyterlab-zh.log",
                      app_settings_dir=ROOT / "binder" / "lab-settings" / "zh-CN")


@pytest.fixture(scope="module")
def lab_binder(tmp_path_factory):
    """The same, started as Binder starts it: from the repository's folder, with the English
    settings binder/postBuild installs (binder/lab-settings/en), and no LANG or LC_* (the
    interface's language comes from the user's setting only)."""
    yield from _serve(tmp_path_factory, log_name="jupyterlab-binder.log", notebook_dir=".",
                      app_settings_dir=ROOT / "binder" / "lab-settings" / "en",
                      unset_env=("LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES"))


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as p:
        b = launch_browser(p)
        try:
            yield b
        finally:
            b.close()


def _page(browser, server):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    pg = context.new_page()
    console_errors = []
    pg.on("pageerror", lambda e: console_errors.append(str(e)))
    pg.console_errors = console_errors
    try:
        yield pg
    finally:
        context.close()
        server.shutdown_kernels()


@pytest.fixture
def page(browser, lab):
    yield from _page(browser, lab)


@pytest.fixture
def page_zh(browser, lab_zh):
    yield from _page(browser, lab_zh)


@pytest.fixture
def page_binder(browser, lab_binder):
    yield from _page(browser, lab_binder)


def test_student_side_of_nbgrader_only(lab, page):
    """The Validate button and the assignment list are there; formgrader, the course list and
    the create-assignment panel are not (neither their UI nor their server handlers)."""
    for path in ("/formgrader", "/formgrader/api/status", "/formgraders"):
        status, _ = lab.get(path)
        assert status == 404, f"{path} answers {status}: nbgrader's instructor side is on"
    status, body = lab.get("/nbgrader_version?version=0.9.6")
    assert status == 200 and '"success": true' in body, (status, body)

    if not LESSONS:
        pytest.skip("no lessons")
    open_notebook(page, lab, f"{LESSONS[0]}/{LESSONS[0]}.ipynb")
    toolbar = page.locator(".jp-NotebookPanel-toolbar")
    assert toolbar.get_by_text("Validate", exact=True).is_visible(), "no Validate button"

    menu(page, "Nbgrader")
    items = page.eval_on_selector_all(
        ".lm-Menu:visible .lm-Menu-item:not(.lm-mod-hidden) .lm-Menu-itemLabel",
        "els => els.map(e => e.textContent)",
    )
    screenshot(page, "nbgrader-menu")
    page.keyboard.press("Escape")
    assert "Assignment List" in items, items
    for instructor in ("Formgrader", "Course List", "Create assignment"):
        assert not any(instructor.lower() in i.lower() for i in items), (
            f"the Nbgrader menu offers {instructor!r}: {items}"
        )
    side_tabs = page.eval_on_selector_all(
        ".jp-SideBar .lm-TabBar-tab", "els => els.map(e => e.getAttribute('title') || '')"
    )
    assert not any("Create Assignment" in t for t in side_tabs), side_tabs

    menu(page, "Nbgrader", "Assignment List")
    page.wait_for_selector("#nbgrader-assignment-list", timeout=30_000)
    page.wait_for_timeout(1500)
    screenshot(page, "nbgrader-assignment-list")


@pytest.mark.parametrize("lesson", LESSONS)
def test_lesson_in_jupyterlab(lesson, lab, page):
    _run_and_check_lesson(lesson, lab, page)
    _validate(lesson, page)


@pytest.mark.parametrize("lesson", ZH_LESSONS)
def test_chinese_lessons_in_chinese_jupyterlab(lesson, lab_zh, page_zh):
    """A Chinese lesson in JupyterLab with the Chinese interface (`make lab LANG=zh-CN`): the
    menus are in Chinese; with the solutions filled in, Run All Cells shows no error, the
    widgets render and moving a slider redraws the plot (test_lesson_in_jupyterlab's checks);
    the plots' Chinese titles are drawn with the CJK font, not as boxes (checked in the
    lesson's kernel, with its matplotlibrc, by a cell added to the served copy); no output
    warns of a missing glyph; and Validate reports success."""
    page = page_zh
    titles = _chinese_titles(read_notebook(COURSE / lesson / f"{lesson}.ipynb"))
    assert titles, f"{lesson}: no plot title with Chinese in it"
    _run_and_check_lesson(lesson, lab_zh, page, ui=ZH_UI, extra_cells=[_cjk_check_cell(titles)])

    # The interface is in Chinese (jupyterlab-language-pack-zh-CN, locale zh_CN).
    menus = page.eval_on_selector_all("#jp-MainMenu .lm-MenuBar-itemLabel",
                                      "els => els.map(e => e.textContent)")
    assert set(ZH_MENUS) <= set(menus) and not set(EN_MENUS) & set(menus), (
        f"{lesson}: the menu bar is not in Chinese: {menus}"
    )
    menu(page, ZH_UI["run_all"][0])
    screenshot(page, f"{lesson}-0-menu")
    page.keyboard.press("Escape")

    # The titles drawn in the lesson's kernel (the added last cell): each Chinese character's
    # glyph from the CJK font, and drawn as itself, not as a missing glyph's box.
    check = page.locator(f"{PANEL} .jp-Notebook .jp-CodeCell").last.locator(".jp-OutputArea")
    show(page, check)  # its output (the cell's code is taller than the screen)
    screenshot(check, f"{lesson}-4-cjk-check")
    printed = "\n".join(check.locator(".jp-OutputArea-output").evaluate_all(
        "els => els.map(e => e.textContent)"))
    verdict = re.search(r"CJK verdict: (OK|FAIL) (\{.*\})", printed)
    assert verdict, f"{lesson}: the CJK check printed no verdict:\n{printed}"
    report = json.loads(verdict.group(2))
    assert verdict.group(1) == "OK" and report["ok"], (
        f"{lesson}: the Chinese titles are not all drawn with a CJK font: {report}"
    )
    assert report["glyph_fonts"] and all("CJK" in f for f in report["glyph_fonts"]), report

    # No output in the page (the plots redrawn by the slider included) warns of a missing glyph.
    outputs = page.eval_on_selector_all(f"{PANEL} .jp-OutputArea-output",
                                        "els => els.map(e => e.textContent)")
    warned = [o[:500] for o in outputs if "missing from font" in o or "does not have a glyph" in o]
    assert not warned, f"{lesson}: missing-glyph warnings in the page: {warned}"

    _validate(lesson, page)


def _chinese_titles(nb):
    """The plot titles with Chinese in them that the notebook's code sets (an f-string's fields
    filled with 0.00)."""
    titles = []
    for cell in nb["cells"]:
        if cell["cell_type"] != "code":
            continue
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        for m in re.finditer(r"""\.(?:set_title|suptitle|title)\(\s*f?(["'])(.*?)\1""", source):
            text = re.sub(r"\{[^{}]*\}", "0.00", m.group(2))
            if re.search(r"[\u3400-\u9fff]", text) and text not in titles:
                titles.append(text)
    return titles


# Run in the lesson's kernel (its folder's matplotlibrc read): for each Chinese character of
# the titles (punctuation included), the font Matplotlib's fallback list takes its glyph from
# (the first of the fonts for rcParams' families that has it); the titles drawn on an Agg
# canvas with no warning; each character drawn alone has ink, differs from the others, and
# differs from the same character drawn with DejaVu Sans only (a missing glyph's box). Prints
# "CJK verdict: OK|FAIL {json}".
_CJK_CHECK = r'''
import json as _json
import warnings as _warnings

import matplotlib as _mpl
import numpy as _np
from matplotlib import font_manager as _fm
from matplotlib.backends.backend_agg import FigureCanvasAgg as _Canvas
from matplotlib.figure import Figure as _Figure


def _cjk_verdict(titles):
    han = sorted({ch for t in titles for ch in t  # Han, CJK and full-width punctuation
                  if "\u3000" <= ch <= "\u9fff" or "\uff00" <= ch <= "\uffef"})
    report = {"titles": titles, "families": list(_mpl.rcParams["font.family"])}
    fonts = []
    for p in _fm.fontManager._find_fonts_by_props(_fm.FontProperties()):
        f = _fm.ft2font.FT2Font(getattr(p, "path", p), face_index=getattr(p, "face_index", 0))
        fonts.append((f.family_name, set(f.get_charmap())))
    report["fallback"] = [name for name, _ in fonts]
    used, missing = {}, []
    for ch in han:
        name = next((n for n, charmap in fonts if ord(ch) in charmap), None)
        if name is None:
            missing.append(ch)
        else:
            used.setdefault(name, []).append(ch)
    report["glyph_fonts"] = {n: "".join(c) for n, c in used.items()}
    report["no_font"] = "".join(missing)

    def draw(text, **rc):
        with _mpl.rc_context(rc):
            fig = _Figure(figsize=(max(2, 0.3 * len(text)), 0.8), dpi=100)
            _Canvas(fig)
            fig.text(0.02, 0.3, text, fontsize=16)
            fig.canvas.draw()
            return _np.asarray(fig.canvas.buffer_rgba()).copy()

    with _warnings.catch_warnings(record=True) as caught:
        _warnings.simplefilter("always")
        for t in titles:
            draw(t)
    report["warnings"] = len(caught)
    with _warnings.catch_warnings():
        _warnings.simplefilter("ignore")
        images = {ch: draw(ch) for ch in han}
        report["drawn_as_box"] = "".join(
            ch for ch in han
            if _np.array_equal(images[ch], draw(ch, **{"font.family": ["DejaVu Sans"]})))
    report["blank"] = "".join(ch for ch in han if (images[ch][..., :3] < 128).sum() == 0)
    report["distinct_images"] = len({im.tobytes() for im in images.values()})
    report["ok"] = (len(han) > 0 and not missing and not report["drawn_as_box"]
                    and not report["blank"] and all("CJK" in n for n in used)
                    and not report["warnings"] and report["distinct_images"] == len(han))
    print("CJK verdict:", "OK" if report["ok"] else "FAIL",
          _json.dumps(report, ensure_ascii=False))


_cjk_verdict(%s)
del _cjk_verdict
'''


def _cjk_check_cell(titles):
    """A code cell (for the served copy only) that prints the CJK verdict for these titles."""
    return {
        "cell_type": "code", "execution_count": None, "id": "cjk-check-added-by-the-test",
        "metadata": {}, "outputs": [],
        "source": (_CJK_CHECK % json.dumps(titles, ensure_ascii=False)).strip(),
    }


def _run_and_check_lesson(lesson, lab, page, ui=EN_UI, extra_cells=()):
    solution = read_notebook(SOLUTIONS / lesson / f"{lesson}.ipynb")
    notebook = lab.root / "course" / lesson / f"{lesson}.ipynb"
    # Fill in the answers in the served copy before opening it (the repository's course/ is
    # never touched): the point here is JupyterLab's UI, not typing.
    filled = fill_solutions(read_notebook(COURSE / lesson / f"{lesson}.ipynb"), solution)
    filled["cells"].extend(extra_cells)
    write_notebook(filled, notebook)

    open_notebook(page, lab, f"{lesson}/{lesson}.ipynb")
    outcome = run_all(page, labels=ui["run_all"])
    # A picture of the first exercise: the answer filled in, its test cell run, no error.
    first_answer = next(i for i, c in enumerate(solution["cells"])
                        if c["metadata"].get("nbgrader", {}).get("solution"))
    show(page, page.locator(f"{PANEL} .jp-Notebook .jp-Cell").nth(first_answer))
    screenshot(page, f"{lesson}-1-ran")

    # No cell shows an error (or anything on stderr).
    errors = browser_errors(page)
    if outcome == "error" or errors:
        if ui["save"]:
            menu(page, *ui["save"])
        else:
            page.keyboard.press("Control+s")
        page.wait_for_timeout(1000)
        saved = error_outputs(read_notebook(notebook))
        pytest.fail(
            f"{lesson}: with the solutions filled in, Run All Cells shows "
            f"{len(errors)} error output(s) in JupyterLab:\n"
            + "\n---\n".join(e[-800:] for e in errors)
            + f"\nIn the saved notebook: {saved}"
        )

    # Widgets: as many as the instructor's notebook displays, rendered as widgets (not as the
    # text "interactive(...)"), and moving a slider redraws the plot.
    expected_widgets = widget_count(solution)
    if expected_widgets:
        interacts = page.locator(f"{PANEL} .widget-interact")
        assert interacts.count() == expected_widgets, (
            f"{lesson}: {interacts.count()} interactive widget(s) rendered, "
            f"{expected_widgets} expected (is the widget manager, jupyterlab_widgets, loaded?)"
        )
        for i in range(expected_widgets):
            _move_slider_and_check_plot(page, interacts.nth(i), f"{lesson}-widget{i + 1}")

    # The computation-graph pictures: every op name the instructor's pictures show is in an
    # SVG the browser decoded and drew.
    names = svg_op_names(solution)
    if lesson.startswith("03_"):
        assert "PowBackward0" in names, "lesson 03's graphs should show PowBackward0"
    if names:
        svgs = rendered_svgs(page)
        drawn = [s for s in svgs if s["width"] > 0]
        assert drawn, f"{lesson}: no SVG picture was drawn ({len(svgs)} SVG outputs)"
        shown = {n for n in names if any(n in s["svg"] for s in drawn)}
        assert shown == names, f"{lesson}: graph node names not shown: {sorted(names - shown)}"
        # A picture of the graph, the one with PowBackward0 if there is one.
        wanted = "PowBackward0" if "PowBackward0" in names else sorted(names)[0]
        index = next(i for i, s in enumerate(svgs) if s["width"] > 0 and wanted in s["svg"])
        output = page.locator(f'{PANEL} .jp-OutputArea-output[data-mime-type="image/svg+xml"]')
        show(page, output.nth(index))
        screenshot(output.nth(index), f"{lesson}-2-graph")


def _validate(lesson, page):
    # nbgrader's Validate button (the notebook toolbar): it saves, the server runs the notebook
    # again in a fresh kernel, and a dialog reports.
    page.locator(f"{PANEL} .jp-NotebookPanel-toolbar").get_by_text("Validate", exact=True).click()
    dialog = page.locator(".jp-Dialog")
    dialog.get_by_text("Validation Results").wait_for(timeout=VALIDATE_TIMEOUT_MS)
    text = dialog.inner_text()
    screenshot(page, f"{lesson}-3-validate")
    assert "Success! Your notebook passes all the tests." in text, (
        f"{lesson}: Validate says:\n{text}"
    )
    dialog.locator(".jp-mod-accept").click()
    assert not page.console_errors, f"{lesson}: errors in the page: {page.console_errors}"


def test_untouched_lesson_fails_in_jupyterlab(lab, page):
    """The checks above can fail: the untouched student notebook shows the stubs'
    NotImplementedError in JupyterLab, and Validate does not report success."""
    if not LESSONS:
        pytest.skip("no lessons")
    lesson = LESSONS[0]
    path = f"{lesson}/{lesson}-untouched.ipynb"
    write_notebook(read_notebook(COURSE / lesson / f"{lesson}.ipynb"), lab.root / "course" / path)

    open_notebook(page, lab, path)
    assert run_all(page, stop_on_error=False) == "done"
    errors = browser_errors(page)
    assert any("NotImplementedError" in e for e in errors), errors
    page.locator(f"{PANEL} .jp-NotebookPanel-toolbar").get_by_text("Validate", exact=True).click()
    dialog = page.locator(".jp-Dialog")
    dialog.get_by_text("Validation Results").wait_for(timeout=VALIDATE_TIMEOUT_MS)
    text = dialog.inner_text()
    screenshot(page, f"{lesson}-untouched-validate")
    assert "Success!" not in text and "The following cell failed" in text, text
    dialog.locator(".jp-mod-accept").click()


def _move_slider_and_check_plot(page, interact, name):
    show(page, interact)
    image = interact.locator(".widget-output img").first
    image.wait_for(timeout=30_000)
    before = image.get_attribute("src")
    slider = interact.locator(".widget-slider").first
    handle = slider.locator(".noUi-handle").first
    value_before = handle.get_attribute("aria-valuenow")
    screenshot(interact, f"{name}-before")

    # Drag the handle a quarter of the track, towards the side with more room.
    track = slider.locator(".noUi-base").bounding_box()
    box = handle.bounding_box()
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    dx = track["width"] / 4 * (1 if x < track["x"] + track["width"] / 2 else -1)
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(x + dx / 2, y, steps=5)
    page.mouse.move(x + dx, y, steps=5)
    page.mouse.up()

    value_after = handle.get_attribute("aria-valuenow")
    assert value_after != value_before, f"{name}: the slider did not move ({value_before})"
    page.wait_for_function(
        """([el, before]) => {
            const img = el.querySelector('.widget-output img');
            return img && img.complete && img.naturalWidth > 0
                && img.getAttribute('src') !== before;
        }""",
        arg=[interact.element_handle(), before],
        timeout=60_000,
    )
    # The first new picture may be for a value the handle passed on its way (continuous
    # updates): wait until the kernel is idle and the picture stays the same for a second.
    after, since = image.get_attribute("src"), time.monotonic()
    deadline = since + 60
    while time.monotonic() < deadline:
        page.wait_for_timeout(250)
        src = image.get_attribute("src")
        if src != after:
            after, since = src, time.monotonic()
        elif time.monotonic() - since > 1.0 and kernel_idle(page):
            break
    assert image_bytes(after) != image_bytes(before), f"{name}: the plot did not change"
    screenshot(interact, f"{name}-after")



# -- the Chinese Binder badge ------------------------------------------------------------------

ZH_MENU_NAMES = ("文件", "编辑", "查看", "运行", "内核", "设置", "帮助")
# The labels of those menus and of the notebook's toolbar that stay English in JupyterLab 4.6.6
# with jupyterlab-language-pack-zh-CN 4.5.post3 (the newest), none of them for want of a
# translation in the pack. Listed one by one, so that any other English label fails the test.
KNOWN_ENGLISH = {
    "menu bar": {"Nbgrader"},  # nbgrader 0.9.6's menu: nbgrader has no translations
    # Help: the kernel's links to documentation (ipykernel's help_links, names of other sites).
    "帮助": {"Python Reference", "IPython Reference", "NumPy Reference", "SciPy Reference",
           "Matplotlib Reference", "SymPy Reference", "pandas Reference"},
    "toolbar": {
        "Validate Assignment",  # nbgrader 0.9.6's button: nbgrader has no translations
        # The pack translates both (启用调试器, 更多命令), but JupyterLab 4.6.6 makes these two
        # tooltips with its fallback nullTranslator (the debugger's button, the toolbar's "...").
        "Enable Debugger", "More commands",
    },
}


def _badge_urlpath(readme):
    """The urlpath of a README's Chinese Binder badge (the link whose urlpath names zh-CN)."""
    text = (ROOT / readme).read_text(encoding="utf-8")
    for url in re.findall(r"\]\((https://mybinder\.org/[^)\s]+)\)", text):
        urlpath = urllib.parse.parse_qs(urllib.parse.urlsplit(url).query).get("urlpath", [""])[0]
        if "zh-CN" in urlpath:
            return urlpath
    raise AssertionError(f"{readme}: no Binder badge with zh-CN in its urlpath")


def _english(labels):
    return sorted({t.strip() for t in labels if re.search(r"[A-Za-z]{2}", t)
                   and not re.search(r"[\u3400-\u9fff]", t)})


def test_chinese_binder_badge_opens_chinese_jupyterlab(lab_binder, page_binder):
    """The README's 中文版 badge, opened as BinderHub opens it (the server's URL, '/', the
    urlpath, '&token=...'), in a JupyterLab started as on Binder (English settings, no LANG):
    autograd_course.lab_language saves the Chinese locale in the server's user settings and
    redirects to the Chinese first lesson, which opens with the interface in Chinese. The menus
    a student uses (File ... Help, their first-level items) and the notebook toolbar's tooltips
    show no English label but the known ones (KNOWN_ENGLISH)."""
    urlpath = _badge_urlpath("README.md")
    assert urlpath == _badge_urlpath("README.zh-CN.md"), "the two READMEs' badges differ"
    assert urlpath.startswith("autograd-course/lang/zh-CN?next=lab/tree/"), urlpath
    notebook = urllib.parse.parse_qs(urlpath.partition("?")[2])["next"][0].removeprefix(
        "lab/tree/")
    assert (ROOT / notebook).is_file(), f"the badge opens {notebook}, which does not exist"
    settings = (lab_binder.scratch / "lab-settings" / "@jupyterlab" / "translation-extension"
                / "plugin.jupyterlab-settings")
    assert not settings.exists()

    page = page_binder
    page.goto(f"{lab_binder.url}/{urlpath}&token={lab_binder.token}")
    page.wait_for_selector(f"{PANEL} .jp-Notebook .jp-Cell >> nth=0", timeout=90_000)
    assert urllib.parse.unquote(page.url).split("?")[0].endswith("/lab/tree/" + notebook)
    assert json.loads(settings.read_text())["locale"] == "zh_CN"
    page.wait_for_function(  # the first cell drawn: the lesson's Chinese title
        """(sel) => /[\\u3400-\\u9fff]/.test(document.querySelector(sel)?.innerText || '')""",
        arg=f"{PANEL} .jp-Notebook .jp-Cell", timeout=30_000)
    menus = page.eval_on_selector_all("#jp-MainMenu .lm-MenuBar-itemLabel",
                                      "els => els.map(e => e.textContent)")
    assert set(ZH_MENU_NAMES) <= set(menus) and not set(EN_MENUS) & set(menus), menus
    screenshot(page, "binder-zh-0-opened")

    labels = {"menu bar": menus}
    for name in ZH_MENU_NAMES:
        menu(page, name)
        labels[name] = page.eval_on_selector_all(
            ".lm-Menu:visible .lm-Menu-item:not(.lm-mod-hidden) .lm-Menu-itemLabel",
            "els => els.map(e => e.textContent)")
        screenshot(page, f"binder-zh-menu-{ZH_MENU_NAMES.index(name)}")
        page.keyboard.press("Escape")
    labels["toolbar"] = page.eval_on_selector_all(
        f"{PANEL} .jp-NotebookPanel-toolbar [title]", "els => els.map(e => e.title)")
    english = {where: _english(found) for where, found in labels.items()}
    print(json.dumps(english, ensure_ascii=False, indent=1))
    new = {w: [t for t in found if t not in KNOWN_ENGLISH.get(w, ())]
           for w, found in english.items()}
    assert not any(new.values()), f"English labels in the Chinese interface: {new}"
    assert all(labels.values()), labels
