"""Charts drawn with QPainter: light to import, sharp at any scale, following the palette.

``LineChart`` draws a cumulative series over days with an optional goal line;
``BarChart`` draws labelled horizontal bars.  Both describe themselves to screen readers
(``accessibleDescription``) with the numbers they show.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from PySide6.QtCore import QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QPainterPath, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from .forms import fmt_date, fmt_int

ACCENT = QColor("#5b3fa3")  # HeForShe purple; readable on light and dark
ACCENT_DARK_BG = QColor("#b9a5f0")
GOAL = QColor("#d0453a")


def _is_dark(widget: QWidget) -> bool:
    return widget.palette().color(QPalette.ColorRole.Window).lightness() < 128


def nice_step(span: float, ticks: int = 5) -> float:
    """A round step (1, 2, 2.5 or 5 × 10^n) giving about ``ticks`` intervals over ``span``."""
    if span <= 0:
        return 1.0
    raw = span / ticks
    power = 10 ** int(f"{raw:e}".split("e")[1])
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * power:
            return m * power
    return 10 * power


class LineChart(QWidget):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.days: list[dt.date] = []
        self.values: list[int] = []
        self.goal: int | None = None
        self.empty_text = self.tr("No pledges yet in this period.")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Expanding)
        self.setMinimumHeight(180)
        self.setAccessibleName(self.tr("Pledges over time"))

    def sizeHint(self) -> QSize:
        return QSize(520, 260)

    def set_data(self, days: Sequence[dt.date], cumulative: Sequence[int], goal: int | None = None) -> None:
        self.days = list(days)
        self.values = list(cumulative)
        self.goal = goal
        if self.values:
            text = self.tr("{count} pledges from {start} to {end}").format(
                count=fmt_int(self.values[-1]), start=fmt_date(self.days[0]), end=fmt_date(self.days[-1]))
            if goal:
                text += "; " + self.tr("goal {goal}").format(goal=fmt_int(goal))
        else:
            text = self.empty_text
        self.setAccessibleDescription(text)
        self.setToolTip(text)
        self.update()

    def paintEvent(self, _event) -> None:  # type: ignore[no-untyped-def]
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        text_color = pal.color(QPalette.ColorRole.WindowText)
        grid = QColor(text_color)
        grid.setAlphaF(0.15)
        fm = QFontMetricsF(self.font())
        if not self.values or max(self.values) == 0 and not self.goal:
            p.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
            p.drawText(QRectF(self.rect()), Qt.AlignmentFlag.AlignCenter, self.empty_text)
            return
        top_value = max(max(self.values), self.goal or 0)
        step = nice_step(top_value)
        y_max = step * (int(top_value / step) + (1 if top_value % step else 0))
        y_max = max(y_max, step)
        label_w = fm.horizontalAdvance(fmt_int(int(y_max))) + 10
        area = QRectF(label_w, fm.height() * 0.8, self.width() - label_w - 12, self.height() - fm.height() * 2.6)
        if area.width() < 40 or area.height() < 40:
            return
        # grid + y labels
        p.setPen(QPen(grid, 1))
        value = 0.0
        while value <= y_max + 1e-9:
            y = area.bottom() - value / y_max * area.height()
            p.setPen(QPen(grid, 1))
            p.drawLine(QPointF(area.left(), y), QPointF(area.right(), y))
            p.setPen(text_color)
            p.drawText(QRectF(0, y - fm.height() / 2, label_w - 6, fm.height()),
                       Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, fmt_int(int(value)))
            value += step
        n = len(self.values)

        def x_of(i: int) -> float:
            return area.left() + (i / (n - 1) if n > 1 else 0.5) * area.width()

        # x labels: first, last and a few between
        p.setPen(text_color)
        label_count = max(2, min(6, int(area.width() // (fm.horizontalAdvance(fmt_date(self.days[0])) + 24))))
        shown: set[int] = set()
        for k in range(label_count):
            i = round(k * (n - 1) / (label_count - 1)) if n > 1 else 0
            if i in shown:
                continue
            shown.add(i)
            text = fmt_date(self.days[i])
            w = fm.horizontalAdvance(text)
            x = min(max(x_of(i) - w / 2, area.left() - label_w / 2), self.width() - w - 2)
            p.drawText(QPointF(x, area.bottom() + fm.height() * 1.2), text)
        # the series: area + line
        color = ACCENT_DARK_BG if _is_dark(self) else ACCENT
        path = QPainterPath()
        for i, v in enumerate(self.values):
            point = QPointF(x_of(i), area.bottom() - v / y_max * area.height())
            if i == 0:
                path.moveTo(point)
            else:
                path.lineTo(point)
        fill = QPainterPath(path)
        fill.lineTo(QPointF(x_of(n - 1), area.bottom()))
        fill.lineTo(QPointF(x_of(0), area.bottom()))
        fill.closeSubpath()
        shade = QColor(color)
        shade.setAlphaF(0.18)
        p.fillPath(fill, shade)
        p.setPen(QPen(color, 2.2))
        p.drawPath(path)
        # goal line
        if self.goal:
            y = area.bottom() - self.goal / y_max * area.height()
            pen = QPen(GOAL, 1.6, Qt.PenStyle.DashLine)
            p.setPen(pen)
            p.drawLine(QPointF(area.left(), y), QPointF(area.right(), y))
            label = self.tr("Goal: {goal}").format(goal=fmt_int(self.goal))
            p.drawText(QPointF(area.right() - fm.horizontalAdvance(label) - 4, y - 4), label)
        p.end()


class BarChart(QWidget):
    """Horizontal bars with their label on the left and value on the right."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.items: list[tuple[str, int]] = []
        self.empty_text = self.tr("Nothing to show yet.")
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        self.setMinimumHeight(80)

    def set_data(self, items: Sequence[tuple[str, int]]) -> None:
        self.items = list(items)
        self.setAccessibleDescription("; ".join(f"{label}: {fmt_int(v)}" for label, v in self.items) or self.empty_text)
        self.updateGeometry()
        self.update()

    def sizeHint(self) -> QSize:
        fm = QFontMetricsF(self.font())
        return QSize(320, int(max(1, len(self.items)) * fm.height() * 1.7 + 8))

    def minimumSizeHint(self) -> QSize:
        return self.sizeHint()

    def paintEvent(self, _event) -> None:  # type: ignore[no-untyped-def]
        p = QPainter(self)
        p.setRenderHint(QPainter.RenderHint.Antialiasing)
        pal = self.palette()
        fm = QFontMetricsF(self.font())
        if not self.items or not any(v for _l, v in self.items):
            p.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
            p.drawText(QRectF(self.rect()), Qt.AlignmentFlag.AlignCenter, self.empty_text)
            return
        label_w = max(fm.horizontalAdvance(label) for label, _v in self.items) + 12
        value_w = max(fm.horizontalAdvance(fmt_int(v)) for _l, v in self.items) + 10
        row_h = fm.height() * 1.7
        bar_w = max(10.0, self.width() - label_w - value_w - 4)
        top = max(v for _l, v in self.items) or 1
        color = ACCENT_DARK_BG if _is_dark(self) else ACCENT
        for k, (label, value) in enumerate(self.items):
            y = 4 + k * row_h
            p.setPen(pal.color(QPalette.ColorRole.WindowText))
            p.drawText(QRectF(0, y, label_w - 8, row_h), Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter, label)
            w = bar_w * value / top
            p.fillRect(QRectF(label_w, y + row_h * 0.2, max(w, 1.5), row_h * 0.6), color)
            p.drawText(QRectF(label_w + w + 6, y, value_w, row_h), Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter, fmt_int(value))
        p.end()
