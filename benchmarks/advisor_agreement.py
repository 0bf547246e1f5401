"""How often the relationship-fit advisor agrees with reference answers, against a naive baseline.

Three figures, each as first choice (the advisor's top type is the primary type) and top two
(the primary type is among its first two), each with its ratio to the majority-class baseline
(always answer the case bank's most common primary type):

- case bank, in-sample: the rules' strength values were fitted on these very cases;
- case bank, leave-one-out: for each case, the strengths are fitted again on the other cases
  (``bmclib.advisor.fit_strengths``) and the left-out case is ranked with them;
- held-out cases (``data/advisor_holdout.csv``): real companies written before the rules were
  revised and never used to set anything. This is the honest figure.

It also counts cases whose two best types tie, and lists every miss.

Run: ``python benchmarks/advisor_agreement.py`` (``--fit`` also refits the strengths on the
bank and says whether the shipped ones are still the best fit).
"""

from __future__ import annotations

import argparse
import time
from collections import Counter

from bmclib.advisor import advise, agreement, fit_strengths, strengths
from bmclib.cases import read_cases
from bmclib.paths import data_path


def pct(k: int, n: int) -> str:
    return f"{k}/{n} = {k / n:.1%}"


def line(name: str, first: int, top2: int, n: int, baseline: int) -> str:
    ratio = f"{first / baseline:.1f}x" if baseline else "n/a"
    return (
        f"{name:<28} first choice {pct(first, n):<16} top two {pct(top2, n):<16} "
        f"baseline {pct(baseline, n):<14} first/baseline {ratio}"
    )


def leave_one_out(cases) -> tuple[int, int]:
    first = top2 = 0
    for i, case in enumerate(cases):
        values = fit_strengths(cases[:i] + cases[i + 1 :])
        f, t, _ = agreement([case], values)
        first, top2 = first + f, top2 + t
    return first, top2


def misses(cases) -> list[str]:
    out = []
    for case in cases:
        fits = advise(case.attrs)
        if fits[0].type_id != case.primary:
            accepted = " (an accepted answer)" if fits[0].type_id in case.acceptable else ""
            out.append(f"  {case.id}: primary {case.primary}, advisor {fits[0].type_id}{accepted}")
    return out


def separation(cases) -> tuple[int, float]:
    ties, gaps = 0, []
    for case in cases:
        fits = advise(case.attrs)
        ties += fits[0].total == fits[1].total
        gaps.append(fits[0].score - fits[1].score)
    return ties, sum(gaps) / len(gaps)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--fit", action="store_true", help="refit the strengths on the bank and compare"
    )
    args = parser.parse_args(argv)

    bank = read_cases()
    holdout = read_cases(data_path("advisor_holdout.csv"))
    common, _count = Counter(c.primary for c in bank).most_common(1)[0]
    print(
        f"case bank: {len(bank)} cases; held-out cases: {len(holdout)}; "
        f"baseline always answers '{common}' (the bank's most common primary type)"
    )

    def base(cases):
        return sum(c.primary == common for c in cases)

    start = time.perf_counter()
    first, top2, n = agreement(bank)
    print(line("bank, in-sample", first, top2, n, base(bank)))
    loo_first, loo_top2 = leave_one_out(bank)
    print(line("bank, leave-one-out", loo_first, loo_top2, n, base(bank)))
    h_first, h_top2, h_n = agreement(holdout)
    print(line("held-out cases", h_first, h_top2, h_n, base(holdout)))
    for name, cases in (("bank", bank), ("held-out", holdout)):
        ties, gap = separation(cases)
        print(
            f"{name}: cases whose two best types tie: {ties}; "
            f"mean score gap between first and second: {gap:.2f}"
        )
    print("misses on the bank:", *misses(bank), sep="\n")
    print("misses on the held-out cases:", *(misses(holdout) or ["  none"]), sep="\n")
    if args.fit:
        fitted = fit_strengths(bank)
        same = (
            "the shipped values"
            if fitted == strengths()
            else f"DIFFERENT from the shipped {strengths()}"
        )
        print(f"strengths fitted on the bank: {fitted} ({same})")
    print(f"({time.perf_counter() - start:.1f} s)")


if __name__ == "__main__":
    main()
