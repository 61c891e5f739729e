"""How many portal pages a second the parser reads (target: 10,000 or more).

Run: .venv/bin/python benchmarks/parser.py [N]. Parses N pages (default 10,000) made
from the real samples with their dates and texts varied, three times, and prints the best.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from recommendations.portal_format.parse import parse  # noqa: E402

SAMPLES = sorted((ROOT / "fixtures" / "samples").glob("*.txt"))


def pages(n: int) -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in SAMPLES]
    out = []
    for i in range(n):
        text = texts[i % len(texts)]
        out.append(text.replace("Recommendation 5", f"Recommendation {i % 40 + 1}"))
    return out


def run(n: int = 10_000) -> dict[str, float]:
    data = pages(n)
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for text in data:
            parse(text)
        best = min(best, time.perf_counter() - start)
    return {"pages": n, "seconds": round(best, 3), "pages_per_second": round(n / best)}


if __name__ == "__main__":
    result = run(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
    print(json.dumps(result))
