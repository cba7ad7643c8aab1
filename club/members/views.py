"""Signing in, the member home, one's account, and managing companies and people."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_login import current_user, login_user, logout_user
from sqlalchemy import func, select

from club.core.access import public, requires, same_company_or_404, signed_in
from club.core.errors import ClubError, InvalidToken
from club.core.forms import choices, show_error
from club.core.home import cards_for
from club.core.htmx import render_page_or_fragment
from club.core.roles import Role
from club.extensions import db
from club.members import services
from club.members.forms import (
    ChangePasswordForm,
    CompanyForm,
    ConfirmForm,
    ForgotPasswordForm,
    InviteForm,
    InviteSupplierStaffForm,
    LoginForm,
    MoveAccountHolderForm,
    ProfileForm,
    RoleForm,
    SetPasswordForm,
    country_choices,
)
from club.members.models import Company, LinkPurpose, MembershipStatus, User

bp = Blueprint("members", __name__)

PAGE_SIZE = 25


def _safe_next(target: str | None) -> str:
    """Only redirect to a path on this site after login."""
    if target and target.startswith("/") and not target.startswith("//"):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("members.home")


def _page() -> int:
    return max(request.args.get("page", 1, type=int) or 1, 1)


# --- signing in ---------------------------------------------------------------------


@bp.route("/login", methods=["GET", "POST"])
@public
def login():
    if current_user.is_authenticated:
        return redirect(url_for("members.home"))
    form = LoginForm(next=request.args.get("next", ""))
    status = 200
    if form.validate_on_submit():
        try:
            user = services.authenticate(
                db.session,
                email=form.email.data,
                password=form.password.data,
                ip=request.remote_addr or "unknown",
                language=session.get("language"),
            )
        except ClubError as error:
            show_error(form, error)
            status = error.status_code
        else:
            db.session.commit()
            session.clear()  # a new session at login: nothing carries over from before
            login_user(user)
            return redirect(_safe_next(form.next.data))
    elif form.is_submitted():
        status = 422
    return render_template("members/login.html", form=form), status


@bp.post("/logout")
@signed_in
def logout():
    logout_user()
    session.clear()
    flash(_("You have signed out."), "info")
    return redirect(url_for("members.login"))


@bp.post("/language")
@public
def set_language():
    try:
        language = services.set_language(
            db.session,
            current_user if current_user.is_authenticated else None,
            request.form.get("language", ""),
        )
    except ClubError as error:
        flash(error.message, "error")
    else:
        db.session.commit()
        session["language"] = language
    return redirect(_safe_next(request.form.get("next")))


def _set_password_page(token: str, purpose: LinkPurpose, template: str, accept):
    try:
        link = services.find_link(db.session, token, purpose)
    except InvalidToken as error:
        return render_template("members/link_invalid.html", message=error.message), 410
    form = SetPasswordForm()
    status = 200
    if form.validate_on_submit():
        try:
            user = accept(db.session, token=token, password=form.password.data)
        except InvalidToken as error:
            db.session.rollback()
            return render_template("members/link_invalid.html", message=error.message), 410
        except ClubError as error:
            db.session.rollback()
            show_error(form, error)
            status = 422
        else:
            db.session.commit()
            session.clear()
            login_user(user)
            flash(_("Your password is set. Welcome to the club!"), "success")
            return redirect(url_for("members.home"))
    elif form.is_submitted():
        status = 422
    return render_template(template, form=form, user=link.user), status


@bp.route("/invitation/<token>", methods=["GET", "POST"])
@public
def accept_invitation(token: str):
    return _set_password_page(
        token,
        LinkPurpose.INVITATION,
        "members/accept_invitation.html",
        services.accept_invitation,
    )


@bp.route("/password/reset/<token>", methods=["GET", "POST"])
@public
def reset_password(token: str):
    return _set_password_page(
        token,
        LinkPurpose.PASSWORD_RESET,
        "members/reset_password.html",
        services.reset_password,
    )


@bp.route("/password/forgot", methods=["GET", "POST"])
@public
def forgot_password():
    form = ForgotPasswordForm()
    if form.validate_on_submit():
        try:
            services.request_password_reset(
                db.session, email=form.email.data, ip=request.remote_addr or "unknown"
            )
        except ClubError as error:
            show_error(form, error)
            return render_template("members/forgot_password.html", form=form), error.status_code
        db.session.commit()
        minutes = current_app.config["PASSWORD_RESET_LIFETIME_MINUTES"]
        flash(
            ngettext(
                "If an account uses this address, we have sent it a link to set a new "
                "password. The link works for %(num)d minute.",
                "If an account uses this address, we have sent it a link to set a new "
                "password. The link works for %(num)d minutes.",
                minutes,
            ),
            "info",
        )
        return redirect(url_for("members.login"))
    status = 422 if form.is_submitted() else 200
    return render_template("members/forgot_password.html", form=form), status


# --- home and account ---------------------------------------------------------------


@bp.get("/")
@signed_in
def home():
    if current_user.role.is_partner:
        company = current_user.company
        holder = services.company_account_holder(db.session, company)
        colleagues = db.session.scalar(
            select(func.count())
            .select_from(User)
            .where(User.company_id == company.id, User.is_active.is_(True))
        )
        return render_template(
            "members/home_partner.html",
            company=company,
            holder=holder,
            colleagues=colleagues,
            cards=cards_for(current_user),
        )
    companies = services.visible_companies(current_user).subquery()
    by_status = dict(
        db.session.execute(
            select(companies.c.status, func.count()).group_by(companies.c.status)
        ).all()
    )
    return render_template(
        "members/home_supplier.html",
        by_status={status: by_status.get(status, 0) for status in MembershipStatus},
    )


@bp.route("/account", methods=["GET", "POST"])
@signed_in
def account():
    form = ProfileForm(obj=current_user)
    password_form = ChangePasswordForm(prefix="pw")
    status = 200
    if form.submit.data and form.validate_on_submit():
        services.update_profile(
            db.session,
            current_user,
            name=form.name.data,
            language=form.language.data,
            is_shown_on_boards=form.is_shown_on_boards.data,
        )
        db.session.commit()
        session["language"] = current_user.language
        flash(_("Your profile is saved."), "success")
        return redirect(url_for("members.account"))
    if form.is_submitted() and form.submit.data:
        status = 422
    return render_template("members/account.html", form=form, password_form=password_form), status


@bp.post("/account/password")
@signed_in
def change_password():
    form = ProfileForm(obj=current_user)
    password_form = ChangePasswordForm(prefix="pw")
    if password_form.validate_on_submit():
        try:
            services.change_password(
                db.session,
                current_user,
                current=password_form.current_password.data,
                new=password_form.password.data,
            )
        except ClubError as error:
            db.session.rollback()
            show_error(password_form, error)
        else:
            db.session.commit()
            login_user(current_user)  # stay signed in here with the new session generation
            flash(_("Your password is changed. Other browsers have been signed out."), "success")
            return redirect(url_for("members.account"))
    return render_template("members/account.html", form=form, password_form=password_form), 422


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
    status = 200
    if form.validate_on_submit():
        try:
            person = services.invite(
                db.session,
                email=form.email.data,
                name=form.name.data,
                role=role_of_form(form),
                company=company,
                language=form.language.data,
                actor=current_user,
            )
        except ClubError as error:
            db.session.rollback()
            show_error(form, error)
            status = 422
        else:
            db.session.commit()
            flash(_("Invitation sent to %(email)s.", email=person.email), "success")
            return redirect(done_url)
    elif form.is_submitted():
        status = 422
    return render_template(
        "members/invite.html", form=form, company=company, heading=heading
    ), status


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
    return _safe_next(came_from) if came_from else url_for("members.users")


def _person_row(person: User, status: int = 200):
    """htmx swaps the person's row; a plain form post goes back to the list."""
    return render_template(
        "members/_person_row.html", person=person, action_form=ConfirmForm()
    ), status


