"""The quarter's best partners: points of a quarter, choosing, finalising, certificates,
verification and the PDFs (Polish and Cyrillic names read back)."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, time, timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from club.audit.models import AuditEntry
from club.awards import services
from club.awards.demo import play_awards
from club.awards.errors import AwardFinalised, AwardsError, QuarterNotOver
from club.awards.models import Distinction, MembershipCertificate, QuarterAward
from club.core import periods
from club.core.clock import as_utc
from club.core.periods import club_zone
from club.ledger import services as ledger
from club.members.models import MembershipStatus
from club.members.tiers import ensure_default_tiers
from club.purchases.models import PurchaseMonth

pytestmark = pytest.mark.one_database  # no database-specific code here (conftest)

AFTER_Q3 = datetime(2026, 10, 15, 9, 0, tzinfo=UTC)
Q3 = periods.quarter_of(date(2026, 9, 1))


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def earn(session, company, points, when, source=("quiz", "1")):
    wallet = ledger.wallet_for(session, company.id)
    ledger.earn(session, wallet, points, source=ledger.Source(*source), earned_at=when, now=when)
    session.commit()


def bought(session, company, period: date, *, earned, forfeited=0, clawed_back=0):
    """A closed purchase month with its pending earning in the ledger (as purchases do)."""
    month = PurchaseMonth(
        company_id=company.id,
        period=period,
        rate=500,
        grace_days=14,
        earned=earned,
        confirmed=0,
        forfeited=forfeited,
        clawed_back=clawed_back,
        closed_at=at("2026-10-01T01:05:00"),
    )
    session.add(month)
    session.flush()
    wallet = ledger.wallet_for(session, company.id)
    # The month's last second in UTC: already the next month (and quarter) in Warsaw.
    following = date(period.year + period.month // 12, period.month % 12 + 1, 1)
    ledger.earn(
        session,
        wallet,
        earned,
        source=ledger.Source("purchase_month", str(month.id)),
        pending=True,
        earned_at=datetime.combine(following, time(0), tzinfo=UTC) - timedelta(seconds=1),
        now=at("2026-10-01T01:05:00"),
    )
    session.commit()


def nothing_written(session) -> bool:
    return (
        session.scalar(select(func.count()).select_from(QuarterAward)) == 0
        and session.scalar(select(func.count()).select_from(Distinction)) == 0
        and session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action.like("awards.%"))
        )
        == 0
    )


# --- quarters -------------------------------------------------------------------------


def test_quarters_are_calendar_quarters_in_the_club_time_zone(app_ctx):
    assert services.checked_quarter(2026, 3).bounds() == (
        at("2026-06-30T22:00"),
        at("2026-09-30T22:00"),
    )
    assert services.checked_quarter(2026, 1).bounds() == (
        at("2025-12-31T23:00"),
        at("2026-03-31T22:00"),
    )
    assert services.checked_quarter(2026, 4).bounds()[1] == at("2026-12-31T23:00")
    # 23:30 on 30 September in Warsaw: Q3 is still on; half an hour later it is over.
    assert periods.this_quarter(at("2026-09-30T21:30")).previous() == periods.quarter(2026, 2)
    assert periods.this_quarter(at("2026-09-30T22:30")).previous() == periods.quarter(2026, 3)
    assert periods.this_quarter(at("2026-01-01T09:00")).previous() == periods.quarter(2025, 4)
    assert periods.is_over(services.checked_quarter(2026, 3), now=at("2026-09-30T22:00"))
    assert not periods.is_over(services.checked_quarter(2026, 3), now=at("2026-09-30T21:59"))
    for year, quarter in ((2026, 0), (2026, 5), (1999, 1), ("2026", 1), (True, 1)):
        with pytest.raises(AwardsError):
            services.checked_quarter(year, quarter)


# --- the suggestion -------------------------------------------------------------------


def test_suggestion_counts_what_was_earned_inside_the_quarter(db_session, club, make_company):
    third = make_company("Apteka Świętokrzyska")
    applicant = make_company("Kandydat", status=MembershipStatus.APPLICANT)
    former = make_company("Były członek", status=MembershipStatus.LEFT)
    # club.company: 100 in Q3; 50 at 00:30 Warsaw on 1 October (Q4, not counted).
    earn(db_session, club.company, 100, at("2026-07-15T10:00"))
    earn(db_session, club.company, 50, at("2026-09-30T22:30"))
    # other_company: 80 at 00:30 Warsaw on 1 July (Q3); 40 at 23:30 on 30 June (Q2);
    # September's purchases: 60 earned, 10 forfeited (unpaid) -> 50, in Q3 although
    # the ledger dates them 30 September 23:59:59 UTC (1 October in Warsaw).
    earn(db_session, club.other_company, 80, at("2026-06-30T22:30"))
    earn(db_session, club.other_company, 40, at("2026-06-30T21:30"))
    bought(db_session, club.other_company, date(2026, 9, 1), earned=60, forfeited=10)
    # June's purchases belong to Q2, whatever their entry says.
    bought(db_session, third, date(2026, 6, 1), earned=500)
    # third: 130 too, reached on 1 August: earlier than other_company's September month.
    earn(db_session, third, 130, at("2026-08-01T08:00"))
    earn(db_session, applicant, 1000, at("2026-08-01T08:00"))
    earn(db_session, former, 1000, at("2026-08-01T08:00"))
    # A manual correction is not an earning.
    ledger.adjust(
        db_session,
        ledger.wallet_for(db_session, club.company.id),
        400,
        reason="correction",
        actor=club.club_manager,
        now=at("2026-08-02T08:00"),
    )
    db_session.commit()

    best = services.suggest_best(db_session, 2026, 3)
    assert [(s.company.name, s.points) for s in best] == [
        ("Apteka Świętokrzyska", 130),
        ("ООО «Другая»", 130),
        ("Hurtownia Żak", 100),
    ]
    assert [s.company.name for s in services.suggest_best(db_session, 2026, 3, limit=1)] == [
        "Apteka Świętokrzyska"
    ]
    q2 = {s.company.name: s.points for s in services.suggest_best(db_session, 2026, 2)}
    assert q2 == {"Apteka Świętokrzyska": 500, "ООО «Другая»": 40}
    q4 = services.suggest_best(db_session, 2026, 4)
    assert [(s.company.name, s.points) for s in q4] == [("Hurtownia Żak", 50)]
    # Per tier: only the companies holding it (a member never requalified holds the lowest).
    ladder = {tier.code: tier for tier in ensure_default_tiers(db_session)}
    club.other_company.tier = ladder["silver"]
    db_session.flush()
    silver = services.suggest_best(db_session, 2026, 3, tier=ladder["silver"])
    assert [s.company.name for s in silver] == ["ООО «Другая»"]
    member = services.suggest_best(db_session, 2026, 3, tier=ladder["member"])
    assert [s.company.name for s in member] == ["Apteka Świętokrzyska", "Hurtownia Żak"]


def test_a_tie_at_the_same_moment_goes_by_name(db_session, club, make_company):
    alpha = make_company("Alfa")
    earn(db_session, club.company, 70, at("2026-08-01T08:00"))
    earn(db_session, alpha, 70, at("2026-08-01T08:00"))
    best = services.suggest_best(db_session, 2026, 3)
    assert [s.company.name for s in best] == ["Alfa", "Hurtownia Żak"]
    assert services.suggest_best(db_session, 2025, 3) == []


# --- choosing -------------------------------------------------------------------------


def test_choose_revise_and_finalise(db_session, club, make_company):
    third = make_company("Третья компания")
    earn(db_session, club.company, 100, at("2026-07-15T10:00"))
    earn(db_session, club.other_company, 300, at("2026-08-15T10:00"))
    award = services.choose_best(
        db_session,
        2026,
        3,
        [club.company.id, club.other_company.id],
        club.club_manager,
        citations=["Best partner of Q3 2026"],
        now=AFTER_Q3,
    )
    db_session.commit()
    assert [(d.place, d.company_id, d.points, d.citation) for d in award.distinctions] == [
        (1, club.company.id, 100, "Best partner of Q3 2026"),
        (2, club.other_company.id, 300, ""),
    ]
    codes = {d.code for d in award.distinctions}
    assert all(services.normalize_code(code) == code for code in codes)
    assert services.verify_code(db_session, next(iter(codes))) is None  # not final yet

    # The manager changes the order and the list until it is finalised.
    services.choose_best(
        db_session,
        2026,
        3,
        [str(club.other_company.id), third.id],
        club.club_manager,
        now=AFTER_Q3,
    )
    db_session.commit()
    award = services.award_of(db_session, 2026, 3)
    assert [(d.place, d.company_id, d.points) for d in award.distinctions] == [
        (1, club.other_company.id, 300),
        (2, third.id, 0),
    ]
    assert db_session.scalar(select(func.count()).select_from(Distinction)) == 2

    services.finalise(db_session, 2026, 3, actor=club.club_manager, now=AFTER_Q3)
    db_session.commit()
    assert award.is_finalised and award.finalised_by_id == club.club_manager.id
    actions = db_session.scalars(select(AuditEntry.action).order_by(AuditEntry.id)).all()
    assert actions == [
        "awards.best_partners_chosen",
        "awards.best_partners_chosen",
        "awards.best_partners_finalised",
    ]
    with pytest.raises(AwardFinalised):
        services.choose_best(
            db_session, 2026, 3, [club.company.id], club.club_manager, now=AFTER_Q3
        )
    db_session.rollback()
    with pytest.raises(AwardFinalised):
        services.finalise(db_session, 2026, 3, actor=club.club_manager, now=AFTER_Q3)
    db_session.rollback()
    mine = services.finalised_distinctions(db_session, company_id=third.id)
    assert [(d.place, d.award.quarter) for d in mine] == [(2, 3)]
    assert services.finalised_distinctions(db_session, company_id=club.company.id) == []


@pytest.mark.parametrize(
    ("ids", "year", "quarter", "message"),
    [
        (["unknown"], 2026, 3, "There is no company number 999999"),
        (["applicant"], 2026, 3, "is not a member"),
        (["left"], 2026, 3, "is not a member"),
        (["company", "company"], 2026, 3, "only one place"),
        ([], 2026, 3, "at least one"),
        (["company"] * 11, 2026, 3, "at most 10"),
        (["abc"], 2026, 3, "from the list"),
        ([None], 2026, 3, "from the list"),
        (["company"], 2026, 4, "not over yet"),
        (["company"], 2027, 1, "not over yet"),
        (["company"], 2026, 5, "quarter (1 to 4)"),
    ],
)
def test_choosing_refuses_bad_input_and_writes_nothing(
    db_session, club, make_company, ids, year, quarter, message
):
    named = {
        "company": club.company.id,
        "unknown": 999999,
        "applicant": make_company("Kandydat", status=MembershipStatus.APPLICANT).id,
        "left": make_company("Były", status=MembershipStatus.LEFT).id,
        "abc": "abc",
        None: None,
    }
    with pytest.raises(AwardsError) as refused:
        services.choose_best(
            db_session, year, quarter, [named[i] for i in ids], club.club_manager, now=AFTER_Q3
        )
    assert message in refused.value.message
    db_session.rollback()
    assert nothing_written(db_session)


def test_a_long_citation_and_an_orphan_citation_are_refused(db_session, club):
    for citations in (["x" * 201], ["a", "b"]):
        with pytest.raises(AwardsError):
            services.choose_best(
                db_session,
                2026,
                3,
                [club.company.id],
                club.club_manager,
                citations=citations,
                now=AFTER_Q3,
            )
        db_session.rollback()
    assert nothing_written(db_session)


def test_finalising_needs_a_list_and_an_ended_quarter(db_session, club):
    with pytest.raises(AwardsError, match="first"):
        services.finalise(db_session, 2026, 3, actor=club.club_manager, now=AFTER_Q3)
    with pytest.raises(QuarterNotOver):
        services.finalise(db_session, 2026, 4, actor=club.club_manager, now=AFTER_Q3)
    db_session.rollback()
    assert nothing_written(db_session)


# --- PDFs, certificates, verification -------------------------------------------------


def _text(data: bytes) -> str:
    assert data.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    return reader.pages[0].extract_text()


def _final_award(db_session, club):
    earn(db_session, club.company, 1234, at("2026-07-15T10:00"))
    services.choose_best(
        db_session,
        2026,
        3,
        [club.company.id, club.other_company.id],
        club.club_manager,
        citations=["Za wzorową współpracę"],
        now=AFTER_Q3,
    )
    award = services.finalise(
        db_session, 2026, 3, actor=club.club_manager, now=at("2026-11-30T10:00")
    )
    db_session.commit()
    return award


def test_diplomas_carry_polish_and_cyrillic_names(app, db_session, club):
    award = _final_award(db_session, club)
    first, second = award.distinctions
    with app.test_request_context():
        text = _text(services.diploma_pdf(first, "en", verify_url="https://club.test/v/X"))
        assert "Diploma" in text and "Hurtownia Żak" in text
        assert "place 1 among the best partners of the club in Q3 2026" in text
        assert "1,234 points" in text and "Za wzorową współpracę" in text
        assert f"Verification code: {first.code}" in text and "https://club.test/v/X" in text
        assert "30 November 2026" in text  # en_GB
        polish = _text(services.diploma_pdf(first, "pl", verify_url="https://club.test/v"))
        assert "30 listopada 2026" in polish
        assert "1234 " in polish.replace("\xa0", "").replace("1 234", "1234")
        russian = _text(services.diploma_pdf(second, "ru", verify_url="https://club.test/v"))
        assert "ООО «Другая»" in russian and "30 ноября 2026" in russian


def test_diplomas_exist_only_for_final_lists(app, db_session, club):
    award = services.choose_best(
        db_session, 2026, 3, [club.company.id], club.club_manager, now=AFTER_Q3
    )
    with pytest.raises(AwardsError):
        services.diploma_pdf(award.distinctions[0], "en", verify_url="x")
    assert services.diploma(db_session, award.distinctions[0].id) is None


def test_membership_certificates_are_numbered_once_per_company(app, db_session, club):
    club.company.joined_on = date(2024, 3, 1)
    club.other_company.joined_on = None
    db_session.commit()
    now = at("2026-11-28T10:00")
    first = services.issue_membership_certificate(db_session, club.company, now=now)
    again = services.issue_membership_certificate(db_session, club.company, now=now)
    second = services.issue_membership_certificate(db_session, club.other_company, now=now)
    db_session.commit()
    assert first.id == again.id and first.number == "2026/0001" and second.number == "2026/0002"
    assert first.member_since == date(2024, 3, 1)
    # No joined date (registered as a member directly): its registration day.
    registered = as_utc(club.other_company.created_at).astimezone(club_zone())
    assert second.member_since == registered.date()
    assert db_session.scalar(select(func.count()).select_from(MembershipCertificate)) == 2
    with app.test_request_context():
        text = _text(services.membership_certificate_pdf(first, "pl", verify_url="https://v"))
    assert "Hurtownia Żak" in text and "2026/0001" in text and "1 marca 2024" in text
    assert first.code in text

    # Status is checked first: a company that is no longer a member gets no download.
    club.other_company.status = MembershipStatus.SUSPENDED
    with pytest.raises(AwardsError):
        services.issue_membership_certificate(db_session, club.other_company, now=now)


def test_a_non_member_gets_no_certificate(db_session, club, make_company):
    applicant = make_company("Kandydat", status=MembershipStatus.APPLICANT)
    with pytest.raises(AwardsError):
        services.issue_membership_certificate(db_session, applicant)
    db_session.rollback()
    assert db_session.scalar(select(func.count()).select_from(MembershipCertificate)) == 0


def test_verification_says_what_it_is_and_nothing_more(app, db_session, club):
    award = _final_award(db_session, club)
    distinction = award.distinctions[0]
    certificate = services.issue_membership_certificate(
        db_session, club.other_company, now=at("2026-11-28T10:00")
    )
    db_session.commit()
    with app.test_request_context():
        found = services.verify_code(db_session, distinction.code.lower().replace("-", " "))
        assert found == services.Verification(
            company_name="Hurtownia Żak",
            what="Diploma: place 1 among the best partners of Q3 2026",
            issued_on=date(2026, 11, 30),
            is_valid=True,
        )
        found = services.verify_code(db_session, certificate.code)
        assert found.is_valid and found.company_name == "ООО «Другая»"
        assert found.what == f"Membership certificate No. {certificate.number}"
        club.other_company.status = MembershipStatus.LEFT
        db_session.flush()
        assert not services.verify_code(db_session, certificate.code).is_valid
        for code in ("", "ABCD-EFGH-JKMN", "0000-0000-0000", "x" * 500, None):
            assert services.verify_code(db_session, code) is None


def test_the_demo_names_and_finalises_the_last_quarter(db_session, club, make_company):
    club.company.joined_on = date(2020, 1, 1)
    earn(db_session, club.company, 100, at("2026-07-15T10:00"))
    earn(db_session, club.other_company, 300, at("2026-08-15T10:00"))
    award = play_awards(db_session, AFTER_Q3)
    db_session.commit()
    assert award.is_finalised and (award.year, award.quarter) == (2026, 3)
    assert [d.company_id for d in award.distinctions] == [club.other_company.id, club.company.id]
    numbers = {
        c.company_id: c.number for c in db_session.scalars(select(MembershipCertificate)).all()
    }
    assert numbers == {club.company.id: "2026/0001", club.other_company.id: "2026/0002"}


def test_a_pdf_made_outside_a_request_points_at_the_base_url(app, db_session, club):
    award = _final_award(db_session, club)
    text = _text(services.diploma_pdf(award.distinctions[0], "en"))
    assert f"{app.config['BASE_URL']}/awards/verify/{award.distinctions[0].code}" in text


def test_a_company_that_joined_after_the_quarter_is_no_candidate(db_session, club, make_company):
    newcomer = make_company("Nowicjusz", joined_on=date(2026, 10, 2))
    earn(db_session, newcomer, 500, at("2026-09-30T10:00:00"))
    earn(db_session, club.company, 100, at("2026-09-30T10:00:00"))
    db_session.commit()
    assert [s.company for s in services.suggest_best(db_session, 2026, 3)] == [club.company]
    members = [company for company, _ in services.member_companies(db_session, during=Q3)]
    assert newcomer not in members and club.company in members
    with pytest.raises(AwardsError) as refused:
        services.choose_best(db_session, 2026, 3, [newcomer.id], club.club_manager, now=AFTER_Q3)
    assert "joined the club after Q3 2026" in refused.value.message
