"""`report` wall time for 1,000 and 10,000 threats, Markdown and DOCX.

    python bench/bench_report.py [--runs N]

Whole processes through the console script, median of N runs with min-max as the noise band,
plus the size of what was written.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_validate import describe, model_files, timed  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    script = str(Path(sys.executable).with_name("threatatlas-tm"))
    print(f"python {sys.version.split()[0]}, {args.runs} runs each; median [min-max] wall time")
    print(f"{'threats':>8}  {'format':>6}  {'threatatlas-tm report':>28}  {'output':>10}")
    with tempfile.TemporaryDirectory() as tmp:
        for threats, path in model_files():
            if threats < 1_000:
                continue
            for fmt in ("md", "docx"):
                out = Path(tmp, f"report.{fmt}")
                samples = timed([script, "report", str(path), "--format", fmt, "--output", str(out)], args.runs)
                print(f"{threats:>8}  {fmt:>6}  {describe(samples):>28}  {out.stat().st_size / 1024:8.0f}KB")


if __name__ == "__main__":
    main()
