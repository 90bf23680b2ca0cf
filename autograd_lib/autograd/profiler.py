"""``torch.autograd.profiler``: where the time goes, op by op, forward and backward.

>>> import autograd_lib as torch
>>> x = torch.ones(100, 100, requires_grad=True)
>>> with torch.autograd.profiler.profile() as prof:
...     with torch.autograd.profiler.record_function("forward"):
...         y = (x * 2).sum()
...     y.backward()
>>> [e.key for e in prof.key_averages()][:3]
['forward', 'aten::mul', 'aten::sum']

Each call of a tensor operation (``aten::mul``), each node the engine runs during backward
(``autograd::engine::evaluate_function: MulBackward0``, then ``MulBackward0`` inside it) and
each ``record_function`` block becomes a ``FunctionEvent`` with its start and end time. An
event's *self* time is its time minus the time of the events inside it. ``key_averages()``
adds up the events of each name; ``table()`` prints them as PyTorch does.

How: while a ``profile`` block runs, the operations (the functions of ``autograd_lib.ops``, as
functions and as Tensor methods and operators) and every node's ``apply`` are replaced by timed
wrappers; leaving the block puts the originals back. Outside a block nothing is timed and
nothing is slower. One profile at a time, in one thread (PyTorch's works per thread too).
"""

import functools
import time

__all__ = ["profile", "record_function", "EventList", "FunctionEvent", "FunctionEventAvg"]

_active = None  # the profile being recorded, if any


class FunctionEvent:
    """One timed call: ``name``, start and end (microseconds), the events inside it."""

    def __init__(self, name, start, input_shapes=()):
        self.name = self.key = name
        self.start = start
        self.end = start
        self.input_shapes = input_shapes
        self.cpu_children = []
        self.cpu_parent = None
        self.count = 1

    @property
    def cpu_time_total(self):
        return self.end - self.start

    @property
    def self_cpu_time_total(self):
        return self.cpu_time_total - sum(c.cpu_time_total for c in self.cpu_children)

    def __repr__(self):
        return (f"<FunctionEvent name={self.name} cpu_time={_format_time(self.cpu_time_total)} "
                f"self_cpu_time={_format_time(self.self_cpu_time_total)}>")


class FunctionEventAvg:
    """The events of one name (and input shapes, if grouped so) added up."""

    def __init__(self, key, input_shapes=None):
        self.key = key
        self.input_shapes = input_shapes
        self.count = 0
        self.cpu_time_total = 0.0
        self.self_cpu_time_total = 0.0
        self.cpu_parent = None

    def add(self, event):
        self.count += event.count
        self.cpu_time_total += event.cpu_time_total
        self.self_cpu_time_total += event.self_cpu_time_total
        return self

    @property
    def cpu_time(self):
        """The average time of one call."""
        return self.cpu_time_total / self.count if self.count else 0.0

    def __repr__(self):
        return (f"<FunctionEventAvg key={self.key} self_cpu_time="
                f"{_format_time(self.self_cpu_time_total)} cpu_time={_format_time(self.cpu_time)}"
                f" input_shapes={self.input_shapes}>")


class EventList(list):
    """A list of events, with PyTorch's summaries."""

    def key_averages(self, group_by_input_shape=False):
        """One ``FunctionEventAvg`` per name (and per input shapes when asked), in the order
        the names first appear."""
        averages = {}
        for event in self:
            key = (event.key, str(event.input_shapes)) if group_by_input_shape else event.key
            if key not in averages:
                averages[key] = FunctionEventAvg(
                    event.key, event.input_shapes if group_by_input_shape else None)
            averages[key].add(event)
        return EventList(averages.values())

    @property
    def self_cpu_time_total(self):
        return sum(e.self_cpu_time_total for e in self)

    def table(self, sort_by=None, row_limit=100, max_name_column_width=55, header=None,
              top_level_events_only=False, **_ignored):
        """The events as PyTorch prints them: one row each, times with their unit."""
        return _table(self, sort_by, row_limit, max_name_column_width, header,
                      top_level_events_only)

    def __str__(self):
        return self.table()


class profile:
    """Context manager that times the operations and backward nodes run inside it.

    ``record_shapes=True`` keeps each operation's input shapes (for
    ``key_averages(group_by_input_shape=True)``). The other arguments of PyTorch's profiler are
    accepted; there is no device timing, memory or FLOP count here.
    """

    def __init__(self, enabled=True, *, use_cuda=False, use_device=None, record_shapes=False,
                 with_flops=False, profile_memory=False, with_stack=False, with_modules=False,
                 use_kineto=False, use_cpu=True, **_ignored):
        self.enabled = enabled
        self.record_shapes = record_shapes
        self.function_events = None
        self._events = []  # every event, in the order it started
        self._stack = []  # the events open now

    def __enter__(self):
        global _active
        if not self.enabled:
            return self
        if _active is not None:
            raise RuntimeError("Profiler is already enabled on this thread")
        _active = self
        _instrument()
        return self

    def __exit__(self, *exc):
        global _active
        if not self.enabled:
            return
        _restore()
        _active = None
        self.function_events = EventList(self._events)

    def _begin(self, name, args=()):
        shapes = [list(a.shape) if hasattr(a, "shape") else [] for a in args] \
            if self.record_shapes else ()
        event = FunctionEvent(name, time.perf_counter() * 1e6, shapes)
        if self._stack:
            event.cpu_parent = self._stack[-1]
            self._stack[-1].cpu_children.append(event)
        self._stack.append(event)
        self._events.append(event)
        return event

    def _end(self, event):
        event.end = time.perf_counter() * 1e6
        self._stack.pop()

    def _check_finished(self):
        if self.function_events is None:
            raise RuntimeError("Profiler didn't finish running: ask for its results after the "
                               "`with profile() as prof:` block")

    def key_averages(self, group_by_input_shape=False, **_ignored):
        self._check_finished()
        return self.function_events.key_averages(group_by_input_shape)

    def table(self, **kwargs):
        self._check_finished()
        return self.function_events.table(**kwargs)

    @property
    def self_cpu_time_total(self):
        self._check_finished()
        return self.function_events.self_cpu_time_total

    def export_chrome_trace(self, path):
        """Write the events in Chrome's trace format (open it in chrome://tracing or Perfetto)."""
        import json

        self._check_finished()
        trace = [{"name": e.name, "ph": "X", "ts": e.start, "dur": e.cpu_time_total,
                  "pid": 0, "tid": 0, "cat": "cpu_op"} for e in self.function_events]
        with open(path, "w") as f:
            json.dump({"traceEvents": trace}, f)

    def __str__(self):
        self._check_finished()
        return str(self.function_events)


