"""The club manager's tiers page (define and edit, audited) and the tiers' badge colours."""

from __future__ import annotations

from flask import Response, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from club.core.access import public, requires
from club.core.confirm import confirmation_page, question
from club.core.periods import club_today
from club.core.refusals import on_refusal
from club.core.roles import Role
from club.extensions import db
from club.members import standing
from club.members import tiers as tier_services
from club.members.blueprint import bp
from club.members.forms import ConfirmForm, SetTierForm, TierForm
from club.members.models import Company, Tier
from club.members.standing import tiers

INK = "#1f2430"  # --ink of static/css/club.css


@bp.get("/tiers.css")
@public
def tier_styles():
    """Each tier's badge in its colour (the page's CSP allows no inline style)."""
    rules = "".join(
        f".badge--tier-{tier.code} {{ background: {tier.colour}; "
        f"color: {_text_on(tier.colour)}; }}\n"
        for tier in tiers(db.session)
    )
    response = Response(rules, mimetype="text/css")
    response.headers["Cache-Control"] = "public, max-age=300"
    return response


def _luminance(colour: str) -> float:
    """WCAG relative luminance of #rrggbb."""
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    r, g, b = (c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _text_on(colour: str) -> str:
    """White or ink, whichever reads better on the tier's colour (WCAG contrast)."""
    luminance = _luminance(colour)
    on_white = 1.05 / (luminance + 0.05)
    on_ink = (luminance + 0.05) / (_luminance(INK) + 0.05)
    return "#fff" if on_white >= on_ink else INK


def _page(form: TierForm, tier: Tier | None, status: int = 200):
    return render_template(
        "members/tiers.html",
        tiers=tiers(db.session),
        form=form,
        editing=tier,
        remove_form=ConfirmForm(),
    ), status


@bp.route("/manage/tiers", methods=["GET", "POST"])
@requires(Role.CLUB_MANAGER)
def manage_tiers():
    """The tiers in order, and a form that adds one on top."""
    form = TierForm()
    if not form.validate_on_submit():
        return _page(form, None, 422 if form.is_submitted() else 200)
    on_refusal(lambda _error: _page(form, None, 422), form=form)
    tier = tier_services.save_tier(db.session, None, form.tier_data(), actor=current_user)
    db.session.commit()
    flash(
        _("%(tier)s is added; companies reach it from the next requalification.", tier=tier.name),
        "success",
    )
    return redirect(url_for(".manage_tiers"))


@bp.route("/manage/tiers/<int:tier_id>", methods=["GET", "POST"])
@requires(Role.CLUB_MANAGER)
def edit_tier(tier_id: int):
    tier = db.get_or_404(Tier, tier_id)
    form = TierForm() if request.method == "POST" else TierForm(data=_as_form(tier))
    if not form.validate_on_submit():
        return _page(form, tier, 422 if form.is_submitted() else 200)
    on_refusal(lambda _error: _page(form, tier, 422), form=form)
    tier_services.save_tier(db.session, tier, form.tier_data(), actor=current_user)
    db.session.commit()
    flash(
        _("Saved; a new threshold or multiplier applies from the next requalification."), "success"
    )
    return redirect(url_for(".manage_tiers"))


def set_tier_form() -> SetTierForm:
    form = SetTierForm()
    form.tier.choices = [(str(tier.id), tier.name) for tier in tiers(db.session)]
    return form


@bp.post("/manage/companies/<int:company_id>/tier")
@requires(Role.CLUB_MANAGER)
def set_company_tier(company_id: int):
    company = db.get_or_404(Company, company_id)
    form = set_tier_form()
    back = url_for(".company", company_id=company.id)
    if not form.validate_on_submit():
        flash(_("Choose one of the club's tiers."), "error")
        return redirect(back)
    tier = db.session.get(Tier, int(form.tier.data))
    if standing.set_company_tier(db.session, company, tier, actor=current_user, today=club_today()):
        db.session.commit()
        flash(_("%(company)s now holds %(tier)s.", company=company.name, tier=tier.name), "success")
    return redirect(back)


def _as_form(tier: Tier) -> dict:
    """The tier as its form shows it: the threshold and multiplier it will have."""
    return {
        "code": tier.code,
        "name_en": tier.name_en,
        "name_pl": tier.name_pl,
        "name_ru": tier.name_ru,
        "threshold": tier.next_threshold,
        "multiplier_percent": tier.next_multiplier_percent,
        "colour": tier.colour,
        "is_pilot_only": tier.is_pilot_only,
    }


REMOVE_TIER = question(
    "members.remove_tier",
    title=_l("Remove the top tier?"),
    consequence=_l(
        "Tier %(name)s leaves the ladder for good: no company can reach it any more. "
        "Only the audit log keeps its thresholds."
    ),
    action=_l("Remove the tier"),
)


@bp.post("/manage/tiers/<int:tier_id>/remove")
@requires(Role.CLUB_MANAGER)
def remove_tier(tier_id: int):
    tier = db.get_or_404(Tier, tier_id)
    if not ConfirmForm().validate_on_submit():
        return redirect(url_for(".manage_tiers"))
    ask = confirmation_page(REMOVE_TIER, back=url_for(".manage_tiers"), name=tier.name)
    if ask is not None:
        return ask
    on_refusal(url_for(".manage_tiers"))
    tier_services.remove_top_tier(db.session, tier, actor=current_user)
    db.session.commit()
    flash(_("The tier is removed."), "success")
    return redirect(url_for(".manage_tiers"))
