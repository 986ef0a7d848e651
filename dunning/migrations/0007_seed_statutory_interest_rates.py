"""Seed the statutory interest regimes and their rate tables, as researched on 2026-12-04.

A row is marked unverified when its figure was derived from the ECB or
Bank of England rate, recalled from memory, or found in a single unofficial
source. Calculations use such rows and flag them; an administrator confirms
or corrects them on the dashboard's interest-rate page.
"""

import datetime as dt
from decimal import Decimal

from django.db import migrations

HALF_YEARS_2017_2022 = [dt.date(year, month, 1) for year in range(2017, 2023) for month in (1, 7)]

NL_CONSUMER = [
    ("2015-01-01", "2", "advocatenkantooroste.nl (3% to 2%)", True),
    ("2015-07-01", "2", "Rentetool table", True),
    ("2016-01-01", "2", "Rentetool table", True),
    ("2016-07-01", "2", "Rentetool table", True),
    *[(day.isoformat(), "2", "Rentetool; rijksoverheid.nl (2%)", True) for day in HALF_YEARS_2017_2022],
    ("2023-01-01", "4", "Rentetool table", True),
    ("2023-07-01", "6", "kerckhoffsadvocaten.nl", True),
    ("2024-01-01", "7", "feitsmaverhagen.nl (Stb. 2023, 484); nl.wikipedia", True),
    ("2024-07-01", "7", "mijn.metaalunie.nl", True),
    ("2025-01-01", "6", "Rentetool table", True),
    (
        "2025-07-01",
        "6",
        "Rentetool shows 6%, but ECB 2.40 + 2.25 rounded to a whole percent gives 5%; check the Staatsblad",
        False,
    ),
    ("2026-01-01", "4", "Rentetool; ECB 2.15 + 2.25 rounded to a whole percent gives 4%; check the Staatsblad", False),
]

NL_COMMERCIAL = [
    ("2015-01-01", "8.05", "advocatenkantooroste.nl (8.15% to 8.05%)", True),
    ("2015-07-01", "8.05", "Rentetool table", True),
    ("2016-01-01", "8.05", "Rentetool table", True),
    ("2016-07-01", "8.00", "ECB 0.00 + 8 points", True),
    *[(day.isoformat(), "8.00", "Rentetool; rijksoverheid.nl (8%)", True) for day in HALF_YEARS_2017_2022],
    ("2023-01-01", "10.50", "Rentetool; ECB 2.50 + 8 points", True),
    ("2023-07-01", "12.00", "kerckhoffsadvocaten.nl", True),
    ("2024-01-01", "12.50", "feitsmaverhagen.nl (Stb. 2023, 484); nl.wikipedia", True),
    ("2024-07-01", "12.25", "mijn.metaalunie.nl", True),
    ("2025-01-01", "11.15", "Rentetool; ECB 3.15 + 8 points", True),
    ("2025-07-01", "10.15", "Rentetool table", True),
    ("2026-01-01", "10.15", "Rentetool; ECB rate 2.15% confirmed by brusselstimes.com (2026-02-05)", True),
    ("2026-07-01", "10.40", "A single public code comment claims ECB 2.40 + 8 points; not confirmed", False),
]

BE_BUSINESS = [
    ("2015-01-01", "8.5", "etaamb.openjustice.be; vanostaeyen.eu (ECB 0.05 + 8, rounded up to the half point)", True),
    ("2016-01-01", "8.5", "Derived: ECB 0.05 + 8 points, rounded up to the half point", False),
    ("2016-07-01", "8.0", "etaamb.openjustice.be; vanostaeyen.eu", True),
    *[(day.isoformat(), "8.0", "etaamb.openjustice.be; vanostaeyen.eu (8%)", True) for day in HALF_YEARS_2017_2022],
    ("2023-01-01", "10.5", "Official publication of FOD Financiën (etaamb.openjustice.be)", True),
    ("2023-07-01", "12.0", "Derived: ECB 4.00 + 8 points, rounded up to the half point", False),
    ("2024-01-01", "12.5", "Derived: ECB 4.50 + 8 points, rounded up to the half point", False),
    ("2024-07-01", "12.5", "legaleyes.be (12.5%); derived from ECB 4.25 + 8 points", False),
    ("2025-01-01", "11.5", "Derived: ECB 3.15 + 8 points, rounded up to the half point", False),
    ("2025-07-01", "10.5", "Derived: ECB 2.15 + 8 points, rounded up to the half point", False),
    ("2026-01-01", "10.5", "Derived: ECB 2.15 + 8 points, rounded up to the half point", False),
]

FR_BUSINESS = [
    ("2024-01-01", "14.50", "Derived: ECB rate + 10 points", False),
    ("2024-07-01", "14.25", "Derived: ECB rate + 10 points", False),
    ("2025-01-01", "13.15", "Derived: ECB rate + 10 points", False),
    ("2025-07-01", "12.15", "Derived: ECB rate + 10 points", False),
    ("2026-01-01", "12.15", "Derived: ECB rate + 10 points", False),
]

