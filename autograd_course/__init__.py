"""Course helpers used by the notebooks (checks for exercises) and the `autograd-course` CLI."""
