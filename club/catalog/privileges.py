"""Privileges: the catalogue the club manager keeps (fields, brief questions, order,
retirement; pictures are in pictures.py) and what can be redeemed today: dates, capacity
per quarter and stock."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from club.audit import services as audit
from club.catalog.errors import CatalogError
from club.catalog.models import (
    COUNTED_STATUSES,
    Privilege,
    PrivilegeKind,
    PrivilegeText,
    Redemption,
    Variant,
)
from club.core.clock import utcnow
from club.core.languages import (
    LANGUAGES,
    Shown,
    checked_texts,
    club_language,
    in_viewer_language,
    language_name,
    texts_text,
    write_texts,
)
from club.core.periods import quarter_of
from club.members.models import Company, User
from club.members.standing import reaches

QUESTION_TYPES = ("text", "textarea", "url", "date", "number")


# --- availability ---------------------------------------------------------------------


def unavailable_reason(privilege: Privilege, *, today: date) -> str | None:
    """Why nobody can redeem the privilege today, or None."""
    if privilege.retired_at is not None:
        return _("This privilege has been retired.")
    if privilege.active_from and today < privilege.active_from:
        return _(
            "This privilege can be redeemed from %(date)s.", date=privilege.active_from.isoformat()
        )
    if privilege.active_until and today > privilege.active_until:
        return _(
            "This privilege could be redeemed until %(date)s.",
            date=privilege.active_until.isoformat(),
        )
    return None


def locked_ids(session: Session, privileges, company: Company | None) -> set[int]:
    """The privileges whose lowest tier the company does not reach (supplier staff, with
    no company, see nothing locked)."""
    if company is None:
        return set()
    return {
        privilege.id
        for privilege in privileges
        if privilege.min_tier is not None and not reaches(session, company, privilege.min_tier)
    }


@dataclass(frozen=True)
class Remaining:
    """What is left of a privilege's capacity this quarter and of its stock."""

    this_quarter: int | None
    in_stock: int | None

    @property
    def none_left(self) -> bool:
        return self.this_quarter == 0 or self.in_stock == 0


def _counted(privilege: Privilege):
    """Redemptions that took a unit: open or fulfilled, and not returned to the shelf."""
    return (
        select(func.count())
        .select_from(Redemption)
        .where(
            Redemption.privilege_id == privilege.id,
            Redemption.status.in_(COUNTED_STATUSES),
            Redemption.is_restocked.is_(False),
        )
    )


def variants_left(session: Session, privilege: Privilege) -> dict[int, int]:
    """Per variant of a good, the units left on the shelf."""
    if not privilege.variants:
        return {}
    taken = dict(
        session.execute(
            _counted(privilege)
            .with_only_columns(Redemption.variant_id, func.count())
            .where(Redemption.variant_id.is_not(None))
            .group_by(Redemption.variant_id)
        ).all()
    )
    return {
        variant.id: max(variant.stock - taken.get(variant.id, 0), 0)
        for variant in privilege.variants
    }


def remaining(session: Session, privilege: Privilege, *, today: date) -> Remaining:
    counted = _counted(privilege)
    quarter = None
    if privilege.capacity_per_quarter is not None:
        used = session.scalar(counted.where(Redemption.quarter == quarter_of(today).arg))
        quarter = max(privilege.capacity_per_quarter - used, 0)
    stock = None
    if privilege.kind == PrivilegeKind.GOOD and privilege.variants:
        # A good with sizes or colours: its stock is the sum of theirs.
        stock = sum(variants_left(session, privilege).values())
    elif privilege.stock is not None:
        stock = max(privilege.stock - session.scalar(counted), 0)
    return Remaining(quarter, stock)


# --- the brief ------------------------------------------------------------------------


MAX_LABEL_LENGTH = 200


def check_brief_definition(brief) -> list[dict]:
    """Validate the questions the club manager wrote for a privilege. Each question's
    label is kept in each club language, `"labels": {"pl": ..., "en": ...}`; the club
    language's is needed. A plain `"label"` is the club language's (older callers)."""
    if not isinstance(brief, list):
        raise CatalogError(_("The brief must be a list of questions."), field="brief")
    keys = set()
    cleaned = []
    for question in brief:
        if not isinstance(question, dict):
            raise CatalogError(_("Each question needs a key and a label."), field="brief")
        key = str(question.get("key", "")).strip()
        labels = _labels(question)
        kind = question.get("type", "text")
        if not re.fullmatch(r"[a-z][a-z0-9_]{0,39}", key) or not labels or key in keys:
            raise CatalogError(
                _("Each question needs a unique key (a-z, 0-9, _) and a label."), field="brief"
            )
        if not labels.get(club_language()):
            raise CatalogError(
                _(
                    "Each question needs its text in the club language (%(language)s).",
                    language=language_name(club_language()),
                ),
                field="brief",
            )
        if kind not in QUESTION_TYPES:
            raise CatalogError(
                _("Question types: %(types)s.", types=", ".join(QUESTION_TYPES)), field="brief"
            )
        keys.add(key)
        cleaned.append(
            {
                "key": key,
                "labels": labels,
                "type": kind,
                "required": bool(question.get("required", True)),
            }
        )
    return cleaned


