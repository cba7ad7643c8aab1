"""The demo catalogue: the privileges the field reports describe, and a few redemptions
in every state, so the queue, the timeline and the reports have something to show."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from club.catalog import services as catalog
from club.catalog.models import Privilege, PrivilegeKind, RedemptionStatus
from club.core.periods import club_today
from club.core.roles import Role
from club.ledger.services import wallet_to_read
from club.members.models import User

PRIVILEGES = [
    # title, category, points, money value, lead days, extra fields
    (
        "Commercial proposal drafting",
        "sales",
        1500,
        "2400.00",
        14,
        {
            "summary": "Our sales team drafts a commercial proposal for one of your key clients.",
            "description": "You tell us the client and the need; a senior sales engineer "
            "prepares a complete proposal with product selection, prices and a cover letter "
            "in your company's name.\n\n- one proposal, up to 20 positions\n- two rounds of "
            "changes\n- delivered as an editable document",
            "brief": [
                {"key": "client", "label": "The client (company and industry)", "type": "text"},
                {"key": "need", "label": "What the client needs", "type": "textarea"},
                {"key": "deadline", "label": "When you need it", "type": "date"},
            ],
        },
    ),
    (
        "Copywriting for your web site",
        "marketing",
        900,
        "1200.00",
        10,
        {
            "summary": "Product texts or a landing page written by a professional copywriter.",
            "description": "Texts that sell our products on your site, written for your "
            "customers and checked for SEO.",
            "brief": [
                {"key": "site", "label": "Your web site", "type": "url"},
                {"key": "topic", "label": "Topic", "type": "text"},
                {"key": "words", "label": "Length in words", "type": "number", "required": False},
            ],
            "sponsor": "LuxLight S.A.",
            "sponsor_share_percent": 30,
        },
    ),
    (
        "Online marketing research",
        "marketing",
        1200,
        "1800.00",
        21,
        {
            "summary": "What your customers search for and how your competitors answer it.",
            "brief": [{"key": "market", "label": "Region and customer group", "type": "text"}],
        },
    ),
    (
        "SEO for your web site",
        "marketing",
        2000,
        "3000.00",
        30,
        {
            "summary": "A technical audit and three months of search optimisation.",
            "brief": [{"key": "site", "label": "Your web site", "type": "url"}],
            "capacity_per_quarter": 5,
        },
    ),
    (
        "Sales training for your team",
        "training",
        2500,
        "4000.00",
        30,
        {
            "summary": "A one-day workshop on selling our product lines, at your premises.",
            "brief": [
                {"key": "people", "label": "How many people", "type": "number"},
                {"key": "city", "label": "Where", "type": "text"},
            ],
            "capacity_per_quarter": 3,
        },
    ),
    (
        "Product photography for your catalogue",
        "marketing",
        1000,
        "1500.00",
        14,
        {
            "summary": "Up to 30 studio photos of the products you sell, with usage rights.",
            "brief": [{"key": "products", "label": "Which products", "type": "textarea"}],
            "sponsor": "LuxLight S.A.",
            "sponsor_share_percent": 50,
        },
    ),
    (
        "Trip to Light + Building, Frankfurt",
        "travel",
        9000,
        "9500.00",
        45,
        {
            "summary": "Two days at the international trade fair with the supplier's team.",
            "brief": [
                {
                    "key": "traveller",
                    "label": "Traveller's full name (as in the passport)",
                    "type": "text",
                },
                {"key": "dates", "label": "Preferred dates", "type": "text"},
            ],
            "stock": 4,
        },
    ),
    (
        "E-voucher 200 PLN",
        "vouchers",
        400,
        "200.00",
        2,
        {
            "summary": "A voucher for a popular online shop: the code comes by e-mail and "
            "on the redemption page.",
            "brief": [],
            "kind": PrivilegeKind.E_VOUCHER,
            "pool_threshold": 3,
        },
    ),
    (
        "Club polo shirt",
        "marketing",
        350,
        "120.00",
        10,
        {
            "summary": "A branded polo shirt for your shop team, delivered by courier.",
            "brief": [],
            "kind": PrivilegeKind.GOOD,
            "variants": [("S", 5), ("M", 10), ("L", 10), ("XL", 5)],
            "weight_grams": 300,
            "parcel_size": "S",
        },
    ),
    (
        "Post-sale rebate 500 PLN",
        "rebates",
        1000,
        "500.00",
        7,
        {
            "summary": "Points turned into a credit on your next invoice.",
            "brief": [
                {
                    "key": "note",
                    "label": "Invoice note (optional)",
                    "type": "text",
                    "required": False,
                }
            ],
        },
    ),
    (
        # Tried with the pilot group before it goes to every member.
        "Google Business profile set-up",
        "marketing",
        600,
        "700.00",
        7,
        {
            "summary": "Your company's Google Business profile set up and its first photos "
            "posted, so local customers find you (pilot group).",
            "brief": [{"key": "address", "label": "Shop or showroom address", "type": "text"}],
            "is_pilot_only": True,
        },
    ),
]


def load_catalogue(session: Session, *, manager: User, now: datetime) -> list[Privilege]:
    made = []
    for title, category, points, value, lead, extra in PRIVILEGES:
        fields = dict(extra)
        fields.setdefault("brief", [])
        made.append(
            catalog.save_privilege(
                session,
                None,
                actor=manager,
                now=now - timedelta(days=300),
                title=title,
                category=category,
                points_cost=points,
                money_value=Decimal(value),
                lead_time_days=lead,
                **fields,
            )
        )
    for privilege in made:
        if privilege.kind == PrivilegeKind.E_VOUCHER:
            load_codes(session, privilege, manager=manager, now=now)
    return made


DEMO_CODES = 8
DEMO_ADDRESS = catalog.Delivery(
    "Hurtownia Żak\nul. Przemysłowa 12\n05-800 Pruszków", "+48 600 100 200"
)


def load_codes(session: Session, privilege: Privilege, *, manager: User, now: datetime) -> None:
    """The e-voucher's pool, uploaded as the club manager would (a CSV file)."""
    until = (club_today(now) + timedelta(days=365)).isoformat()
    rows = [
        f"SHOP200-{1000 + n}-{(n * 7919) % 10000:04d},{1000 + n},200.00,{until}"
        for n in range(DEMO_CODES)
    ]
    data = ("code,pin,value,expiry\n" + "\n".join(rows) + "\n").encode()
    catalog.load_pool(session, privilege, data, actor=manager, now=now - timedelta(days=90))


