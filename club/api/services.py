"""Integration tokens: create, find, revoke."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import Session

from club.api.models import ApiToken
from club.audit import services as audit
from club.core.clock import utcnow
from club.core.errors import ClubError
from club.core.roles import Role

SCOPES = ("invoices", "companies", "wallets", "leaderboards", "events")
PERSONAL_SCOPES = ("privileges", "redemptions")
TOKEN_PREFIX = "club_"  # noqa: S105 (a prefix, not a secret)


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(
    session: Session,
    *,
    name: str,
    scopes=SCOPES,
    actor=None,
    user=None,
    now: datetime | None = None,
) -> tuple[ApiToken, str]:
    """A new token; the secret is returned once and never stored.

    With `user`, a personal token that acts as that account holder (scopes: privileges,
    redemptions); without, an integration token for the supplier's systems."""
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise ClubError(_("Give the token a name of up to 100 characters."), field="name")
    if user is not None and user.role != Role.ACCOUNT_HOLDER:
        raise ClubError(_("Only account holders have personal API tokens."))
    allowed = PERSONAL_SCOPES if user is not None else SCOPES
    unknown = set(scopes) - set(allowed)
    if unknown or not scopes:
        raise ClubError(
            _("Choose scopes from: %(scopes)s.", scopes=", ".join(allowed)), field="scopes"
        )
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        name=name,
        token_hash=_hash(secret),
        prefix=secret[:12],
        scopes=" ".join(sorted(set(scopes))),
        created_by_id=actor.id if actor else None,
        user_id=user.id if user is not None else None,
        created_at=now or utcnow(),
    )
    session.add(token)
    session.flush()
    audit.record(
        session,
        "api_token.created",
        token,
        actor=actor,
        after={"name": name, "scopes": token.scopes},
        now=now,
    )
    return token, secret


def find_token(session: Session, secret: str) -> ApiToken | None:
    """The live token for a secret, or None (unknown, revoked, or its person can no
    longer act: deactivated or no longer the account holder)."""
    if not secret or not secret.startswith(TOKEN_PREFIX):
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == _hash(secret)))
    if token is None or token.is_revoked:
        return None
    if token.user_id is not None and (
        not token.user.is_active or token.user.role != Role.ACCOUNT_HOLDER
    ):
        return None
    return token


def revoke_token(
    session: Session, token: ApiToken, *, actor=None, now: datetime | None = None
) -> None:
    if token.is_revoked:
        return
    token.revoked_at = now or utcnow()
    session.flush()
    audit.record(
        session, "api_token.revoked", token, actor=actor, after={"name": token.name}, now=now
    )


def tokens(session: Session, *, user=None) -> list[ApiToken]:
    """Integration tokens, or one person's tokens."""
    owner = ApiToken.user_id == user.id if user is not None else ApiToken.user_id.is_(None)
    return session.scalars(
        select(ApiToken)
        .where(owner)
        .order_by(ApiToken.revoked_at.is_not(None), ApiToken.created_at.desc())
    ).all()
