"""Request-level wiring: who is signed in, which language, headers, error pages."""

from __future__ import annotations

from flask import (
    Flask,
    current_app,
    g,
    has_request_context,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf.csrf import CSRFError, generate_csrf
from sqlalchemy.exc import SQLAlchemyError
from werkzeug.exceptions import HTTPException

from club.api.views import error_response
from club.branding import services as branding
from club.consent.views import privacy_gate
from club.core import confirm, formatting, refusals, template_marks
from club.core.access import enforce_declared_access, may
from club.core.roles import Role
from club.core.text import render_markdown
from club.extensions import db, login_manager
from club.members.services import MIN_PASSWORD_LENGTH, load_user_for_session

# The Content-Security-Policy: no inline script, no third-party origin.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

ERROR_TITLES = {
    400: _l("Bad request"),
    403: _l("Not allowed"),
    404: _l("Page not found"),
    405: _l("Not allowed"),
    413: _l("Too large"),
    429: _l("Too many requests"),
    500: _l("Something went wrong"),
}
ERROR_TEXTS = {
    400: _l("The request could not be understood."),
    403: _l("Your role does not give access to this page."),
    404: _l("There is nothing here. The link may be old or mistyped."),
    405: _l("This address does not accept that kind of request."),
    413: _l("What you sent is too large."),
    429: _l("Too many requests in a short time. Wait a little and try again."),
    500: _l("An error on our side stopped this page. It has been logged; try again later."),
}


def select_locale() -> str:
    languages = _languages()
    if not has_request_context():
        return current_app.config["BABEL_DEFAULT_LOCALE"]  # commands and jobs
    if current_user and current_user.is_authenticated and current_user.language in languages:
        return current_user.language
    chosen = session.get("language")
    if chosen in languages:
        return chosen
    return request.accept_languages.best_match(languages) or "en"


def _brand():
    """The club's name, logo and colours, read once a request (pages, fragments, mails)."""
    if "club_brand" not in g:
        try:
            g.club_brand = branding.brand(db.session)
        except SQLAlchemyError:  # an error page while the database is away still renders
            db.session.rollback()
            g.club_brand = branding.DEFAULT
    return g.club_brand


def _languages():
    return current_app.config["LANGUAGES"]


@login_manager.user_loader
def _load_user(session_id: str):
    return load_user_for_session(db.session, session_id)


def init_app(app: Flask) -> None:
    login_manager.login_view = "members.login"
    login_manager.login_message = _l("Please sign in to see this page.")
    login_manager.login_message_category = "info"
    login_manager.session_protection = "basic"

    app.before_request(enforce_declared_access)
    app.before_request(privacy_gate)  # after the access rule: a 403 stays a 403

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("X-Frame-Options", "DENY")
        if app.config["CLUB_ENV"] == "production":
            response.headers.setdefault(
                "Strict-Transport-Security", "max-age=31536000; includeSubDomains"
            )
        if current_user and current_user.is_authenticated:
            # Personal pages must not be kept by shared caches or the back button.
            response.headers.setdefault("Cache-Control", "private, no-store")
        response.vary.add("HX-Request")
        return response

    @app.context_processor
    def shell_context():
        return {
            "brand": _brand(),
            "Role": Role,
            "may": may,
            "get_locale": get_locale,
            "csrf_token_value": generate_csrf,
            "languages": [("en", "English"), ("pl", "Polski"), ("ru", "Русский")],
            "min_password_length": MIN_PASSWORD_LENGTH,
        }

    app.jinja_env.filters["markdown"] = render_markdown
    formatting.init_app(app)
    confirm.init_app(app)
    refusals.init_app(app)
    template_marks.init_app(app)
    _error_pages(app)


def _error_pages(app: Flask) -> None:
    """Errors answered as pages, or as the JSON API's errors under /api/."""

    @app.errorhandler(CSRFError)
    def csrf_error(error):
        return render_template(
            "errors/error.html",
            code=400,
            title=_("The form could not be accepted"),
            text=_(
                "The form expired or was not sent from this site. Go back, reload and try again."
            ),
        ), 400

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        code = error.code or 500
        if request.path.startswith("/api/"):
            return error_response(
                code, error.name.lower().replace(" ", "_"), str(ERROR_TEXTS.get(code, error.name))
            )
        if code == 401:
            return redirect(url_for("members.login"))
        return render_template(
            "errors/error.html",
            code=code,
            title=ERROR_TITLES.get(code, error.name),
            text=ERROR_TEXTS.get(code, ""),
        ), code

    @app.errorhandler(Exception)
    def unexpected_error(error: Exception):
        if isinstance(error, HTTPException):
            return http_error(error)
        app.logger.exception("unhandled error on %s", request.path)
        db.session.rollback()
        if request.path.startswith("/api/"):  # an API client reads JSON, even now
            return error_response(500, "internal_error", str(ERROR_TEXTS[500]))
        return render_template(
            "errors/error.html", code=500, title=ERROR_TITLES[500], text=ERROR_TEXTS[500]
        ), 500
