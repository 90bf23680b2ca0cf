"""The judge's pieces, without kernels: probe data, comparisons, verdicts, the review list.

tests/test_grading.py grades whole classes through nbgrader with them; these check each rule
alone, in milliseconds.
"""

import json

import numpy as np
import pytest

import autograd_lib as torch
from autograd_course import probing, suspicious
from autograd_course.judge import (
    Exercise,
    JudgeError,
    Lesson,
    judge_exercise,
    probe_function,
    probe_problems,
    same,
)


def test_probe_data_is_plain():
    to_data = probing.to_data
    assert to_data(torch.tensor([[1.0, 2.0]])) == {"shape": [1, 2], "values": [[1.0, 2.0]]}
    assert to_data(torch.tensor(3.0, requires_grad=True) * 2) == {"shape": [], "values": 6.0}
    assert to_data(np.arange(3)) == {"shape": [3], "values": [0, 1, 2]}
    assert to_data(np.float64(0.5)) == 0.5 and to_data(np.True_) is True
    assert to_data((1, [2.0, None], {"a": "x"})) == [1, [2.0, None], {"a": "x"}]
    assert to_data(torch.float32) == "autograd_lib.float32" or "float32" in to_data(torch.float32)
    assert to_data(float("nan")) == "nan" and to_data(float("-inf")) == "-inf"
    assert to_data(object()) == {"type": "object"}
    big = to_data(np.zeros(probing.MAX_ITEMS + 1))
    assert big["values"] == "too big"
    json.dumps(to_data([torch.ones(2, 2), np.ones(3), 1e300]))  # all of it is JSON


def test_same_compares_numbers_with_tolerance_and_the_rest_exactly():
    assert same(1.0 + 1e-9, 1.0) and not same(1.1, 1.0)
    assert same(7, 7.0) and same(7.0, 7)
    assert not same(True, 1) and not same(1, True)  # booleans are not numbers here
    assert same("nan", "nan") and not same(None, 0)
    t = {"shape": [2], "values": [1.0, 2.0]}
    assert same({"shape": [2], "values": [1.0, 2.0 + 1e-7]}, t)
    assert not same({"shape": [1, 2], "values": [[1.0, 2.0]]}, t)
    assert not same({"shape": [2], "values": [1.0, 2.0], "extra": 1}, t)
    assert not same([1.0], [1.0, 2.0]) and not same({"error": "ValueError"}, 1.0)
    assert same({"error": "ValueError"}, {"error": "ValueError"})
    assert same(1.0, 1.1, rtol=0.2) and not same(1.0, 1.1, rtol=0, atol=0.01)


PROBES = '''
import autograd_lib as torch

def ex1_tests(answer, probe):
    f = answer.f
    probe("double", lambda: f(torch.tensor([1.0, 2.0])), "f must double its input")
    probe("raises", lambda: f(None), "f must refuse None")
    for k in range(2):
        probe(f"k{k}", lambda: f(torch.tensor(float(k))).item(), "f is wrong on other inputs",
              atol=1e-3)

def ex2_tests(answer, probe):
    probe("g", lambda: answer.g(), "g is wrong")
'''


def _run(namespace, exercise="ex1_tests"):
    return json.loads(probing.run(PROBES, exercise, namespace))


def _solution_namespace():
    def f(x):
        if x is None:
            raise ValueError("no")
        print("printed output is dropped")
        return x * 2

    return {"f": f}


def test_probes_record_values_errors_and_missing_names(capsys):
    data = _run(_solution_namespace())
    values = dict(data["probes"])
    assert values["double"] == {"shape": [2], "values": [2.0, 4.0]}
    assert values["raises"] == {"error": "ValueError"}
    assert values["k1"] == 2.0 and data["specs"]["k1"]["atol"] == 1e-3
    assert data["stopped"] is None
    assert "printed output" not in capsys.readouterr().out
    missing = _run({}, "ex2_tests")
    assert dict(missing["probes"])["g"] == {"missing": "g"}
    stopped = _run({})
    assert stopped["probes"] == [] and stopped["stopped"] == {"missing": "f"}


