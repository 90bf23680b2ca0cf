"""Feedback without the hidden tests.

nbgrader's ``generate_feedback`` turns the autograded notebook into HTML as it is, and the
autograded notebook holds the test cells as the instructor wrote them (nbgrader restores them
before grading): the hidden tests would be in every student's feedback, and in the tracebacks of
the ones that failed. :class:`HideHiddenTests`, in ``c.GenerateFeedback.preprocessors`` (see
``nbgrader_config.py``), removes them first:

* in every cell, the lines between the hidden-test delimiters (``ClearHiddenTests``'s, "BEGIN
  HIDDEN TESTS" and "END HIDDEN TESTS") become one comment line saying that hidden tests were
  there;
* in a cell that had hidden tests, an error raised by a hidden line keeps its type only
  ("AssertionError: a hidden test failed ..."): its message and traceback could show the hidden
  inputs. An error raised by a visible line keeps its message, and its traceback loses any line
  of the hidden part. When the line cannot be told, the error is treated as hidden.
"""

import re

from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import List, Unicode

# Errors the grader itself adds (autograd_course.sandbox, nbgrader's time limit): no hidden test
# in them, and the student needs their message.
GRADER_ERRORS = {"CellTimeoutError", "KernelDied", "CellNotRun"}
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_CELL_FRAME = re.compile(r"^\s*Cell In\s*\[(\d*)\], line (\d+)")
_SOURCE_LINE = re.compile(r"^\s*(?:-*>)?\s*(\d+)\s")


class HideHiddenTests(NbGraderPreprocessor):
    """Remove hidden tests, and what their failures show, from notebooks made into feedback."""

    begin_test_delimeter = Unicode(
        "BEGIN HIDDEN TESTS", help="The line that starts hidden tests (as ClearHiddenTests)."
    ).tag(config=True)
    end_test_delimeter = Unicode(
        "END HIDDEN TESTS", help="The line that ends hidden tests (as ClearHiddenTests)."
    ).tag(config=True)
    placeholder = Unicode(
        "# ... hidden tests, not shown ...",
        help="What replaces the hidden tests in a code cell's source.",
    ).tag(config=True)
    # The formgrader configures this for its preprocessors (GetGrades has it); unused here.
    display_data_priority = List(config=True)
    hidden_failure = Unicode(
        "a hidden test failed (hidden tests try other inputs than the tests you can see; "
        "they are not shown)",
        help="The message of an error raised by a hidden test.",
    ).tag(config=True)

    def _load_config(self, cfg, section_names=None, traits=None):
        # Use the course's delimiters (c.ClearHiddenTests...) unless set for this class.
        super()._load_config(cfg, section_names, traits)
        for name in ("begin_test_delimeter", "end_test_delimeter"):
            own = cfg.get("HideHiddenTests", {})
            if name not in own and name in cfg.get("ClearHiddenTests", {}):
                setattr(self, name, cfg.ClearHiddenTests[name])

    def hidden_lines(self, source):
        """1-based numbers of the lines from a begin delimiter to its end delimiter."""
        hidden, inside = set(), False
        for number, line in enumerate(source.split("\n"), start=1):
            if self.begin_test_delimeter in line:
                inside = True
            if inside:
                hidden.add(number)
            if self.end_test_delimeter in line:
                inside = False
        return hidden

    def strip_source(self, source, hidden):
        lines, out, placed = source.split("\n"), [], False
        for number, line in enumerate(lines, start=1):
            if number in hidden:
                if not placed:
                    indent = line[: len(line) - len(line.lstrip())]
                    out.append(indent + self.placeholder)
                    placed = True
                continue
            placed = False
            out.append(line)
        return "\n".join(out)

    def _failing_line(self, traceback, execution_count):
        """The line of this cell an error was raised at (the cell's own frame), or None."""
        for entry in traceback:
            for raw in entry.split("\n"):
                m = _CELL_FRAME.match(_ANSI.sub("", raw))
                if m and (not m.group(1) or execution_count is None
                          or m.group(1) == str(execution_count)):
                    return int(m.group(2))
        return None

    def _clean_traceback(self, traceback, execution_count, hidden):
        """The traceback without the source lines of this cell's hidden part."""
        cleaned = []
        for entry in traceback:
            lines, in_cell = [], False
            for raw in entry.split("\n"):
                text = _ANSI.sub("", raw)
                frame = _CELL_FRAME.match(text)
                if frame:
                    in_cell = not frame.group(1) or execution_count is None or (
                        frame.group(1) == str(execution_count))
                elif text.startswith(("File ", "Cell ")) or "Traceback" in text:
                    in_cell = False
                number = _SOURCE_LINE.match(text)
                if in_cell and number and int(number.group(1)) in hidden:
                    continue
                lines.append(raw)
            cleaned.append("\n".join(lines))
        return cleaned

    def preprocess_cell(self, cell, resources, index):
        source = cell.get("source", "")
        hidden = self.hidden_lines(source)
        if not hidden:
            return cell, resources
        cell.source = self.strip_source(source, hidden)
        if cell.cell_type != "code":
            return cell, resources
        for output in cell.get("outputs", []):
            if output.get("output_type") != "error" or output.get("ename") in GRADER_ERRORS:
                continue
            ename = output.get("ename", "Error")
            line = self._failing_line(output.get("traceback", []), cell.get("execution_count"))
            if line is None or line in hidden:
                output["evalue"] = self.hidden_failure
                output["traceback"] = [f"\x1b[0;31m{ename}\x1b[0m: {self.hidden_failure}"]
            else:
                output["traceback"] = self._clean_traceback(
                    output.get("traceback", []), cell.get("execution_count"), hidden)
        return cell, resources
