"""The catalogue as members see it, redeeming, and a redemption's timeline."""

from __future__ import annotations

import secrets

from flask import (
    Blueprint,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    send_from_directory,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from club.catalog import codes, goods, services, shipping
from club.catalog.errors import BriefIncomplete
from club.catalog.forms import (
    MoveForm,
    ProposeForm,
    ReturnForm,
    ShipForm,
    delivery_of,
    redeem_form_class,
)
from club.catalog.models import (
    Category,
    Privilege,
    PrivilegeKind,
    Redemption,
    RedemptionStatus,
    Wish,
    WishStatus,
)
from club.consent import services as consent
from club.core.access import requires, same_company_or_404
from club.core.clock import utcnow
from club.core.confirm import confirmation_page, question
from club.core.formatting import points as points_text
from club.core.htmx import render_page_or_fragment
from club.core.languages import with_marker
from club.core.periods import club_today
from club.core.refusals import on_refusal
from club.core.roles import ALL_ROLES, Role
from club.extensions import db
from club.ledger import services as ledger
from club.members.forms import ConfirmForm
from club.members.standing import sees_pilot_only

bp = Blueprint("catalog", __name__)


def _company_points() -> int | None:
    if not current_user.role.is_partner:
        return None
    return ledger.wallet_to_read(db.session, current_user.company_id).available


@bp.get("/privileges")
@requires(*ALL_ROLES)
def privileges():
    category = request.args.get("category", "")
    available = _company_points()
    affordable = request.args.get("affordable") == "1" and available is not None
    query = services.catalogue(
        db.session,
        category=Category(category) if category in set(Category) else None,
        affordable_for=available if affordable else None,
        text=request.args.get("q", "")[:100],
        pilot_only=sees_pilot_only(current_user),
    )
    found = db.session.scalars(query).all()
    return render_page_or_fragment(
        "catalog/privileges.html",
        "catalog/_privilege_list.html",
        privileges=found,
        locked=services.locked_ids(db.session, found, current_user.company),
        categories=list(Category),
        filters={
            "category": category,
            "affordable": affordable,
            "q": request.args.get("q", "")[:100],
        },
        available=available,
    )


def _privilege_or_404(slug: str) -> Privilege:
    privilege = db.session.scalar(select(Privilege).where(Privilege.slug == slug))
    if privilege is None or (privilege.is_pilot_only and not sees_pilot_only(current_user)):
        abort(404)
    return privilege


def _privilege_page(
    privilege: Privilege, *, form=None, propose_form=None, problems=None, status: int = 200
):
    today = club_today(utcnow())
    available = _company_points()
    if form is None and current_user.role == Role.ACCOUNT_HOLDER:
        saved = goods.saved_address(db.session, current_user.company_id)
        form = redeem_form_class(privilege)(
            request_key=secrets.token_urlsafe(16),
            address=saved.address if saved else "",
            phone=saved.phone if saved else "",
        )
    if propose_form is None and current_user.role == Role.PARTNER_STAFF:
        propose_form = ProposeForm()
    return render_template(
        "catalog/privilege.html",
        privilege=privilege,
        available=available,
        remaining=services.remaining(db.session, privilege, today=today),
        variants_left=services.variants_left(db.session, privilege),
        unavailable=services.unavailable_reason(privilege, today=today),
        locked=services.locked_ids(db.session, [privilege], current_user.company),
        form=form,
        propose_form=propose_form,
        problems=problems or {},
        wish_id=request.values.get("wish", type=int),
        rules_awaiting=consent.rules_awaiting(db.session, current_user.company)
        if current_user.role == Role.ACCOUNT_HOLDER
        else None,
    ), status


@bp.get("/privileges/<slug>")
@requires(*ALL_ROLES)
def privilege(slug: str):
    return _privilege_page(_privilege_or_404(slug))


@bp.post("/privileges/<slug>/redeem")
@requires(Role.ACCOUNT_HOLDER)
def redeem(slug: str):
    privilege = _privilege_or_404(slug)
    form = redeem_form_class(privilege)()
    if not form.validate_on_submit():
        return _privilege_page(privilege, form=form, status=422)
    answers = {q["key"]: getattr(form, f"q_{q['key']}").data for q in privilege.brief}
    key = form.request_key.data or None
    on_refusal(
        lambda error: _privilege_page(privilege, form=form, status=error.status_code), form=form
    )
    try:
        redemption = services.redeem(
            db.session,
            privilege,
            actor=current_user,
            answers=answers,
            delivery=delivery_of(form),
            idempotency_key=f"web:{current_user.id}:{key}" if key else None,
        )
    except BriefIncomplete as error:
        # The form shows each answer's problem next to its question.
        db.session.rollback()
        form.form_errors.append(error.message)
        return _privilege_page(privilege, form=form, problems=error.problems, status=422)
    wish_id = request.form.get("wish", type=int)
    if wish_id:
        wish = db.session.get(Wish, wish_id)
        if wish is not None and wish.company_id == current_user.company_id:
            services.decide_wish(db.session, wish, actor=current_user, redemption=redemption)
    db.session.commit()
    if redemption.status == RedemptionStatus.FULFILLED:
        flash(_("Redeemed: your code is below and on its way by mail."), "success")
    else:
        flash(_("Redeemed. The points are reserved until the club fulfils it."), "success")
    return redirect(url_for("catalog.redemption", redemption_id=redemption.id))


@bp.post("/privileges/<slug>/propose")
@requires(Role.PARTNER_STAFF)
def propose(slug: str):
    privilege = _privilege_or_404(slug)
    form = ProposeForm()
    if not form.validate_on_submit():
        return _privilege_page(privilege, propose_form=form, status=422)
    on_refusal(url_for("catalog.privilege", slug=slug))
    services.propose(db.session, privilege, actor=current_user, note=form.note.data or "")
    db.session.commit()
    flash(_("Your account holder has been told."), "success")
    return redirect(url_for("catalog.privilege", slug=slug))


@bp.get("/privileges/<slug>/image")
@requires(*ALL_ROLES)
def image(slug: str):
    privilege = _privilege_or_404(slug)
    if not privilege.image:
        abort(404)
    # The stored name changes with the picture, so browsers may keep it for a long time.
    return send_from_directory(services.image_folder(), privilege.image, max_age=30 * 86400)


# --- redemptions ------------------------------------------------------------------------


@bp.get("/my-company/redemptions")
@requires(Role.ACCOUNT_HOLDER, Role.PARTNER_STAFF)
def company_redemptions():
    redemptions = db.session.scalars(
        select(Redemption)
        .options(joinedload(Redemption.privilege))
        .where(Redemption.company_id == current_user.company_id)
        .order_by(Redemption.created_at.desc())
    ).all()
    return render_template(
        "catalog/company_redemptions.html", redemptions=redemptions, is_overdue=services.is_overdue
    )


def _redemption_or_404(redemption_id: int) -> Redemption:
    redemption = db.get_or_404(Redemption, redemption_id)
    if current_user.role == Role.ACCOUNT_MANAGER:
        if redemption.company.account_manager_id != current_user.id:
            abort(404)
    else:
        same_company_or_404(current_user, redemption.company_id)
    return redemption


NEXT_STEPS = {
    RedemptionStatus.REQUESTED: (RedemptionStatus.APPROVED, RedemptionStatus.REJECTED),
    RedemptionStatus.APPROVED: (
        RedemptionStatus.IN_PROGRESS,
        RedemptionStatus.FULFILLED,
        RedemptionStatus.REJECTED,
    ),
    RedemptionStatus.IN_PROGRESS: (RedemptionStatus.FULFILLED, RedemptionStatus.REJECTED),
}


# The buttons say what they do, not the state they lead to.
STEP_ACTIONS = {
    RedemptionStatus.APPROVED: _l("Approve redemption"),
    RedemptionStatus.IN_PROGRESS: _l("Start the work"),
    RedemptionStatus.FULFILLED: _l("Mark as fulfilled"),
    RedemptionStatus.REJECTED: _l("Reject redemption"),
}

REJECT = question(
    "catalog.reject",
    title=_l("Reject this redemption?"),
    consequence=_l(
        "The %(points)s points held for it go back to the company, and the partner reads "
        "your note. A rejected redemption cannot be reopened."
    ),
    action=_l("Reject redemption"),
)
CANCEL = question(
    "catalog.cancel",
    title=_l("Cancel this redemption?"),
    consequence=_l(
        "The %(points)s points held for it go back to your company's balance. A cancelled "
        "redemption cannot be reopened: to have it after all, redeem it again."
    ),
    action=_l("Cancel the redemption"),
)
DECLINE_WISH = question(
    "catalog.decline_wish",
    title=_l("Decline this proposal?"),
    consequence=_l(
        "The proposal leaves your list and cannot be reopened; no points are spent. "
        "Your colleague can propose it again."
    ),
    action=_l("Decline proposal"),
)


@bp.app_context_processor
def _proposals_waiting():
    """The count of open staff proposals beside "Proposals" in the account holder's
    navigation; a function, so only a page that shows it asks the database."""

    def open_proposals() -> int:
        return services.open_wish_count(db.session, current_user.company_id)

    return {"open_proposals": open_proposals, "brief_label": brief_label}


def brief_label(question: dict):
    """A brief question's label for a page: the viewer's language, else marked."""
    return with_marker(*services.question_label(question))


def _steps(redemption: Redemption) -> tuple:
    """The club manager's buttons: goods are fulfilled by shipping them and e-vouchers
    by their code, so neither gets a plain "fulfilled" button."""
    if current_user.role != Role.CLUB_MANAGER:
        return ()
    steps = NEXT_STEPS.get(redemption.status, ())
    if redemption.privilege.kind == PrivilegeKind.SERVICE:
        return steps
    if redemption.privilege.kind == PrivilegeKind.E_VOUCHER:
        steps = tuple(step for step in steps if step != RedemptionStatus.IN_PROGRESS)
    return tuple(step for step in steps if step != RedemptionStatus.FULFILLED)


def _redemption_page(redemption: Redemption, *, code=None, ship_form=None, return_form=None):
    manager = current_user.role == Role.CLUB_MANAGER
    kind = redemption.privilege.kind
    can_ship = manager and kind == PrivilegeKind.GOOD and redemption.status in shipping.SHIPPABLE
    can_take_back = (
        manager
        and kind == PrivilegeKind.GOOD
        and redemption.status == RedemptionStatus.FULFILLED
        and redemption.returned_at is None
    )
    return render_template(
        "catalog/redemption.html",
        redemption=redemption,
        steps=_steps(redemption),
        step_actions=STEP_ACTIONS,
        can_cancel=current_user.role == Role.ACCOUNT_HOLDER
        and redemption.status == RedemptionStatus.REQUESTED,
        move_form=MoveForm(),
        ship_form=(ship_form or ShipForm()) if can_ship else None,
        return_form=(return_form or ReturnForm()) if can_take_back else None,
        code=code,
        is_holder=current_user.role == Role.ACCOUNT_HOLDER,
        overdue=services.is_overdue(redemption),
    )


@bp.get("/redemptions/<int:redemption_id>")
@requires(*ALL_ROLES)
def redemption(redemption_id: int):
    return _redemption_page(_redemption_or_404(redemption_id))


@bp.post("/redemptions/<int:redemption_id>/code")
@requires(Role.ACCOUNT_HOLDER)
def reveal_code(redemption_id: int):
    """The e-voucher's code, shown on a POST: every reveal is written to the audit log,
    and a GET must not write."""
    redemption = _redemption_or_404(redemption_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    on_refusal(url_for("catalog.redemption", redemption_id=redemption.id))
    code = codes.reveal(db.session, redemption, actor=current_user)
    db.session.commit()
    response = make_response(_redemption_page(redemption, code=code))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.post("/redemptions/<int:redemption_id>/ship")
@requires(Role.CLUB_MANAGER)
def ship(redemption_id: int):
    redemption = _redemption_or_404(redemption_id)
    form = ShipForm()
    if not form.validate_on_submit():
        return _redemption_page(redemption, ship_form=form), 422
    back = url_for("catalog.redemption", redemption_id=redemption.id)
    on_refusal(back)
    shipping.ship(
        db.session,
        redemption,
        carrier=form.carrier.data,
        tracking_number=form.tracking_number.data,
        actor=current_user,
    )
    db.session.commit()
    flash(_("Shipped: the partner has the tracking number."), "success")
    return redirect(back)


@bp.post("/redemptions/<int:redemption_id>/return")
@requires(Role.CLUB_MANAGER)
def take_back(redemption_id: int):
    redemption = _redemption_or_404(redemption_id)
    form = ReturnForm()
    if not form.validate_on_submit():
        return _redemption_page(redemption, return_form=form), 422
    back = url_for("catalog.redemption", redemption_id=redemption.id)
    on_refusal(back)
    shipping.take_back(
        db.session,
        redemption,
        restock=form.restock.data,
        note=form.note.data,
        actor=current_user,
    )
    db.session.commit()
    flash(_("Taken back: the points are back in the company's wallet."), "success")
    return redirect(back)


@bp.post("/redemptions/<int:redemption_id>/move")
@requires(Role.CLUB_MANAGER, Role.ACCOUNT_HOLDER)
def move(redemption_id: int):
    redemption = _redemption_or_404(redemption_id)
    form = MoveForm()
    target = request.form.get("to", "")
    if not form.validate_on_submit() or target not in set(RedemptionStatus):
        abort(400)
    back = url_for("catalog.redemption", redemption_id=redemption.id)
    if target in (RedemptionStatus.REJECTED, RedemptionStatus.CANCELLED):
        key = REJECT if target == RedemptionStatus.REJECTED else CANCEL
        ask = confirmation_page(key, back=back, points=points_text(redemption.points))
        if ask is not None:
            return ask
    on_refusal(back)
    services.move(
        db.session,
        redemption,
        RedemptionStatus(target),
        actor=current_user,
        note=form.note.data or "",
    )
    db.session.commit()
    flash(_("The redemption is now: %(status)s.", status=redemption.status.label), "success")
    return redirect(back)


# --- wishes ---------------------------------------------------------------------------


@bp.get("/my-company/wishes")
@requires(Role.ACCOUNT_HOLDER)
def wishes():
    open_wishes = db.session.scalars(
        select(Wish)
        .where(Wish.company_id == current_user.company_id, Wish.status == WishStatus.OPEN)
        .order_by(Wish.created_at.desc())
    ).all()
    return render_template("catalog/wishes.html", wishes=open_wishes, decline_form=ConfirmForm())


@bp.post("/my-company/wishes/<int:wish_id>/decline")
@requires(Role.ACCOUNT_HOLDER)
def decline_wish(wish_id: int):
    wish = db.get_or_404(Wish, wish_id)
    same_company_or_404(current_user, wish.company_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    if (ask := confirmation_page(DECLINE_WISH, back=url_for("catalog.wishes"))) is not None:
        return ask
    services.decide_wish(db.session, wish, actor=current_user, redemption=None)
    db.session.commit()
    flash(_("The proposal is declined."), "info")
    return redirect(url_for("catalog.wishes"))
