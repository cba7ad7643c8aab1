"""Club: a loyalty club portal for a supplier's business partners."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from club.config import load_config

ROOT = Path(__file__).resolve().parent.parent


def create_app(config: dict | None = None) -> Flask:
    """Wire config, extensions, blueprints and commands. No queries here."""
    app = Flask(
        __name__,
        instance_path=str(ROOT / "instance"),
        template_folder=str(ROOT / "templates"),
        static_folder=str(ROOT / "static"),
    )
    app.config.update(load_config(Path(app.instance_path)))
    if config:
        app.config.update(config)

    from club import web
    from club.core import database, shared_cache
    from club.extensions import babel, csrf, db, htmx, login_manager, migrate, rate_limiter

    db.init_app(app)
    migrate.init_app(app, db, directory=str(ROOT / "migrations"))
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=web.select_locale)
    htmx.init_app(app)
    rate_limiter.init_app(app)
    shared_cache.init_app(app)

    from club import models  # noqa: F401  (every model registered with the metadata)
    from club.core import converters

    converters.init_app(app)  # before the blueprints: `<int:...>` ids fit 64 bits
    _register_blueprints(app)
    # Write intent first: the request wiring's checks (the privacy gate) read the
    # database, and on SQLite a POST's transaction must begin IMMEDIATE.
    database.init_app(app)
    web.init_app(app)

    from club.cli import register_commands

    register_commands(app)

    if app.config.get("SCHEDULER_IN_PROCESS"):
        from club.scheduler import start_in_background

        start_in_background(app)
    return app


def _register_blueprints(app: Flask) -> None:
    # Imported when an app is built: this package runs before any `import club.<module>`,
    # so importing the domains at its top would load them all for every import of one.
    from club.api.manage_views import bp as api_tokens_bp
    from club.api.personal_views import bp as personal_tokens_bp
    from club.api.views import bp as api_bp
    from club.awards.views import bp as awards_bp
    from club.branding.views import bp as branding_bp
    from club.catalog.manage_views import bp as catalog_manage_bp
    from club.catalog.views import bp as catalog_bp
    from club.consent.views import bp as consent_bp
    from club.events.manage_views import bp as events_manage_bp
    from club.events.views import bp as events_bp
    from club.health.views import bp as health_bp
    from club.insight.views import bp as insight_bp
    from club.leaderboard.views import bp as leaderboard_bp
    from club.learning.manage_views import bp as learning_manage_bp
    from club.learning.views import bp as learning_bp
    from club.ledger.views import bp as ledger_bp
    from club.members.audit_views import bp as audit_bp
    from club.members.views import bp as members_bp
    from club.portfolio.views import bp as portfolio_bp
    from club.privacy.views import bp as privacy_bp
    from club.purchases.invoice_views import bp as company_invoices_bp
    from club.purchases.views import bp as purchases_bp
    from club.relations.views import bp as relations_bp
    from club.rules.referral_views import bp as referrals_bp
    from club.rules.views import bp as rules_bp
    from club.satisfaction.views import bp as satisfaction_bp
    from club.webhooks.views import bp as webhooks_bp

    for blueprint in (
        members_bp,
        audit_bp,
        api_bp,
        ledger_bp,
        catalog_bp,
        catalog_manage_bp,
        purchases_bp,
        company_invoices_bp,
        rules_bp,
        referrals_bp,
        api_tokens_bp,
        personal_tokens_bp,
        learning_bp,
        learning_manage_bp,
        events_bp,
        events_manage_bp,
        awards_bp,
        leaderboard_bp,
        health_bp,
        consent_bp,
        privacy_bp,
        webhooks_bp,
        relations_bp,
        insight_bp,
        satisfaction_bp,
        branding_bp,
        portfolio_bp,
    ):
        app.register_blueprint(blueprint)
    if app.config.get("DEV_MAIL"):
        from club.devtools.views import bp as devtools_bp

        app.register_blueprint(devtools_bp)  # development only: /dev/mail
