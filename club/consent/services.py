"""Publishing versions, accepting them, and the questions other domains ask.

No document of a kind means nothing to accept: every gate lets people through. The
migration publishes version 1 of both, so a real club always has them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from club.audit import services as audit
from club.consent.errors import ConsentError, NotCurrentVersion, RulesNotAccepted
from club.consent.models import LANGUAGES, Acceptance, ConsentDocument, DocumentKind
from club.core.clock import utcnow
from club.core.errors import NotAllowed
from club.core.roles import Role
from club.members.models import Company, MembershipStatus, User

TEXTS = Path(__file__).resolve().parent / "texts"
MAX_TITLE_LENGTH = 200
MAX_BODY_LENGTH = 50_000
MAX_USER_AGENT_LENGTH = 300


# --- reading ----------------------------------------------------------------------------


def current(session: Session, kind: DocumentKind) -> ConsentDocument | None:
    return session.scalar(
        select(ConsentDocument)
        .where(ConsentDocument.kind == kind)
        .order_by(ConsentDocument.version.desc())
        .limit(1)
    )


def version_of(session: Session, kind: DocumentKind, version: int) -> ConsentDocument | None:
    return session.scalar(
        select(ConsentDocument).where(
            ConsentDocument.kind == kind, ConsentDocument.version == version
        )
    )


def versions(session: Session, kind: DocumentKind) -> list[tuple[ConsentDocument, int]]:
    """Every version of a kind, newest first, with how many acceptances it has."""
    counts = (
        select(Acceptance.document_id, func.count().label("n"))
        .group_by(Acceptance.document_id)
        .subquery()
    )
    rows = session.execute(
        select(ConsentDocument, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.document_id == ConsentDocument.id)
        .where(ConsentDocument.kind == kind)
        .order_by(ConsentDocument.version.desc())
    ).all()
    return [(document, count) for document, count in rows]


def rules_awaiting(session: Session, company: Company | None) -> ConsentDocument | None:
    """The current rules, if the company has not accepted them (None: nothing to do)."""
    document = current(session, DocumentKind.RULES)
    if document is None or company is None:
        return None
    accepted = session.scalar(
        select(Acceptance.id)
        .where(Acceptance.company_id == company.id, Acceptance.document_id == document.id)
        .limit(1)
    )
    return None if accepted is not None else document


def acceptance_for(session: Session, document: ConsentDocument, user: User) -> Acceptance | None:
    """How `document` was accepted for this person: by them (the notice), or for their
    company (the rules, by whoever was its account holder then)."""
    query = select(Acceptance).where(Acceptance.document_id == document.id)
    if document.kind == DocumentKind.RULES:
        if user.company_id is None:
            return None
        query = query.where(Acceptance.company_id == user.company_id)
    else:
        query = query.where(Acceptance.user_id == user.id)
    return session.scalar(query.order_by(Acceptance.accepted_at, Acceptance.id).limit(1))


def has_accepted_current_rules(session: Session, company: Company) -> bool:
    return rules_awaiting(session, company) is None


def require_current_rules(session: Session, company: Company) -> None:
    """What the catalogue asks before the company spends points."""
    document = rules_awaiting(session, company)
    if document is not None:
        raise RulesNotAccepted(
            _(
                "Your company has not accepted the current club rules (version %(version)d)."
                " The account holder accepts them on the Club rules page; then you can"
                " redeem points.",
                version=document.version,
            ),
            version=document.version,
        )


def privacy_awaiting(session: Session, user: User) -> ConsentDocument | None:
    """The current privacy notice, if this partner user has not accepted it. Supplier
    staff read it under their employment contract, not here."""
    if not user.role.is_partner:
        return None
    document = current(session, DocumentKind.PRIVACY)
    if document is None:
        return None
    accepted = session.scalar(
        select(Acceptance.id).where(
            Acceptance.user_id == user.id, Acceptance.document_id == document.id
        )
    )
    return None if accepted is not None else document


def companies_awaiting_rules(session: Session) -> int:
    """Member companies that cannot spend until their account holder accepts."""
    document = current(session, DocumentKind.RULES)
    if document is None:
        return 0
    accepted = select(Acceptance.company_id).where(
        Acceptance.document_id == document.id, Acceptance.company_id.is_not(None)
    )
    return session.scalar(
        select(func.count())
        .select_from(Company)
        .where(Company.status == MembershipStatus.MEMBER, Company.id.not_in(accepted))
    )


# --- accepting --------------------------------------------------------------------------


def accept(
    session: Session,
    user: User,
    document: ConsentDocument,
    *,
    ip_address: str | None,
    user_agent: str | None,
    now: datetime | None = None,
) -> Acceptance:
    """`user` accepts `document`; accepting again returns the first acceptance."""
    if document.kind == DocumentKind.RULES and user.role != Role.ACCOUNT_HOLDER:
        raise NotAllowed(_("Only your company's account holder accepts the club rules."))
    if document.kind == DocumentKind.PRIVACY and not user.role.is_partner:
        raise NotAllowed(_("The privacy notice is accepted by the partners' staff."))
    latest = current(session, document.kind)
    if latest is None or latest.id != document.id:
        raise NotCurrentVersion(
            _("A newer version was published meanwhile. Please read it and accept that one.")
        )
    existing = _acceptance(session, user, document)
    if existing is not None:
        return existing
    acceptance = Acceptance(
        document_id=document.id,
        user_id=user.id,
        company_id=user.company_id,
        accepted_at=now or utcnow(),
        ip_address=(ip_address or None) and ip_address[:45],
        user_agent=(user_agent or None) and user_agent[:MAX_USER_AGENT_LENGTH],
    )
    session.add(acceptance)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:  # the same person in two tabs: the first one counts
        return _acceptance(session, user, document)
    return acceptance


def _acceptance(session: Session, user: User, document: ConsentDocument) -> Acceptance | None:
    return session.scalar(
        select(Acceptance).where(
            Acceptance.user_id == user.id, Acceptance.document_id == document.id
        )
    )


# --- publishing -------------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentText:
    """A version's title and body (Markdown) in each language."""

    titles: dict[str, str]
    bodies: dict[str, str]

    def check(self) -> None:
        for language in LANGUAGES:
            title = (self.titles.get(language) or "").strip()
            body = (self.bodies.get(language) or "").strip()
            if not title or len(title) > MAX_TITLE_LENGTH:
                raise ConsentError(
                    _("Give a title of up to %(count)d characters.", count=MAX_TITLE_LENGTH),
                    field=f"title_{language}",
                )
            if not body or len(body) > MAX_BODY_LENGTH:
                raise ConsentError(
                    _("Write the text (up to %(count)d characters).", count=MAX_BODY_LENGTH),
                    field=f"body_{language}",
                )


