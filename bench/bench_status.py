"""`status` wall time at 24, 1,000 and 10,000 threats, next to libyaml just parsing the same file.

    python bench/bench_status.py [--runs N]

Both sides are whole processes started the same way (interpreter start-up included): the
target is that `threatatlas-tm status` takes at most twice as long as
`python -c "import yaml; for _ in yaml.parse(data, Loader=yaml.CLoader): pass"`. Each figure is
the median of N runs, with min-max as the noise band.
"""

from __future__ import annotations

import argparse
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_validate import describe, model_files, timed  # noqa: E402

PARSE_ONLY = (
    "import sys, yaml\n"
    "data = open(sys.argv[1], 'rb').read()\n"
    "for _ in yaml.parse(data, Loader=yaml.CLoader):\n"
    "    pass\n"
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    # the console script users run (python -m adds runpy's start-up)
    script = Path(sys.executable).with_name("threatatlas-tm")
    status = [str(script), "status", "--fail-on-critical", "--fail-on-unmitigated-high",
              "--min-mitigation-ratio", "0.7", "--exit-zero"]
    parse_only = [sys.executable, "-c", PARSE_ONLY]
    print(f"python {sys.version.split()[0]}, {args.runs} runs each; median [min-max] wall time")
    print(f"{'threats':>8}  {'threatatlas-tm status':>28}  {'yaml.parse (CLoader)':>28}  ratio")
    for threats, path in model_files():
        ours = timed([*status, str(path)], args.runs)
        theirs = timed([*parse_only, str(path)], args.runs)
        ratio = statistics.median(ours) / statistics.median(theirs)
        print(f"{threats:>8}  {describe(ours):>28}  {describe(theirs):>28}  {ratio:5.2f}x")


if __name__ == "__main__":
    main()
