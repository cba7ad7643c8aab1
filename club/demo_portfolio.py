"""The account manager's workspace in the demo (see club/demo.py): Piotr Nowak's
portfolio tells a story over the last nine weeks, scored by the real nightly job as it
unfolds.

- Hurtownia Elektryczna Żak: the healthy partner (open-ended contract, people signing in,
  a visit logged and its next step done).
- Instalatorstwo Gęś i Syn: drifting away (nobody has signed in for weeks, complaints
  arrive, a next step after a call is overdue); its score falls week by week.
- Apteka Pod Złotym Lwem: its contract ends in six weeks.

Everyone else signs in now and then, so the portfolio is not all red.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from club.core.periods import club_today
from club.core.roles import PARTNER_ROLES
from club.members.models import Company, MembershipStatus, User
from club.portfolio.nightly import score_companies
from club.relations.models import Complaint, ContactKind, ContactLog, Contract

HEALTHY = "Hurtownia Elektryczna Żak sp. z o.o."
DRIFTING = "Instalatorstwo Gęś i Syn"
ENDING = "Apteka Pod Złotym Lwem"
STORY_DAYS = 63  # nine weeks of scores
SEED = 17


def play_portfolio(session: Session, *, manager_email: str, now: datetime) -> None:
    companies = {
        company.name: company
        for company in session.scalars(
            select(Company).where(Company.status != MembershipStatus.LEFT)
        )
    }
    manager = session.scalar(select(User).where(User.email == manager_email))
    if manager is None or not {HEALTHY, DRIFTING, ENDING} <= set(companies):
        return
    today = club_today(now)
    _contracts(session, companies, today)
    _sign_ins(session, companies, now)

    healthy, drifting = companies[HEALTHY], companies[DRIFTING]
    # (days before today, what happened): played in order between the nightly scores.
    story = [
        (
            44,
            lambda: _complaint(
                session, drifting, "RK-2041", "Damaged cable drums in a delivery", today, 44, 30
            ),
        ),
        (
            30,
            lambda: _contact(
                session,
                healthy,
                manager,
                ContactKind.VISIT,
                today - timedelta(days=30),
                "Quarterly visit: they plan a new warehouse in Radom next year.",
                next_step=("Send the catalogue of warehouse lighting", 23, now),
            ),
        ),
        (
            26,
            lambda: _complaint(
                session, drifting, "RK-2077", "Wrong discount on the September invoices", today, 26
            ),
        ),
        (
            12,
            lambda: _contact(
                session,
                drifting,
                manager,
                ContactKind.CALL,
                today - timedelta(days=12),
                "Jerzy Gęś is unhappy with delivery times; a competitor offered him a better "
                "discount.",
                next_step=("Visit with the regional sales lead", 5, None),
            ),
        ),
        (
            4,
            lambda: _complaint(
                session, drifting, "RK-2113", "Late delivery of the November order", today, 4
            ),
        ),
    ]
    days = sorted(
        {*range(STORY_DAYS, 7, -7), *range(7, -1, -1)},
        reverse=True,
    )
    for day in days:
        while story and story[0][0] >= day:
            story.pop(0)[1]()
        session.flush()
        score_companies(session, now=now - timedelta(days=day))


def _contracts(session: Session, companies: dict[str, Company], today) -> None:
    wanted = [
        (HEALTHY, "UM/2024/017", today.replace(day=1) - timedelta(days=700), None),
        (DRIFTING, "UM/2024/031", today - timedelta(days=540), today + timedelta(days=400)),
        (ENDING, "UM/2025/004", today - timedelta(days=320), today + timedelta(days=45)),
    ]
    for name, reference, starts_on, ends_on in wanted:
        company = companies[name]
        has_one = session.scalar(select(Contract.id).where(Contract.company_id == company.id))
        if has_one is None:  # another demo module may have given it its contract
            session.add(
                Contract(
                    company_id=company.id,
                    reference=reference,
                    starts_on=starts_on,
                    ends_on=ends_on,
                )
            )


def _sign_ins(session: Session, companies: dict[str, Company], now: datetime) -> None:
    rng = random.Random(SEED)
    people = session.scalars(
        select(User)
        .where(User.role.in_(PARTNER_ROLES), User.password_hash.is_not(None))
        .order_by(User.id)
    )
    drifting = companies[DRIFTING].id
    for person in people:
        company = companies.get(person.company.name) if person.company else None
        if company is None or company.status != MembershipStatus.MEMBER:
            continue
        if company.id == drifting:
            person.last_login_at = now - timedelta(days=70 + rng.randint(0, 10))
        else:
            person.last_login_at = now - timedelta(days=rng.randint(0, 12), hours=rng.randint(1, 9))


def _complaint(session, company, external_id, subject, today, opened, closed=None) -> None:
    session.add(
        Complaint(
            company_id=company.id,
            external_id=external_id,
            subject=subject,
            opened_on=today - timedelta(days=opened),
            closed_on=None if closed is None else today - timedelta(days=closed),
        )
    )


def _contact(session, company, author, kind, happened_on, note, *, next_step) -> None:
    step, due_in, done_at = next_step
    session.add(
        ContactLog(
            company_id=company.id,
            author_id=author.id,
            kind=kind,
            happened_on=happened_on,
            note=note,
            next_step=step,
            next_step_due=happened_on + timedelta(days=due_in),
            next_step_done_at=done_at,
        )
    )
