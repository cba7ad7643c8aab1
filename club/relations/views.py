"""The supplier's pages on relations: a company's contact log and its next steps, a
bonus from the account manager's budget, the club manager's budgets and the import of
complaints and contracts. The company page shows a panel of them (`relations_panel`)."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user
from markupsafe import Markup

from club.core.access import requires
from club.core.forms import choices
from club.core.periods import club_today, quarter_from_arg
from club.core.refusals import on_refusal
from club.core.roles import Role
from club.extensions import db
from club.members import services as members
from club.members.models import Company, User
from club.relations import bonus, contacts, csv_import, records, services
from club.relations.forms import (
    FILE_KIND_LABELS,
    KIND_LABELS,
    BudgetForm,
    ContactForm,
    GrantForm,
    ImportForm,
)
from club.relations.models import ContactKind

bp = Blueprint("relations", __name__, url_prefix="/manage")

SUPPLIER = (Role.CLUB_MANAGER, Role.ACCOUNT_MANAGER)
PANEL_CONTACTS = 5


def _company(company_id: int) -> Company:
    """The company if the viewer works with it; another portfolio's is a 404."""
    return members.visible_company(db.session, current_user, company_id) or abort(404)


@bp.app_template_global("relations_panel")
def relations_panel(company: Company) -> Markup | None:
    """The company page's relations card: contracts, complaints, the latest contacts and
    open next steps. Only for the supplier's staff who work with the company."""
    if not current_user.is_authenticated or not contacts.may_look_after(current_user, company):
        return None
    log = services.contacts_of(db.session, company.id)
    return Markup(  # noqa: S704  (a rendered template, escaped by Jinja)
        render_template(
            "relations/_company_panel.html",
            company=company,
            contacts=log[:PANEL_CONTACTS],
            more_contacts=max(0, len(log) - PANEL_CONTACTS),
            next_steps=contacts.open_next_steps(log),
            complaints=records.complaints_of(db.session, company.id, limit=5),
            open_complaints=services.open_complaints(db.session, [company.id]).get(company.id, 0),
            contracts=records.contracts_of(db.session, company.id),
            kind_labels=KIND_LABELS,
            today=club_today(),
            may_grant=current_user.role == Role.ACCOUNT_MANAGER,
        )
    )


# --- the contact log --------------------------------------------------------------------


@bp.route("/companies/<int:company_id>/contacts", methods=["GET", "POST"])
@requires(*SUPPLIER)
def company_contacts(company_id: int):
    company = _company(company_id)
    form = ContactForm()
    if request.method == "GET":
        form.happened_on.data = club_today()
    if form.validate_on_submit():
        on_refusal(lambda error: _contacts_page(company, form, 422), form=form)
        contacts.log_contact(
            db.session,
            company,
            author=current_user,
            kind=ContactKind(form.kind.data),
            happened_on=form.happened_on.data,
            note=form.note.data,
            next_step=form.next_step.data,
            next_step_due=form.next_step_due.data,
        )
        db.session.commit()
        flash(_("The contact is logged."), "success")
        return redirect(url_for("relations.company_contacts", company_id=company.id))
    return _contacts_page(company, form, 422 if form.is_submitted() else 200)


def _contacts_page(company: Company, form: ContactForm, status: int):
    log = services.contacts_of(db.session, company.id)
    return render_template(
        "relations/contacts.html",
        company=company,
        form=form,
        contacts=log,
        next_steps=contacts.open_next_steps(log),
        kind_labels=KIND_LABELS,
        today=club_today(),
    ), status


@bp.post("/contacts/<int:contact_id>/done")
@requires(*SUPPLIER)
def next_step_done(contact_id: int):
    contact = contacts.contact_in_view(db.session, current_user, contact_id) or abort(404)
    if request.form.get("back") == "company":  # the button on the company page
        back = url_for("members.company", company_id=contact.company_id)
    else:
        back = url_for("relations.company_contacts", company_id=contact.company_id)
    on_refusal(back)
    contacts.mark_done(db.session, contact, actor=current_user)
    db.session.commit()
    flash(_("Next step done: %(step)s", step=contact.next_step), "success")
    return redirect(back)


# --- bonuses ----------------------------------------------------------------------------