@bp.post("/people/<int:user_id>/active")
@requires(Role.CLUB_MANAGER, Role.ACCOUNT_HOLDER)
def set_active(user_id: int):
    person = _person_or_404(user_id)
    form = ConfirmForm()
    if not form.validate_on_submit():
        abort(400)
    active = request.form.get("active") == "1"
    try:
        services.set_active(db.session, person, active=active, actor=current_user)
    except ClubError as error:
        db.session.rollback()
        flash(error.message, "error")
        status = error.status_code
    else:
        db.session.commit()
        flash(
            _("%(name)s can sign in again.", name=person.name)
            if active
            else _("%(name)s is deactivated and signed out.", name=person.name),
            "success",
        )
        status = 200
    if request.htmx:
        return _person_row(person, status)
    return redirect(_back_to_list())


@bp.post("/people/<int:user_id>/invitation")
@requires(Role.CLUB_MANAGER, Role.ACCOUNT_HOLDER)
def resend_invitation(user_id: int):
    person = _person_or_404(user_id)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    try:
        services.resend_invitation(db.session, person, actor=current_user)
    except ClubError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("A new invitation was sent to %(email)s.", email=person.email), "success")
    if request.htmx:
        return _person_row(person)
    return redirect(_back_to_list())


# --- the club manager's and account manager's company pages -------------------------


