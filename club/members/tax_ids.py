"""A company's tax id: checked for its country, compacted, and the companies it names.

`Company.tax_id` holds what `normalize_tax_id` returns: the id without separators or a
country prefix, in upper case. Ids that come from outside (an ERP's export, the API's
URLs) are compacted the same way before they are looked up.

A company is named by its country and tax id together: national numbering schemes
overlap, so the same digits may belong to a Polish and a German company. A VAT prefix
("PL5260250274", "EL094014201") names the country too (`split_tax_id`).
"""

from __future__ import annotations

from collections.abc import Sequence

import stdnum
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session
from stdnum.exceptions import ValidationError as StdnumValidationError

from club.core.countries import is_country
from club.members.errors import InvalidTaxId
from club.members.models import Company


def compact_tax_id(text: str) -> str:
    """Its letters and digits, upper case: "pl 526-025-02-74" -> "PL5260250274"."""
    return "".join(filter(str.isalnum, text.upper()))


def without_country_prefix(compact: str) -> str:
    """A compact id without the two letters of a VAT prefix: "PL5260250274" ->
    "5260250274". Letters followed by a letter are part of the id ("ATU12345678")."""
    if len(compact) > 2 and compact[:2].isalpha() and compact[2].isdigit():
        return compact[2:]
    return compact


# VAT prefixes that are not the country's ISO code: Greece writes EL.
_VAT_PREFIX_COUNTRIES = {"EL": "GR"}


def split_tax_id(text: str) -> tuple[str | None, str]:
    """A tax id as written, as (the country its VAT prefix names, or None; the compact id
    without the prefix): "PL 526-025-02-74" -> ("PL", "5260250274"), "EL094014201" ->
    ("GR", "094014201"), "526-025-02-74" -> (None, "5260250274")."""
    compact = compact_tax_id(text)
    bare = without_country_prefix(compact)
    if bare == compact:
        return None, bare
    prefix = compact[:2]
    country = _VAT_PREFIX_COUNTRIES.get(prefix, prefix)
    return (country if is_country(country) else None), bare


def normalize_tax_id(country: str, raw: str) -> str:
    """Check a tax id for its country and return its compact form.

    PL: NIP with its checksum; RU: INN (10 or 12 digits) with its checksums; other
    countries: their VAT number where python-stdnum knows it, else 4-20 letters or digits.
    The country must be an ISO 3166-1 alpha-2 code (club.core.countries).
    """
    country = (country or "").strip().upper()
    if not is_country(country):
        raise InvalidTaxId(
            _("Choose a country: an ISO 3166 code such as PL, DE or RU."), field="country"
        )
    value = (raw or "").strip()
    if not value:
        raise InvalidTaxId(_("Enter the tax id."), field="tax_id")
    module = {"PL": "pl.nip", "RU": "ru.inn"}.get(country)
    try:
        if module:
            return stdnum.get_cc_module(country.lower(), module.split(".")[1]).validate(value)
        vat = stdnum.get_cc_module(country.lower(), "vat")
        if vat is not None:
            return vat.validate(value)
    except StdnumValidationError:
        if country == "PL":
            message = _(
                "This is not a valid Polish NIP: it needs 10 digits and a valid check digit."
            )
        elif country == "RU":
            message = _("This is not a valid INN: it needs 10 or 12 digits and valid check digits.")
        else:
            message = _("This is not a valid tax id for the chosen country.")
        raise InvalidTaxId(message, field="tax_id") from None
    compact = compact_tax_id(value)
    if not 4 <= len(compact) <= 20:
        raise InvalidTaxId(_("A tax id has 4 to 20 letters or digits."), field="tax_id")
    return compact


def companies_with_tax_id(
    session: Session, tax_id: str, *, country: str | None = None, limit: int | None = None
) -> Sequence[Company]:
    """The companies whose stored tax id is `tax_id` (compact), in `country` unless it
    is None."""
    query = select(Company).where(Company.tax_id == tax_id)
    if country is not None:
        query = query.where(Company.country == country.upper())
    return session.scalars(query.limit(limit)).all()


def company_ids_by_country_and_tax_id(session: Session) -> dict[tuple[str, str], list[int]]:
    """Every company's id by (country, stored tax id), for matching many lines at once.
    The pair is unique (Company's constraint), so each list has one id; a caller still
    refuses a list of two rather than pick one."""
    found: dict[tuple[str, str], list[int]] = {}
    for country, tax_id, company_id in session.execute(
        select(Company.country, Company.tax_id, Company.id).order_by(Company.id)
    ):
        found.setdefault((country, tax_id), []).append(company_id)
    return found
