"""The club manager's admission pages: the entry rules, the admissions awaiting approval,
and a company's membership steps (suspend, record leaving, reinstate)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from club.core.access import requires
from club.core.confirm import confirmation_page, question
from club.core.refusals import on_refusal
from club.core.roles import Role
from club.extensions import db
from club.members import admission
from club.members.admission_models import AdmissionReview
from club.members.blueprint import bp
from club.members.forms import AdmissionRulesForm, ConfirmForm, MembershipForm
from club.members.models import Company


def _rules_page(form: AdmissionRulesForm, status: int):
    return render_template(
        "members/admission.html",
        form=form,
        rules=admission.rules(db.session),
        reviews=admission.reviews(db.session),
        action_form=ConfirmForm(),
    ), status


@bp.route("/manage/admission", methods=["GET", "POST"])
@requires(Role.CLUB_MANAGER)
def admission_rules():
    form = AdmissionRulesForm(obj=admission.rules(db.session))
    if form.validate_on_submit():
        on_refusal(lambda error: _rules_page(form, 422), form=form)
        admission.save_rules(
            db.session,
            threshold_points=form.threshold_points.data,
            window_months=form.window_months.data,
            needs_approval=form.needs_approval.data,
            forfeit_after_months=form.forfeit_after_months.data,
            actor=current_user,
        )
        db.session.commit()
        flash(_("The admission rules are saved; the next admission run applies them."), "success")
        return redirect(url_for("members.admission_rules"))
    return _rules_page(form, 422 if form.is_submitted() else 200)


@bp.post("/manage/admission/reviews/<int:review_id>")
@requires(Role.CLUB_MANAGER)
def decide_admission(review_id: int):
    review = db.get_or_404(AdmissionReview, review_id)
    decision = request.form.get("decision")
    if not ConfirmForm().validate_on_submit() or decision not in ("approve", "decline"):
        abort(400)
    on_refusal(url_for("members.admission_rules"))
    admission.decide(db.session, review, approve=decision == "approve", actor=current_user)
    db.session.commit()
    flash(
        _("%(company)s is admitted.", company=review.company.name)
        if decision == "approve"
        else _("The admission of %(company)s is declined.", company=review.company.name),
        "success",
    )
    return redirect(url_for("members.admission_rules"))


RECORD_LEAVING = question(
    "members.leave",
    title=_l("Record that the company left?"),
    consequence=_l(
        "%(company)s leaves the club for good: its people can no longer spend its points, "
        "which are forfeited after the period the admission rules name. Leaving cannot be "
        "undone; to come back, the company applies again."
    ),
    action=_l("Record that it left"),
)


@bp.post("/manage/companies/<int:company_id>/membership")
@requires(Role.CLUB_MANAGER)
def change_membership(company_id: int):
    company = db.get_or_404(Company, company_id)
    back = url_for("members.company", company_id=company.id)
    form = MembershipForm()
    if not form.validate_on_submit():
        flash(_("Say why, for the company's history."), "error")
        return redirect(back)
    if form.action.data == "leave":
        ask = confirmation_page(RECORD_LEAVING, back=back, company=company.name)
        if ask is not None:
            return ask
    on_refusal(back)
    admission.set_membership(
        db.session, company, form.action.data, actor=current_user, reason=form.reason.data
    )
    db.session.commit()
    flash(
        _(
            "The status of %(company)s is now %(status)s.",
            company=company.name,
            status=company.status.label,
        ),
        "success",
    )
    return redirect(back)
