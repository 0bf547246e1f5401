"""Make the lesson datasets about Brewly (브루리), a fictional Korean specialty-coffee company.

Brewly roasts beans and sells them online (web and app), through partner cafés and to
cafés directly (B2B). It also runs a bean subscription, an office-coffee service whose
machines are charged per cup, the paid Brewly Club and a community app for home baristas.
Every lesson dataset tells a part of that one story; ``schema.json`` beside this file
describes each column in English and Korean.

Run it from the repository's top folder:

    python data/datasets/make_datasets.py              # rewrite data/datasets/*.csv
    python data/datasets/make_datasets.py --out DIR    # write the files into DIR instead

One random generator, ``numpy.random.default_rng(2026)``, is used in a fixed order, and
every number is rounded and formatted by hand, so each run writes the same bytes
(UTF-8, ``\\n`` line ends). Change the seed or a parameter only on purpose: the lessons
read these numbers, and ``tests/test_datasets.py`` checks the shipped files against a fresh run.
"""

from __future__ import annotations

import argparse
import csv
from datetime import date, timedelta
from pathlib import Path

import numpy as np

SEED = 2026
HERE = Path(__file__).resolve().parent
PRICE_PER_BAG = 18  # thousand KRW, the price of a 200 g bag (used with costs.csv)

# The customer table covers one year of orders: January to December 2025.
YEAR_END = date(2025, 12, 31)


def write_csv(folder: Path, name: str, columns: list[str], rows: list[list]) -> Path:
    """Write ``rows`` (lists of values in ``columns`` order) to ``folder/name.csv``."""
    path = folder / f"{name}.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        writer = csv.writer(f, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([cell(v) for v in row])
    return path


def cell(value) -> str:
    """Format one value: booleans as true/false, None as an empty cell, dates as ISO."""
    if value is None:
        return ""
    if isinstance(value, (bool, np.bool_)):
        return "true" if value else "false"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        raise TypeError("format floats before writing them, e.g. f'{x:.1f}'")
    return str(value)


def one_decimal(x: float) -> str:
    return f"{x:.1f}"


# -- customers -------------------------------------------------------------------------------

SEGMENT_SIZES = {"students": 290, "office_workers": 360, "home_baristas": 250, "cafes": 100}

# Where each customer stands on the loyalty ladder (the highest stage reached), counted
# exactly per segment so the funnel narrows at every step:
#   prospect, first-time buyer, repeat customer, member, advocate, passionate fan
STAGES = ("prospect", "first_time_buyer", "repeat_customer", "member", "advocate", "passionate_fan")
STAGE_COUNTS = {
    "students": [140, 110, 20, 12, 6, 2],
    "office_workers": [140, 130, 42, 28, 16, 4],
    "home_baristas": [50, 60, 35, 45, 45, 15],
    "cafes": [20, 25, 28, 10, 13, 4],
}

REGIONS = ["seoul", "gyeonggi", "busan", "daegu", "other"]
REGION_SHARES = {"b2c": [0.38, 0.27, 0.12, 0.08, 0.15], "b2b": [0.44, 0.22, 0.14, 0.08, 0.12]}

CHANNELS = ["web", "app", "partner_cafe", "sales_team"]
CHANNEL_SHARES = {
    "students": [0.30, 0.60, 0.10, 0.00],
    "office_workers": [0.45, 0.40, 0.15, 0.00],
    "home_baristas": [0.35, 0.35, 0.30, 0.00],
    "cafes": [0.25, 0.00, 0.00, 0.75],
}

# Age: mean, standard deviation, lowest, highest (cafés are businesses: no age).
AGES = {
    "students": (22.5, 2.2, 19, 29),
    "office_workers": (35, 7, 24, 59),
    "home_baristas": (39, 9, 23, 68),
}

# Repeat customers order 2 + Poisson(extra x stage factor) times a year.
EXTRA_ORDERS = {"students": 1.0, "office_workers": 2.0, "home_baristas": 3.0, "cafes": 3.5}
STAGE_ORDER_FACTOR = [0, 0, 1.0, 1.3, 1.5, 1.7]
# A customer's typical order, thousand KRW: median and spread (log scale).
# Cafés buy guest beans and retail bags in 1 kg packs.
ORDER_VALUE = {
    "students": (20, 0.18),
    "office_workers": (27, 0.2),
    "home_baristas": (36, 0.22),
    "cafes": (90, 0.3),
}
REVIEW_RATE = [0, 0.3, 1.0, 2.0, 3.5, 6.0]
SATISFACTION = [3.0, 3.4, 3.9, 4.2, 4.5, 4.8]


