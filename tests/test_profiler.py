"""``autograd.profiler``: the events it records, their times, and the table PyTorch prints.

Times differ from run to run and from torch (which also records its internal calls such as
``aten::empty_strided``), so what is compared with torch 2.13 is the shape of the report: the
table's header, columns and widths for the same event names, and the names of the events of
each op and backward node.
"""

import re

import pytest
import torch
from _oracle import ag


def profile_step(m, **kwargs):
    x = m.ones(4, 3, requires_grad=True)
    with m.autograd.profiler.profile(**kwargs) as prof:
        with m.autograd.profiler.record_function("forward"):
            y = (x * 2).sum()
        y.backward()
    return prof


def test_the_events_of_a_forward_and_backward():
    prof = profile_step(ag)
    names = [e.name for e in prof.function_events]
    assert names == [
        "forward", "aten::mul", "aten::sum",
        "autograd::engine::evaluate_function: SumBackward0", "SumBackward0",
        "autograd::engine::evaluate_function: MulBackward0", "MulBackward0",
        "autograd::engine::evaluate_function: torch::autograd::AccumulateGrad",
        "torch::autograd::AccumulateGrad",
    ]
    # torch records the same ops and nodes, first seen in the same order (and more of its own
    # calls around and inside them: aten::to, aten::empty_strided, MulBackward0's aten::mul)
    theirs = [e.name for e in profile_step(torch).function_events]
    assert list(dict.fromkeys(n for n in theirs if n in names)) == list(dict.fromkeys(names))


def test_times_nest():
    events = profile_step(ag).function_events
    forward = events[0]
    assert [c.name for c in forward.cpu_children] == ["aten::mul", "aten::sum"]
    assert forward.cpu_time_total >= sum(c.cpu_time_total for c in forward.cpu_children)
    assert forward.self_cpu_time_total == pytest.approx(
        forward.cpu_time_total - sum(c.cpu_time_total for c in forward.cpu_children))
    averages = events.key_averages()
    assert sum(a.self_cpu_time_total for a in averages) == pytest.approx(
        sum(e.self_cpu_time_total for e in events))
    assert all(e.self_cpu_time_total >= 0 for e in events)


def test_the_table_is_laid_out_as_torch_lays_it_out():
    ours = profile_step(ag).key_averages().table(sort_by="self_cpu_time_total")
    theirs = profile_step(torch).key_averages().table(sort_by="self_cpu_time_total")
    ours_lines, theirs_lines = ours.splitlines(), theirs.splitlines()
    assert ours_lines[:3] == theirs_lines[:3]  # rule, header, rule: same names, same widths
    assert ours_lines[-1].startswith("Self CPU time total: ")
    row = re.compile(r"^ *[\w:. ]+? {2,}(\d+\.\d\d%) +\d+\.\d{3}(us|ms|s) +(\d+\.\d\d%) +"
                     r"\d+\.\d{3}(us|ms|s) +\d+\.\d{3}(us|ms|s) +\d+  $")
    for line in ours_lines[3:-2]:
        assert row.match(line), line
        assert len(line) == len(ours_lines[0])


def test_shapes_and_row_limit():
    prof = profile_step(ag, record_shapes=True)
    table = prof.key_averages(group_by_input_shape=True).table(row_limit=2)
    header = table.splitlines()[1]
    assert header.rstrip().endswith("Input Shapes")
    assert "[[4, 3], []]" in table  # x * 2
    assert len(table.splitlines()) == 3 + 2 + 2


def test_record_function_as_a_decorator_and_nothing_stays_timed():
    @ag.autograd.profiler.record_function("step")
    def step(x):
        return (x * x).sum()

    x = ag.ones(3, requires_grad=True)
    multiply = ag.Tensor.__mul__
    with ag.autograd.profiler.profile() as prof:
        step(x)
    assert [e.name for e in prof.function_events] == ["step", "aten::mul", "aten::sum"]
    assert ag.Tensor.__mul__ is multiply and ag.mul is multiply
    step(x)  # outside a profile: nothing recorded, nothing fails


def test_results_only_after_the_block():
    prof = ag.autograd.profiler.profile()
    with pytest.raises(RuntimeError, match="after the"):
        prof.key_averages()
