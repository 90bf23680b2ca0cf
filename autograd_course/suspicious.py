"""The suspicious-code report: what in a submission looks like an attempt on the grader.

No point depends on it (the judge decides points on data, whatever a kernel does to itself); it
lists, for the instructor to review, code in the student's cells that reaches for the grader's
machinery: IPython hooks and input transformers, ``set_custom_exc``, the display hook,
``clear_output``, assignments to attributes of ``numpy``, ``autograd_lib`` or
``autograd_course``, reading notebooks, the input history (``In``, ``_ih``), frame inspection.
Cells identical to the lesson's own are not scanned.
"""

import ast
import re

MODULES = {"numpy", "np", "autograd_lib", "torch", "autograd_course", "checks", "probing"}
# (pattern in the source, what it is); found anywhere, in code or strings
PATTERNS = [
    (r"\bevents\s*\.\s*register\b|\bpre_run_cell\b|\bpost_run_cell\b|\bpre_execute\b",
     "an IPython event hook"),
    (r"\binput_transformers(_post|_cleanup)?\b|\bast_transformers\b",
     "an IPython input transformer"),
    (r"\bset_custom_exc\b", "set_custom_exc"),
    (r"\bdisplayhook\b|\bdisplay_formatter\b|\bdisplay_pub\b", "the display hook"),
    (r"\bclear_output\b", "clear_output"),
    (r"\.ipynb\b", "a notebook file name"),
    (r"(?<![\w.])(In|_ih|_oh|Out|_i\d*|_ii+)\s*\[|\b_ih\b|\bhistory_manager\b",
     "the input history (In, _ih)"),
    (r"\b_getframe\b|\bf_back\b|\bf_globals\b|\bf_locals\b|\binspect\s*\.\s*(stack|currentframe)"
     r"|\bsettrace\b|\bsetprofile\b|\bgc\s*\.\s*get_(objects|referrers)\b",
     "frame inspection"),
    (r"\bsys\s*\.\s*modules\b|\bbuiltins\b|\b__builtins__\b|\bimportlib\b",
     "sys.modules or builtins"),
    (r"\bget_ipython\b", "get_ipython()"),
    (r"\bos\s*\.\s*_exit\b|\bsignal\s*\.\s*signal\b|\bctypes\b", "process control (os._exit, "
     "signals, ctypes)"),
]


def _root_name(node):
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _module_assignments(source):
    """Assignments to attributes of numpy, autograd_lib or autograd_course (and setattr)."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return []
    found = []
    for node in ast.walk(tree):
        targets = []
        if isinstance(node, ast.Assign):
            targets = node.targets
        elif isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            targets = [node.target]
        elif isinstance(node, ast.Delete):
            targets = node.targets
        for t in targets:
            if isinstance(t, ast.Attribute) and _root_name(t) in MODULES:
                found.append(f"assigns {ast.unparse(t)}")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and \
                node.func.id in ("setattr", "delattr") and node.args and \
                _root_name(node.args[0]) in MODULES:
            found.append(f"{node.func.id}({ast.unparse(node.args[0])}, ...)")
    return found


def scan_source(source):
    """What is suspicious in one cell's source: short phrases."""
    found = [what for pattern, what in PATTERNS if re.search(pattern, source)]
    found += _module_assignments(source)
    return list(dict.fromkeys(found))


def _source(cell):
    s = cell.get("source", "")
    return "".join(s) if isinstance(s, list) else s


def scan(nb, lesson=None):
    """The report for a notebook: ["cell 12: an IPython event hook, clear_output", ...]. Cells
    whose source is one of the lesson's own (lesson: the source notebook, as JSON) are skipped."""
    known = {_source(c) for c in (lesson or {}).get("cells", [])}
    report = []
    for index, cell in enumerate(nb.get("cells", [])):
        if cell.get("cell_type") != "code":
            continue
        source = _source(cell)
        if source in known or not source.strip():
            continue
        found = scan_source(source)
        if found:
            report.append(f"cell {index}: {', '.join(found)}")
    return report
