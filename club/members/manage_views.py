"""Managing people and companies: an account holder's staff, the club manager's lists of
companies and people, and the account managers' portfolios."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from sqlalchemy import func, select

from club.core.access import requires, same_company_or_404
from club.core.confirm import confirmation_page, question
from club.core.forms import choices
from club.core.htmx import render_page_or_fragment
from club.core.refusals import on_refusal
from club.core.roles import Role
from club.extensions import db
from club.members import admission, services, standing, tier_views
from club.members.blueprint import PAGE_SIZE, bp, page_number, safe_next
from club.members.companies import company_countries
from club.members.forms import (
    CompanyForm,
    ConfirmForm,
    InviteForm,
    InviteSupplierStaffForm,
    MembershipForm,
    MoveAccountHolderForm,
    RoleForm,
    country_choices,
)
from club.members.models import Company, MembershipStatus, User

# --- the account holder's staff -----------------------------------------------------


@bp.get("/my-company/staff")
@requires(Role.ACCOUNT_HOLDER)
def staff():
    company = current_user.company
    people = db.session.scalars(
        select(User).where(User.company_id == company.id).order_by(func.lower(User.name))
    ).all()
    return render_template(
        "members/staff.html", company=company, people=people, action_form=ConfirmForm()
    )


def _invite_page(form, *, role_of_form, company, done_url: str, heading: str):
    """The invitation form shared by the holder's and the club manager's pages."""

    def page(status: int):
        return render_template(
            "members/invite.html", form=form, company=company, heading=heading
        ), status

    if form.validate_on_submit():
        on_refusal(lambda error: page(422), form=form)
        person = services.invite(
            db.session,
            email=form.email.data,
            name=form.name.data,
            role=role_of_form(form),
            company=company,
            language=form.language.data,
            actor=current_user,
        )
        db.session.commit()
        flash(_("Invitation sent to %(email)s.", email=person.email), "success")
        return redirect(done_url)
    return page(422 if form.is_submitted() else 200)


@bp.route("/my-company/staff/invite", methods=["GET", "POST"])
@requires(Role.ACCOUNT_HOLDER)
def invite_staff():
    return _invite_page(
        InviteForm(language=current_user.language),
        role_of_form=lambda form: Role.PARTNER_STAFF,
        company=current_user.company,
        done_url=url_for("members.staff"),
        heading=_("Invite a colleague"),
    )


# --- actions on a person (club manager, or the account holder for their staff) ------


def _person_or_404(user_id: int) -> User:
    person = db.get_or_404(User, user_id)
    if current_user.role == Role.ACCOUNT_HOLDER:
        same_company_or_404(current_user, person.company_id)
    return person


def _back_to_list() -> str:
    """Where an action on a person returns: the page it came from, or the right list."""
    if current_user.role != Role.CLUB_MANAGER:
        return url_for("members.staff")
    came_from = request.form.get("next")
    return safe_next(came_from) if came_from else url_for("members.users")


def _after_person_action(person: User, status: int = 200):
    """htmx swaps the person's row; a plain form post goes back to the list."""
    if request.htmx:
        return render_template(
            "members/_person_row.html", person=person, action_form=ConfirmForm()
        ), status
    return redirect(_back_to_list())


DEACTIVATE = question(
    "members.deactivate",
    title=_l("Deactivate this person?"),
    consequence=_l(
        "%(name)s is signed out at once and can no longer sign in. The points they earned "
        "stay with the company; a club manager or account holder can reactivate them."
    ),
    action=_l("Deactivate"),
)