def publish(
    session: Session,
    kind: DocumentKind,
    text: DocumentText,
    *,
    actor: User | None,
    now: datetime | None = None,
) -> ConsentDocument:
    """A new version of the rules or the notice: everyone concerned is asked again."""
    if actor is not None and actor.role != Role.CLUB_MANAGER:
        raise NotAllowed(_("Only the club manager publishes the club's documents."))
    text.check()
    # Lock the newest version, so two managers publishing at once do not both take N+1
    # (the unique constraint would refuse the second anyway).
    latest = session.scalar(
        select(ConsentDocument)
        .where(ConsentDocument.kind == kind)
        .order_by(ConsentDocument.version.desc())
        .limit(1)
        .with_for_update()
    )
    fields = {
        **{f"title_{lang}": text.titles[lang].strip() for lang in LANGUAGES},
        **{f"body_{lang}": text.bodies[lang].strip() for lang in LANGUAGES},
    }
    if latest is not None and all(getattr(latest, key) == value for key, value in fields.items()):
        raise ConsentError(
            _(
                "This is the text of version %(version)d: change something first.",
                version=latest.version,
            )
        )
    document = ConsentDocument(
        kind=kind,
        version=(latest.version + 1) if latest else 1,
        published_at=now or utcnow(),
        published_by_id=actor.id if actor else None,
        **fields,
    )
    session.add(document)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError:  # another manager published the same number a moment ago
        raise ConsentError(
            _("Someone published a version meanwhile. Reload the page and check it first.")
        ) from None
    audit.record(
        session,
        "consent.published",
        document,
        actor=actor,
        after={"kind": kind.value, "version": document.version},
        now=now,
    )
    return document


def first_version_text(kind: DocumentKind) -> DocumentText:
    """The text shipped with the code (club/consent/texts): version 1."""
    titles, bodies = {}, {}
    for language in LANGUAGES:
        raw = (TEXTS / f"{kind.value}.{language}.md").read_text(encoding="utf-8")
        first, _newline, rest = raw.partition("\n")
        titles[language] = first.removeprefix("#").strip()
        bodies[language] = rest.strip()
    return DocumentText(titles, bodies)


def seed_first_versions(session: Session, *, now: datetime | None = None) -> None:
    """Version 1 of each document that has none yet (the demo on a database built
    without migrations; the migration does the same with the same files)."""
    for kind in DocumentKind:
        if current(session, kind) is None:
            publish(session, kind, first_version_text(kind), actor=None, now=now)


# --- the club manager's list ------------------------------------------------------------


def acceptances(session: Session, *, kind: DocumentKind | None = None, version: int | None = None):
    """Acceptances with their document, person and company, newest first."""
    query = (
        select(Acceptance, ConsentDocument, User, Company)
        .join(ConsentDocument, ConsentDocument.id == Acceptance.document_id)
        .join(User, User.id == Acceptance.user_id)
        .outerjoin(Company, Company.id == Acceptance.company_id)
        .order_by(Acceptance.accepted_at.desc(), Acceptance.id.desc())
    )
    if kind is not None:
        query = query.where(ConsentDocument.kind == kind)
        if version is not None:
            query = query.where(ConsentDocument.version == version)
    return session.execute(query)
