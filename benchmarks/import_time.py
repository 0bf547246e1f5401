"""Import time of ``bmclib`` against ``pandas``, each in fresh interpreters, measured in one run.

Target: bmclib / pandas <= 1.2. Run: ``python benchmarks/import_time.py [--runs 7]``.
"""

import argparse
import statistics
import subprocess
import sys
import time


def import_seconds(module: str, runs: int) -> float:
    """Median wall time of ``python -c "import <module>"`` minus an empty interpreter's start."""

    def run(code: str) -> float:
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", code], check=True)
        return time.perf_counter() - start

    run(f"import {module}")  # warm the file cache
    empty = statistics.median(run("pass") for _ in range(runs))
    return statistics.median(run(f"import {module}") for _ in range(runs)) - empty


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    base = import_seconds("pandas", args.runs)
    ours = import_seconds("bmclib", args.runs)
    print(f"import pandas: {base * 1000:.0f} ms (baseline)")
    print(f"import bmclib: {ours * 1000:.0f} ms")
    print(f"ratio bmclib/pandas: {ours / base:.2f} (target <= 1.2)")


if __name__ == "__main__":
    main()
