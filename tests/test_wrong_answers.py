"""Plausible wrong answers: the visible tests reject each with a message, and the judge scores
it 0.

A student who writes a wrong answer should learn it from the Validate button, not at grading
time; and a wrong answer that the visible tests miss must still score nothing. The wrong answers
live here, not in the notebooks: ``tests/wrong_answers/<lesson>.py`` holds a list ``WRONG`` of
dicts, one per wrong answer:

``exercise``
    the ``grade_id`` of the exercise's test cell, e.g. ``"ex3_tests"``;
``source``
    the code a student might write, put in place of that exercise's answer cell (the solution
    cell just before the test cell; ``cell`` names another answer cell by its ``grade_id``);
``visible``
    a piece of the message (case ignored) that the visible test must fail with: an
    ``AssertionError`` raised by the test cell, not a crash of the answer cell;
``why``
    what is wrong with it, in a few words (shown when a check fails).

Every graded exercise of every lesson needs at least one. Checked here, for each lesson:

* **visible**: the solution notebook with the wrong answers put in, executed (one run per
  "round": the first wrong answer of every exercise together, then the second ...); each
  exercise's test cell fails with its ``visible`` message, and its answer cell ran without error;
* **judged**: each wrong answer alone in a copy of the solution, graded by ``nbgrader
  autograde`` (our judge, as ``tests/test_course.py`` grades the solutions): that exercise
  scores 0.
"""

import copy
import importlib.util
import json
import pathlib
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from test_course import LESSONS as ALL_LESSONS  # noqa: E402
from test_course import SOLUTIONS, _env, _read  # noqa: E402

# The English lessons. A Chinese edition (``<lesson>.zh-CN``) has the same code cells as its
# English lesson apart from strings and comments (tests/test_i18n.py) and is graded by the same
# probes: its wrong answers fail the same way, with the messages translated.
LESSONS = [lesson for lesson in ALL_LESSONS if "." not in lesson]

WRONG_DIR = pathlib.Path(__file__).resolve().parent / "wrong_answers"
CELL_TIMEOUT = 120

pytestmark = pytest.mark.notebooks


def _wrong_answers(lesson):
    path = WRONG_DIR / f"{lesson}.py"
    if not path.is_file():
        return None
    spec = importlib.util.spec_from_file_location(f"wrong_answers_{lesson}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.WRONG


def _meta(cell):
    return cell.get("metadata", {}).get("nbgrader", {})


def _test_cells(nb):
    return [c for c in nb["cells"] if _meta(c).get("grade") and c["cell_type"] == "code"]


def _answer_index(nb, wrong):
    """The index of the answer cell that ``wrong`` replaces."""
    cells = nb["cells"]
    if "cell" in wrong:
        found = [i for i, c in enumerate(cells) if _meta(c).get("grade_id") == wrong["cell"]]
        assert found, f"{wrong['why']}: no cell {wrong['cell']!r}"
        return found[0]
    test = [i for i, c in enumerate(cells) if _meta(c).get("grade_id") == wrong["exercise"]]
    assert test, f"{wrong['why']}: no test cell {wrong['exercise']!r}"
    before = [i for i in range(test[0]) if _meta(cells[i]).get("solution")
              and cells[i]["cell_type"] == "code"]
    assert before, f"no answer cell before {wrong['exercise']!r}"
    return before[-1]


def _with(nb, wrongs):
    nb = copy.deepcopy(nb)
    for wrong in wrongs:
        nb["cells"][_answer_index(nb, wrong)]["source"] = wrong["source"]
    return nb


def _rounds(wrongs):
    """[[wrong, ...], ...]: round k holds the k-th wrong answer of each exercise."""
    by_exercise = {}
    for w in wrongs:
        by_exercise.setdefault(w["exercise"], []).append(w)
    depth = max((len(v) for v in by_exercise.values()), default=0)
    return [[v[k] for v in by_exercise.values() if k < len(v)] for k in range(depth)]


def _execute(nb, folder):
    """Run the notebook in a fresh kernel of this interpreter; errors are kept as outputs."""
    import nbformat
    from nbclient import NotebookClient

    node = nbformat.reads(json.dumps(nb), as_version=4)  # sources joined into strings
    client = NotebookClient(node, kernel_name="python3", timeout=CELL_TIMEOUT,
                            allow_errors=True, resources={"metadata": {"path": str(folder)}})
    client.execute(env=_env())  # _env: this interpreter first on PATH, as for nbval
    return node


def _error(cell):
    for out in cell.get("outputs", []):
        if out.get("output_type") == "error":
            return out.get("ename", ""), out.get("evalue", "")
    return None


def _grade_alone(grader, lesson, wrongs):
    """{student: (wrong, scores)}: each wrong answer graded alone in a copy of the solution."""
    solution = _read(SOLUTIONS / lesson / f"{lesson}.ipynb")
    students = {}
    for k, wrong in enumerate(wrongs):
        student = f"wrong-{k:02d}"
        students[student] = wrong
        grader.submit(lesson, student, _with(solution, [wrong]))
    grader.autograde(lesson, "wrong-*")
    return {s: (w, grader.scores(lesson, s)) for s, w in students.items()}


@pytest.fixture(scope="module", autouse=True)
def graded(request, course_graders):
    """lesson -> its graded wrong answers. The selected lessons are graded two at a time, the
    most wrong answers first (nbgrader grades one submission after another), all started when
    this module starts: while the visible tests run their notebooks, one kernel at a time. Each
    lesson is graded in the session's scratch course of that lesson (conftest.course_graders,
    where tests/test_course.py grades it too: generated once, its references computed once)."""
    pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="wrong-answers")
    futures = {}
    selected = {item.callspec.params["lesson"] for item in request.session.items
                if getattr(item, "originalname", None) == "test_judge_scores_wrong_answers_zero"}
    wrongs = {lesson: _wrong_answers(lesson) for lesson in sorted(selected)}
    for lesson in sorted(selected, key=lambda lesson: -len(wrongs[lesson] or [])):
        if wrongs[lesson]:
            futures[lesson] = pool.submit(_grade_alone, course_graders.get(lesson), lesson,
                                          wrongs[lesson])
    yield lambda lesson: futures[lesson].result()
    pool.shutdown(wait=True, cancel_futures=True)


