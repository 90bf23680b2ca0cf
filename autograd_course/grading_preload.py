"""Loaded once per grading worker, by its forkserver (``autograd_course.grading._context``),
so that the process forked from it for each student finds it loaded already.

Without it, each student's ``nbgrader autograde`` loaded these again in its own process:
autograd_lib and NumPy (the sandbox mounts autograd_lib's folder, the judge's reference key
hashes its sources), IPython's and ipykernel's kernel spec lookup (jupyter_client), SQLite's
SQLAlchemy dialect (the scratch gradebook), the judge; and it compiled nbformat's notebook
validators (fastjsonschema). About 0.4 s of CPU per student, measured with
``python -m benchmarks.grading_cpu`` (benchmarks/README.md, "Grading on Dask").

Nothing here decides a grade: each is what the forked process imports or builds anyway, the
same code from the same files. The validators are the two that nbgrader's autograde asks
nbformat for (strict and relaxed, for a notebook of the current format), kept by nbformat in a
cache of its own (``nbformat.validator.validators``):

>>> import sys
>>> from autograd_course import grading_preload
>>> "autograd_lib" in sys.modules and "autograd_course.judge" in sys.modules
True
"""

import ipykernel.kernelspec  # noqa: F401
import IPython.paths  # noqa: F401
import nbformat.v4
import nbformat.validator
import sqlalchemy.dialects.sqlite  # noqa: F401

import autograd_lib  # noqa: F401
from autograd_course import judge, suspicious  # noqa: F401

for _relax in (False, True):
    nbformat.validator.get_validator(4, nbformat.v4.nbformat_minor, relax_add_props=_relax)
