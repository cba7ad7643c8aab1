"""Awards pages: the club manager names the quarter's best partners; partners download
their diplomas and membership certificate; anyone can check a code."""

from __future__ import annotations

import io

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user

from club.awards import services
from club.awards.errors import AwardsError
from club.awards.models import MAX_PLACES
from club.branding import services as branding
from club.core import codes, periods
from club.core.access import public, requires, same_company_or_404
from club.core.clock import utcnow
from club.core.database import write_intent
from club.core.periods import Period
from club.core.refusals import on_refusal
from club.core.roles import PARTNER_ROLES, Role
from club.extensions import db
from club.members import standing
from club.members.forms import ConfirmForm
from club.members.models import Company, MembershipStatus, User
from club.members.services import visible_company

bp = Blueprint("awards", __name__, url_prefix="/awards")

EVERYONE_WITH_A_COMPANY = (Role.CLUB_MANAGER, Role.ACCOUNT_MANAGER, *sorted(PARTNER_ROLES))
PICKED_QUARTERS = 8  # the completed quarters the picker offers


# --- the club manager's page ------------------------------------------------------------


def _picked_quarter(now) -> Period:
    """?q=2026-Q3 from the picker; the last completed quarter otherwise."""
    picked = periods.quarter_from_arg(request.args.get("q"), first_year=services.FIRST_YEAR)
    return picked or periods.this_quarter(now).previous()


def _best_partners_page(quarter: Period, *, rows=None, form: ConfirmForm | None = None):
    now = utcnow()
    award = services.award_of(db.session, quarter.year, quarter.number)
    is_over = periods.is_over(quarter, now=now)
    ladder = standing.tiers(db.session)
    tier = next((t for t in ladder if t.code == request.args.get("tier")), None)
    suggestions = (
        services.suggest_best(db.session, quarter.year, quarter.number, tier=tier)
        if is_over
        else []
    )
    totals = services.quarter_points(db.session, quarter.year, quarter.number) if is_over else {}
    if rows is None:
        if award is not None and award.distinctions:
            rows = [(str(d.company_id), d.citation) for d in award.distinctions]
        else:
            rows = [(str(s.company.id), "") for s in suggestions]
    rows = list(rows) + [("", "")] * (MAX_PLACES - len(rows))
    last = periods.this_quarter(now)
    quarters = [last.shifted(-back) for back in range(1, PICKED_QUARTERS + 1)]
    if quarter not in quarters:
        quarters = [quarter, *quarters]
    form = form or ConfirmForm()
    return render_template(
        "awards/best_partners.html",
        period=quarter,
        year=quarter.year,
        quarter=quarter.number,
        quarters=quarters,
        is_over=is_over,
        award=award,
        suggestions=suggestions,
        tiers=ladder,
        tier=tier,
        members=[
            company
            for company, _certificate in services.member_companies(db.session, during=quarter)
        ],
        points={cid: value[0] for cid, value in totals.items()},
        rows=rows,
        form=form,
    ), (422 if form.form_errors else 200)


@bp.get("/")
@requires(Role.CLUB_MANAGER)
def best_partners():
    return _best_partners_page(_picked_quarter(utcnow()))


def _submitted_rows() -> list[tuple[str, str]]:
    rows = []
    for place in range(1, MAX_PLACES + 1):
        company = request.form.get(f"company-{place}", "").strip()
        citation = request.form.get(f"citation-{place}", "")
        rows.append((company, citation))
    return rows


@bp.post("/<int:year>/q<int:quarter>/choose")
@requires(Role.CLUB_MANAGER)
def choose(year: int, quarter: int):
    on_refusal(url_for(".best_partners"))
    period = services.checked_quarter(year, quarter)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    rows = _submitted_rows()
    filled = [(company, citation) for company, citation in rows if company]
    on_refusal(lambda _error: _best_partners_page(period, rows=rows, form=form), form=form)
    services.choose_best(
        db.session,
        year,
        quarter,
        [company for company, _citation in filled],
        current_user,
        citations=[citation for _company, citation in filled],
    )
    db.session.commit()
    flash(
        _(
            "The best partners of Q%(quarter)d %(year)d are saved. You can change them "
            "until you finalise the list.",
            quarter=quarter,
            year=year,
        ),
        "success",
    )
    return redirect(url_for(".best_partners", q=period.arg))


