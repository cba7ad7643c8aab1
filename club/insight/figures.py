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
- liability: available and pending points now, at the value of a point; breakage:
  expired / earned; redemption rate: spent / earned (points, in the period);
- engagement: days people signed in, staff with a passed course / all staff, seats held
  at meetings, attended and no-shows.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from flask_babel import gettext as _

from club.core.periods import Period
from club.insight.facts import CompanyRow, Facts

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
    churned: list[int] = field(default_factory=list)
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


def compute(
    facts: Facts,
    period: Period,
    scope: Iterable[int],
    settings: Settings,
    potentials: dict[int, list],
) -> Figures:
    """The KPIs of `period` (one of facts.periods, its previous one loaded too) over the
    companies `scope`. `potentials`: company -> [(amount, currency)] for the period's year."""
    index = facts.index(period)
    previous = facts.index(period.previous())
    scope = [company_id for company_id in scope if company_id in facts.companies]
    sales, before = facts.sales[index], facts.sales[previous]
    figures = Figures()

    buyers: dict[str, int] = defaultdict(int)
    for company_id in scope:
        company = facts.companies[company_id]
        figures.companies += company.is_member
        bought = sales.get(company_id, {})
        if any(row.invoices for row in bought.values()):
            figures.buyers += 1
        for currency, row in bought.items():
            figures.net[currency] = figures.net.get(currency, Decimal("0")) + row.net
            figures.invoices[currency] = figures.invoices.get(currency, 0) + row.invoices
            buyers[currency] += row.invoices > 0
            figures.on_time = Ratio(
                figures.on_time.part + row.on_time, figures.on_time.whole + row.due
            )
    figures.frequency = {
        currency: (Decimal(figures.invoices[currency]) / buyers[currency] / period.months).quantize(
            CENT
        )
        for currency in sorted(figures.invoices)
        if buyers[currency]
    }
    figures.basket = _money_per(figures.net, figures.invoices)

    # Retention: bought in the previous period, and again in this one.
    base = [c for c in scope if any(row.invoices for row in before.get(c, {}).values())]
    kept = [c for c in base if any(row.invoices for row in sales.get(c, {}).values())]
    figures.retention = Ratio(len(kept), len(base))
    figures.churned = sorted(set(base) - set(kept), key=lambda c: facts.companies[c].name)

    # Share of wallet, over the companies with a potential (pro rata for the period).
    wallet: dict[str, list[Decimal]] = defaultdict(lambda: [Decimal("0"), Decimal("0")])
    for company_id in scope:
        found = potentials.get(company_id)
        if not found:
            figures.without_potential += facts.companies[company_id].is_member
            continue
        for amount, currency in found:
            share = wallet[currency]
            share[1] += Decimal(amount) * period.months / 12
            row = sales.get(company_id, {}).get(currency)
            share[0] += row.net if row else Decimal("0")
    figures.wallet_share = {
        currency: Ratio(part, whole) for currency, (part, whole) in sorted(wallet.items())
    }

    # Uplift after admission, for the companies whose year after has ended.
    in_scope = set(scope)
    uplift: dict[str, list] = defaultdict(lambda: [Decimal("0"), Decimal("0"), 0])
    for company_id, currency, before_total, after_total, complete_on in facts.uplift:
        if company_id in in_scope and complete_on <= period.following_start and before_total > 0:
            totals = uplift[currency]
            totals[0] += before_total
            totals[1] += after_total
            totals[2] += 1
    figures.uplift = {
        currency: UpliftFigure(*values) for currency, values in sorted(uplift.items())
    }

    # Points moved in the period, and what they are worth.
    for company_id in scope:
        earned, campaign, bonus, expired, forfeited, spent = facts.points[index].get(
            company_id, (0, 0, 0, 0, 0, 0)
        )
        sponsored = sum(facts.sponsored_points[index].get(company_id, {}).values())
        figures.earned += earned
        figures.expired += expired
        figures.spent += spent
        figures.forfeited += forfeited
        figures.bonus_points += bonus
        figures.sponsored_points += sponsored
        figures.campaign_points += campaign - sponsored
        available, pending = facts.wallets.get(company_id, (0, 0))
        figures.liability_points += available + pending
        for currency, given in facts.fulfilled[index].get(company_id, {}).items():
            figures.privileges += given.count
            figures.privilege_value[currency] = (
                figures.privilege_value.get(currency, Decimal("0")) + given.value
            )
            figures.cofunded[currency] = figures.cofunded.get(currency, Decimal("0")) + sum(
                given.sponsored.values(), Decimal("0")
            )
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

    # Engagement.
    staff = passed = 0
    for company_id in scope:
        days, people = facts.sign_ins[index].get(company_id, (0, 0))
        figures.sign_in_days += days
        figures.people_signed_in += people
        registered, attended, no_shows = facts.meetings[index].get(company_id, (0, 0, 0))
        figures.registered += registered
        figures.attended += attended
        figures.no_shows += no_shows
        everyone, with_pass = facts.training[index].get(company_id, (0, 0))
        staff += everyone
        passed += with_pass
    figures.coverage = Ratio(passed, staff)
    return figures


@dataclass(frozen=True)
class SponsorFigure:
    sponsor: str
    cofunded: dict[str, Decimal]  # privileges' value the sponsor pays, by currency
    points: int  # campaign points the sponsor funds
    value: Decimal  # those points at the value of a point


def sponsors(facts: Facts, period: Period, scope: Iterable[int], settings: Settings):
    """Per sponsor: its share of the privileges fulfilled and the campaign points it funds."""
    index = facts.index(period)
    cofunded: dict[str, dict[str, Decimal]] = defaultdict(dict)
    funded: dict[str, int] = defaultdict(int)
    for company_id in scope:
        for currency, given in facts.fulfilled[index].get(company_id, {}).items():
            for sponsor, part in given.sponsored.items():
                cofunded[sponsor][currency] = cofunded[sponsor].get(currency, Decimal("0")) + part
        for sponsor, points in facts.sponsored_points[index].get(company_id, {}).items():
            funded[sponsor] += points
    return [
        SponsorFigure(
            sponsor,
            dict(sorted(cofunded.get(sponsor, {}).items())),
            funded.get(sponsor, 0),
            (funded.get(sponsor, 0) * settings.point_value).quantize(CENT),
        )
        for sponsor in sorted(set(cofunded) | set(funded))
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


def segments(facts: Facts, split: str) -> list[tuple[str, list[int]]]:
    """The companies grouped by `split`: (label, company ids), in a stable order."""
    key: Callable[[CompanyRow], tuple]
    if split == "tier":
        order = {tier_id: position for position, tier_id in enumerate(facts.tiers)}

        def key(company):
            if company.tier_id is None:
                return (len(order), _("No tier"))
            return (order.get(company.tier_id, 0), facts.tiers.get(company.tier_id, "?"))
    elif split == "country":

        def key(company):
            return (0, company.country)
    elif split == "manager":

        def key(company):
            if company.account_manager_id is None:
                return (1, _("No account manager"))
            return (0, facts.managers.get(company.account_manager_id, "?"))
    else:

        def key(company):
            return (0, _("Pilot group")) if company.is_pilot else (1, _("The rest"))

    groups: dict[tuple, list[int]] = defaultdict(list)
    for company in facts.companies.values():
        groups[key(company)].append(company.id)
    return [(label, ids) for (_order, label), ids in sorted(groups.items())]
