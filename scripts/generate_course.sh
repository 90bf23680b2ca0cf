#!/usr/bin/env bash
# Regenerate the student notebooks in course/ from the instructor notebooks in solutions/.
#
#   scripts/generate_course.sh                  # every lesson in solutions/
#   scripts/generate_course.sh 01_why_autodiff  # only these lessons
#
# Each lesson goes through `nbgrader generate_assignment <lesson> --force` (configured by
# nbgrader_config.py): solutions become `raise NotImplementedError()`, hidden tests and outputs
# disappear, checksums are added. Commit the result; tests/test_course.py checks that course/
# is exactly what this script produces. Set NBGRADER to use another nbgrader executable.
set -euo pipefail

cd "$(dirname "$0")/.."
NBGRADER="${NBGRADER:-.venv/bin/nbgrader}"
if [ ! -x "$NBGRADER" ] && ! command -v "$NBGRADER" >/dev/null 2>&1; then
    echo "error: $NBGRADER not found; run 'make test' once to create .venv, or set NBGRADER" >&2
    exit 1
fi

if [ "$#" -gt 0 ]; then
    lessons=("$@")
else
    lessons=()
    for dir in solutions/*/; do
        lesson="$(basename "$dir")"
        [ -f "solutions/$lesson/$lesson.ipynb" ] && lessons+=("$lesson")
    done
fi
if [ "${#lessons[@]}" -eq 0 ]; then
    echo "error: no lessons (solutions/<lesson>/<lesson>.ipynb) found" >&2
    exit 1
fi

for lesson in "${lessons[@]}"; do
    if [ ! -f "solutions/$lesson/$lesson.ipynb" ]; then
        echo "error: solutions/$lesson/$lesson.ipynb does not exist" >&2
        exit 1
    fi
    echo "== $lesson"
    "$NBGRADER" generate_assignment "$lesson" --force --log-level=WARN
done

# course/ folders whose lesson is gone from solutions/ are left alone, but reported.
for dir in course/*/; do
    [ -d "$dir" ] || continue
    lesson="$(basename "$dir")"
    [ -f "solutions/$lesson/$lesson.ipynb" ] ||
        echo "warning: course/$lesson has no solutions/$lesson/$lesson.ipynb (remove it?)" >&2
done
echo "course/ regenerated for: ${lessons[*]}"
