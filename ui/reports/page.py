"""Reports & Exports: a page of cards, one per thing the chapter hands out or brings in.

Each card is a :class:`ReportCard` in :data:`CARDS`: a title, a description and its
actions (button text and a function called with the page).  Another report adds itself
with one call, e.g. in its own module::

    from ui.reports.page import ReportCard, register
    register(ReportCard("impact", QT_TRANSLATE_NOOP("ReportsPage", "Impact report"),
                        QT_TRANSLATE_NOOP("ReportsPage", "A PDF of ..."),
                        [(QT_TRANSLATE_NOOP("ReportsPage", "Make PDF…"), make_impact_pdf)]))

Titles, descriptions and button texts are marked with ``QT_TRANSLATE_NOOP`` in the
"ReportsPage" context and translated when the page is built.  ``status`` (optional)
returns a line shown under the description (e.g. what the last import did).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ui.frame.context import AppContext
from ui.widgets.page import Page

Action = Callable[["ReportsPage"], Any]


@dataclass(frozen=True)
class ReportCard:
    key: str
    title: str
    description: str
    actions: list[tuple[str, Action]] = field(default_factory=list)
    status: Callable[[ReportsPage], str] | None = None


CARDS: list[ReportCard] = []


def register(card: ReportCard) -> None:
    """Add a card to the page (replacing a card with the same key)."""
    CARDS[:] = [c for c in CARDS if c.key != card.key] + [card]


def _t(text: str) -> str:
    return QCoreApplication.translate("ReportsPage", text)


class _CardFrame(QFrame):
    def __init__(self, card: ReportCard, page: ReportsPage):
        super().__init__()
        self.card = card
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setObjectName(f"card-{card.key}")
        self.setAccessibleName(_t(card.title))
        layout = QVBoxLayout(self)
        layout.setContentsMargins(16, 12, 16, 14)
        title = QLabel(_t(card.title))
        font = title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        title.setFont(font)
        layout.addWidget(title)
        text = QLabel(_t(card.description))
        text.setWordWrap(True)
        layout.addWidget(text)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setEnabled(False)
        self.status.setVisible(card.status is not None)
        layout.addWidget(self.status)
        layout.addStretch(1)
        row = QHBoxLayout()
        row.addStretch(1)
        self.buttons: list[QPushButton] = []
        for label, action in card.actions:
            button = QPushButton(_t(label))
            button.setObjectName(f"{card.key}-{len(self.buttons)}")
            button.clicked.connect(lambda _checked=False, a=action: a(page))
            row.addWidget(button)
            self.buttons.append(button)
        layout.addLayout(row)
        self.setMinimumWidth(300)


class ReportsPage(Page):
    watches = ("all", "people", "chapters")

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(16, 12, 16, 12)
        heading = QLabel(self.tr("Reports & Exports"))
        font = heading.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.4)
        heading.setFont(font)
        outer.addWidget(heading)
        intro = QLabel(self.tr("Files to hand to your advisor or university, and spreadsheets to bring in."))
        intro.setWordWrap(True)
        outer.addWidget(intro)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setAccessibleName(self.tr("Reports"))
        holder = QWidget()
        self.grid = QGridLayout(holder)
        self.grid.setSpacing(12)
        self.grid.setContentsMargins(0, 8, 0, 0)
        scroll.setWidget(holder)
        outer.addWidget(scroll, 1)
        self.cards: dict[str, _CardFrame] = {}
        self._build()

    def _build(self) -> None:
        for frame in self.cards.values():
            frame.setParent(None)
        self.cards.clear()
        for index, card in enumerate(CARDS):
            frame = _CardFrame(card, self)
            self.cards[card.key] = frame
            self.grid.addWidget(frame, index // 2, index % 2)
        self.grid.setRowStretch(len(CARDS) // 2 + 1, 1)

    def refresh(self) -> None:
        if set(self.cards) != {c.key for c in CARDS}:
            self._build()
        for frame in self.cards.values():
            if frame.card.status is not None:
                try:
                    frame.status.setText(frame.card.status(self))
                except Exception:  # a status line never breaks the page
                    frame.status.setText("")

    # ---------------------------------------------------------------- asking (tests replace these)
    def inform(self, title: str, text: str) -> None:
        QMessageBox.information(self, title, text)

    def choose_save_path(self, title: str, suggested: str, filter_: str) -> str:
        from PySide6.QtWidgets import QFileDialog

        path, _selected = QFileDialog.getSaveFileName(self, title, suggested, filter_)
        return path

    def choose_open_path(self, title: str, filter_: str) -> str:
        from PySide6.QtWidgets import QFileDialog

        path, _selected = QFileDialog.getOpenFileName(self, title, "", filter_)
        return path


# --------------------------------------------------------------------------- built-in cards


def _open_impact_report(page: ReportsPage) -> None:
    from .report_dialog import ImpactReportDialog

    page.run_dialog(ImpactReportDialog(page.ctx, page))


def _open_roster(page: ReportsPage) -> None:
    from .roster_dialog import export_roster_from

    export_roster_from(page)


def _open_import(page: ReportsPage) -> None:
    from .import_wizard import run_import_wizard

    run_import_wizard(page)


def _undo_import(page: ReportsPage) -> None:
    from .import_wizard import undo_import

    undo_import(page)


def _import_status(page: ReportsPage) -> str:
    from chapter_manager.imports import last_import
    from ui.widgets.forms import fmt_datetime

    if page.ctx.chapter_id is None:
        return ""
    last = last_import(page.ctx.db, page.ctx.chapter_id)
    if last is None:
        return page.tr("No import to undo.")
    return page.tr("Last import {when}: {created} added, {updated} updated.").format(
        when=fmt_datetime(last.when.astimezone()), created=last.created, updated=last.updated)


register(ReportCard(
    "impact",
    QT_TRANSLATE_NOOP("ReportsPage", "Impact report"),
    QT_TRANSLATE_NOOP("ReportsPage",
                      "A PDF for the faculty advisor, the dean or UN Women: pledges against the goal, "
                      "members, events, attendance and forums of a period, with charts, testimonies "
                      "that may be published and a place for the advisor's sign-off."),
    [(QT_TRANSLATE_NOOP("ReportsPage", "Make impact report…"), _open_impact_report)],
))
register(ReportCard(
    "roster",
    QT_TRANSLATE_NOOP("ReportsPage", "Excel roster"),
    QT_TRANSLATE_NOOP("ReportsPage",
                      "Members with their officer role, officer terms, events with attendance and "
                      "pledges, forums and a summary, in one workbook. Advisor mode leaves out "
                      "contact details, student ids, gender and anyone who asked not to be listed."),
    [(QT_TRANSLATE_NOOP("ReportsPage", "Export roster…"), _open_roster)],
))
register(ReportCard(
    "import-members",
    QT_TRANSLATE_NOOP("ReportsPage", "Import members"),
    QT_TRANSLATE_NOOP("ReportsPage",
                      "Bring in the chapter's existing spreadsheet (.xlsx or .csv): match its columns, "
                      "check every row, decide about people already here, and undo it if needed."),
    [(QT_TRANSLATE_NOOP("ReportsPage", "Undo last import…"), _undo_import),
     (QT_TRANSLATE_NOOP("ReportsPage", "Import members…"), _open_import)],
    status=_import_status,
))

