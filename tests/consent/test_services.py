"""Club rules and the privacy notice: versions, acceptances, and the spending gate."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from club.audit.models import AuditEntry
from club.catalog import services as catalog
from club.consent import services as consent
from club.consent.errors import ConsentError, NotCurrentVersion, RulesNotAccepted
from club.consent.models import Acceptance, DocumentKind
from club.core.errors import NotAllowed
from club.ledger.verify import verify
from tests.consent.conftest import text

pytestmark = pytest.mark.one_database  # no database-specific code here (conftest)


def _accept(db_session, user, document):
    return consent.accept(db_session, user, document, ip_address="192.0.2.7", user_agent="UA")


def test_version_1_is_seeded_from_the_shipped_texts_in_three_languages(db_session, published):
    rules = published[DocumentKind.RULES]
    assert rules.version == 1 and rules.published_by_id is None
    assert (rules.title("en"), rules.title("pl"), rules.title("ru")) == (
        "Club rules",
        "Regulamin klubu",
        "Правила клуба",
    )
    assert "account holder" in rules.body("en") and "opiekun konta" in rules.body("pl")
    assert published[DocumentKind.PRIVACY].title("ru") == "Уведомление о персональных данных"
    consent.seed_first_versions(db_session)  # twice: nothing more
    assert consent.current(db_session, DocumentKind.RULES).version == 1


def test_no_document_published_means_nothing_to_accept(db_session, club):
    assert consent.has_accepted_current_rules(db_session, club.company)
    assert consent.privacy_awaiting(db_session, club.staff) is None


def test_spending_waits_for_the_holder_to_accept_and_a_new_version_asks_again(
    db_session, club, funded, make_privilege, published, publish
):
    privilege = make_privilege(points=100)
    with pytest.raises(RulesNotAccepted) as refused:
        catalog.redeem(db_session, privilege, actor=club.holder, answers={})
    assert "version 1" in refused.value.message and refused.value.details == {"rules_version": 1}
    db_session.rollback()

    _accept(db_session, club.holder, published[DocumentKind.RULES])
    db_session.commit()
    assert consent.has_accepted_current_rules(db_session, club.company)
    assert not consent.has_accepted_current_rules(db_session, club.other_company)
    catalog.redeem(db_session, privilege, actor=club.holder, answers={})
    db_session.commit()

    second = publish(DocumentKind.RULES)
    assert second.version == 2
    assert consent.rules_awaiting(db_session, club.company) == second
    with pytest.raises(RulesNotAccepted):
        catalog.redeem(db_session, privilege, actor=club.holder, answers={})
    db_session.rollback()
    _accept(db_session, club.holder, second)
    catalog.redeem(db_session, privilege, actor=club.holder, answers={})
    db_session.commit()
    assert verify(db_session).problems == []


def test_a_replayed_redemption_is_returned_even_after_new_rules(
    db_session, club, funded, make_privilege, published, publish
):
    privilege = make_privilege(points=100)
    _accept(db_session, club.holder, published[DocumentKind.RULES])
    first = catalog.redeem(
        db_session, privilege, actor=club.holder, answers={}, idempotency_key="k"
    )
    db_session.commit()
    publish(DocumentKind.RULES)
    again = catalog.redeem(
        db_session, privilege, actor=club.holder, answers={}, idempotency_key="k"
    )
    assert again.id == first.id


def test_who_accepts_what(db_session, club, published):
    rules, privacy = published[DocumentKind.RULES], published[DocumentKind.PRIVACY]
    with pytest.raises(NotAllowed):
        _accept(db_session, club.staff, rules)
    with pytest.raises(NotAllowed):
        _accept(db_session, club.club_manager, privacy)
    first = _accept(db_session, club.staff, privacy)
    again = _accept(db_session, club.staff, privacy)
    db_session.commit()
    assert again.id == first.id
    assert (first.company_id, first.ip_address, first.user_agent) == (
        club.company.id,
        "192.0.2.7",
        "UA",
    )
    assert consent.privacy_awaiting(db_session, club.staff) is None
    assert consent.privacy_awaiting(db_session, club.holder) == privacy
    assert consent.privacy_awaiting(db_session, club.club_manager) is None  # supplier staff


def test_an_outdated_version_is_refused(db_session, club, published, publish):
    old = published[DocumentKind.PRIVACY]
    publish(DocumentKind.PRIVACY)
    with pytest.raises(NotCurrentVersion):
        _accept(db_session, club.staff, old)


def test_publishing_is_audited_and_checked(db_session, club, published, publish):
    document = publish(DocumentKind.PRIVACY, "v2")
    entry = db_session.scalar(
        select(AuditEntry)
        .where(AuditEntry.action == "consent.published")
        .order_by(AuditEntry.id.desc())
    )
    assert entry.actor_id == club.club_manager.id and entry.after == {
        "kind": "privacy",
        "version": 2,
    }
    assert document.title("pl") == "Rules v2 pl"
    with pytest.raises(ConsentError, match="version 2"):  # the same text again
        consent.publish(db_session, DocumentKind.PRIVACY, text("v2"), actor=club.club_manager)
    empty = consent.DocumentText(titles={"en": "T", "pl": "T", "ru": ""}, bodies=text("x").bodies)
    with pytest.raises(ConsentError) as missing:
        consent.publish(db_session, DocumentKind.PRIVACY, empty, actor=club.club_manager)
    assert missing.value.field == "title_ru"
    with pytest.raises(NotAllowed):
        consent.publish(db_session, DocumentKind.RULES, text("y"), actor=club.holder)


def test_companies_awaiting_and_the_acceptances_list(db_session, club, published):
    assert consent.companies_awaiting_rules(db_session) == 2
    _accept(db_session, club.holder, published[DocumentKind.RULES])
    _accept(db_session, club.staff, published[DocumentKind.PRIVACY])
    db_session.commit()
    assert consent.companies_awaiting_rules(db_session) == 1
    rows = consent.acceptances(db_session, kind=DocumentKind.RULES, version=1).all()
    assert [(row[0].user_id, row[1].kind) for row in rows] == [(club.holder.id, DocumentKind.RULES)]
    assert len(consent.acceptances(db_session).all()) == 2
    assert consent.acceptances(db_session, kind=DocumentKind.RULES, version=2).all() == []
    assert db_session.scalar(select(Acceptance.id).where(Acceptance.user_id == club.staff.id))