def test_preflight_refuses_a_probe_that_raises_on_the_solution_unless_it_expects_to():
    """A probe with a typo raises for every student too, and two equal errors match: the
    preflight must refuse it. ``expect_error=True`` says the error is the point."""
    source = ("def ex_tests(answer, probe):\n"
              "    probe('typo', lambda: answer.f(1).shapee, 'm')\n"
              "    probe('bad input', lambda: answer.f(None), 'm', expect_error=True)\n"
              "    probe('said so, but fine', lambda: answer.f(1), 'm', expect_error=True)\n"
              "    probe('fine', lambda: answer.f(1), 'm')\n")
    data = json.loads(probing.run(source, "ex_tests", _solution_namespace()))
    assert dict(data["probes"])["typo"] == {"error": "AttributeError"}
    problems = probe_problems("ex_tests's probes", data)
    assert len(problems) == 2, problems
    assert "'typo' raised AttributeError on the solution" in problems[0]
    assert "expect_error=True" in problems[0]
    assert "'said so, but fine' has expect_error=True but did not raise" in problems[1]
    # A student whose f raises ValueError on None matches the expected error; one that returns
    # a value there does not.
    reference = {"probes": [["bad input", {"error": "ValueError"}]],
                 "specs": {"bad input": data["specs"]["bad input"]}}
    exercise = Exercise("ex-tests", 1.0, ["ex-solution"], {"f"})
    raised = {"probes": [["bad input", {"error": "ValueError"}]]}
    assert judge_exercise(exercise, raised, reference).passed
    assert not judge_exercise(exercise, {"probes": [["bad input", 0]]}, reference).passed


def test_duplicate_probe_keys_stop_the_exercise_with_the_key_named():
    source = "def ex_tests(answer, probe):\n    probe('a', lambda: 1, 'm')\n" \
             "    probe('a', lambda: 2, 'm')\n"
    data = json.loads(probing.run(source, "ex_tests", {}))
    assert data["stopped"]["error"] == "ValueError" and "'a'" in data["stopped"]["detail"]


def test_snapshot_keeps_names_as_they_were_at_the_test_cell():
    namespace = _solution_namespace()
    probing.snapshot(namespace, ["f"], "ex1_tests")
    try:
        namespace["f"] = lambda x: 0  # a later cell redefines f
        assert dict(_run(namespace)["probes"])["k1"] == 2.0
    finally:
        probing._snapshots.clear()


EXERCISE = Exercise("ex1-tests", 2.0, ["ex1-solution"], {"f"})


def _verdict(namespace):
    reference = _run(_solution_namespace())
    return judge_exercise(EXERCISE, _run(namespace), reference)


def test_verdicts_show_the_instructors_messages_only():
    assert _verdict(_solution_namespace()).passed

    def wrong(x):
        if x is None:
            raise ValueError
        return x * 3

    v = _verdict({"f": wrong})
    assert not v.passed and v.messages == ["f must double its input",
                                           "f is wrong on other inputs"]

    secret_error = type("LEAK_1_2_3", (Exception,), {})

    def leaky(x):
        raise secret_error(repr(x))

    v = _verdict({"f": leaky})
    text = json.dumps(v.to_json()) + v.output()["evalue"]
    assert "LEAK" not in text and "1.0" not in text
    assert "your code raised an error" in text  # not a name of the student's making

    def tensor_error(x):
        if x is None:
            raise ValueError("right")
        raise TypeError("unsupported")

    v = _verdict({"f": tensor_error})
    assert v.messages[-1] == "your code raised TypeError"  # one cause, said once
    assert "unsupported" not in json.dumps(v.to_json())

    v = _verdict({})
    assert "`f` is not defined" in " ".join(v.messages)
    v = judge_exercise(Exercise("ex1-tests", 2, [], set()), _run({}), _run(_solution_namespace()))
    assert "a name this exercise needs is not defined" in " ".join(v.messages)


