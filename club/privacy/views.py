"""A person's data to download; the club manager erasing a person who left."""

from __future__ import annotations

import json

from flask import Blueprint, Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from club.core.access import requires, signed_in
from club.core.refusals import on_refusal
from club.core.roles import Role
from club.extensions import db, rate_limiter
from club.members.forms import ConfirmForm
from club.members.models import User
from club.privacy import erasure, personal_data
from club.privacy.labels import label

bp = Blueprint("privacy", __name__)

# Each download reads a dozen tables: enough for anyone who wants their data, not a
# way to keep the database busy.
DOWNLOAD_LIMIT = "20/hour"


def _data_of(person: User) -> dict:
    if not rate_limiter.hit(DOWNLOAD_LIMIT, "personal-data", str(current_user.id)):
        abort(429)
    return personal_data.personal_data(db.session, person)


def _json_download(data: dict, filename: str) -> Response:
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _shown(value) -> str:
    """A cell of the page: nested values (answers, audit changes) as compact JSON."""
    if value is None:
        return "—"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    return str(value)


@bp.get("/account/personal-data")
@signed_in
def mine():
    data = _data_of(current_user)
    return render_template(
        "privacy/personal_data.html",
        data=data,
        sections=personal_data.sections(data),
        label=label,
        shown=_shown,
    )


@bp.get("/account/personal-data.json")
@signed_in
def mine_json():
    return _json_download(_data_of(current_user), "my-personal-data.json")


# --- the club manager -------------------------------------------------------------------


@bp.get("/manage/people/<int:user_id>/personal-data.json")
@requires(Role.CLUB_MANAGER)
def person_json(user_id: int):
    """For a request by someone who can no longer sign in (they left)."""
    person = db.get_or_404(User, user_id)
    return _json_download(_data_of(person), f"personal-data-{person.id}.json")


def _erase_page(person: User, status: int = 200):
    return render_template(
        "privacy/erase.html",
        person=person,
        refusal=erasure.refusal(db.session, person, actor=current_user),
        form=ConfirmForm(),
        pseudonym=erasure.pseudonym(person),
    ), status


@bp.get("/manage/people/<int:user_id>/erase")
@requires(Role.CLUB_MANAGER)
def erase_form(user_id: int):
    return _erase_page(db.get_or_404(User, user_id))


@bp.post("/manage/people/<int:user_id>/erase")
@requires(Role.CLUB_MANAGER)
def erase(user_id: int):
    person = db.get_or_404(User, user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    on_refusal(url_for(".erase_form", user_id=person.id))
    erasure.erase(db.session, person, actor=current_user)
    db.session.commit()
    flash(_("The person's data is erased; they are now %(name)s.", name=person.name), "success")
    return redirect(url_for("members.users"))
