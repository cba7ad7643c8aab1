"""The club manager's webhook pages: register an endpoint (its secret shown once),
follow its deliveries and their attempts, switch it off or on, replay a delivery."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user

from club.core.access import requires
from club.core.refusals import on_refusal
from club.core.roles import Role
from club.extensions import db
from club.members.forms import ConfirmForm
from club.webhooks import endpoints as services
from club.webhooks.forms import EndpointForm
from club.webhooks.models import WebhookDelivery, WebhookEndpoint
from club.webhooks.outbox import EVENT_TYPES

bp = Blueprint("webhooks", __name__, url_prefix="/manage/webhooks")


@bp.route("/", methods=["GET", "POST"])
@requires(Role.CLUB_MANAGER)
def endpoints():
    form = EndpointForm()
    if form.validate_on_submit():
        on_refusal(lambda error: _endpoints_page(form, None, 422), form=form)
        _endpoint, secret = services.register(
            db.session,
            url=form.url.data,
            event_types=form.event_types.data,
            description=form.description.data or "",
            actor=current_user,
        )
        db.session.commit()
        return _endpoints_page(EndpointForm(formdata=None), secret, 200)
    return _endpoints_page(form, None, 422 if form.is_submitted() else 200)


def _endpoints_page(form: EndpointForm, secret: str | None, status: int):
    # The secret is shown in this response only; the list shows its first characters.
    return render_template(
        "webhooks/endpoints.html",
        form=form,
        secret=secret,
        endpoints=services.endpoints(db.session),
        event_types=EVENT_TYPES,
    ), status


@bp.get("/<int:endpoint_id>")
@requires(Role.CLUB_MANAGER)
def endpoint(endpoint_id: int):
    found = db.get_or_404(WebhookEndpoint, endpoint_id)
    deliveries = services.deliveries(db.session, found)
    return render_template(
        "webhooks/endpoint.html",
        endpoint=found,
        deliveries=deliveries,
        attempts=services.attempts(db.session, [delivery.id for delivery in deliveries]),
        event_types=EVENT_TYPES,
        confirm_form=ConfirmForm(),
    )


@bp.post("/<int:endpoint_id>/active")
@requires(Role.CLUB_MANAGER)
def toggle(endpoint_id: int):
    found = db.get_or_404(WebhookEndpoint, endpoint_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    services.set_active(db.session, found, not found.is_active, actor=current_user)
    db.session.commit()
    if found.is_active:
        flash(_("The endpoint receives events again."), "success")
    else:
        flash(_("The endpoint is switched off: it gets no new events."), "success")
    return redirect(url_for(".endpoint", endpoint_id=endpoint_id))


@bp.post("/deliveries/<int:delivery_id>/replay")
@requires(Role.CLUB_MANAGER)
def replay(delivery_id: int):
    delivery = db.get_or_404(WebhookDelivery, delivery_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    back = url_for(".endpoint", endpoint_id=delivery.endpoint_id)
    on_refusal(back)
    services.replay(db.session, delivery, actor=current_user)
    db.session.commit()
    flash(_("The delivery goes out again within a minute."), "success")
    return redirect(back)
