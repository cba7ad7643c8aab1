"""The club manager's earning rules: the list with spend against budget, a new rule, a
rule's versions and a new version, previews on last quarter; event types; marking a
company's switch to e-invoices."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from markupsafe import Markup

from club.core.access import requires
from club.core.home import home_card
from club.core.periods import club_today
from club.core.refusals import on_refusal
from club.core.roles import Role
from club.extensions import db
from club.members.forms import ConfirmForm
from club.members.models import Company
from club.members.standing import tiers
from club.rules import events, referrals, services
from club.rules.forms import AUDIENCE_LABELS, KIND_LABELS, EventTypeForm, RuleForm
from club.rules.models import Rule
from club.rules.purchase_rules import by_start

bp = Blueprint("rules", __name__, url_prefix="/manage/earning-rules")


@home_card(order=44)
def budgets_card(user):
    """On the club manager's to-do list: earning rules whose budget is nearly used up."""
    if user.role != Role.CLUB_MANAGER:
        return None
    found = services.budgets_near_end(db.session, today=club_today())
    # render_template's output is autoescaped HTML, so marking it safe is correct.
    return Markup(  # noqa: S704
        render_template(
            "rules/_todo_budgets.html", rules=found, share=services.BUDGET_NEAR_END_PERCENT
        )
    )


def _form(rule: Rule | None = None) -> RuleForm:
    if request.method == "POST" or rule is None:
        form = RuleForm()
        if rule is None and request.method == "GET":
            form.effective_from.data = club_today()
    else:
        form = RuleForm(data=_as_form(rule))
    return form.with_choices(services.event_types(db.session), tiers(db.session))


def _as_form(rule: Rule) -> dict:
    latest = rule.latest
    return {
        "kind": rule.kind.value,
        "sponsor": rule.sponsor,
        "budget_points": rule.budget_points,
        **{
            name: getattr(latest, name)
            for name in (
                "name_en",
                "name_pl",
                "name_ru",
                "ends_on",
                "points",
                "per_amount",
                "currency",
                "product_group",
                "days_early",
                "cap_per_company",
                "cap_per_person",
            )
        },
        "effective_from": max(club_today(), latest.effective_from),
        "event_type": str(latest.event_type_id or ""),
        "audience": latest.audience.value,
        "tier": str(latest.tier_id or ""),
        "cap_period": latest.cap_period.value,
        "companies": "\n".join(company.tax_id for company in latest.companies),
    }


def _page(template: str, form: RuleForm, status: int = 200, **context):
    return render_template(
        template,
        form=form,
        kinds=KIND_LABELS,
        audiences=AUDIENCE_LABELS,
        **context,
    ), status


@bp.get("")
@requires(Role.CLUB_MANAGER)
def index():
    return render_template(
        "rules/index.html",
        rules=services.rules(db.session),
        spend=services.spend(db.session),
        kinds=KIND_LABELS,
        event_types=services.event_types(db.session),
        event_type_form=EventTypeForm(),
        referrals=referrals.all_referrals(db.session),
        today=club_today(),
    )


def _submitted(form: RuleForm, template: str, **context):
    """Preview or save a submitted rule form: the preview answer, or None to save."""
    on_refusal(lambda _error: _page(template, form, 422, **context), form=form)
    data = form.rule_data(services.companies_by_tax_id(db.session, form.tax_ids()))
    if form.preview.data:
        found = services.preview(db.session, data)
        return _page(template, form, preview=found, data=data, **context)
    return data


@bp.route("/new", methods=["GET", "POST"])
@requires(Role.CLUB_MANAGER)
def new_rule():
    form = _form()
    if not form.validate_on_submit():
        return _page("rules/new.html", form, 422 if form.is_submitted() else 200)
    answer = _submitted(form, "rules/new.html")
    if isinstance(answer, tuple):
        return answer
    rule = services.create_rule(db.session, answer, actor=current_user)
    db.session.commit()
    flash(_("The rule is saved."), "success")
    return redirect(url_for(".rule", rule_id=rule.id))


@bp.route("/<int:rule_id>", methods=["GET", "POST"])
@requires(Role.CLUB_MANAGER)
def rule(rule_id: int):
    found = db.get_or_404(Rule, rule_id)
    if found.is_single:  # the purchase rate and the tier multiplier: their own editors
        if request.method == "POST":
            return redirect(url_for(".rule", rule_id=found.id))
        return render_template(
            "rules/single.html", rule=found, kinds=KIND_LABELS, versions=by_start(found)
        )
    form = _form(found)
    form.kind.data = found.kind.value
    context = {"rule": found, "spend": services.spend(db.session).get(found.id, (0, 0))}
    if not form.validate_on_submit():
        return _page("rules/rule.html", form, 422 if form.is_submitted() else 200, **context)
    answer = _submitted(form, "rules/rule.html", **context)
    if isinstance(answer, tuple):
        return answer
    version = services.add_version(db.session, found, answer, actor=current_user)
    db.session.commit()
    flash(
        _(
            "Version %(number)d applies from %(date)s.",
            number=version.number,
            date=version.effective_from.isoformat(),
        ),
        "success",
    )
    return redirect(url_for(".rule", rule_id=found.id))


@bp.post("/event-types")
@requires(Role.CLUB_MANAGER)
def add_event_type():
    form = EventTypeForm()
    if not form.validate_on_submit():
        flash(_("Give the event type a key and a name in all three languages."), "error")
        return redirect(url_for(".index"))
    on_refusal(url_for(".index"))
    names = {lang: getattr(form, f"name_{lang}").data for lang in ("en", "pl", "ru")}
    events.define_event_type(db.session, form.code.data, names, actor=current_user)
    db.session.commit()
    flash(_("The event type is defined."), "success")
    return redirect(url_for(".index"))


@bp.post("/einvoice/<int:company_id>")
@requires(Role.CLUB_MANAGER)
def mark_einvoice(company_id: int):
    """The club manager marks that a company switched to e-invoices."""
    company = db.get_or_404(Company, company_id)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for("members.company", company_id=company.id))
    on_refusal(url_for("members.company", company_id=company.id))
    earning = events.switch_to_einvoice(db.session, company, actor=current_user)
    db.session.commit()
    if earning is None:
        flash(_("Noted; no e-invoice rule in force gave points."), "success")
    else:
        flash(
            ngettext(
                "Switch to e-invoices noted: %(num)d point.",
                "Switch to e-invoices noted: %(num)d points.",
                earning.points,
            ),
            "success",
        )
    return redirect(url_for("members.company", company_id=company.id))
