"""The club manager browses and filters the audit log.

The page lives with the members, not in the audit package: it names the people and
companies of each entry, and the audit package must not import the members domain, which
writes to it (see club/audit/models.py).
"""

from __future__ import annotations

from datetime import date

from flask import Blueprint, request
from sqlalchemy import select

from club.audit.models import AuditEntry
from club.audit.services import AuditFilter, audit_query
from club.core.access import requires
from club.core.htmx import render_page_or_fragment
from club.core.roles import Role
from club.extensions import db
from club.members.models import Company, User

bp = Blueprint("audit", __name__, url_prefix="/manage/audit")


def _date_arg(name: str) -> date | None:
    try:
        return date.fromisoformat(request.args.get(name, ""))
    except ValueError:
        return None


@bp.get("/")
@requires(Role.CLUB_MANAGER)
def log():
    filters = AuditFilter(
        action=request.args.get("action", "")[:64] or None,
        actor_id=request.args.get("actor", type=int),
        company_id=request.args.get("company", type=int),
        object_type=request.args.get("object_type", "")[:64] or None,
        since=_date_arg("since"),
        until=_date_arg("until"),
    )
    page = db.paginate(
        audit_query(filters),
        page=max(request.args.get("page", 1, type=int) or 1, 1),
        per_page=50,
        error_out=False,
    )
    actions = db.session.scalars(select(AuditEntry.action).distinct().order_by(AuditEntry.action))
    object_types = db.session.scalars(
        select(AuditEntry.object_type).distinct().order_by(AuditEntry.object_type)
    )
    # Everyone who appears in the log and every company: the filters' choices, and the
    # names the entries show (an entry keeps only their ids).
    actors = db.session.scalars(
        select(User).where(User.id.in_(select(AuditEntry.actor_id))).order_by(User.name)
    ).all()
    companies = db.session.scalars(select(Company).order_by(Company.name)).all()
    return render_page_or_fragment(
        "audit/log.html",
        "audit/_entries.html",
        page=page,
        filters=filters,
        actions=list(actions),
        object_types=list(object_types),
        companies=companies,
        actors=actors,
        actor_names={actor.id: actor.name for actor in actors},
        company_names={company.id: company.name for company in companies},
    )
