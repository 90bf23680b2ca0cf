"""An older revision of ``autograd_lib``, importable next to the current one (``--baseline REV``).

Two versions of a package cannot share one process under the same name, and ``autograd_lib``
refers to itself by its absolute name in places (``import autograd_lib``, ``from
autograd_lib.tensor import Tensor`` in ``nn/`` and ``optim/``).  So the old version is exported
from git (``git archive REV autograd_lib``) into a temporary directory, renamed to
``autograd_lib_base_<short rev>``, and every *name* ``autograd_lib`` in its Python source (the
NAME tokens: import statements and uses such as ``autograd_lib.no_grad()``) is rewritten to the
new name.  String literals are left alone, so reprs still say ``autograd_lib.``; that does not
matter for timing.  Its results are cross-checked against the reference like every other
implementation, and importing it must not import the current ``autograd_lib`` (checked).
"""

from __future__ import annotations

import atexit
import importlib
import io
import shutil
import subprocess
import sys
import tarfile
import tempfile
import tokenize
from pathlib import Path

PACKAGE = "autograd_lib"
ROOT = Path(__file__).resolve().parent.parent  # the repository


class BaselineError(Exception):
    pass


def _git(*args: str) -> bytes:
    try:
        proc = subprocess.run(["git", "-C", str(ROOT), *args], capture_output=True, check=False)
    except OSError as exc:  # no git at all
        raise BaselineError(f"git is not available: {exc}") from exc
    if proc.returncode != 0:
        raise BaselineError(
            f"git {' '.join(args)}: {proc.stderr.decode(errors='replace').strip()}"
        )
    return proc.stdout


def resolve(rev: str) -> tuple[str, str]:
    """The full and the short commit id of a git revision of this repository."""
    try:
        full = _git("rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}").decode().strip()
    except BaselineError:
        raise BaselineError(f"{rev!r} is not a commit of the repository in {ROOT}") from None
    short = _git("rev-parse", "--short", full).decode().strip()
    return full, short


def rename_names(source: str, old: str, new: str) -> str:
    """``source`` with every NAME token ``old`` replaced by ``new`` (strings, comments kept)."""
    spots: list[tuple[int, int]] = []
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.NAME and tok.string == old:
            spots.append(tok.start)
    if not spots:
        return source
    lines = source.splitlines(keepends=True)
    for row, col in reversed(spots):  # right to left, so earlier columns stay valid
        line = lines[row - 1]
        lines[row - 1] = line[:col] + new + line[col + len(old) :]
    return "".join(lines)


def export(rev: str, workdir: Path) -> tuple[str, str]:
    """Write ``autograd_lib`` of ``rev`` to ``workdir/<module>``; return (module, short rev)."""
    full, short = resolve(rev)
    module = f"{PACKAGE}_base_{short}"
    if (workdir / module).exists():  # the same revision asked for twice
        return module, short
    archive = _git("archive", "--format=tar", full, PACKAGE)
    target = workdir / module
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tmp = workdir / f".extract_{short}"
        members = [m for m in tar.getmembers() if m.isfile() or m.isdir()]
        if hasattr(tarfile, "data_filter"):  # Python 3.10.12+, 3.11.4+
            tar.extractall(tmp, members=members, filter="data")
        else:
            tar.extractall(tmp, members=members)
    src = tmp / PACKAGE
    if not (src / "__init__.py").exists():
        raise BaselineError(f"revision {rev} ({short}) has no {PACKAGE}/__init__.py")
    src.rename(target)
    shutil.rmtree(tmp, ignore_errors=True)
    for path in target.rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        path.write_text(rename_names(text, PACKAGE, module), encoding="utf-8")
    return module, short


_workdir: Path | None = None


def load(rev: str) -> tuple[str, str, str]:
    """Export ``rev``, import it; return (implementation label, module name, full commit).

    Must run before the current ``autograd_lib`` is imported, so that an import of it by the
    old code (a name the rewrite missed, e.g. in ``importlib.import_module("autograd_lib.x")``)
    is caught instead of silently timing the current code.
    """
    global _workdir
    if _workdir is None:
        _workdir = Path(tempfile.mkdtemp(prefix="autograd_lib_baseline_"))
        atexit.register(shutil.rmtree, _workdir, True)
        sys.path.insert(0, str(_workdir))
    full, _ = resolve(rev)
    module, short = export(rev, _workdir)
    before = PACKAGE in sys.modules
    importlib.invalidate_caches()
    importlib.import_module(module)
    if not before and PACKAGE in sys.modules:
        raise BaselineError(
            f"importing {module} (revision {short}) imported the current {PACKAGE}: "
            "it refers to it by a name that benchmarks/baseline.py did not rewrite"
        )
    return f"{PACKAGE}@{short}", module, full
