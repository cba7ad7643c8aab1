"""Cards on the member home, contributed by each domain.

The home page belongs to members, but points, courses and meetings live in domains that
depend on members, not the other way round. Each domain registers a function that
returns a rendered card (or None) for the signed-in user; the home page shows them in
order.
"""

from __future__ import annotations

from collections.abc import Callable

from markupsafe import Markup

_providers: list[tuple[int, Callable[[object], Markup | None]]] = []


def home_card(order: int):
    """Register a card provider; lower `order` comes first."""

    def register(provider: Callable[[object], Markup | None]):
        _providers.append((order, provider))
        _providers.sort(key=lambda item: item[0])
        return provider

    return register


def cards_for(user) -> list[Markup]:
    return [card for _order, provider in _providers if (card := provider(user)) is not None]
