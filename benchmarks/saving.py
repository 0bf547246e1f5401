"""Cost of one saved change as a student's attempt log grows, against the first change, in one run.

Each change re-reads the answer file, merges it and writes it atomically (``record_change``). The
log keeps its newest ``MAX_ATTEMPTS`` entries, so a change after thousands of attempts must cost
about what a change costs once the log is full, not grow with the log.

Target: the change at attempt 4,000 costs at most 3x the change at attempt 1,000 (the log is full
from there on). Run: ``python benchmarks/saving.py``.
"""

import statistics
import tempfile
import time
from pathlib import Path

from bmclib.answers import MAX_ATTEMPTS, AnswerFile, record_change

CHOICES = [
    "personal_assistance",
    "self_service",
    "automated_services",
    "communities",
    "co_creation",
]


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "relationships-practice.json"
        af = AnswerFile("s0001", "relationships-practice", student_name="Kim Minji")
        times = []
        for n in range(4000):
            start = time.perf_counter()
            af = record_change(path, af, f"item{n % 18:02d}", CHOICES[n % len(CHOICES)])
            times.append(time.perf_counter() - start)
        size = path.stat().st_size

    def around(n: int) -> float:  # median of 50 changes ending at change n (milliseconds)
        return 1000 * statistics.median(times[max(0, n - 50) : n])

    first, full, last = around(50), around(MAX_ATTEMPTS), around(4000)
    print(
        f"one saved change: {first:.2f} ms near the "
        f"start, {full:.2f} ms at {MAX_ATTEMPTS} attempts "
        f"(log full), {last:.2f} ms at 4000 attempts"
    )
    print(
        f"ratio at 4000 to at {MAX_ATTEMPTS}: {last / full:.2f} "
        f"(target <= 3); to the start: {last / first:.2f}"
    )
    print(f"answer file after 4000 changes: {size / 1024:.0f} KB")


if __name__ == "__main__":
    main()
