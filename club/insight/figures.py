"""The KPIs, added up from the per-company facts for a scope: the whole club (or an
account manager's portfolio), or one segment of a split (tier, country, account manager,
pilot group). Amounts in different currencies are never added up; each figure is kept
per currency where money is involved.

Definitions (the page and the README say the same, a line each):
- retention: of the companies that bought in the previous period, the share that bought
  again in this one; the others are churned;
- purchase frequency: invoices per buying company per month, per currency;
- average basket: net amount (credit notes deducted) per invoice, per currency;
- uplift: purchases in the 12 months after the admission month against the 12 before it,
  over the companies whose 12 months after ended by the period's end and that bought
  before;
- share of wallet: purchases against the account managers' yearly potential (pro rata
  for a month or a quarter), over the companies that have one; the others are counted as
  missing, never as zero;
- on-time payment rate: of the period's invoices already due, the share paid by the due
  date; points forfeited: pending purchase points lost to late payment;
- programme cost: privileges fulfilled (money value, less the sponsors' shares), plus
  campaign and bonus points given at the value of a point, against revenue and margin;
- liability: available and pending points at the nightly refresh, at the value of a
  point; breakage:
  expired / earned; redemption rate: spent / earned (points, in the period);
- engagement: days people signed in, staff with a passed course / all staff, seats held
  at meetings, attended and no-shows.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from flask_babel import gettext as _

from club.core.formatting import date_
from club.core.periods import Period
from club.insight.facts import Facts, Raw

HUNDRED = Decimal(100)
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Ratio:
    part: Decimal | int
    whole: Decimal | int

    @property
    def percent(self) -> Decimal | None:
        """part / whole in percent, one decimal; None when there is no whole."""
        if not self.whole:
            return None
        return (Decimal(self.part) * HUNDRED / Decimal(self.whole)).quantize(Decimal("0.1"))


@dataclass(frozen=True)
class Settings:
    """The value of a point (in `currency`) and the margin rate, from the configuration."""

    point_value: Decimal
    currency: str
    margin_percent: Decimal


@dataclass(frozen=True)
class UpliftFigure:
    before: Decimal
    after: Decimal
    companies: int

    @property
    def percent(self) -> Decimal | None:
        if not self.before:
            return None
        return ((self.after - self.before) * HUNDRED / self.before).quantize(Decimal("0.1"))


@dataclass
class Figures:
    companies: int = 0  # members in the scope
    buyers: int = 0
    retention: Ratio = Ratio(0, 0)
    net: dict[str, Decimal] = field(default_factory=dict)
    invoices: dict[str, int] = field(default_factory=dict)
    frequency: dict[str, Decimal] = field(default_factory=dict)
    basket: dict[str, Decimal] = field(default_factory=dict)
    on_time: Ratio = Ratio(0, 0)
    forfeited: int = 0
    wallet_share: dict[str, Ratio] = field(default_factory=dict)
    without_potential: int = 0
    uplift: dict[str, UpliftFigure] = field(default_factory=dict)
    privileges: int = 0
    privilege_value: dict[str, Decimal] = field(default_factory=dict)
    cofunded: dict[str, Decimal] = field(default_factory=dict)
    campaign_points: int = 0  # the supplier's own campaigns
    sponsored_points: int = 0  # campaigns a sponsor funds
    bonus_points: int = 0
    cost: Decimal = Decimal("0")  # the supplier's, in the point's currency
    revenue: Decimal = Decimal("0")  # net purchases in the point's currency
    margin: Decimal = Decimal("0")
    liability_points: int = 0
    liability_value: Decimal = Decimal("0")
    earned: int = 0
    expired: int = 0
    spent: int = 0
    sign_in_days: int = 0
    people_signed_in: int = 0
    coverage: Ratio = Ratio(0, 0)
    registered: int = 0
    attended: int = 0
    no_shows: int = 0

    @property
    def churned(self) -> int:
        """Companies that bought in the previous period and not in this one."""
        return int(self.retention.whole) - int(self.retention.part)

    @property
    def cost_of_revenue(self) -> Ratio:
        return Ratio(self.cost, self.revenue)

    @property
    def cost_of_margin(self) -> Ratio:
        return Ratio(self.cost, self.margin)

    @property
    def breakage(self) -> Ratio:
        return Ratio(self.expired, self.earned)

    @property
    def redemption_rate(self) -> Ratio:
        return Ratio(self.spent, self.earned)


def _money_per(amounts: dict[str, Decimal], counts: dict[str, int | Decimal]) -> dict[str, Decimal]:
    return {
        currency: (Decimal(amounts[currency]) / Decimal(counts[currency])).quantize(CENT)
        for currency in sorted(amounts)
        if counts.get(currency)
    }


def compute(raw: Raw, period: Period, settings: Settings) -> Figures:
    """The KPIs of `period` from the sums of one scope (club.insight.facts)."""
    figures = Figures(
        companies=raw.members,
        buyers=raw.buyers,
        retention=Ratio(raw.retained, raw.base),
        net=dict(sorted(raw.net.items())),
        invoices=dict(sorted(raw.invoices.items())),
        on_time=Ratio(raw.on_time, raw.due),
        forfeited=raw.forfeited,
        wallet_share={
            currency: Ratio(net, potential)
            for currency, (net, potential) in sorted(raw.wallet.items())
        },
        without_potential=raw.without_potential,
        uplift={currency: UpliftFigure(*values) for currency, values in sorted(raw.uplift.items())},
        privileges=raw.privileges,
        privilege_value=dict(sorted(raw.privilege_value.items())),
        cofunded=dict(sorted(raw.cofunded.items())),
        campaign_points=raw.campaign - raw.sponsored,
        sponsored_points=raw.sponsored,
        bonus_points=raw.bonus,
        liability_points=raw.liability,
        earned=raw.earned,
        expired=raw.expired,
        spent=raw.spent,
        sign_in_days=raw.sign_in_days,
        people_signed_in=raw.people_signed_in,
        coverage=Ratio(raw.trained, raw.staff),
        registered=raw.registered,
        attended=raw.attended,
        no_shows=raw.no_shows,
    )
    figures.frequency = {
        currency: (
            Decimal(figures.invoices[currency]) / raw.buyers_in[currency] / period.months
        ).quantize(CENT)
        for currency in figures.invoices
        if raw.buyers_in.get(currency)
    }
    figures.basket = _money_per(figures.net, figures.invoices)
    value = settings.point_value
    figures.liability_value = (figures.liability_points * value).quantize(CENT)
    own_privileges = figures.privilege_value.get(settings.currency, Decimal("0")) - (
        figures.cofunded.get(settings.currency, Decimal("0"))
    )
    figures.cost = (
        own_privileges + (figures.campaign_points + figures.bonus_points) * value
    ).quantize(CENT)
    figures.revenue = figures.net.get(settings.currency, Decimal("0"))
    figures.margin = (figures.revenue * settings.margin_percent / HUNDRED).quantize(CENT)
    return figures


@dataclass(frozen=True)
class SponsorFigure:
    sponsor: str
    cofunded: dict[str, Decimal]  # privileges' value the sponsor pays, by currency
    points: int  # campaign points the sponsor funds
    value: Decimal  # those points at the value of a point


def sponsors(facts: Facts, period: Period, settings: Settings) -> list[SponsorFigure]:
    """Per sponsor: its share of the privileges fulfilled and the campaign points it funds."""
    index = facts.index(period)
    return [
        SponsorFigure(
            sponsor,
            dict(sorted(cofunded.items())),
            points,
            (points * settings.point_value).quantize(CENT),
        )
        for (sponsor, at), (points, cofunded) in sorted(facts.sponsors.items())
        if at == index
    ]


# --- splits -------------------------------------------------------------------------------

SPLITS = ("tier", "country", "manager", "pilot")


def split_label(split: str) -> str:
    return {
        "tier": _("Tier"),
        "country": _("Country"),
        "manager": _("Account manager"),
        "pilot": _("Pilot group"),
    }[split]


def split_definition(split: str, as_of: date | None) -> str:
    """The split's one-line definition: segments are as the refresh read them."""
    if as_of is None:
        return _("Not summarised yet: the nightly refresh fills these figures.")
    day = date_(as_of)
    return {
        "tier": _(
            "Companies by tier, segments as of %(date)s: each company's tier when the "
            "nightly refresh last summarised the period.",
            date=day,
        ),
        "country": _(
            "Companies by country, segments as of %(date)s: each company's country when the "
            "nightly refresh last summarised the period.",
            date=day,
        ),
        "manager": _(
            "Companies by account manager, segments as of %(date)s: each company's account "
            "manager when the nightly refresh last summarised the period.",
            date=day,
        ),
        "pilot": _(
            "The pilot group against the rest, segments as of %(date)s: each company's "
            "pilot flag when the nightly refresh last summarised the period.",
            date=day,
        ),
    }[split]


def segment_label(facts: Facts, key) -> tuple:
    """How a segment of the split is named, and where it stands in the list."""
    split = facts.split
    if split == "tier":
        order = list(facts.tiers)
        if key is None:
            return (len(order), _("No tier"))
        return (order.index(key) if key in order else 0, facts.tiers.get(key, "?"))
    if split == "country":
        return (0, key or "?")
    if split == "manager":
        if key is None:
            return (1, _("No account manager"))
        return (0, facts.managers.get(key, "?"))
    return (0, _("Pilot group")) if key else (1, _("The rest"))


def segments(facts: Facts) -> list[tuple[str, object]]:
    """The split's segments: (label, key), in a stable order."""
    named = sorted(((segment_label(facts, key), key) for key in facts.keys), key=lambda x: x[0])
    return [(label, key) for (_order, label), key in named]