@bp.post("/<int:year>/q<int:quarter>/finalise")
@requires(Role.CLUB_MANAGER)
def finalise(year: int, quarter: int):
    on_refusal(url_for(".best_partners"))
    period = services.checked_quarter(year, quarter)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    on_refusal(url_for(".best_partners", q=period.arg))
    services.finalise(db.session, year, quarter, actor=current_user)
    db.session.commit()
    flash(
        _(
            "The best partners of Q%(quarter)d %(year)d are final; their diplomas are ready.",
            quarter=quarter,
            year=year,
        ),
        "success",
    )
    return redirect(url_for(".best_partners", q=period.arg))


@bp.get("/certificates")
@requires(Role.CLUB_MANAGER)
def certificates():
    return render_template(
        "awards/certificates.html",
        members=services.member_companies(db.session),
        diplomas=services.finalised_distinctions(db.session),
    )


# --- partners ---------------------------------------------------------------------------


@bp.get("/company")
@requires(Role.ACCOUNT_HOLDER, Role.PARTNER_STAFF)
def company():
    own = db.get_or_404(Company, current_user.company_id)
    return render_template(
        "awards/company.html",
        company=own,
        is_member=own.status == MembershipStatus.MEMBER,
        certificate=services.membership_certificate_of(db.session, own),
        diplomas=services.finalised_distinctions(db.session, company_id=own.id),
    )


# --- PDFs -------------------------------------------------------------------------------


def _pdf_locale() -> str:
    """?lang=pl for another language than the reader's own."""
    wanted = request.args.get("lang", "")
    return wanted if wanted in current_app.config["LANGUAGES"] else str(get_locale())


def _pdf_response(data: bytes, filename: str):
    return send_file(
        io.BytesIO(data), mimetype="application/pdf", download_name=filename, max_age=0
    )


@bp.get("/diplomas/<int:distinction_id>.pdf")
@requires(*EVERYONE_WITH_A_COMPANY)
def diploma(distinction_id: int):
    distinction = services.diploma(db.session, distinction_id)
    if distinction is None:
        abort(404)
    same_company_or_404(current_user, distinction.company_id)
    if visible_company(db.session, current_user, distinction.company_id) is None:
        abort(404)
    data = services.diploma_pdf(
        distinction, _pdf_locale(), brand=branding.pdf_brand(db.session, _("Club"))
    )
    award = distinction.award
    return _pdf_response(
        data, f"diploma-{award.year}-q{award.quarter}-place-{distinction.place}.pdf"
    )


@bp.get("/companies/<int:company_id>/certificate.pdf")
@requires(*EVERYONE_WITH_A_COMPANY)
def membership_certificate(company_id: int):
    same_company_or_404(current_user, company_id)
    found = visible_company(db.session, current_user, company_id)
    if found is None or found.status != MembershipStatus.MEMBER:
        abort(404)
    certificate = services.membership_certificate_of(db.session, found)
    if certificate is None:
        # Issued on first request: end this read transaction, write in one that takes
        # SQLite's write lock at BEGIN (a GET request does not by itself).
        actor_id = current_user.id
        db.session.rollback()
        with write_intent():
            found = db.session.get(Company, company_id)
            try:
                certificate = services.issue_membership_certificate(
                    db.session, found, actor=db.session.get(User, actor_id)
                )
            except AwardsError:  # it stopped being a member a moment ago: no certificate
                db.session.rollback()
                abort(404)
            db.session.commit()
    data = services.membership_certificate_pdf(
        certificate, _pdf_locale(), brand=branding.pdf_brand(db.session, _("Club"))
    )
    return _pdf_response(
        data, f"membership-certificate-{certificate.year}-{certificate.sequence}.pdf"
    )


# --- public verification ------------------------------------------------------------------


@bp.get("/verify")
@public
def verify_form():
    code = request.args.get("code", "").strip()
    if not code:
        return render_template("awards/verify.html", code=None, result=None)
    normal = codes.normalize_code(code) or codes.as_typed(code)
    if not normal:
        return render_template("awards/verify.html", code="", result=None), 404
    return redirect(url_for(".verify", code=normal))


@bp.get("/verify/<code>")
@public
def verify(code: str):
    if not codes.verify_allowed(request.remote_addr):
        abort(429)
    result = services.verify_code(db.session, code)
    return render_template("awards/verify.html", code=code[:20], result=result), (
        200 if result else 404
    )
