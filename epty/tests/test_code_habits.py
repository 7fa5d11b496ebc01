"""Habits the linters cannot check: every silenced warning says why; code says what a thing is, not
which tracker item brought it."""
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# A `noqa` names its codes and then its reason; a `type: ignore[code]` is followed by `# reason`.
BARE_NOQA = re.compile(r"#\s*noqa(:\s*[A-Z]+[0-9]+(\s*,\s*[A-Z]+[0-9]+)*)?\s*$")
BARE_TYPE_IGNORE = re.compile(r"#\s*type:\s*ignore(\[[^\]]*\])?\s*$")
# Tracker tags: "issue 5", "(issue 8)", "F7", "F9's body".
TRACKER_TAG = re.compile(r"\b[Ii]ssue #?\d+\b|\bF\d{1,2}\b")


def project_files(*patterns: str) -> list[Path]:
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", *patterns],
                            cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    return [ROOT / name for name in listed if (ROOT / name).exists()]


def python_files() -> list[Path]:
    return project_files("*.py")


def test_every_noqa_and_type_ignore_carries_its_reason():
    files = python_files()
    assert len(files) > 100  # the walk found the project
    bare = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
            for path in files
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
            if BARE_NOQA.search(line) or BARE_TYPE_IGNORE.search(line)]
    assert bare == [], "say why after the code (`# noqa: E402 - reason`, `# type: ignore[code]  # reason`):\n" + \
        "\n".join(bare)


def test_code_and_docs_carry_no_tracker_tags():
    files = project_files("*.py", "*.md", "*.html", "*.txt", "*.js", "*.mjs", "*.css")
    tagged = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
              for path in files
              for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
              if TRACKER_TAG.search(line) and path.name != "test_code_habits.py"]
    assert tagged == [], "say what the thing is instead of its tracker item:\n" + "\n".join(tagged)


def test_the_patterns_tell_a_reason_from_none():
    assert BARE_NOQA.search("import x  # noqa: F401")
    assert BARE_NOQA.search("import x  # noqa")
    assert not BARE_NOQA.search("import x  # noqa: F401 - registers the tasks")
    assert BARE_TYPE_IGNORE.search("x = y  # type: ignore[attr-defined]")
    assert not BARE_TYPE_IGNORE.search("x = y  # type: ignore[attr-defined]  # set by the handler")
    assert TRACKER_TAG.search("Silent bidding (F7): offers") and TRACKER_TAG.search("alerts (issue 5).")
    assert not TRACKER_TAG.search("# noqa: F403 - star import") and not TRACKER_TAG.search("tissue 5")
