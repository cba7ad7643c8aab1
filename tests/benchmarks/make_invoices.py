"""A realistic ERP invoice export for the import benchmark: one month, many companies.

What a Polish ERP's "CSV" of a month's sales looks like (see tests/purchases/data):
UTF-8 with a BOM, `;` between values, Polish headers, a customer-name column the club
does not use (quoted when it holds a `;` or quotes), tax IDs written three ways
("5260250274", "526-025-02-74", "PL5260250274"), dd.mm.yyyy dates, decimal commas with
thousands grouped by a space, `faktura` / `korekta`.

The month (October 2026) has invoices on 14-, 30- and 60-day terms and about 6% credit
notes (mostly written negative, some positive: ERPs do both). The export is taken at
the month's end, so invoices due by then are mostly paid (some late), later ones only
sometimes. How much each company buys is skewed (a few big customers, a long tail), and
every company buys enough to earn points (at least 20 invoices).

Deterministic for a given seed. Run as a script to write a file:

    python tests/benchmarks/make_invoices.py --rows 1000000 --companies 10000 out.csv
"""

from __future__ import annotations

import argparse
import random
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

PERIOD = date(2026, 10, 1)
EXPORTED_ON = date(2026, 10, 31)
HEADER = (
    "Numer;NIP;Kontrahent;Data wystawienia;Termin płatności;Kwota netto;Waluta;Data zapłaty;Rodzaj;"
    "Grupa produktów"
)
# Each line's product group (empty: none); two of them have promotions in the benchmark.
PRODUCT_GROUPS = ("falowniki", "panele", "kable", "konstrukcje", "")
MIN_INVOICES_PER_COMPANY = 20
CREDIT_NOTE_SHARE = 0.06

_NIP_WEIGHTS = (6, 5, 7, 2, 3, 4, 5, 6, 7)
_NAME_WORDS = (
    "Hurtownia",
    "Elektro",
    "Instal",
    "Budmat",
    "Źródło",
    "Łączność",
    "Żuraw",
    "Ślusarz",
    "Technika",
    "Serwis",
    "Energia",
    "Kabel",
)
_FORMS = ("Sp. z o.o.", "S.A.", "s.c.", "Sp. j.", "")


def valid_nip(seed: int) -> str:
    """A Polish NIP with a correct check digit (as tests/conftest.py makes them)."""
    base = seed
    while True:
        digits = f"{base:09d}"[-9:]
        check = sum(int(d) * w for d, w in zip(digits, _NIP_WEIGHTS, strict=True)) % 11
        if check != 10 and digits[0] != "0":
            return digits + str(check)
        base += 1


def companies(count: int, seed: int = 1) -> list[tuple[str, str]]:
    """(name, tax_id) for each company, tax IDs distinct and stored normalised."""
    rng = random.Random(seed)
    seen: set[str] = set()
    result = []
    number = 0
    while len(result) < count:
        number += 1
        nip = valid_nip(100_000_000 + number * 7919)
        if nip in seen:
            continue
        seen.add(nip)
        name = f"{rng.choice(_NAME_WORDS)} {rng.choice(_NAME_WORDS)} {number}"
        form = rng.choice(_FORMS)
        if rng.random() < 0.1:
            name = f'Zakład "{name}"; oddział {rng.randint(1, 9)}'  # needs quoting
        result.append((f"{name} {form}".strip(), nip))
    return result


def _written_tax_id(nip: str, style: int) -> str:
    if style == 0:
        return nip
    if style == 1:
        return f"{nip[:3]}-{nip[3:6]}-{nip[6:8]}-{nip[8:]}"
    return "PL" + nip


def _amount(value: float) -> str:
    """12345.678 -> "12 345,68", as Polish Excel writes it."""
    cents = round(value * 100)
    sign = "-" if cents < 0 else ""
    whole, fraction = divmod(abs(cents), 100)
    return f"{sign}{whole:,}".replace(",", " ") + f",{fraction:02d}"


