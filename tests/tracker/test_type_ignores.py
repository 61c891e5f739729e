"""Silenced type errors are rare and explained: each ignore names its error codes (mypy's
`ignore-without-code` checks that too) and says why in a comment after it on its line,
like `...  # type: ignore[attr-defined]  # simple-history's hook`."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NOT_OURS = {"node_modules", "static", "staticfiles", "build", "migrations", "test-artifacts"}
IGNORE = re.compile(r"#\s*type:\s*ignore(?P<codes>\[[^\]]+\])?(?P<after>.*)$")
REASON = re.compile(r"\s+#\s*\S")


def python_files() -> list[Path]:
    files = []
    for top in sorted(ROOT.iterdir()):
        if top.name.startswith(".") or top.name in NOT_OURS:
            continue
        found = [top] if top.suffix == ".py" else sorted(top.rglob("*.py"))
        files += [f for f in found if not NOT_OURS & set(f.relative_to(ROOT).parts)]
    return files


def test_every_type_ignore_names_its_codes_and_says_why():
    unexplained = []
    for path in python_files():
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            found = IGNORE.search(line)
            if found and not (found["codes"] and REASON.match(found["after"])):
                unexplained.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not unexplained, "Say why after each type: ignore[code]:\n" + "\n".join(unexplained)