def make_customers(rng: np.random.Generator) -> tuple[list[str], list[list]]:
    segments = np.concatenate([[s] * n for s, n in SEGMENT_SIZES.items()])
    stages = np.concatenate([np.repeat(np.arange(6), STAGE_COUNTS[s]) for s in SEGMENT_SIZES])
    order = rng.permutation(len(segments))  # mix the segments up before numbering customers
    segments, stages = segments[order], stages[order]

    columns = [
        "customer_id",
        "segment",
        "market",
        "age",
        "region",
        "signup_channel",
        "orders",
        "revenue",
        "is_member",
        "referrals",
        "reviews",
        "resells",
        "satisfaction",
        "first_order",
    ]
    rows = []
    for i, (segment, stage) in enumerate(zip(segments, stages), start=1):
        segment, stage = str(segment), int(stage)
        market = "b2b" if segment == "cafes" else "b2c"
        if segment == "cafes":
            age = None
        else:
            mean, sd, low, high = AGES[segment]
            age = int(np.clip(round(rng.normal(mean, sd)), low, high))
        region = REGIONS[rng.choice(5, p=REGION_SHARES[market])]
        channel = CHANNELS[rng.choice(4, p=CHANNEL_SHARES[segment])]

        if stage == 0:
            orders = 0
        elif stage == 1:
            orders = 1
        else:
            orders = 2 + int(rng.poisson(EXTRA_ORDERS[segment] * STAGE_ORDER_FACTOR[stage]))
        median, spread = ORDER_VALUE[segment]
        order_value = median * float(np.exp(rng.normal(0, spread)))
        revenue = orders * order_value

        # Most advocates joined the club, but a few recommend Brewly without joining.
        is_member = stage >= 3 and not (stage == 4 and rng.random() < 0.1)
        referrals = 1 + int(rng.poisson(3.0 if stage == 5 else 0.8)) if stage >= 4 else 0
        review_rate = REVIEW_RATE[stage] * (
            0.5 if segment == "cafes" else 1.5 if segment == "home_baristas" else 1
        )
        reviews = int(rng.poisson(review_rate))
        resells = stage == 5
        satisfaction = int(np.clip(round(rng.normal(SATISFACTION[stage], 0.7)), 1, 5))

        if stage == 0:
            first_order = None
        elif stage == 1:  # first bought during the year
            first_order = YEAR_END - timedelta(days=int(rng.integers(0, 365)))
        else:  # loyal customers have been with Brewly longer (Brewly opened in 2021)
            first_order = YEAR_END - timedelta(days=int(rng.integers(60, 420 + 200 * stage)))

        rows.append(
            [
                f"C{i:04d}",
                segment,
                market,
                age,
                region,
                channel,
                orders,
                one_decimal(revenue),
                is_member,
                referrals,
                reviews,
                resells,
                satisfaction,
                first_order,
            ]
        )
    return columns, rows


# -- segments (the segment prioritiser) ------------------------------------------------------

# size: potential customers in Brewly's reachable market (people, or businesses for the B2B rows);
# growth: % a year; fit: how well Brewly's offer fits them today (1-5).
SEGMENTS = [
    # id, English name, Korean name, size, growth, fit
    ("students", "University students", "대학생", 350_000, 2.5, 2),
    ("office_workers", "Office workers", "직장인", 1_200_000, 4.0, 3),
    ("home_baristas", "Home baristas", "홈카페 애호가", 150_000, 12.5, 5),
    ("cafes", "Independent cafés", "개인 카페", 90_000, 1.5, 4),
    ("offices", "Companies (office coffee)", "기업 (오피스 커피)", 40_000, 8.0, 4),
    ("gift_buyers", "Gift buyers", "선물 구매자", 300_000, 3.0, 3),
]
# Average yearly revenue per buying customer, thousand KRW, for the segments Brewly does
# not serve yet (the others come from the customer table).
PLANNED_AVG_REVENUE = {"offices": 2400.0, "gift_buyers": 60.0}


def make_segments(customers: list[list]) -> tuple[list[str], list[list]]:
    revenue_by_segment: dict[str, list[float]] = {}
    for row in customers:
        segment, orders, revenue = row[1], row[6], float(row[7])
        if orders > 0:
            revenue_by_segment.setdefault(segment, []).append(revenue)
    columns = ["segment", "name_en", "name_ko", "size", "growth", "fit", "avg_revenue"]
    rows = []
    for seg, name_en, name_ko, size, growth, fit in SEGMENTS:
        if seg in revenue_by_segment:
            avg = sum(revenue_by_segment[seg]) / len(revenue_by_segment[seg])
        else:
            avg = PLANNED_AVG_REVENUE[seg]
        rows.append([seg, name_en, name_ko, size, one_decimal(growth), fit, one_decimal(avg)])
    return columns, rows


