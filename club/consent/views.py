"""Reading and accepting the club rules and the privacy notice; the club manager's
versions and the acceptances export; the privacy gate after sign-in."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_login import current_user
from markupsafe import Markup

from club.consent import services
from club.consent.forms import AcceptForm, PublishForm
from club.consent.models import LANGUAGES, DocumentKind
from club.core import periods
from club.core.access import public, requires
from club.core.csvfile import csv_response
from club.core.home import home_card
from club.core.refusals import on_refusal
from club.core.roles import PARTNER_ROLES, Role
from club.extensions import db
from club.members.blueprint import safe_next

bp = Blueprint("consent", __name__)

PAGES = {DocumentKind.RULES: "consent.rules", DocumentKind.PRIVACY: "consent.privacy"}

# Pages a partner may open before accepting the privacy notice: the notice itself,
# signing out, the language of the page, and what does not use the browser session.
PRIVACY_GATE_EXEMPT = frozenset(
    {
        "consent.privacy",
        "consent.accept_privacy",
        "consent.rules",
        "members.logout",
        "members.set_language",
        "static",
    }
)
PRIVACY_GATE_EXEMPT_BLUEPRINTS = frozenset({"api", "health"})


def privacy_gate():
    """before_request (wired in club.web): a partner who has not accepted the current
    privacy notice sees it before any other page."""
    endpoint = request.endpoint
    if endpoint is None or endpoint in PRIVACY_GATE_EXEMPT:
        return None
    if request.blueprint in PRIVACY_GATE_EXEMPT_BLUEPRINTS:
        return None
    if not current_user.is_authenticated or not current_user.role.is_partner:
        return None
    if services.privacy_awaiting(db.session, current_user) is None:
        return None
    back = request.full_path.rstrip("?") if request.method == "GET" else None
    target = url_for("consent.privacy", next=back)
    if request.headers.get("HX-Request"):
        return "", 204, {"HX-Redirect": target}
    return redirect(target)


def _kind_or_404(kind: str) -> DocumentKind:
    if kind not in set(DocumentKind):
        abort(404)
    return DocumentKind(kind)


def _document_page(kind: DocumentKind, *, form: AcceptForm | None = None, status: int = 200):
    version = request.args.get("version", type=int)
    latest = services.current(db.session, kind)
    document = latest
    if version is not None and latest is not None and version != latest.version:
        document = services.version_of(db.session, kind, version) if version < 2**31 else None
        if document is None:
            abort(404)
    awaiting = None
    if current_user.is_authenticated and document is latest:
        if kind == DocumentKind.RULES and current_user.role == Role.ACCOUNT_HOLDER:
            awaiting = services.rules_awaiting(db.session, current_user.company)
        elif kind == DocumentKind.PRIVACY:
            awaiting = services.privacy_awaiting(db.session, current_user)
    accepted = None
    if current_user.is_authenticated and document is not None and awaiting is None:
        accepted = services.acceptance_for(db.session, document, current_user)
    if awaiting is not None and form is None:
        form = AcceptForm(version=awaiting.version, next=request.args.get("next", ""))
    return render_template(
        "consent/document.html",
        kind=kind,
        document=document,
        latest=latest,
        language=str(get_locale()),
        awaiting=awaiting,
        accepted=accepted,
        form=form if awaiting is not None else None,
        accept_endpoint="consent.accept_rules"
        if kind == DocumentKind.RULES
        else "consent.accept_privacy",
    ), status


@bp.get("/club-rules")
@public
def rules():
    return _document_page(DocumentKind.RULES)


@bp.get("/privacy")
@public
def privacy():
    return _document_page(DocumentKind.PRIVACY)


def _accept(kind: DocumentKind, done: str):
    form = AcceptForm()
    if not form.validate_on_submit():
        return _document_page(kind, form=form, status=422)
    document = services.version_of(db.session, kind, form.version.data)
    if document is None:
        abort(404)
    on_refusal(url_for(PAGES[kind]))
    services.accept(
        db.session,
        current_user,
        document,
        ip_address=request.remote_addr,
        user_agent=request.user_agent.string,
    )
    db.session.commit()
    flash(done, "success")
    return redirect(safe_next(form.next.data))


@bp.post("/club-rules/accept")
@requires(Role.ACCOUNT_HOLDER)
def accept_rules():
    return _accept(
        DocumentKind.RULES,
        _("Thank you: your company accepted the club rules and may redeem points."),
    )


@bp.post("/privacy/accept")
@requires(*PARTNER_ROLES)
def accept_privacy():
    return _accept(DocumentKind.PRIVACY, _("Thank you for reading the privacy notice."))


@home_card(order=0)
def _rules_card(user) -> Markup | None:
    """The partner home's banner while new rules wait for the account holder."""
    if not user.role.is_partner:
        return None
    document = services.rules_awaiting(db.session, user.company)
    if document is None:
        return None
    return Markup(render_template("consent/_rules_banner.html", document=document))  # noqa: S704


