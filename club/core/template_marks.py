"""Which templates made a response, for the browser tests' accessibility walk.

With ``TEMPLATE_MARKS`` set (the browser tests' app only; never in production), every
response rendered from templates carries an ``X-Club-Templates`` header naming all of
them: the page's template, those it extends, includes and imports macros from. The walk
(tests/browser/test_accessibility.py) loads a page in Chromium and runs axe-core on it
only when the page brings a template or a structure it has not checked yet.
"""

from __future__ import annotations

from flask import Flask, g, has_request_context

HEADER = "X-Club-Templates"


def init_app(app: Flask) -> None:
    if not app.config.get("TEMPLATE_MARKS"):
        return
    if app.config.get("CLUB_ENV") == "production":
        raise RuntimeError("TEMPLATE_MARKS is for the browser tests, not for production")
    environment = app.jinja_env
    get_template, select_template = environment.get_template, environment.select_template

    def remember(template):
        if has_request_context() and template.name:
            g.setdefault("club_templates", set()).add(template.name)
        return template

    # Jinja's compiled {% extends %}, {% include %} and {% import %} call these two on the
    # environment, as Flask's render_template does.
    environment.get_template = lambda *args, **kwargs: remember(get_template(*args, **kwargs))
    environment.select_template = lambda *args, **kwargs: remember(select_template(*args, **kwargs))

    @app.after_request
    def mark_templates(response):
        names = g.pop("club_templates", None)
        if names:
            response.headers[HEADER] = " ".join(sorted(names))
        return response
