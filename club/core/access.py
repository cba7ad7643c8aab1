"""Access rules, declared on every route.

Each view carries `access`: either PUBLIC or the set of roles that may use it. A route
without a declaration is refused (see `enforce_declared_access`), and the route-access
test walks the URL map to make sure none is missing.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort, current_app, request
from flask_login import current_user

from club.core.roles import ALL_ROLES, Role

PUBLIC = "public"

# Flask's own endpoints that serve files and need no rule of ours.
EXEMPT_ENDPOINTS = frozenset({"static"})


def public(view: Callable) -> Callable:
    """Anyone, signed in or not."""
    view.access = PUBLIC
    return view


def requires(*roles: Role) -> Callable[[Callable], Callable]:
    """Only signed-in users with one of `roles`; others get 403, anonymous users the login."""
    allowed = frozenset(roles)
    if not allowed:
        raise ValueError("requires() needs at least one role")

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return current_app.login_manager.unauthorized()
            if not allows(allowed, current_user):
                abort(403)
            return view(*args, **kwargs)

        wrapper.access = allowed
        return wrapper

    return decorator


def signed_in(view: Callable) -> Callable:
    """Any signed-in user, whatever the role."""
    return requires(*ALL_ROLES)(view)


class TokenAccess:
    """The route is for API clients with a bearer token carrying `scope`."""

    def __init__(self, scope: str) -> None:
        self.scope = scope

    def __repr__(self) -> str:
        return f"<TokenAccess {self.scope}>"


def access_of(view: Callable) -> str | frozenset[Role] | TokenAccess | None:
    return getattr(view, "access", None)


def allows(access: str | frozenset[Role] | TokenAccess | None, user) -> bool:
    """The one answer to "may this user use a route declared with `access`?": asked by
    `requires` before the view runs and by `may` before a page shows a link or button."""
    if access == PUBLIC:
        return True
    if not isinstance(access, frozenset) or user is None or not user.is_authenticated:
        return False
    return user.role in access


def may(endpoint: str, **_values) -> bool:
    """Whether the viewer may use `endpoint`; templates show a button or link only then:
    `{% if may('catalog.redeem', privilege_id=p.id) %}`. The values name the object for
    readers of the template; the company check stays in the view (a 404, never a button
    to another company's object)."""
    view = current_app.view_functions.get(endpoint)
    if view is None:
        raise LookupError(f"no endpoint {endpoint!r}")
    return allows(access_of(view), current_user)


def enforce_declared_access() -> None:
    """before_request: a route that forgot its rule is closed, not open."""
    if request.endpoint is None or request.endpoint in EXEMPT_ENDPOINTS:
        return
    view = current_app.view_functions.get(request.endpoint)
    if view is not None and access_of(view) is None:
        current_app.logger.error("route %s declares no access rule", request.endpoint)
        abort(403)


def same_company_or_404(user, company_id: int | None) -> None:
    """A partner asking for another company's object learns nothing: 404."""
    if user.role.is_partner and user.company_id != company_id:
        abort(404)
