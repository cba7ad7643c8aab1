"""GET /healthz for load balancers and monitoring: 200 when every part is well, else 503."""

from __future__ import annotations

from flask import Blueprint, jsonify

from club.core.access import public
from club.extensions import db
from club.health import services

bp = Blueprint("health", __name__)


@bp.get("/healthz")
@public
def healthz():
    body = services.report(db.session)
    response = jsonify(body)
    response.status_code = 200 if body["ok"] else 503
    response.headers["Cache-Control"] = "no-store"
    return response