# --- the club manager -------------------------------------------------------------------


@bp.get("/manage/consent")
@requires(Role.CLUB_MANAGER)
def manage():
    return render_template(
        "consent/manage.html",
        kinds=list(DocumentKind),
        versions={kind: services.versions(db.session, kind) for kind in DocumentKind},
        companies_awaiting=services.companies_awaiting_rules(db.session),
    )


@bp.route("/manage/consent/<kind>/publish", methods=["GET", "POST"])
@requires(Role.CLUB_MANAGER)
def publish(kind: str):
    document_kind = _kind_or_404(kind)
    latest = services.current(db.session, document_kind)
    form = PublishForm(obj=latest) if request.method == "GET" else PublishForm()

    def page(status: int = 200):
        return render_template(
            "consent/publish.html", form=form, kind=document_kind, latest=latest
        ), status

    if not form.validate_on_submit():
        return page(422 if request.method == "POST" else 200)
    on_refusal(lambda error: page(error.status_code), form=form)
    document = services.publish(
        db.session,
        document_kind,
        services.DocumentText(
            titles={lang: getattr(form, f"title_{lang}").data for lang in LANGUAGES},
            bodies={lang: getattr(form, f"body_{lang}").data for lang in LANGUAGES},
        ),
        actor=current_user,
    )
    db.session.commit()
    flash(
        _(
            "Version %(version)d is published; everyone concerned is asked to accept it.",
            version=document.version,
        ),
        "success",
    )
    return redirect(url_for(".manage"))


@bp.get("/manage/consent/acceptances.csv")
@requires(Role.CLUB_MANAGER)
def acceptances_csv():
    kind = request.args.get("kind", "")
    document_kind = DocumentKind(kind) if kind in set(DocumentKind) else None
    version = request.args.get("version", type=int)
    if version is not None and not 1 <= version < 2**31:
        version = None
    header = [
        _("Document"),
        _("Version"),
        _("Accepted at"),
        _("Name"),
        _("E-mail"),
        _("Role"),
        _("Company"),
        _("Tax id"),
        _("IP address"),
        _("Browser"),
    ]
    rows = (
        [
            document.kind.label,
            document.version,
            periods.local(acceptance.accepted_at).strftime("%Y-%m-%d %H:%M:%S"),
            person.name,
            person.email,
            person.role.label,
            company.name if company else "",
            f"{company.country} {company.tax_id}" if company else "",
            acceptance.ip_address or "",
            acceptance.user_agent or "",
        ]
        for acceptance, document, person, company in services.acceptances(
            db.session, kind=document_kind, version=version
        )
    )
    suffix = f"-{document_kind.value}" if document_kind else ""
    suffix += f"-v{version}" if document_kind and version else ""
    return csv_response(header, rows, f"acceptances{suffix}.csv")
