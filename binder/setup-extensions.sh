#!/usr/bin/env bash
# Set up nbgrader's Jupyter extensions for students, in the Python environment that `jupyter` and
# `python` on PATH belong to: the student side on (the Validate button in the notebook toolbar,
# the assignment list), the instructor side off and locked (formgrader, the create-assignment
# panel, the course list). Writes at that environment's sys-prefix level (<prefix>/etc/jupyter),
# so nothing outside it changes. Idempotent. Used by Binder's postBuild and by `make lab`.
# Also, in both modes, the course's server extension autograd_course.lab_language (the links
# <server>/autograd-course/lang/zh-CN?next=lab/tree/... that the Chinese Binder badge opens: the
# interface in Chinese, then that notebook).
#
#   binder/setup-extensions.sh               the student setup
#   binder/setup-extensions.sh --instructor  undo it: every nbgrader extension on, unlocked
#
# Run it with the environment's bin/ first on PATH:
#   PATH="$PWD/.venv/bin:$PATH" binder/setup-extensions.sh
set -euo pipefail

mode=student
case "${1:-}" in
    "" | --student) ;;
    --instructor) mode=instructor ;;
    -h | --help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "usage: $0 [--student | --instructor]" >&2; exit 2 ;;
esac

# The instructor's JupyterLab plugins in nbgrader 0.9's labextension (@jupyter/nbgrader), and
# the server extensions behind them. The student's: @jupyter/nbgrader:validate-assignment,
# :assignment-list, :menu; nbgrader.server_extensions.validate_assignment, .assignment_list.
INSTRUCTOR_PLUGINS=(@jupyter/nbgrader:formgrader @jupyter/nbgrader:create-assignment @jupyter/nbgrader:course-list)
INSTRUCTOR_SERVER=(nbgrader.server_extensions.formgrader nbgrader.server_extensions.course_list)

for tool in jupyter python; do
    command -v "$tool" >/dev/null || { echo "$0: no '$tool' on PATH" >&2; exit 1; }
done

# What a Jupyter server started from this environment will load. (A config in ~/.jupyter or in
# JUPYTER_CONFIG_PATH can override this environment's; this checks the result of them all.)
# `check quiet` only sets the exit status; `check report` explains.
check() {
    python - "$mode" "$1" <<'PY'
import sys

from jupyter_core.paths import jupyter_config_path, jupyter_path
from jupyter_server.extension.config import ExtensionConfigManager
from jupyterlab_server.config import get_page_config

student, report = sys.argv[1] == "student", sys.argv[2] == "report"
server = ExtensionConfigManager(read_config_path=jupyter_config_path()).get_jpserver_extensions()
page = get_page_config(jupyter_path("labextensions"))
disabled, locked = set(page.get("disabledExtensions", [])), set(page.get("lockedExtensions", []))
problems = []
if not server.get("autograd_course.lab_language"):
    problems.append("server extension autograd_course.lab_language is off")
for name, instructor in [("validate_assignment", False), ("assignment_list", False),
                         ("formgrader", True), ("course_list", True)]:
    name = f"nbgrader.server_extensions.{name}"
    want = not (student and instructor)
    if bool(server.get(name)) != want:
        problems.append(f"server extension {name} is {'off' if want else 'on'}")
for name, instructor in [("validate-assignment", False), ("assignment-list", False),
                         ("menu", False), ("formgrader", True), ("create-assignment", True),
                         ("course-list", True)]:
    name = f"@jupyter/nbgrader:{name}"
    want = not (student and instructor)
    if (name not in disabled) != want:
        problems.append(f"JupyterLab plugin {name} is {'off' if want else 'on'}")
    if (name in locked) != (not want):
        problems.append(f"JupyterLab plugin {name} is {'' if name in locked else 'not '}locked")
if problems:
    sys.exit("the course's Jupyter extensions are not as intended:\n  " + "\n  ".join(problems)
             if report else 1)
if report:
    print("  on:  the Validate button, the assignment list, the language links"
          + ("; off: formgrader, create assignment, course list" if student
             else ", formgrader, create assignment, course list"))
PY
}

# `jupyter ... enable/disable` print their errors but exit 0 all the same: show their output
# only when it complains (and fail then); `check report` has the last word.
quiet() {
    local out
    out=$("$@" 2>&1) || { echo "$out" >&2; return 1; }
    if grep -qiE "error|fail|not found|could not" <<<"$out"; then echo "$out" >&2; return 1; fi
}

echo "nbgrader's extensions, $mode side, and the language links, in $(python -c 'import sys; print(sys.prefix)'):"
if check quiet; then
    echo "  already set up"
    exit 0
fi
# The course's server extension: on, as an installed package's config file turns one on
# (`jupyter server extension enable` only toggles the extensions such a file names).
python - <<'PY'
import json, pathlib, sys

path = pathlib.Path(sys.prefix, "etc", "jupyter", "jupyter_server_config.d",
                    "autograd_course.lab_language.json")
path.parent.mkdir(parents=True, exist_ok=True)
path.write_text(json.dumps(
    {"ServerApp": {"jpserver_extensions": {"autograd_course.lab_language": True}}}, indent=2) + "\n")
PY
if [ "$mode" = student ]; then
    quiet jupyter labextension disable --level=sys_prefix "${INSTRUCTOR_PLUGINS[@]}"
    # Locked: Settings > Plugin Manager cannot turn them back on.
    quiet jupyter labextension lock --level=sys_prefix "${INSTRUCTOR_PLUGINS[@]}"
    quiet jupyter server extension disable --sys-prefix "${INSTRUCTOR_SERVER[@]}"
else
    quiet jupyter labextension unlock --level=sys_prefix "${INSTRUCTOR_PLUGINS[@]}"
    quiet jupyter labextension enable --level=sys_prefix "${INSTRUCTOR_PLUGINS[@]}"
    quiet jupyter server extension enable --sys-prefix "${INSTRUCTOR_SERVER[@]}"
fi
check report