# (effective from, Basiszinssatz, source, verified); the regimes add 5 or 9 points.
DE_BASE_RATES = [
    ("2015-01-01", "-0.83", "boersen-zeitung.de", True),
    ("2016-07-01", "-0.88", "boersen-zeitung.de; stb-bruns.com", True),
    *[(day.isoformat(), "-0.88", "boersen-zeitung.de; stb-bruns.com", True) for day in HALF_YEARS_2017_2022],
    ("2023-01-01", "1.62", "stb-bruns.com", True),
    ("2023-07-01", "3.12", "Derived from the ECB rate 4.00", False),
    ("2024-01-01", "3.62", "Derived from the ECB rate 4.50", False),
    ("2024-07-01", "3.37", "Derived from the ECB rate 4.25", False),
    ("2025-01-01", "2.27", "Derived from the ECB rate 3.15", False),
    ("2025-07-01", "1.27", "Derived from the ECB rate 2.15", False),
    ("2026-01-01", "1.27", "digitalverkehr.com; state-of.biz (Bundesbank)", True),
    ("2026-07-01", "1.52", "A single public code comment; not confirmed", False),
]

# Reference rates by the half-year in which a debt falls due: base rate on 31 Dec or 30 Jun + 8 points.
UK_REFERENCE_RATES = [
    ("2024-01-01", "13.25", "Base rate 5.25% on 31 Dec 2023 + 8 points, from memory", False),
    ("2024-07-01", "13.25", "Base rate 5.25% on 30 Jun 2024 + 8 points, from memory", False),
    ("2025-01-01", "12.75", "Base rate 4.75% on 31 Dec 2024 + 8 points, from memory", False),
    ("2025-07-01", "12.25", "Base rate 4.25% on 30 Jun 2025 + 8 points, from memory", False),
    (
        "2026-01-01",
        "11.75",
        "Base rate 3.75% on 31 Dec 2025 (cut on 18 Dec 2025; capitalpost.uk, bpuaccountants.co.uk) + 8 points",
        True,
    ),
    ("2026-07-01", "11.75", "Base rate 3.75% on 30 Jun 2026 claimed + 8 points; not confirmed", False),
]


def _plus(rows, points: str):
    return [
        (day, str(Decimal(base) + Decimal(points)), f"Basiszinssatz {base} + {points} ({source})", verified)
        for day, base, source, verified in rows
    ]


REGIMES = [
    ("nl-consumer", "NL", "consumer", "Art. 6:119 BW", "yearly", "running", NL_CONSUMER),
    ("nl-commercial", "NL", "business", "Art. 6:119a BW", "yearly", "running", NL_COMMERCIAL),
    (
        "be-business",
        "BE",
        "business",
        "Wet van 2 augustus 2002, art. 5 (ECB rate + 8 points, rounded up to the half point)",
        "simple",
        "running",
        BE_BUSINESS,
    ),
    (
        "be-consumer",
        "BE",
        "consumer",
        "Boek XIX WER: at most the rate of art. 5 Wet van 2 augustus 2002, and only as agreed",
        "simple",
        "running",
        BE_BUSINESS,
    ),
    ("fr-business", "FR", "business", "Code de commerce, art. L441-10 II (ECB rate + 10 points)", "simple", "running", FR_BUSINESS),
    ("de-consumer", "DE", "consumer", "§ 288(1) BGB (Basiszinssatz + 5 points)", "simple", "running", _plus(DE_BASE_RATES, "5")),
    ("de-business", "DE", "business", "§ 288(2) BGB (Basiszinssatz + 9 points)", "simple", "running", _plus(DE_BASE_RATES, "9")),
    (
        "gb-business",
        "GB",
        "business",
        "Late Payment of Commercial Debts (Interest) Act 1998 (reference rate + 8 points, fixed per debt)",
        "simple",
        "due_date",
        UK_REFERENCE_RATES,
    ),
]


def seed(apps, schema_editor):
    InterestRegime = apps.get_model("dunning", "InterestRegime")
    InterestRate = apps.get_model("dunning", "InterestRate")
    for code, country, debtor_kind, legal_basis, capitalisation, rate_fixing, rows in REGIMES:
        regime = InterestRegime.objects.create(
            code=code,
            country=country,
            debtor_kind=debtor_kind,
            legal_basis=legal_basis,
            day_count="act_365",
            capitalisation=capitalisation,
            rate_fixing=rate_fixing,
        )
        InterestRate.objects.bulk_create(
            InterestRate(
                regime=regime,
                effective_from=dt.date.fromisoformat(day),
                rate=Decimal(rate),
                source=source,
                verified=verified,
            )
            for day, rate, source, verified in rows
        )


def unseed(apps, schema_editor):
    InterestRegime = apps.get_model("dunning", "InterestRegime")
    InterestRegime.objects.filter(code__in=[regime[0] for regime in REGIMES]).delete()


class Migration(migrations.Migration):
    dependencies = [("dunning", "0006_interest_regime_and_rate")]

    operations = [migrations.RunPython(seed, unseed)]