def _people_choices(company: Company):
    people = [user for user in company.users if user.is_active and user.role.is_partner]
    return choices([("", "—")] + [(str(user.id), user.name) for user in people])


@bp.route("/companies/<int:company_id>/bonus", methods=["GET", "POST"])
@requires(Role.ACCOUNT_MANAGER)
def grant_bonus(company_id: int):
    company = _company(company_id)
    form = GrantForm()
    form.person.choices = _people_choices(company)
    if form.validate_on_submit():
        on_refusal(lambda error: _grant_page(company, form, 422), form=form)
        person = db.session.get(User, int(form.person.data)) if form.person.data else None
        granted = bonus.grant(
            db.session,
            company,
            form.points.data,
            reason=form.reason.data,
            person=person,
            granted_by=current_user,
        )
        db.session.commit()
        flash(
            ngettext(
                "%(num)d point granted to %(company)s.",
                "%(num)d points granted to %(company)s.",
                granted.points,
                company=company.name,
            ),
            "success",
        )
        return redirect(url_for("relations.grant_bonus", company_id=company.id))
    return _grant_page(company, form, 422 if form.is_submitted() else 200)


def _grant_page(company: Company, form: GrantForm, status: int):
    quarter = bonus.current_quarter()
    return render_template(
        "relations/grant.html",
        company=company,
        form=form,
        quarter=quarter,
        budget=bonus.budget_of(db.session, current_user.id, quarter),
        grants=bonus.grants_in(
            db.session, quarter, account_manager_id=current_user.id, company_id=company.id
        ),
    ), status


@bp.route("/bonus-budgets", methods=["GET", "POST"])
@requires(Role.CLUB_MANAGER)
def budgets():
    this_quarter = bonus.current_quarter()
    quarter = quarter_from_arg(request.args.get("quarter")) or this_quarter
    form = BudgetForm()
    form.account_manager.choices = choices(
        (str(line.account_manager.id), line.account_manager.name)
        for line in bonus.overview(db.session, quarter)
        if line.account_manager.is_active
    )
    quarters = [this_quarter.shifted(by) for by in range(-1, 4)]
    form.quarter.choices = choices((q.arg, q.arg) for q in quarters)
    if request.method == "GET":
        form.quarter.data = quarter.arg
    if form.validate_on_submit():
        on_refusal(lambda error: _budgets_page(quarter, form, 422), form=form)
        manager = db.session.get(User, int(form.account_manager.data))
        chosen = quarter_from_arg(form.quarter.data)
        bonus.set_budget(db.session, manager, chosen, form.points.data, actor=current_user)
        db.session.commit()
        flash(
            _(
                "The budget of %(name)s for %(quarter)s is set.",
                name=manager.name,
                quarter=chosen.arg,
            ),
            "success",
        )
        return redirect(url_for("relations.budgets", quarter=chosen.arg))
    return _budgets_page(quarter, form, 422 if form.is_submitted() else 200)


def _budgets_page(quarter, form: BudgetForm, status: int):
    return render_template(
        "relations/budgets.html",
        quarter=quarter,
        form=form,
        lines=bonus.overview(db.session, quarter),
        grants=bonus.grants_in(db.session, quarter),
        previous=quarter.previous(),
        following=quarter.next(),
    ), status


# --- the import -------------------------------------------------------------------------


@bp.route("/relations/import", methods=["GET", "POST"])
@requires(Role.CLUB_MANAGER)
def import_records():
    form = ImportForm()
    result = None
    if form.validate_on_submit():
        result = csv_import.import_file(
            db.session,
            form.file.data.read(),
            csv_import.FileKind(form.kind.data),
            actor=current_user,
            filename=form.file.data.filename or "",
            encoding=form.encoding.data or None,
        )
        if result.ok:
            db.session.commit()
            flash(
                _(
                    "%(what)s imported: %(created)d new, %(updated)d updated, "
                    "%(unchanged)d unchanged.",
                    what=FILE_KIND_LABELS[result.kind],
                    created=result.created,
                    updated=result.updated,
                    unchanged=result.unchanged,
                ),
                "success",
            )
            return redirect(url_for("relations.import_records"))
        db.session.rollback()  # nothing was written; nothing may be
    status = 422 if form.is_submitted() else 200
    return render_template("relations/import.html", form=form, result=result), status
