"""Validate wall time at 24, 1,000 and 10,000 threats, side by side with check-jsonschema.

    python bench/bench_validate.py [--runs N]

Each figure is the median of N runs of the whole command (process start-up included), with
min-max as the noise band. check-jsonschema validates the same file against the same schema
when it is on PATH (pip install check-jsonschema), else its column says so.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from gen_model import generate  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
SCHEMA = ROOT / "schemas" / "threat-model.schema.json"


def model_files() -> list[tuple[int, Path]]:
    OUT.mkdir(parents=True, exist_ok=True)
    files = [(24, ROOT / "examples" / "payments-api.threatmodel.yaml")]
    for size in (1_000, 10_000):
        path = OUT / f"synthetic-{size}.threatmodel.yaml"
        path.write_text(generate(size), encoding="utf-8")
        files.append((size, path))
    return files


def timed(command: list[str], runs: int) -> list[float]:
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        result = subprocess.run(command, capture_output=True)
        samples.append(time.perf_counter() - start)
        if result.returncode != 0:
            raise SystemExit(f"{' '.join(command)} exited {result.returncode}:\n{result.stdout.decode()[:2000]}")
    return samples


def describe(samples: list[float]) -> str:
    return f"{statistics.median(samples):7.3f} s  [{min(samples):.3f}-{max(samples):.3f}]"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    ours = [str(Path(sys.executable).with_name("threatatlas-tm")), "validate"]  # the console script users run
    beside = Path(sys.executable).with_name("check-jsonschema")
    peer = str(beside) if beside.exists() else shutil.which("check-jsonschema")
    print(f"python {sys.version.split()[0]}, {args.runs} runs each; median [min-max] wall time")
    print(f"{'threats':>8}  {'size':>9}  {'threatatlas-tm validate':>28}  {'check-jsonschema':>28}  ratio")
    for threats, path in model_files():
        mine = timed([*ours, str(path)], args.runs)
        theirs = timed([peer, "--schemafile", str(SCHEMA), str(path)], max(1, args.runs if threats < 10_000 else 3)) \
            if peer else None
        ratio = f"{statistics.median(theirs) / statistics.median(mine):5.1f}x" if theirs else "  n/a"
        other = describe(theirs) if theirs else "not installed".rjust(28)
        print(f"{threats:>8}  {path.stat().st_size / 1024:7.0f}KB  {describe(mine):>28}  {other:>28}  {ratio}")


if __name__ == "__main__":
    main()