def test_every_lesson_has_wrong_answers_for_every_exercise():
    missing = []
    for lesson in LESSONS:
        wrongs = _wrong_answers(lesson)
        nb = _read(SOLUTIONS / lesson / f"{lesson}.ipynb")
        covered = {w["exercise"] for w in wrongs or []}
        for cell in _test_cells(nb):
            if _meta(cell)["grade_id"] not in covered:
                missing.append(f"{lesson}: {_meta(cell)['grade_id']}")
        for w in wrongs or []:
            assert set(w) <= {"exercise", "source", "visible", "why", "cell"}, w
            assert w["visible"].strip() and w["why"].strip(), w
    assert not missing, ("exercises without a wrong answer in tests/wrong_answers/: "
                         + ", ".join(missing))


@pytest.mark.slow
@pytest.mark.parametrize("lesson", LESSONS)
def test_visible_tests_reject_wrong_answers(lesson, tmp_path):
    wrongs = _wrong_answers(lesson)
    if not wrongs:
        pytest.fail(f"no tests/wrong_answers/{lesson}.py")
    solution = _read(SOLUTIONS / lesson / f"{lesson}.ipynb")
    problems = []
    for round_ in _rounds(wrongs):
        ran = _execute(_with(solution, round_), tmp_path)
        for wrong in round_:
            answer = ran.cells[_answer_index(solution, wrong)]
            test = next(c for c in ran.cells if _meta(c).get("grade_id") == wrong["exercise"])
            crashed = _error(answer)
            failed = _error(test)
            if crashed:
                problems.append(f"{wrong['exercise']} ({wrong['why']}): the answer cell itself "
                                f"raised {crashed[0]}: {crashed[1][:300]}")
            elif not failed:
                problems.append(f"{wrong['exercise']} ({wrong['why']}): the visible test passed")
            elif failed[0] != "AssertionError" or wrong["visible"].lower() not in failed[1].lower():
                problems.append(f"{wrong['exercise']} ({wrong['why']}): the visible test failed "
                                f"with {failed[0]}: {failed[1][:300]!r}, not an AssertionError "
                                f"saying {wrong['visible']!r}")
    assert not problems, f"{lesson}:\n" + "\n".join(problems)


@pytest.mark.slow
@pytest.mark.parametrize("lesson", LESSONS)
def test_judge_scores_wrong_answers_zero(lesson, graded):
    wrongs = _wrong_answers(lesson)
    if not wrongs:
        pytest.fail(f"no tests/wrong_answers/{lesson}.py")
    problems = []
    for wrong, (_, _, cells) in graded(lesson).values():
        score, max_score = cells[wrong["exercise"]]
        if score != 0:
            problems.append(f"{wrong['exercise']} ({wrong['why']}): scored {score:g} of "
                            f"{max_score:g}")
    assert not problems, f"{lesson}:\n" + "\n".join(problems)


def test_rounds_keep_one_wrong_answer_per_exercise():
    wrongs = [{"exercise": "a", "n": 1}, {"exercise": "a", "n": 2}, {"exercise": "b", "n": 3}]
    assert [[w["n"] for w in r] for r in _rounds(wrongs)] == [[1, 3], [2]]


def test_spies_see_calls_data_and_grad_mode():
    import autograd_lib as torch
    from autograd_course import spies

    x = torch.tensor([1.0, 2.0], requires_grad=True)
    with spies.data_uses() as uses:
        x.data.mul_(1.0)
        _ = x * 2
    assert uses.count == 1
    with spies.data_uses() as uses:
        pass
    assert uses.count == 0
    assert isinstance(torch.Tensor.__dict__["data"], property)
    with spies.calls(torch.Tensor, "backward") as backward:
        (x * x).sum().backward()
        (x * 3).sum().backward()
    assert backward.count == 2
    with spies.calls(torch.autograd.graph.Node, "next_functions") as reads:
        _ = (x * x).grad_fn.next_functions
    assert reads.count == 1
    g, modes = spies.grad_mode(lambda t: t + 1)
    g(x)
    with torch.no_grad():
        g(x)
    assert modes == [True, False]
    assert spies.same_values(x, x.detach().clone()) and not spies.same_values(x, x * 2)
    assert json.dumps(backward.count) == "2"