def _labels(question: dict) -> dict[str, str]:
    """A question's labels by language, stripped, the empty ones left out."""
    given = question.get("labels") or {}
    if not isinstance(given, dict):
        raise CatalogError(_("Each question needs a key and a label."), field="brief")
    if "label" in question and not given.get(club_language()):
        given = {**given, club_language(): question["label"]}
    labels = {}
    for language, text in given.items():
        if language not in LANGUAGES:
            raise CatalogError(_("The portal has no such language."), field="brief")
        text = str(text or "").strip()
        if len(text) > MAX_LABEL_LENGTH:
            raise CatalogError(
                _("At most %(num)d characters.", num=MAX_LABEL_LENGTH), field="brief"
            )
        if text:
            labels[language] = text
    return dict(sorted(labels.items()))


def question_label(question: dict) -> tuple[str, Shown]:
    """A brief question's label in the viewer's language, else the club's, and which."""
    return in_viewer_language(question.get("labels") or {})


# --- the club manager's catalogue -------------------------------------------------------


PRIVILEGE_FIELDS = (
    "title",
    "summary",
    "description",
    "category",
    "kind",
    "points_cost",
    "money_value",
    "currency",
    "sponsor",
    "sponsor_share_percent",
    "min_tier_id",
    "is_pilot_only",
    "capacity_per_quarter",
    "stock",
    "lead_time_days",
    "active_from",
    "active_until",
    "brief",
    "weight_grams",
    "parcel_size",
    "delivers_at_once",
    "pool_threshold",
)


CYRILLIC = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        [
            "a",
            "b",
            "v",
            "g",
            "d",
            "e",
            "e",
            "zh",
            "z",
            "i",
            "y",
            "k",
            "l",
            "m",
            "n",
            "o",
            "p",
            "r",
            "s",
            "t",
            "u",
            "f",
            "kh",
            "ts",
            "ch",
            "sh",
            "shch",
            "",
            "y",
            "",
            "e",
            "yu",
            "ya",
        ],
        strict=True,
    )
)


def _slugify(title: str) -> str:
    table = str.maketrans("ąćęłńóśźżäöüß", "acelnoszzaous")
    lowered = "".join(CYRILLIC.get(ch, ch) for ch in title.lower())
    ascii_title = lowered.translate(table)
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_title).strip("-")
    return slug[:70] or "privilege"


def _check_privilege_fields(fields: dict, *, creating: bool) -> None:
    """The database's limits, as messages (API callers meet them too, not only forms)."""
    title = fields.get("title")
    if (creating or "title" in fields) and not (title and str(title).strip()):
        raise CatalogError(_("Give the privilege a title."), field="title")
    checks = (
        ("points_cost", 1, _("The cost must be at least 1 point.")),
        ("money_value", 0, _("The money value cannot be negative.")),
        ("lead_time_days", 0, _("The lead time cannot be negative.")),
        ("capacity_per_quarter", 0, _("The capacity cannot be negative.")),
        ("stock", 0, _("The stock cannot be negative.")),
        ("sponsor_share_percent", 0, _("The sponsor's share is between 0 and 100%.")),
        ("weight_grams", 1, _("The weight must be at least 1 gram.")),
        ("pool_threshold", 0, _("The warning threshold cannot be negative.")),
    )
    for name, lowest, message in checks:
        value = fields.get(name)
        if value is not None and value < lowest:
            raise CatalogError(message, field=name)
    if (fields.get("sponsor_share_percent") or 0) > 100:
        raise CatalogError(
            _("The sponsor's share is between 0 and 100%."), field="sponsor_share_percent"
        )


def save_privilege(
    session: Session,
    privilege: Privilege | None,
    *,
    actor: User,
    now: datetime | None = None,
    **fields,
) -> Privilege:
    """Create or edit a privilege; redemptions already made keep their snapshot."""
    now = now or utcnow()
    fields["brief"] = check_brief_definition(fields.get("brief", []))
    variants = fields.pop("variants", None)
    texts = fields.pop("texts", None)
    if texts is not None:
        texts = checked_texts(texts, TEXT_LIMITS)
        fields.update(texts.get(club_language(), {}))
    _check_privilege_fields(fields, creating=privilege is None)
    if (
        fields.get("active_from")
        and fields.get("active_until")
        and (fields["active_until"] < fields["active_from"])
    ):
        raise CatalogError(_("The end date is before the start date."), field="active_until")
    creating = privilege is None
    if creating:
        base = _slugify(fields["title"])
        slug, number = base, 2
        while session.scalar(select(Privilege.id).where(Privilege.slug == slug)):
            slug, number = f"{base}-{number}", number + 1
        last = session.scalar(select(func.max(Privilege.position))) or 0
        privilege = Privilege(slug=slug, position=last + 1, created_at=now)
        session.add(privilege)
    before = {name: str(_stored(privilege, name)) for name in PRIVILEGE_FIELDS}
    before["variants"] = variants_text(privilege.variants) if not creating else ""
    before["texts"] = texts_text(privilege) if not creating else ""
    for name in PRIVILEGE_FIELDS:
        if name in fields:
            setattr(privilege, name, fields[name])
    privilege.updated_at = now
    write_texts(privilege, PrivilegeText, texts)
    session.flush()
    if variants is not None:
        _save_variants(session, privilege, variants)
    after = {name: str(_stored(privilege, name)) for name in PRIVILEGE_FIELDS}
    after["variants"] = variants_text(privilege.variants)
    after["texts"] = texts_text(privilege)
    old, new = audit.changes(before, after)
    audit.record(
        session,
        "privilege.created" if creating else "privilege.updated",
        privilege,
        actor=actor,
        before=None if creating else old,
        after=new,
        now=now,
    )
    return privilege


