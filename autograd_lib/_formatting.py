"""``repr``/``str`` of tensors, character for character as PyTorch prints them.

A port of the logic in PyTorch's ``torch/_tensor_str.py``: one formatter decides, from all
the values, whether to print integers (``7.``), fixed point (``0.2000``) or scientific notation
(``1.0000e-05``), and how wide each column is; then rows are wrapped at 80 characters and
large tensors are summarised with ``...``.
"""

import math

import numpy as np

from . import _dtype

PRECISION = 4
THRESHOLD = 1000
EDGEITEMS = 3
LINEWIDTH = 80


class _Formatter:
    def __init__(self, values, floating):
        """``values``: a flat float64/int NumPy array of the (summarised) elements."""
        self.floating = floating
        self.int_mode = True
        self.sci_mode = False
        self.max_width = 1
        if not floating:
            for v in values.tolist():
                self.max_width = max(self.max_width, len(str(v)))
            return
        finite = values[np.isfinite(values) & (values != 0)]
        if finite.size == 0:
            return
        absolute = np.abs(finite)
        lo, hi = float(absolute.min()), float(absolute.max())
        self.int_mode = bool(np.all(finite == np.ceil(finite)))
        if self.int_mode:
            if hi / lo > 1000.0 or hi > 1.0e8:
                self.sci_mode = True
                width = max(len(f"{v:.{PRECISION}e}") for v in finite.tolist())
            else:
                width = max(len(f"{v:.0f}") + 1 for v in finite.tolist())
        else:
            if hi / lo > 1000.0 or hi > 1.0e8 or lo < 1.0e-4:
                self.sci_mode = True
                width = max(len(f"{v:.{PRECISION}e}") for v in finite.tolist())
            else:
                width = max(len(f"{v:.{PRECISION}f}") for v in finite.tolist())
        self.max_width = max(self.max_width, width)

    def format(self, value):
        if self.floating:
            if self.sci_mode:
                s = f"{value:{self.max_width}.{PRECISION}e}"
            elif self.int_mode:
                s = f"{value:.0f}"
                if not (math.isinf(value) or math.isnan(value)):
                    s += "."
            else:
                s = f"{value:.{PRECISION}f}"
        else:
            s = str(value)
        return (self.max_width - len(s)) * " " + s


def _summarized(a):
    """The elements PyTorch looks at to choose the format of a large tensor."""
    if a.ndim == 0:
        return a
    if a.ndim == 1:
        return np.concatenate((a[:EDGEITEMS], a[-EDGEITEMS:])) if a.shape[0] > 2 * EDGEITEMS else a
    rows = list(a) if a.shape[0] <= 2 * EDGEITEMS else list(a[:EDGEITEMS]) + list(a[-EDGEITEMS:])
    return np.stack([_summarized(r) for r in rows])


def _vector(a, indent, summarize, fmt):
    per_line = max(1, int(math.floor((LINEWIDTH - indent) / (fmt.max_width + 2))))
    if summarize and a.shape[0] > 2 * EDGEITEMS:
        items = (
            [fmt.format(v) for v in a[:EDGEITEMS].tolist()]
            + [" ..."]
            + [fmt.format(v) for v in a[-EDGEITEMS:].tolist()]
        )
    else:
        items = [fmt.format(v) for v in a.tolist()]
    lines = [", ".join(items[i : i + per_line]) for i in range(0, len(items), per_line)]
    return "[" + ("," + "\n" + " " * (indent + 1)).join(lines) + "]"


def _nested(a, indent, summarize, fmt):
    if a.ndim == 0:
        return fmt.format(a.item())
    if a.ndim == 1:
        return _vector(a, indent, summarize, fmt)
    if summarize and a.shape[0] > 2 * EDGEITEMS:
        parts = (
            [_nested(a[i], indent + 1, summarize, fmt) for i in range(EDGEITEMS)]
            + ["..."]
            + [_nested(a[i], indent + 1, summarize, fmt) for i in range(len(a) - EDGEITEMS, len(a))]
        )
    else:
        parts = [_nested(a[i], indent + 1, summarize, fmt) for i in range(a.shape[0])]
    return "[" + ("," + "\n" * (a.ndim - 1) + " " * (indent + 1)).join(parts) + "]"


def array_str(a, indent):
    """The bracketed numbers part of a tensor's repr."""
    if a.size == 0:
        return "[]"
    summarize = a.size > THRESHOLD
    floating = a.dtype.kind == "f"
    if a.dtype == np.float16:
        a = a.astype(np.float32)
    sample = _summarized(a) if summarize else a
    fmt = _Formatter(
        np.asarray(sample, dtype=np.float64 if floating else None).reshape(-1), floating
    )
    return _nested(a, indent, summarize, fmt)


def _add_suffixes(text, suffixes, indent):
    parts = [text]
    last_line_len = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line_len + len(suffix) + 2 > LINEWIDTH:
            parts.append(",\n" + " " * indent + suffix)
            last_line_len = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line_len += len(suffix) + 2
    parts.append(")")
    return "".join(parts)


def tensor_repr(t, prefix="tensor("):
    indent = len(prefix)
    suffixes = []
    if t._dev.type != "cpu":
        suffixes.append(f"device='{t._dev}'")
    array = t._data
    if not isinstance(array, np.ndarray):
        array = np.asarray(array) if isinstance(array, np.generic) else array.get()
    dt = t.dtype
    default = _dtype.default_float  # float32 unless set_default_dtype changed it
    if array.size == 0:
        if array.ndim != 1:
            suffixes.append(f"size={tuple(array.shape)}")
        if dt is not default:  # no numbers to tell int64 or bool: only the default goes unsaid
            suffixes.append(f"dtype={dt}")
        body = "[]"
    else:
        if dt is not default and dt is not _dtype.int64 and dt is not _dtype.bool:
            suffixes.append(f"dtype={dt}")
        body = array_str(array, indent)
    if t._grad_fn is not None:
        suffixes.append(f"grad_fn=<{t._grad_fn.name()}>")
    elif t._requires_grad:
        suffixes.append("requires_grad=True")
    if t._fw_grad is not None:  # a dual tensor (forward-mode AD) shows its tangent, as torch's
        from .autograd.forward_ad import tangent_of

        tangent = tangent_of(t)
        if tangent is not None:  # torch shows a 0-d tangent as its number
            shown = tangent.item() if tangent.ndim == 0 else tensor_repr(tangent)
            suffixes.append(f"tangent={shown}")
    return _add_suffixes(prefix + body, suffixes, indent)
