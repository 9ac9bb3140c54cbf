"""The report's charts: reportlab graphics (vector shapes in a ``Drawing``) with their
labels set by the report's typesetter, so an event title or a self-described gender in
any script is drawn with a font that has it."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any

from reportlab.graphics import renderPDF
from reportlab.graphics.shapes import Drawing, Line, PolyLine, Rect
from reportlab.lib import colors
from reportlab.platypus import Flowable

from .typeset import Style, Typesetter

ACCENT = colors.HexColor("#B0005E")
BLUE = colors.HexColor("#1B6FB5")
GREY = colors.HexColor("#5F6B7A")
GRID = colors.HexColor("#DADDE3")
INK = colors.HexColor("#1F2430")

LABEL = Style(size=7.5, color=INK)
SMALL = Style(size=7, color=GREY)


def nice_ticks(top: float, count: int = 5) -> list[float]:
    """Round steps from 0 to at least ``top`` (1, 2, 2.5 or 5 × a power of ten)."""
    if top <= 0:
        return [0, 1]
    raw = top / count
    power = 10 ** math.floor(math.log10(raw))
    step = next(m * power for m in (1, 2, 2.5, 5, 10) if m * power >= raw)
    if step < 1:
        step = 1
    ticks = [0.0]
    while ticks[-1] < top:
        ticks.append(ticks[-1] + step)
    return ticks


def _number(value: float) -> str:
    return f"{int(value):,}" if float(value).is_integer() else f"{value:,.1f}"


class Chart(Flowable):
    """A chart of a given size: shapes in a reportlab ``Drawing`` plus typeset labels."""

    def __init__(self, ts: Typesetter, width: float, height: float):
        super().__init__()
        self.ts = ts
        self.width = width
        self.height = height
        self.labels: list[tuple[float, float, str, Style, str, float | None, str]] = []
        self.drawing = Drawing(width, height)

    def label(self, x: float, y: float, text: str, style: Style = LABEL, align: str = "left",
              room: float | None = None, tail: str = "") -> None:
        """A label; with ``room``, ``text`` is shortened to fit but ``tail`` (a date) never is."""
        self.labels.append((x, y, text, style, align, room, tail))

    def wrap(self, availWidth: float, availHeight: float) -> tuple[float, float]:
        return self.width, self.height

    def draw(self) -> None:
        renderPDF.draw(self.drawing, self.canv, 0, 0)
        for x, y, text, style, align, room, tail in self.labels:
            if room:
                rest = room - self.ts.width(self.ts.fonts.clean(tail), style) if tail else room
                shown = self.ts.fit(text, style, max(rest, room / 3)) + tail
            else:
                shown = text + tail
            self.ts.draw(self.canv, shown, x, y, style, align=align)


def bar_chart(ts: Typesetter, items: Sequence[tuple[str | tuple[str, str], int]], width: float,
              color: Any = BLUE, percent: bool = False, bar: float = 13) -> Chart:
    """Horizontal bars, one per (label, value), values written at their ends.  A label
    may be (text, tail): the text is shortened to fit, the tail (a date) kept whole."""
    label_room = width * 0.36
    value_room = 62 if percent else 40
    height = len(items) * (bar + 5) + 6
    chart = Chart(ts, width, height)
    top = max((v for _, v in items), default=0) or 1
    total = sum(v for _, v in items) or 1
    plot = width - label_room - value_room - 8
    d = chart.drawing
    d.add(Line(label_room + 4, 0, label_room + 4, height, strokeColor=GRID, strokeWidth=0.6))
    y = height - 3
    for text, value in items:
        y -= bar + 5
        length = plot * value / top
        d.add(Rect(label_room + 4, y + 2, max(length, 0.6), bar - 2, fillColor=color, strokeColor=None))
        head, tail = text if isinstance(text, tuple) else (text, "")
        chart.label(label_room - 2, y + bar / 2 - 1.5, head, align="right", room=label_room - 4, tail=tail)
        shown = _number(value)
        if percent:
            shown += f" ({value * 100 / total:.0f}\u00a0%)"
        chart.label(label_room + 8 + length, y + bar / 2 - 1.5, shown, SMALL)
    return chart


def column_chart(ts: Typesetter, items: Sequence[tuple[str, int]], width: float, height: float = 150,
                 color: Any = BLUE) -> Chart:
    """Vertical columns in the order given, labels under some of them."""
    chart = Chart(ts, width, height)
    d = chart.drawing
    left, bottom, right, top_pad = 34, 26, 6, 8
    plot_w, plot_h = width - left - right, height - bottom - top_pad
    top = max((v for _, v in items), default=0)
    ticks = nice_ticks(top or 1, 4)
    scale = plot_h / ticks[-1]
    for t in ticks:
        y = bottom + t * scale
        d.add(Line(left, y, left + plot_w, y, strokeColor=GRID, strokeWidth=0.5))
        chart.label(left - 4, y - 2.5, _number(t), SMALL, align="right")
    n = max(len(items), 1)
    slot = plot_w / n
    every = max(1, math.ceil(n / max(1, int(plot_w // 42))))
    for k, (text, value) in enumerate(items):
        x = left + k * slot
        d.add(Rect(x + slot * 0.15, bottom, slot * 0.7, max(value * scale, 0.4), fillColor=color,
                   strokeColor=None))
        if k % every == 0:
            chart.label(x + slot / 2, bottom - 10, text, SMALL, align="center", room=slot * every - 2)
    d.add(Line(left, bottom, left + plot_w, bottom, strokeColor=GREY, strokeWidth=0.6))
    return chart


def cumulative_chart(ts: Typesetter, points: Sequence[tuple[dt.date, int]], first: dt.date, last: dt.date,
                     width: float, height: float = 170, target: int | None = None,
                     projected: dt.date | None = None, labels: dict[str, str] | None = None) -> Chart:
    """Cumulative pledges from ``first`` to ``last``, with the goal's line at ``target``
    and a dashed line on to the day the pace reaches it."""
    labels = labels or {}
    chart = Chart(ts, width, height)
    d = chart.drawing
    left, bottom, right, top_pad = 40, 22, 12, 10
    plot_w, plot_h = width - left - right, height - bottom - top_pad
    span = max((last - first).days, 1)
    top_value = max([p[1] for p in points] + [target or 0, 1])
    ticks = nice_ticks(top_value * 1.05, 5)
    scale = plot_h / ticks[-1]

    def x_of(day: dt.date) -> float:
        return left + plot_w * min(max((day - first).days, 0), span) / span

    def y_of(value: float) -> float:
        return bottom + value * scale

    for t in ticks:
        d.add(Line(left, y_of(t), left + plot_w, y_of(t), strokeColor=GRID, strokeWidth=0.5))
        chart.label(left - 4, y_of(t) - 2.5, _number(t), SMALL, align="right")
    for k in range(5):
        day = first + dt.timedelta(days=round(span * k / 4))
        chart.label(x_of(day), bottom - 12, day.isoformat(), SMALL, align="center")
    d.add(Line(left, bottom, left + plot_w, bottom, strokeColor=GREY, strokeWidth=0.6))
    if target:
        d.add(Line(left, y_of(target), left + plot_w, y_of(target), strokeColor=ACCENT, strokeWidth=1,
                   strokeDashArray=[4, 2]))
        chart.label(left + 4, y_of(target) + 3, labels.get("goal", ""), Style(size=7, color=ACCENT))
    if points:
        coords: list[float] = [x_of(points[0][0]), y_of(0)]
        for day, value in points:
            coords += [x_of(day), y_of(value)]
        d.add(PolyLine(coords, strokeColor=BLUE, strokeWidth=1.6))
        last_day, last_value = points[-1]
        if target and projected and last_value < target and projected > last_day:
            end_day = min(projected, last)
            pace = (target - last_value) / max((projected - last_day).days, 1)
            end_value = last_value + pace * (end_day - last_day).days
            d.add(Line(x_of(last_day), y_of(last_value), x_of(end_day), y_of(end_value),
                       strokeColor=BLUE, strokeWidth=1, strokeDashArray=[2, 2]))
        chart.label(x_of(last_day) - 3, y_of(last_value) + 4, _number(last_value),
                    Style(size=7.5, color=BLUE, bold=True), align="right")
    return chart