def play_redemptions(
    session: Session, privileges: list[Privilege], *, manager: User, now: datetime
) -> None:
    """A handful of redemptions by the richest account holders, in every state."""
    by_title = {privilege.title: privilege for privilege in privileges}
    holders = session.scalars(select(User).where(User.role == Role.ACCOUNT_HOLDER)).all()
    answers = {
        "client": "Hotel Zamek, hospitality",
        "need": "Lighting for 120 rooms",
        "deadline": (club_today(now) + timedelta(days=20)).isoformat(),
        "site": "https://example.com",
        "topic": "LED panels for offices",
        "products": "LED panels, track lights",
        "market": "Mazowsze, electrical installers",
    }
    plans = [
        (
            "Commercial proposal drafting",
            40,
            [RedemptionStatus.APPROVED, RedemptionStatus.FULFILLED],
        ),
        # Approving an e-voucher assigns its code and fulfils it.
        ("E-voucher 200 PLN", 60, [RedemptionStatus.APPROVED]),
        ("E-voucher 200 PLN", 25, [RedemptionStatus.APPROVED]),
        (
            "Copywriting for your web site",
            20,
            [RedemptionStatus.APPROVED, RedemptionStatus.IN_PROGRESS],
        ),
        ("E-voucher 200 PLN", 10, [RedemptionStatus.REJECTED]),
        ("E-voucher 200 PLN", 1, []),
        # One polo shirt shipped with its tracking number, one waiting to be shipped.
        ("Club polo shirt", 30, [RedemptionStatus.APPROVED, "shipped"]),
        ("Club polo shirt", 3, [RedemptionStatus.APPROVED]),
    ]
    # The first demo holder's points are left untouched, for trying redemption out.
    others = [holder for holder in holders if holder.email != "holder@zak.example"]
    richest = sorted(
        others, key=lambda holder: -wallet_to_read(session, holder.company_id).available
    )
    for index, (title, days_ago, steps) in enumerate(plans):
        privilege = by_title[title]
        able = [
            holder
            for holder in richest[index % 3 :] + richest[: index % 3]
            if wallet_to_read(session, holder.company_id).available >= privilege.points_cost
        ]
        if not able:
            continue
        holder = able[0]
        when = now - timedelta(days=days_ago)
        delivery = None
        if privilege.kind == PrivilegeKind.GOOD:
            delivery = catalog.Delivery(
                DEMO_ADDRESS.address, DEMO_ADDRESS.phone, privilege.variants[1].id
            )
        redemption = catalog.redeem(
            session, privilege, actor=holder, answers=answers, delivery=delivery, now=when
        )
        _play_steps(session, redemption, steps, manager=manager, when=when)


def _play_steps(session: Session, redemption, steps, *, manager: User, when: datetime) -> None:
    """The club manager moves the redemption two days apart per step ("shipped": a good
    leaves with its tracking number)."""
    for number, step in enumerate(steps, start=1):
        moment = when + timedelta(days=2 * number)
        if step == "shipped":
            tracking = f"6200{redemption.id:06d}"
            catalog.ship(
                session,
                redemption,
                carrier="InPost",
                tracking_number=tracking,
                actor=manager,
                now=moment,
            )
            continue
        note = (
            "The budget for this quarter is used up; please try again in January."
            if step == RedemptionStatus.REJECTED
            else ""
        )
        catalog.move(session, redemption, step, actor=manager, note=note, now=moment)