class record_function:
    """Context manager (or decorator) that times a block of your own code under ``name``."""

    def __init__(self, name, args=None):
        self.name = name
        self.event = None

    def __enter__(self):
        if _active is not None:
            self.event = _active._begin(self.name)
        return self

    def __exit__(self, *exc):
        if self.event is not None and _active is not None:
            _active._end(self.event)
        self.event = None

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            with record_function(self.name):
                return fn(*args, **kwargs)

        return wrapper


# -- the timed wrappers, put in place while a profile runs ---------------------------------------
_replaced = []  # (owner, attribute name, original)


def _timed(name, fn):
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        event = _active._begin(name, args)
        try:
            return fn(*args, **kwargs)
        finally:
            _active._end(event)

    return wrapper


def _timed_apply(apply):
    @functools.wraps(apply)
    def wrapper(node, *args, **kwargs):
        name = node.name()
        if name == "AccumulateGrad":
            name = "torch::autograd::AccumulateGrad"
        outer = _active._begin(f"autograd::engine::evaluate_function: {name}")
        inner = _active._begin(name)
        try:
            return apply(node, *args, **kwargs)
        finally:
            _active._end(inner)
            _active._end(outer)

    return wrapper


def _node_classes():
    from .graph import Node

    classes, todo = [], [Node]
    while todo:
        cls = todo.pop()
        classes.append(cls)
        todo.extend(cls.__subclasses__())
    return classes


def _instrument():
    import autograd_lib

    from .. import ops
    from ..tensor import Tensor

    timed = {}
    for name in ops.__all__:
        fn = getattr(ops, name)
        if callable(fn) and not isinstance(fn, type):
            timed[fn] = _timed(f"aten::{fn.__name__}", fn)
    for owner in (Tensor, autograd_lib):
        for attr, value in list(vars(owner).items()):
            if callable(value) and not isinstance(value, type) and value in timed:
                _replaced.append((owner, attr, value))
                setattr(owner, attr, timed[value])
    for cls in _node_classes():  # the engine calls apply, and a leaf's accumulate
        for method in ("apply", "accumulate"):
            if method in vars(cls):
                _replaced.append((cls, method, vars(cls)[method]))
                setattr(cls, method, _timed_apply(vars(cls)[method]))


def _restore():
    while _replaced:
        owner, attr, original = _replaced.pop()
        setattr(owner, attr, original)


# -- the table ------------------------------------------------------------------------------------
def _format_time(us):
    if us >= 1e6:
        return f"{us / 1e6:.3f}s"
    if us >= 1e3:
        return f"{us / 1e3:.3f}ms"
    return f"{us:.3f}us"


def _share(us, total):
    return "NaN" if total == 0 else f"{us * 100.0 / total:.2f}%"


def _table(events, sort_by, row_limit, max_name_width, header, top_level_only):
    if sort_by is not None:
        events = sorted(events, key=lambda e: getattr(e, sort_by), reverse=True)
    if not events:
        return ""
    name_width = min(max(len(e.key) for e in events) + 4, max_name_width)
    headers = ["Name", "Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg",
               "# of Calls"]
    widths = [name_width] + [12] * (len(headers) - 1)
    shapes = any(e.input_shapes for e in events)
    if shapes:
        headers.append("Input Shapes")
        widths.append(min(max(len(str(e.input_shapes)) for e in events) + 4, 80))
    row = "".join("{:>" + str(w) + "}  " for w in widths)
    line = "".join("-" * w + "  " for w in widths)
    total = sum(e.self_cpu_time_total for e in events)
    out = []
    if header is not None:
        out += ["=" * (sum(widths) + 2 * len(widths) - 2), header]
    out += [line, row.format(*headers), line]
    shown = 0
    for e in events:
        if shown == row_limit:
            break
        if top_level_only and e.cpu_parent is not None:
            continue
        shown += 1
        name = e.key if len(e.key) < max_name_width - 3 else e.key[:max_name_width - 3] + "..."
        cpu_avg = e.cpu_time if hasattr(e, "cpu_time") else e.cpu_time_total
        values = [name, _share(e.self_cpu_time_total, total), _format_time(e.self_cpu_time_total),
                  _share(e.cpu_time_total, total), _format_time(e.cpu_time_total),
                  _format_time(cpu_avg), e.count]
        out.append(row.format(*values, *([str(e.input_shapes)[:widths[-1]]] if shapes else [])))
    out += [line, f"Self CPU time total: {_format_time(total)}", ""]
    return "\n".join(out)