@bp.post("/people/<int:user_id>/active")
@requires(Role.CLUB_MANAGER, Role.ACCOUNT_HOLDER)
def set_active(user_id: int):
    person = _person_or_404(user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    active = request.form.get("active") == "1"
    if not active:
        ask = confirmation_page(DEACTIVATE, back=_back_to_list(), name=person.name)
        if ask is not None:
            return ask
    on_refusal(lambda error: _after_person_action(person, error.status_code))
    services.set_active(db.session, person, active=active, actor=current_user)
    db.session.commit()
    flash(
        _("%(name)s can sign in again.", name=person.name)
        if active
        else _("%(name)s is deactivated and signed out.", name=person.name),
        "success",
    )
    return _after_person_action(person)


@bp.post("/people/<int:user_id>/invitation")
@requires(Role.CLUB_MANAGER, Role.ACCOUNT_HOLDER)
def resend_invitation(user_id: int):
    person = _person_or_404(user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    on_refusal(lambda error: _after_person_action(person))
    services.resend_invitation(db.session, person, actor=current_user)
    db.session.commit()
    flash(_("A new invitation was sent to %(email)s.", email=person.email), "success")
    return _after_person_action(person)


# --- the club manager's and account manager's company pages -------------------------


def _account_managers() -> list[User]:
    return db.session.scalars(
        select(User).where(User.role == Role.ACCOUNT_MANAGER).order_by(User.name)
    ).all()


def _company_form(company: Company | None = None) -> CompanyForm:
    form = CompanyForm(obj=company)
    form.country.choices = country_choices()
    form.account_manager_id.choices = choices(
        [("", _("— none —"))] + [(str(manager.id), manager.name) for manager in _account_managers()]
    )
    if company is not None and not form.is_submitted():
        form.status.data = company.status.value
        form.account_manager_id.data = str(company.account_manager_id or "")
    return form


def _company_details(form: CompanyForm) -> services.CompanyDetails:
    return services.CompanyDetails(
        name=form.name.data,
        tax_id=form.tax_id.data,
        country=form.country.data,
        street=form.street.data or "",
        postal_code=form.postal_code.data or "",
        city=form.city.data or "",
        status=MembershipStatus(form.status.data),
        joined_on=form.joined_on.data,
        account_manager_id=int(form.account_manager_id.data)
        if form.account_manager_id.data
        else None,
        is_pilot=form.is_pilot.data,
    )


def _company_form_page(form: CompanyForm, company: Company | None, status: int):
    return render_template("members/company_form.html", form=form, company=company), status


@bp.get("/manage/companies")
@requires(Role.CLUB_MANAGER, Role.ACCOUNT_MANAGER)
def companies():
    filters = {
        "text": request.args.get("q", "")[:100],
        "status": request.args.get("status", ""),
        "country": request.args.get("country", "")[:2],
        "account_manager_id": request.args.get("manager", type=int),
        "pilot": request.args.get("pilot") == "1",
    }
    if filters["status"] not in {"", *MembershipStatus}:
        filters["status"] = ""
    page = db.paginate(
        services.search_companies(current_user, **filters),
        page=page_number(),
        per_page=PAGE_SIZE,
        error_out=False,
    )
    countries = company_countries(db.session, current_user, get_locale() or "en")
    return render_page_or_fragment(
        "members/companies.html",
        "members/_company_results.html",
        page=page,
        filters=filters,
        statuses=list(MembershipStatus),
        managers=_account_managers(),
        countries=countries,
    )


@bp.route("/manage/companies/new", methods=["GET", "POST"])
@requires(Role.CLUB_MANAGER)
def new_company():
    form = _company_form()
    if form.validate_on_submit():
        on_refusal(lambda error: _company_form_page(form, None, 422), form=form)
        company = services.create_company(db.session, _company_details(form), actor=current_user)
        db.session.commit()
        flash(_("%(name)s is registered.", name=company.name), "success")
        return redirect(url_for("members.company", company_id=company.id))
    return _company_form_page(form, None, 422 if form.is_submitted() else 200)


@bp.get("/manage/companies/<int:company_id>")
@requires(Role.CLUB_MANAGER, Role.ACCOUNT_MANAGER)
def company(company_id: int):
    company = services.visible_company(db.session, current_user, company_id) or abort(404)
    move_form = MoveAccountHolderForm()
    candidates = [user for user in company.users if user.is_active]
    move_form.user.choices = choices(
        (user.id, f"{user.name} <{user.email}>") for user in candidates
    )
    holder = services.company_account_holder(db.session, company)
    if holder is not None:
        move_form.user.data = holder.id
    return render_template(
        "members/company.html",
        company=company,
        holder=holder,
        tier=standing.company_tier(db.session, company),
        tier_history=standing.tier_history(db.session, company),
        tier_form=tier_views.set_tier_form() if current_user.role == Role.CLUB_MANAGER else None,
        move_form=move_form,
        action_form=ConfirmForm(),
        membership_form=MembershipForm(),
        history=admission.history(db.session, company),
        forfeit_on=admission.forfeit_on(db.session, company),
    )


@bp.route("/manage/companies/<int:company_id>/edit", methods=["GET", "POST"])
@requires(Role.CLUB_MANAGER)
def edit_company(company_id: int):
    company = db.get_or_404(Company, company_id)
    form = _company_form(company)
    if form.validate_on_submit():
        on_refusal(lambda error: _company_form_page(form, company, 422), form=form)
        services.update_company(db.session, company, _company_details(form), actor=current_user)
        db.session.commit()
        flash(_("Changes to %(name)s are saved.", name=company.name), "success")
        return redirect(url_for("members.company", company_id=company.id))
    return _company_form_page(form, company, 422 if form.is_submitted() else 200)


@bp.route("/manage/companies/<int:company_id>/invite", methods=["GET", "POST"])
@requires(Role.CLUB_MANAGER)
def invite_to_company(company_id: int):
    company = db.get_or_404(Company, company_id)
    has_holder = services.company_account_holder(db.session, company) is not None
    # The first person invited is the account holder; after that, staff.
    role = Role.PARTNER_STAFF if has_holder else Role.ACCOUNT_HOLDER
    heading = (
        _("Invite a staff member of %(company)s", company=company.name)
        if has_holder
        else _("Invite the account holder of %(company)s", company=company.name)
    )
    return _invite_page(
        InviteForm(),
        role_of_form=lambda form: role,
        company=company,
        done_url=url_for("members.company", company_id=company.id),
        heading=heading,
    )


@bp.post("/manage/companies/<int:company_id>/account-holder")
@requires(Role.CLUB_MANAGER)
def move_account_holder(company_id: int):
    company = db.get_or_404(Company, company_id)
    back = url_for("members.company", company_id=company.id)
    form = MoveAccountHolderForm()
    form.user.choices = choices((user.id, user.name) for user in company.users)
    if not form.validate_on_submit():
        flash(_("Choose a staff member of this company."), "error")
        return redirect(back)
    new_holder = db.get_or_404(User, form.user.data)
    on_refusal(back)
    services.move_account_holder(db.session, company, new_holder, actor=current_user)
    db.session.commit()
    flash(
        _(
            "%(name)s is now the account holder of %(company)s.",
            name=new_holder.name,
            company=company.name,
        ),
        "success",
    )
    return redirect(back)


# --- the club manager's user list ---------------------------------------------------


@bp.get("/manage/users")
@requires(Role.CLUB_MANAGER)
def users():
    filters = {
        "text": request.args.get("q", "")[:100],
        "role": request.args.get("role", ""),
        "company_id": request.args.get("company", type=int),
        "active": request.args.get("active", ""),
    }
    if filters["role"] not in {"", *Role}:
        filters["role"] = ""
    page = db.paginate(
        services.search_users(**filters), page=page_number(), per_page=PAGE_SIZE, error_out=False
    )
    return render_page_or_fragment(
        "members/users.html",
        "members/_user_results.html",
        page=page,
        filters=filters,
        roles=list(Role),
        action_form=ConfirmForm(),
        role_form=RoleForm(),
    )


@bp.route("/manage/users/invite", methods=["GET", "POST"])
@requires(Role.CLUB_MANAGER)
def invite_supplier_staff():
    form = InviteSupplierStaffForm(language=current_user.language)
    form.role.choices = choices(
        (role.value, role.label) for role in (Role.ACCOUNT_MANAGER, Role.CLUB_MANAGER)
    )
    return _invite_page(
        form,
        role_of_form=lambda form: Role(form.role.data),
        company=None,
        done_url=url_for("members.users"),
        heading=_("Invite supplier staff"),
    )


@bp.post("/manage/users/<int:user_id>/role")
@requires(Role.CLUB_MANAGER)
def change_role(user_id: int):
    person = db.get_or_404(User, user_id)
    form = RoleForm()
    form.role.choices = choices((role.value, role.label) for role in Role)
    if not form.validate_on_submit():
        abort(400)
    on_refusal(url_for("members.users"))
    services.change_supplier_role(db.session, person, role=Role(form.role.data), actor=current_user)
    db.session.commit()
    flash(_("%(name)s is now %(role)s.", name=person.name, role=person.role.label), "success")
    return redirect(url_for("members.users"))