def test_verdict_outputs_score_as_nbgrader_expects():
    from nbformat import NotebookNode
    from nbgrader.utils import determine_grade

    def graded(verdict):
        cell = NotebookNode(cell_type="code", source="", outputs=[verdict.output()],
                            metadata={"nbgrader": {"grade": True, "solution": False,
                                                   "points": 2, "grade_id": "ex1-tests"}})
        return determine_grade(cell)[0]

    assert graded(_verdict(_solution_namespace())) == 2
    assert graded(_verdict({})) == 0
    failed = judge_exercise(EXERCISE, {"failed": "the kernel died"}, _run(_solution_namespace()))
    assert graded(failed) == 0 and failed.messages == ["the kernel died"]


def test_probe_function_names():
    assert probe_function("ex1-predict-dtype-tests") == "ex1_predict_dtype_tests"
    assert probe_function("l06-ex1-tests") == "l06_ex1_tests"
    assert probe_function("ex1_tests") == "ex1_tests"
    assert probe_function("1-tests") == "_1_tests"


def test_a_lesson_needs_a_probe_function_per_test_cell(tmp_path):
    cells = [
        {"cell_type": "code", "source": "def f(x):\n    return 2 * x\n", "metadata": {
            "nbgrader": {"solution": True, "grade": False, "grade_id": "ex1-solution"}}},
        {"cell_type": "code", "source": "assert f(1) == 2\n", "metadata": {
            "nbgrader": {"solution": False, "grade": True, "grade_id": "ex1-tests",
                         "points": 2}}},
    ]
    nb = tmp_path / "lesson.ipynb"
    nb.write_text(json.dumps({"cells": cells, "metadata": {}, "nbformat": 4,
                              "nbformat_minor": 5}))
    with pytest.raises(JudgeError, match="no probes"):
        Lesson(nb, tmp_path / "probes.py")
    (tmp_path / "probes.py").write_text("def ex2_tests(answer, probe):\n    pass\n")
    with pytest.raises(JudgeError, match="ex1-tests"):
        Lesson(nb, tmp_path / "probes.py")
    (tmp_path / "probes.py").write_text(PROBES)
    lesson = Lesson(nb, tmp_path / "probes.py")
    [exercise] = lesson.exercises
    assert exercise.answers == ["ex1-solution"] and exercise.names == {"f"}
    assert exercise.points == 2 and len(lesson.key()) == 24


@pytest.mark.parametrize("source, what", [
    ("get_ipython().events.register('post_run_cell', f)", "an IPython event hook"),
    ("ip.input_transformers_post.append(g)", "an IPython input transformer"),
    ("ip.set_custom_exc((Exception,), h)", "set_custom_exc"),
    ("ip.displayhook(-1)", "the display hook"),
    ("from IPython.display import clear_output", "clear_output"),
    ("open('lesson.ipynb').read()", "a notebook file name"),
    ("print(In[3])", "the input history (In, _ih)"),
    ("print(_ih)", "the input history (In, _ih)"),
    ("import sys\nsys._getframe(1).f_back", "frame inspection"),
    ("checks.close = lambda *a: None", "assigns checks.close"),
    ("torch.Tensor.backward = fake", "assigns torch.Tensor.backward"),
    ("np.allclose = lambda *a, **k: True", "assigns np.allclose"),
    ("setattr(autograd_lib, 'tensor', t)", "setattr(autograd_lib, ...)"),
])
def test_suspicious_code_is_named(source, what):
    assert what in suspicious.scan_source(source), suspicious.scan_source(source)


def test_ordinary_answers_are_not_suspicious():
    honest = ("def grad_at(f, x):\n    t = torch.tensor(x, requires_grad=True)\n"
              "    f(t).backward()\n    return t.grad.item()\n\nw.data -= 0.1 * w.grad\n"
              "model.weight = torch.nn.Parameter(torch.zeros(3))\nIn_features = 3\n")
    assert suspicious.scan_source(honest) == []
    lesson = {"cells": [{"cell_type": "code", "source": "get_ipython()"}]}
    nb = {"cells": [{"cell_type": "code", "source": "get_ipython()"},
                    {"cell_type": "code", "source": "x = 1"}]}
    assert suspicious.scan(nb, lesson) == []  # the lesson's own cells are not scanned
