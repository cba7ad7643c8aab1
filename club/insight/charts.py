"""Charts as SVG drawn on the server: lines for trends, bars for splits.

Only geometry is computed here (numbers in a fixed view box); the templates draw it with
SVG elements and classes, no inline style (the CSP allows no inline style or script), and
put the same numbers in a table beside each chart for screen readers.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from club.core.formatting import points

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 56, 12, 12, 28
BAR_HEIGHT, BAR_GAP, BAR_LABEL = 22, 8, 150


@dataclass(frozen=True)
class Line:
    label: str
    points: str  # "x,y x,y ..." for a polyline
    dots: list[tuple[float, float]]
    number: int  # 1..n: the class that colours it


@dataclass(frozen=True)
class LineChart:
    width: int
    height: int
    lines: list[Line]
    x_labels: list[tuple[float, str]]
    y_ticks: list[tuple[float, str]]
    baseline: float


@dataclass(frozen=True)
class Bar:
    label: str
    y: float
    width: float
    text: str


@dataclass(frozen=True)
class BarChart:
    width: int
    height: int
    bars: list[Bar]
    left: int


def _nice_top(value: float) -> float:
    """A round number at or above `value` for the top of an axis."""
    if value <= 0:
        return 1.0
    step = 10 ** (len(str(int(value))) - 1)
    for factor in (1, 2, 2.5, 5, 10):
        if value <= factor * step:
            return float(factor * step)
    return float(10 * step)


def line_chart(
    x_labels: list[str],
    series: list[tuple[str, list[Decimal | int | None]]],
    *,
    y_format=None,
) -> LineChart:
    """Lines over the same x axis; None values leave a gap in the dots (the line joins
    the values it has)."""
    y_format = y_format or (lambda value: points(round(value)))
    values = [float(v) for _label, numbers in series for v in numbers if v is not None]
    top = _nice_top(max(values, default=0))
    inner_w, inner_h = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM
    count = max(len(x_labels) - 1, 1)

    def x(position: int) -> float:
        return round(LEFT + inner_w * position / count, 1)

    def y(value: float) -> float:
        return round(TOP + inner_h * (1 - value / top), 1)

    lines = []
    for number, (label, numbers) in enumerate(series, start=1):
        dots = [(x(i), y(float(v))) for i, v in enumerate(numbers) if v is not None]
        lines.append(Line(label, " ".join(f"{a},{b}" for a, b in dots), dots, number))
    ticks = [(y(top * share), y_format(top * share)) for share in (0, 0.5, 1)]
    step = max(1, len(x_labels) // 6)
    shown = [(x(i), label) for i, label in enumerate(x_labels) if i % step == 0]
    return LineChart(WIDTH, HEIGHT, lines, shown, ticks, y(0))


def bar_chart(rows: list[tuple[str, Decimal | int | None, str]]) -> BarChart:
    """Horizontal bars, one per (label, value, value as text); None draws no bar."""
    top = max((float(v) for _label, v, _text in rows if v is not None), default=0) or 1.0
    inner = WIDTH - BAR_LABEL - RIGHT - 70
    bars = [
        Bar(
            label,
            TOP + index * (BAR_HEIGHT + BAR_GAP),
            round(inner * max(float(value), 0) / top, 1) if value is not None else 0,
            text,
        )
        for index, (label, value, text) in enumerate(rows)
    ]
    height = TOP * 2 + max(len(rows), 1) * (BAR_HEIGHT + BAR_GAP)
    return BarChart(WIDTH, height, bars, BAR_LABEL)