def _stored(privilege: Privilege, name: str):
    """A field as stored: the club language's text, not the reader's."""
    if name in Privilege.TEXT_FIELDS:
        return getattr(privilege, f"base_{name}", None)
    return getattr(privilege, name, None)


TEXT_LIMITS = {"title": 160, "summary": 300, "description": 20_000}


def variants_text(variants) -> str:
    return "; ".join(f"{variant.label}: {variant.stock}" for variant in variants)


def _save_variants(session: Session, privilege: Privilege, variants: list[tuple[str, int]]):
    """A good's sizes or colours with their stock, in the order given. A variant someone
    redeemed stays (its stock may go to 0); the others not listed go."""
    if variants and privilege.kind != PrivilegeKind.GOOD:
        raise CatalogError(_("Only goods have variants."), field="variants")
    labels = [label for label, _stock in variants]
    if len(set(labels)) != len(labels):
        raise CatalogError(_("Each variant needs its own name."), field="variants")
    existing = {variant.label: variant for variant in privilege.variants}
    for position, (label, stock) in enumerate(variants):
        if not label or len(label) > 80 or stock < 0:
            raise CatalogError(
                _("Each variant needs a name (up to 80 characters) and a stock of 0 or more."),
                field="variants",
            )
        variant = existing.pop(label, None)
        if variant is None:
            variant = Variant(privilege=privilege, label=label)
            session.add(variant)
        variant.stock, variant.position = stock, position
    for variant in existing.values():
        if session.scalar(select(Redemption.id).where(Redemption.variant_id == variant.id)):
            raise CatalogError(
                _(
                    "“%(variant)s” was redeemed, so it stays: set its stock to 0 instead.",
                    variant=variant.label,
                ),
                field="variants",
            )
        privilege.variants.remove(variant)
        session.delete(variant)
    session.flush()
    session.refresh(privilege, ["variants"])


def retire(
    session: Session, privilege: Privilege, *, actor: User, now: datetime | None = None
) -> None:
    """Retired privileges leave the catalogue but stay in history."""
    if privilege.retired_at is None:
        privilege.retired_at = now or utcnow()
        audit.record(session, "privilege.retired", privilege, actor=actor, now=now)
        session.flush()


def move_in_catalogue(session: Session, privilege: Privilege, *, up: bool) -> None:
    """Swap with the neighbour above or below."""
    order = Privilege.position.desc() if up else Privilege.position
    neighbour = session.scalar(
        select(Privilege)
        .where(
            Privilege.position < privilege.position
            if up
            else Privilege.position > privilege.position
        )
        .order_by(order)
        .limit(1)
    )
    if neighbour is not None:
        privilege.position, neighbour.position = neighbour.position, privilege.position
        session.flush()


# --- reading --------------------------------------------------------------------------


def catalogue(
    session: Session,
    *,
    category=None,
    affordable_for: int | None = None,
    text: str = "",
    include_retired: bool = False,
    pilot_only: bool = True,
):
    """The catalogue; `pilot_only=False` leaves out what only the pilot group sees."""
    query = select(Privilege)
    if not pilot_only:
        query = query.where(Privilege.is_pilot_only.is_(False))
    if not include_retired:
        query = query.where(Privilege.retired_at.is_(None))
    if category is not None:
        query = query.where(Privilege.category == category)
    if affordable_for is not None:
        query = query.where(Privilege.points_cost <= affordable_for)
    if text:
        pattern = f"%{text.strip().lower()}%"
        # In any of its languages: a reader searches in the one they read.
        written = select(PrivilegeText.privilege_id).where(
            func.lower(PrivilegeText.title).like(pattern)
            | func.lower(PrivilegeText.summary).like(pattern)
        )
        query = query.where(
            func.lower(Privilege.title).like(pattern)
            | func.lower(Privilege.summary).like(pattern)
            | Privilege.id.in_(written)
        )
    return query.order_by(Privilege.position, Privilege.id)
