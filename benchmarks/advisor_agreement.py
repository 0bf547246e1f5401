"""How often the relationship-fit advisor agrees with the case bank, against a naive baseline.

Prints top-1 and top-2 agreement with each case's primary type (targets 80% and 95%), how many
misses still land on an accepted alternative, and the same figures for a baseline that always
answers the most common primary type. Run: ``python benchmarks/advisor_agreement.py``.
"""

from collections import Counter

from bmclib.advisor import advise
from bmclib.cases import read_cases


def main() -> None:
    cases = read_cases()
    n = len(cases)
    top1 = top2 = acceptable = 0
    for case in cases:
        ranked = [f.type_id for f in advise(case.attrs)]
        top1 += ranked[0] == case.primary
        top2 += case.primary in ranked[:2]
        acceptable += ranked[0] != case.primary and ranked[0] in case.acceptable
    common, count = Counter(c.primary for c in cases).most_common(1)[0]
    print(f"{n} cases")
    print(f"advisor top-1 agreement: {top1}/{n} = {top1 / n:.1%} (target 80%)")
    print(f"advisor top-2 agreement: {top2}/{n} = {top2 / n:.1%} (target 95%)")
    print(f"misses whose first choice is an accepted alternative: {acceptable}/{n - top1}")
    print(f"baseline (always '{common}'): {count}/{n} = {count / n:.1%}; advisor/baseline = {top1 / count:.1f}x")


if __name__ == "__main__":
    main()
