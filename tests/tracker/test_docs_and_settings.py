"""The README stays short and true, its links and the guides' resolve, and `.env.example`
is the one list of settings: every environment variable the settings read is in it."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GUIDES = sorted((ROOT / "docs").glob("*.md"))
ENV_READ = re.compile(
    r"""(?:env(?:\.[a-z]+)?\(\s*|os\.environ(?:\.get)?\(\s*|os\.environ\[\s*)"([A-Z][A-Z0-9_]+)\"
    |"([A-Z][A-Z0-9_]+)"\s+in\s+os\.environ""",
    re.VERBOSE,
)


def test_the_readme_is_at_most_250_lines():
    assert len((ROOT / "README.md").read_text().splitlines()) <= 250


def test_the_guides_the_readme_names_exist():
    for name in ("user-guide", "api", "security", "deployment", "performance", "screenshots"):
        assert (ROOT / "docs" / f"{name}.md").exists(), name


def test_every_relative_link_resolves():
    broken = []
    for page in [ROOT / "README.md", *GUIDES]:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", page.read_text()):
            if "://" in target or target.startswith("mailto:"):
                continue
            if not (page.parent / target).resolve().exists():
                broken.append((page.name, target))
    assert broken == []


def test_every_setting_read_from_the_environment_is_in_env_example():
    read = set()
    for module in (ROOT / "tracker" / "settings").glob("*.py"):
        for a, b in ENV_READ.findall(module.read_text()):
            read.add(a or b)
    listed = set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]+)=", (ROOT / ".env.example").read_text(), re.M))
    assert len(read) > 20  # the scan itself works
    # pytest-xdist names its worker processes: set by the test runner, not by a deployer.
    assert read - listed - {"PYTEST_XDIST_WORKER"} == set()
