"""Countries as ISO 3166-1 alpha-2 codes: which codes are countries, and their names in
the viewer's language.

The codes are ISO 3166-1's officially assigned ones (249), not every territory the Unicode
CLDR names: its regions and groupings ("001", "EU", "EZ", "UN", "QO"), its unknown region
("ZZ"), pseudo-locales ("XA", "XB"), user-assigned "XK" and the exceptionally reserved
codes ("AC", "CP", "CQ", "DG", "EA", "IC", "TA") are not countries here. The names come
from Babel's territory names (CLDR) in the viewer's language.
"""

from __future__ import annotations

import unicodedata

from babel import Locale

# ISO 3166-1 alpha-2, officially assigned codes.
_ASSIGNED = """
    AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO
    BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ
    DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP
    GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG
    KH KI KM KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML
    MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE
    PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL
    SM SN SO SR SS ST SV SX SY SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM
    US UY UZ VA VC VE VG VI VN VU WF WS YE YT ZA ZM ZW
"""
ISO_COUNTRIES = frozenset(_ASSIGNED.split())

# Where the club's partners usually are: listed first in a country menu.
COMMON_COUNTRIES = ("PL", "RU", "BY", "UA", "LT", "LV", "EE", "DE", "CZ", "SK", "KZ")


def is_country(code: object) -> bool:
    """Whether `code` is an ISO 3166-1 alpha-2 country code, as stored: upper case."""
    return isinstance(code, str) and code in ISO_COUNTRIES


def country_code(text: str | None) -> str | None:
    """`text` as a country code (" pl " -> "PL"), or None when it is not one."""
    code = (text or "").strip().upper()
    return code if is_country(code) else None


def country_name(code: str, locale: Locale | str) -> str:
    """The country's name in `locale` ("DE" -> "Niemcy" in Polish), or the code itself."""
    return _locale(locale).territories.get(code, code)


def country_choices(locale: Locale | str) -> list[tuple[str, str]]:
    """Every country as (code, name in `locale`): the common ones first, then the rest
    in the order of their names."""
    names = _locale(locale).territories
    common = [code for code in COMMON_COUNTRIES if code in ISO_COUNTRIES]
    rest = sorted(
        (code for code in ISO_COUNTRIES if code not in common),
        key=lambda code: (_sort_key(names.get(code, code)), code),
    )
    return [(code, names.get(code, code)) for code in [*common, *rest]]


def _sort_key(name: str) -> str:
    """Near enough to the language's alphabetical order: "Åland" beside "Aland"."""
    letters = unicodedata.normalize("NFKD", name.casefold())
    return "".join(char for char in letters if not unicodedata.combining(char))


def _locale(locale: Locale | str) -> Locale:
    return locale if isinstance(locale, Locale) else Locale.parse(str(locale))