def _csv_value(text: str) -> str:
    if ";" in text or '"' in text:
        return '"' + text.replace('"', '""') + '"'
    return text


def rows(row_count: int, company_list: list[tuple[str, str]], seed: int = 2) -> Iterator[str]:
    """The data lines (without the header), in issue-date order like a real export."""
    rng = random.Random(seed)
    company_count = len(company_list)
    if row_count < company_count * MIN_INVOICES_PER_COMPANY:
        raise ValueError(
            f"{row_count} rows are too few for {company_count} companies "
            f"(at least {MIN_INVOICES_PER_COMPANY} each)"
        )
    # How many documents each company gets: a floor for everyone, the rest skewed.
    weights = [rng.paretovariate(1.3) for _ in range(company_count)]
    total_weight = sum(weights)
    extra = row_count - company_count * MIN_INVOICES_PER_COMPANY
    counts = [MIN_INVOICES_PER_COMPANY + int(extra * w / total_weight) for w in weights]
    for index in range(row_count - sum(counts)):  # what rounding left over
        counts[index % company_count] += 1
    # Each company's style of writing its tax ID is fixed, as its master data is.
    written = [
        (_csv_value(name), _written_tax_id(nip, rng.choice((0, 0, 1, 2))))
        for name, nip in company_list
    ]
    days_in_month = 31
    # Issue days for every document, then sorted: the export is in date order.
    documents = []
    for company_index, count in enumerate(counts):
        for _ in range(count):
            documents.append((rng.randrange(days_in_month), company_index))
    # Companies interleave within a day, as orders come in.
    rng.shuffle(documents)
    documents.sort(key=lambda document: document[0])
    invoice_number = credit_number = 0
    # Groups drawn from their own generator: the rest of the file is as before.
    group_rng = random.Random(seed + 1)
    groups = PRODUCT_GROUPS
    dates = {
        offset: (PERIOD + timedelta(days=offset)).strftime("%d.%m.%Y") for offset in range(200)
    }
    for day, company_index in documents:
        name, tax_id = written[company_index]
        issued = dates[day]
        if rng.random() < CREDIT_NOTE_SHARE:
            credit_number += 1
            number = f"KOR/2026/10/{credit_number:06d}"
            value = -min(rng.lognormvariate(5.5, 1.0), 50_000)
            if rng.random() < 0.2:
                value = -value  # written positive; the club stores it negative
            group = group_rng.choice(groups)
            yield (
                f"{number};{tax_id};{name};{issued};{issued};{_amount(value)};PLN;;korekta;{group}"
            )
            continue
        invoice_number += 1
        number = f"FV/2026/10/{invoice_number:06d}"
        terms = rng.choice((14, 14, 30, 30, 30, 60))
        due = day + terms
        value = min(rng.lognormvariate(6.6, 1.1), 250_000)
        last_day = days_in_month - 1  # the export is taken on the 31st
        paid = ""
        if due <= last_day:
            chance = rng.random()
            if chance < 0.75:  # on time
                paid = dates[min(rng.randint(day, due), last_day)]
            elif chance < 0.9:  # late, but before the export
                paid = dates[min(due + rng.randint(1, 10), last_day)]
        elif rng.random() < 0.35:  # paid early, before the due date
            paid = dates[rng.randint(day, last_day)]
        group = group_rng.choice(groups)
        yield (
            f"{number};{tax_id};{name};{issued};{dates[due]};{_amount(value)};PLN;{paid};faktura;"
            f"{group}"
        )


def write(path: Path, row_count: int, company_list: list[tuple[str, str]], seed: int = 2) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as out:
        out.write(HEADER + "\r\n")
        for line in rows(row_count, company_list, seed):
            out.write(line + "\r\n")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", type=Path)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--companies", type=int, default=10_000)
    args = parser.parse_args()
    write(args.path, args.rows, companies(args.companies))
    print(f"{args.path}: {args.rows} rows for {args.companies} companies")


if __name__ == "__main__":
    main()