# -- channel_funnel --------------------------------------------------------------------------

PHASES = ["awareness", "evaluation", "purchase", "delivery", "after_sales"]
# People reached in 2025 (awareness) and the share that goes on to each next phase.
FUNNEL = {
    "web": (180_000, [0.20, 0.15, 0.975, 0.36]),
    "app": (95_000, [0.30, 0.22, 0.985, 0.50]),
    "partner_cafe": (60_000, [0.15, 0.24, 0.990, 0.25]),
    "sales_team": (1_200, [0.35, 0.31, 0.985, 0.75]),
}


def make_channel_funnel(rng: np.random.Generator) -> tuple[list[str], list[list]]:
    rows = []
    for channel, (reached, rates) in FUNNEL.items():
        people = int(round(reached * rng.uniform(0.95, 1.05), -2))
        rows.append([channel, PHASES[0], people])
        for phase, rate in zip(PHASES[1:], rates):
            rate = min(rate * rng.uniform(0.93, 1.07), 0.995)
            people = min(round(people * rate), people - 1)
            rows.append([channel, phase, people])
    return ["channel", "phase", "people"], rows


# -- revenue_monthly -------------------------------------------------------------------------

MONTHS = [date(2024 + m // 12, m % 12 + 1, 1) for m in range(24)]
# One-time bean sales: cooler months sell more; summer dips; gift sets sell in the months of
# Seollal (2024-02, 2025-01) and Chuseok (2024-09, 2025-10), and in December.
SEASON = {
    1: 1.02,
    2: 0.98,
    3: 0.96,
    4: 0.95,
    5: 0.94,
    6: 0.90,
    7: 0.84,
    8: 0.85,
    9: 0.98,
    10: 1.02,
    11: 1.05,
    12: 1.22,
}
GIFT_MONTHS = {date(2024, 2, 1), date(2024, 9, 1), date(2025, 1, 1), date(2025, 10, 1)}


def make_revenue_monthly(rng: np.random.Generator) -> tuple[list[str], list[list]]:
    rows = []
    for t, month in enumerate(MONTHS):
        gift = 1.2 if month in GIFT_MONTHS else 1.0
        asset_sale = 150 * (1 + 0.04 * t / 12) * SEASON[month.month] * gift * rng.normal(1, 0.03)
        subscription = 38 * 1.045**t * rng.normal(1, 0.015)
        holiday = 0.85 if month.month == 8 else 0.92 if month in GIFT_MONTHS else 1.0
        usage_fee = 12 * 1.035**t * holiday * rng.normal(1, 0.02)
        advertising = (1.2 + 0.27 * t) * rng.normal(1, 0.08)
        for stream, value in [
            ("asset_sale", asset_sale),
            ("subscription_fees", subscription),
            ("usage_fee", usage_fee),
            ("advertising", advertising),
        ]:
            rows.append([month, stream, one_decimal(value)])
    return ["month", "stream", "revenue"], rows


# -- value_survey ----------------------------------------------------------------------------

ELEMENTS = [
    "newness",
    "performance",
    "customization",
    "getting_the_job_done",
    "design",
    "brand_status",
    "price",
    "cost_reduction",
    "risk_reduction",
    "accessibility",
    "convenience_usability",
]
# Mean importance (1-5) of each element, in ELEMENTS order.
IMPORTANCE = {
    "students": [3.0, 2.5, 2.2, 3.2, 3.0, 2.6, 4.7, 3.0, 2.0, 3.6, 3.6],
    "office_workers": [2.3, 3.0, 2.0, 4.5, 2.8, 2.7, 3.2, 2.6, 2.6, 3.4, 4.7],
    "home_baristas": [4.0, 4.6, 4.7, 2.8, 3.4, 3.1, 2.6, 2.0, 2.2, 2.7, 2.8],
    "cafes": [2.8, 3.8, 3.0, 3.4, 2.2, 2.5, 3.3, 4.6, 4.5, 2.8, 3.0],
}
RESPONDENTS_PER_SEGMENT = 7


def make_value_survey(rng: np.random.Generator) -> tuple[list[str], list[list]]:
    segments = rng.permutation(np.repeat(list(IMPORTANCE), RESPONDENTS_PER_SEGMENT))
    rows = []
    for r, segment in enumerate(segments, start=1):
        for element, mean in zip(ELEMENTS, IMPORTANCE[str(segment)]):
            importance = int(np.clip(round(rng.normal(mean, 0.6)), 1, 5))
            rows.append([f"R{r:03d}", str(segment), element, importance])
    return ["respondent", "segment", "element", "importance"], rows


# -- the small tables of the other blocks (written by hand) ----------------------------------

RESOURCES = [
    # name_en, name_ko, type, annual cost (million KRW), importance (1-5)
    ("Roasting plant", "로스팅 공장", "physical", 420, 5),
    ("Green-bean warehouse", "생두 창고", "physical", 96, 3),
    ("Office coffee machines", "오피스 커피머신", "physical", 310, 4),
    ("Delivery vans", "배송 차량", "physical", 72, 2),
    ("Roast profile library", "로스팅 프로파일 라이브러리", "intellectual", 25, 5),
    ("Brewly brand and trademarks", "브루리 브랜드와 상표", "intellectual", 60, 4),
    ("Customer data and taste model", "고객 데이터와 취향 추천 모델", "intellectual", 110, 4),
    ("Community app", "커뮤니티 앱", "intellectual", 180, 3),
    ("Head roaster and Q graders", "헤드 로스터와 큐그레이더", "human", 260, 5),
    ("B2B sales team", "B2B 영업팀", "human", 340, 4),
    ("Customer care team", "고객 상담팀", "human", 190, 3),
    ("Working capital for green beans", "생두 구매 운전자본", "financial", 150, 4),
]

ACTIVITIES = [
    # name_en, name_ko, category, hours per week, team
    ("Sourcing green beans", "생두 소싱", "production", 30, "sourcing"),
    ("Roasting and packing", "로스팅과 포장", "production", 160, "roastery"),
    ("Cupping and quality control", "커핑과 품질 관리", "production", 24, "roastery"),
    ("Packing and shipping subscriptions", "구독 상품 포장과 배송", "production", 90, "logistics"),
    ("Brewing help for customers", "고객 추출 상담", "problem_solving", 60, "customer_care"),
    (
        "Blend and menu consulting for cafés",
        "카페 블렌드와 메뉴 컨설팅",
        "problem_solving",
        35,
        "b2b_sales",
    ),
    (
        "Office coffee set-up and servicing",
        "오피스 커피 설치와 관리",
        "problem_solving",
        45,
        "b2b_sales",
    ),
    ("Running the community app", "커뮤니티 앱 운영", "platform_network", 50, "product"),
    (
        "Managing the partner café network",
        "파트너 카페 네트워크 관리",
        "platform_network",
        30,
        "partnerships",
    ),
    ("Supporting group-buy hosts", "공동구매 호스트 지원", "platform_network", 12, "community"),
]

PARTNERS = [
    # name_en, name_ko, partnership type, motivation, annual value (million KRW)
    (
        "Farm cooperatives in Ethiopia and Colombia",
        "에티오피아·콜롬비아 농장 협동조합",
        "buyer_supplier",
        "reduction_of_risk",
        620,
    ),
    ("Green-bean importer", "생두 수입상", "buyer_supplier", "optimization_economy_of_scale", 380),
    ("Parcel courier", "택배사", "buyer_supplier", "optimization_economy_of_scale", 240),
    (
        "Espresso machine maker",
        "에스프레소 머신 제조사",
        "strategic_alliance",
        "acquisition_of_resources",
        290,
    ),
    ("Partner cafés", "파트너 카페", "strategic_alliance", "acquisition_of_resources", 210),
    ("Barista academy", "바리스타 아카데미", "strategic_alliance", "acquisition_of_resources", 45),
    (
        "Neighbouring roaster (shared roasting and bean buying)",
        "인근 로스터리 (로스팅·생두 공동 구매)",
        "coopetition",
        "optimization_economy_of_scale",
        130,
    ),
    (
        "Cold-brew joint venture with an oat-milk maker",
        "귀리 우유 제조사와의 콜드브루 합작 회사",
        "joint_venture",
        "reduction_of_risk",
        160,
    ),
]

COSTS = [
    # item, name_ko, kind, amount (thousand KRW per month or per bag), driver
    ("rent", "임대료", "fixed", 9_000, "month"),
    ("salaries", "인건비", "fixed", 48_000, "month"),
    ("roaster_lease", "로스터 리스료", "fixed", 6_500, "month"),
    ("software_and_app", "소프트웨어와 앱", "fixed", 2_200, "month"),
    ("marketing", "마케팅", "fixed", 12_000, "month"),
    ("insurance_and_admin", "보험과 관리비", "fixed", 1_800, "month"),
    ("green_beans", "생두", "variable", 5.2, "bag"),
    ("packaging", "포장재", "variable", 0.9, "bag"),
    ("roasting_energy", "로스팅 에너지", "variable", 0.4, "bag"),
    ("shipping", "배송비", "variable", 3.0, "bag"),
    ("payment_fees", "결제 수수료", "variable", 0.5, "bag"),
]

# What one customer costs Brewly a year under each relationship type: one unit (a person or a
# tool) costs unit_cost a year and can look after customers_per_unit customers; the division is
# the cost to serve one customer. Used in lesson 4 to ask whether a type pays for itself.
RELATIONSHIP_COSTS = [
    # relationship type, what Brewly pays for (English, Korean), unit cost (thousand KRW a year),
    # customers one unit can look after
    (
        "personal_assistance",
        "Customer-care agents on phone, chat and e-mail (whoever is free)",
        "전화·채팅·이메일 상담원(그때 응대할 수 있는 직원)",
        42_000,
        1_500,
    ),
    (
        "dedicated_personal_assistance",
        "An account manager who visits and calls each client",
        "고객마다 방문하고 연락하는 전담 매니저",
        55_000,
        40,
    ),
    (
        "self_service",
        "Ordering site, FAQ and brewing guides",
        "주문 사이트, FAQ, 추출 가이드",
        18_000,
        12_000,
    ),
    (
        "automated_services",
        "Taste-based recommendations and reorder reminders",
        "취향 기반 추천과 재주문 알림",
        60_000,
        12_000,
    ),
    (
        "communities",
        "A community manager and the community app",
        "커뮤니티 매니저와 커뮤니티 앱",
        48_000,
        4_000,
    ),
    (
        "co_creation",
        "Curating, moderating and rewarding the recipes and reviews customers share",
        "고객이 올리는 레시피·리뷰의 선별, 관리와 보상",
        30_000,
        4_000,
    ),
]


def make_relationship_costs() -> tuple[list[str], list[list]]:
    rows = [
        [t, en, ko, cost, n, one_decimal(cost / n)] for t, en, ko, cost, n in RELATIONSHIP_COSTS
    ]
    return [
        "relationship_type",
        "means",
        "means_ko",
        "unit_cost",
        "customers_per_unit",
        "cost_per_customer",
    ], rows


BAG_VOLUMES = [500, 1000, 2000, 3000, 4000, 5000, 6000, 8000, 10000, 12500, 15000, 20000]


def make_unit_costs() -> tuple[list[str], list[list]]:
    """Cost to make and ship one bag: a floor of 8.8 plus a share of the roastery's fixed costs
    that shrinks as the monthly volume grows (economies of scale)."""
    rows = [[bags, f"{8.8 + 160 / bags**0.5:.2f}"] for bags in BAG_VOLUMES]
    return ["monthly_bags", "unit_cost"], rows


def build(out: Path) -> list[Path]:
    """Write every dataset into ``out`` and return the paths, in a fixed order."""
    rng = np.random.default_rng(SEED)
    out.mkdir(parents=True, exist_ok=True)
    customer_columns, customers = make_customers(rng)
    tables = [
        ("customers", customer_columns, customers),
        ("segments", *make_segments(customers)),
        ("channel_funnel", *make_channel_funnel(rng)),
        ("revenue_monthly", *make_revenue_monthly(rng)),
        ("value_survey", *make_value_survey(rng)),
        ("resources", ["resource", "name_ko", "type", "annual_cost", "importance"], RESOURCES),
        ("activities", ["activity", "name_ko", "category", "hours_per_week", "team"], ACTIVITIES),
        (
            "partners",
            ["partner", "name_ko", "partnership_type", "motivation", "annual_value"],
            PARTNERS,
        ),
        (
            "costs",
            ["item", "name_ko", "kind", "amount", "driver"],
            [
                [i, ko, k, one_decimal(a) if isinstance(a, float) else a, d]
                for i, ko, k, a, d in COSTS
            ],
        ),
        ("unit_costs", *make_unit_costs()),
        ("relationship_costs", *make_relationship_costs()),
    ]
    return [
        write_csv(out, name, columns, [list(r) for r in rows]) for name, columns, rows in tables
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description="Write Brewly's lesson datasets (CSV) with a fixed seed."
    )
    parser.add_argument(
        "--out",
        type=Path,
        default=HERE,
        help="folder to write the CSV files into (default: this script's folder)",
    )
    args = parser.parse_args(argv)
    for path in build(args.out):
        print(path)


if __name__ == "__main__":
    main()