def _company_form(company: Company | None = None) -> CompanyForm:
    form = CompanyForm(obj=company)
    form.country.choices = country_choices()
    managers = db.session.scalars(
        select(User).where(User.role == Role.ACCOUNT_MANAGER).order_by(User.name)
    ).all()
    form.account_manager_id.choices = choices(
        [("", _("— none —"))] + [(str(manager.id), manager.name) for manager in managers]
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
    )


def _visible_company_or_404(company_id: int) -> Company:
    return services.visible_company(db.session, current_user, company_id) or abort(404)


@bp.get("/manage/companies")
@requires(Role.CLUB_MANAGER, Role.ACCOUNT_MANAGER)
def companies():
    filters = {
        "text": request.args.get("q", "")[:100],
        "status": request.args.get("status", ""),
        "country": request.args.get("country", "")[:2],
        "account_manager_id": request.args.get("manager", type=int),
    }
    if filters["status"] not in {"", *MembershipStatus}:
        filters["status"] = ""
    page = db.paginate(
        services.search_companies(current_user, **filters),
        page=_page(),
        per_page=PAGE_SIZE,
        error_out=False,
    )
    managers = db.session.scalars(
        select(User).where(User.role == Role.ACCOUNT_MANAGER).order_by(User.name)
    ).all()
    countries = db.session.scalars(
        services.visible_companies(current_user)
        .with_only_columns(Company.country)
        .distinct()
        .order_by(Company.country)
    ).all()
    return render_page_or_fragment(
        "members/companies.html",
        "members/_company_results.html",
        page=page,
        filters=filters,
        statuses=list(MembershipStatus),
        managers=managers,
        countries=countries,
    )


@bp.route("/manage/companies/new", methods=["GET", "POST"])
@requires(Role.CLUB_MANAGER)
def new_company():
    form = _company_form()
    status = 200
    if form.validate_on_submit():
        try:
            company = services.create_company(
                db.session, _company_details(form), actor=current_user
            )
        except ClubError as error:
            db.session.rollback()
            show_error(form, error)
            status = 422
        else:
            db.session.commit()
            flash(_("%(name)s is registered.", name=company.name), "success")
            return redirect(url_for("members.company", company_id=company.id))
    elif form.is_submitted():
        status = 422
    return render_template("members/company_form.html", form=form, company=None), status


@bp.get("/manage/companies/<int:company_id>")
@requires(Role.CLUB_MANAGER, Role.ACCOUNT_MANAGER)
def company(company_id: int):
    company = _visible_company_or_404(company_id)
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
        move_form=move_form,
        action_form=ConfirmForm(),
    )


@bp.route("/manage/companies/<int:company_id>/edit", methods=["GET", "POST"])
@requires(Role.CLUB_MANAGER)
def edit_company(company_id: int):
    company = db.get_or_404(Company, company_id)
    form = _company_form(company)
    status = 200
    if form.validate_on_submit():
        try:
            services.update_company(db.session, company, _company_details(form), actor=current_user)
        except ClubError as error:
            db.session.rollback()
            show_error(form, error)
            status = 422
        else:
            db.session.commit()
            flash(_("Changes to %(name)s are saved.", name=company.name), "success")
            return redirect(url_for("members.company", company_id=company.id))
    elif form.is_submitted():
        status = 422
    return render_template("members/company_form.html", form=form, company=company), status


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
    form = MoveAccountHolderForm()
    form.user.choices = choices((user.id, user.name) for user in company.users)
    if not form.validate_on_submit():
        flash(_("Choose a staff member of this company."), "error")
        return redirect(url_for("members.company", company_id=company.id))
    new_holder = db.get_or_404(User, form.user.data)
    try:
        services.move_account_holder(db.session, company, new_holder, actor=current_user)
    except ClubError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(
            _(
                "%(name)s is now the account holder of %(company)s.",
                name=new_holder.name,
                company=company.name,
            ),
            "success",
        )
    return redirect(url_for("members.company", company_id=company.id))


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
        services.search_users(**filters), page=_page(), per_page=PAGE_SIZE, error_out=False
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
    try:
        services.change_supplier_role(
            db.session, person, role=Role(form.role.data), actor=current_user
        )
    except ClubError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        db.session.commit()
        flash(_("%(name)s is now %(role)s.", name=person.name, role=person.role.label), "success")
    return redirect(url_for("members.users"))
