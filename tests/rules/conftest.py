from __future__ import annotations

from datetime import date

import pytest

from club.rules import events, services
from club.rules.models import RuleKind


@pytest.fixture
def configurator(db_session, club):
    return events.define_event_type(
        db_session,
        "configurator_used",
        {"en": "Used the configurator", "pl": "Użył konfiguratora", "ru": "Конфигуратор"},
        actor=club.club_manager,
    )


@pytest.fixture
def make_rule(db_session, club):
    def make(kind=RuleKind.FEATURE, *, start=date(2026, 1, 1), budget=None, **fields):
        fields.setdefault("points", 10)
        data = services.RuleData(
            kind=kind,
            name_en="Configurator bonus",
            name_pl="Premia za konfigurator",
            name_ru="Бонус за конфигуратор",
            effective_from=start,
            budget_points=budget,
            **fields,
        )
        return services.create_rule(db_session, data, actor=club.club_manager, now=NOW)

    return make


from datetime import UTC, datetime  # noqa: E402

NOW = datetime(2026, 1, 1, 9, 0, tzinfo=UTC)
