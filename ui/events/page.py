"""The Events screen: the chapter's events by academic term, and the page of each event.

A chapter holds at most about a thousand events, so the list is a ``RowsTableModel`` of
``EventRow`` read in one query (term and status filter in SQL; the title search filters
the rows already read, accent- and case-insensitively).  Enter opens an event's page in
the same screen (a stack: list ↔ event); Esc or Backspace goes back.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from PySide6.QtCore import QModelIndex, Qt, QTimer, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from chapter_manager.errors import NotFound
from chapter_manager.models import EventStatus
from chapter_manager.text import fold
from ui.frame import tasks
from ui.frame.context import AppContext
from ui.frame.flows import DeleteTexts, delete_with_undo
from ui.frame.viewstate import restore_view, save_view
from ui.widgets.forms import EnumCombo, fmt_date, fmt_datetime, fmt_int
from ui.widgets.page import Page
from ui.widgets.tablemodel import Column, RowsTableModel

from .detail import EventDetail, zone_abbreviation
from .editor import EventDialog

ALL = "all"
UPCOMING = "upcoming"


def _date_text(row) -> str:  # type: ignore[no-untyped-def]
    local = row.local_starts_at
    return f"{fmt_datetime(local)} {zone_abbreviation(local)}"


class EventsModel(RowsTableModel):
    """The events table: date (in each event's own zone), title, kind, focus area, status,
    attendance and pledges against the event's goal."""

    def __init__(self, parent=None):  # type: ignore[no-untyped-def]
        super().__init__([], lambda r: r.id, parent)
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        self.columns = [
            Column("date", self.tr("Date"), _date_text, sort_value=lambda r: r.starts_at,
                   tooltip=lambda r: self.tr("{when} in {zone}").format(
                       when=fmt_datetime(r.local_starts_at), zone=r.timezone)),
            Column("title", self.tr("Title"), lambda r: r.title, sort_value=lambda r: r.title.casefold(),
                   tooltip=lambda r: r.title + (f"\n{r.venue}" if r.venue else "")),
            Column("kind", self.tr("Kind"), lambda r: r.kind.label, tooltip=lambda r: r.kind.label),
            Column("focus_area", self.tr("Focus area"),
                   lambda r: r.focus_area.label if r.focus_area is not None else "",
                   tooltip=lambda r: r.focus_area.label if r.focus_area is not None else ""),
            Column("status", self.tr("Status"), lambda r: r.status.label),
            Column("attendance", self.tr("Attendance"), self._attendance, align=right,
                   sort_value=lambda r: max(r.attendance_count, r.headcount or 0),
                   tooltip=self._attendance_tip),
            Column("pledges", self.tr("Pledges / goal"), self._pledges, align=right,
                   sort_value=lambda r: r.pledge_count, tooltip=self._pledges_tip),
        ]

    def _attendance(self, row) -> str:  # type: ignore[no-untyped-def]
        if row.headcount is not None:
            return self.tr("{named} ({counted})").format(
                named=fmt_int(row.attendance_count), counted=fmt_int(row.headcount))
        return fmt_int(row.attendance_count)

    def _attendance_tip(self, row) -> str:  # type: ignore[no-untyped-def]
        text = self.tr("%n checked in by name", "", row.attendance_count)
        if row.headcount is not None:
            text += "\n" + self.tr("%n counted at the door", "", row.headcount)
        return text

    def _pledges(self, row) -> str:  # type: ignore[no-untyped-def]
        if row.pledge_goal:
            return self.tr("{count} / {goal}").format(count=fmt_int(row.pledge_count), goal=fmt_int(row.pledge_goal))
        return fmt_int(row.pledge_count)

    def _pledges_tip(self, row) -> str:  # type: ignore[no-untyped-def]
        if row.pledge_goal:
            from .detail import progress_text

            return progress_text(row.pledge_count, row.pledge_goal, row.pledge_percent)
        return self.tr("%n pledge(s) collected; no goal set", "", row.pledge_count)


class EventsPage(Page):
    """The chapter's events (list) and one event's page (detail), in a stack."""

    watches = ("events", "people", "pledges")

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        self._rows: list = []
        self._any_events = False
        self._terms_key: tuple = ()
        self._zone = "UTC"
        self._term_chosen = False  # the user picked a term (else the one holding today is shown)
        self._list_stale = False

        # ------------------------------------------------------------ list
        self.list_page = QWidget()
        self.term = QComboBox()
        self.term.setAccessibleName(self.tr("Which events"))
        self.term.setMinimumContentsLength(16)
        self.term.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        term_label = QLabel(self.tr("&Show:"))
        term_label.setBuddy(self.term)
        self.status = EnumCombo(EventStatus, none_text=self.tr("Any status"))
        self.status.setAccessibleName(self.tr("Status"))
        status_label = QLabel(self.tr("S&tatus:"))
        status_label.setBuddy(self.status)
        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("Search titles (Ctrl+F)"))
        self.search.setAccessibleName(self.tr("Search event titles"))
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(220)
        self.new_button = QPushButton(self.tr("&New event"))
        self.new_button.setToolTip(self.tr("Add an event (Ctrl+N)"))
        self.new_button.clicked.connect(self.new_item)
        bar = QHBoxLayout()
        bar.addWidget(term_label)
        bar.addWidget(self.term)
        bar.addSpacing(8)
        bar.addWidget(status_label)
        bar.addWidget(self.status)
        bar.addSpacing(8)
        bar.addWidget(self.search, 1)
        bar.addSpacing(8)
        bar.addWidget(self.new_button)

        self.model = EventsModel(self)
        self.table = QTableView()
        self.table.setAccessibleName(self.tr("Events"))
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        # The title takes the room the other columns leave (instead of the last column).
        header.setStretchLastSection(False)
        header.setHighlightSections(False)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(40)
        self.table.activated.connect(self._activated)
        self.table.installEventFilter(self)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)

        self.empty = QLabel()
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setTextFormat(Qt.TextFormat.PlainText)
        self.empty.setAccessibleName(self.tr("No events"))
        self.body = QStackedWidget()
        self.body.addWidget(self.table)
        self.body.addWidget(self.empty)
        self.count = QLabel()
        self.count.setAccessibleName(self.tr("Number of events shown"))
        self.open_button = QPushButton(self.tr("&Open"))
        self.open_button.setToolTip(self.tr("Open the selected event (Enter)"))
        self.open_button.clicked.connect(self.open_selected)
        self.delete_button = QPushButton(self.tr("&Delete…"))
        self.delete_button.setToolTip(self.tr("Delete the selected events (Delete)"))
        self.delete_button.clicked.connect(self.delete_selected)
        below = QHBoxLayout()
        below.addWidget(self.count, 1)
        below.addWidget(self.open_button)
        below.addWidget(self.delete_button)

        list_layout = QVBoxLayout(self.list_page)
        list_layout.setContentsMargins(12, 10, 12, 10)
        list_layout.addLayout(bar)
        list_layout.addWidget(self.body, 1)
        list_layout.addLayout(below)

        # ------------------------------------------------------------ detail
        self.detail = EventDetail(ctx)
        self.detail.back_requested.connect(self.show_list)
        self.detail.edit_requested.connect(self.edit_event)
        self.detail.delete_requested.connect(lambda event_id: self.delete_events([event_id]))

        self.stack = QStackedWidget()
        self.stack.addWidget(self.list_page)
        self.stack.addWidget(self.detail)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.stack)

        self.term.currentIndexChanged.connect(self._filters_changed)
        self.term.activated.connect(self._term_picked)
        self.status.currentIndexChanged.connect(self._filters_changed)
        self.search.textChanged.connect(self._apply_search)
        QWidget.setTabOrder(self.term, self.status)
        QWidget.setTabOrder(self.status, self.search)
        QWidget.setTabOrder(self.search, self.new_button)
        QWidget.setTabOrder(self.new_button, self.table)
        QWidget.setTabOrder(self.table, self.open_button)
        QWidget.setTabOrder(self.open_button, self.delete_button)
        self._selection_changed()

    # ------------------------------------------------------------------ Page
    def _on_chapter_changed(self, chapter_id: int) -> None:
        self.detail.event_id = None
        self.detail.view = None
        self.stack.setCurrentWidget(self.list_page)
        super()._on_chapter_changed(chapter_id)

    def supports(self, action: str) -> bool:
        return action in ("new", "find", "delete")

    def refresh(self) -> None:
        if self.ctx.chapter_id is None:
            self._rows = []
            self._any_events = False
            self.model.set_rows([])
            self._show_empty()
            self.show_list()
            return
        if self.stack.currentWidget() is self.detail:
            # The list is read again when it is shown; the event's page is already up to
            # date when the change came from it (a check-in must stay instant).
            self._list_stale = True
            if not self.detail.notifying:
                try:
                    self.detail.reload()
                except NotFound:
                    self.show_list()
            return
        view = save_view(self.table) if self.model.rowCount() else None
        self._fill_terms()
        self.reload_list()
        if view is not None:
            restore_view(self.table, view)

    def new_item(self) -> None:
        dialog = EventDialog(self.ctx, None, self)
        if not self.run_dialog(dialog) or dialog.saved is None:
            return
        self.show_list()
        self._reveal(dialog.saved.id)

    def focus_search(self) -> None:
        """Ctrl+F: the title search on the list; on an event's page, the check-in field."""
        if self.stack.currentWidget() is self.detail:
            self.detail.focus_check_in()
            return
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def delete_selected(self) -> None:
        if self.stack.currentWidget() is self.detail:
            if self.detail.attendees.hasFocus():
                self.detail.remove_selected_attendees()
            elif self.detail.event_id is not None:
                self.delete_events([self.detail.event_id])
            return
        self.delete_events(self.selected_ids())

    # ------------------------------------------------------------------ overridable (tests)



    # ------------------------------------------------------------------ loading
    def _chapter_today(self) -> dt.date:
        return dt.datetime.now(ZoneInfo(self._zone)).date()

    def _fill_terms(self) -> None:
        from chapter_manager.services.chapters import get_chapter, term_on

        chapter = get_chapter(self.ctx.db, self.ctx.require_chapter())
        self._zone = chapter.timezone
        terms = sorted(chapter.terms, key=lambda t: t.starts_on, reverse=True)
        key = (chapter.id, tuple((t.id, t.name, t.starts_on, t.ends_on) for t in terms))
        if key == self._terms_key:
            return
        first_time = not self._terms_key or self._terms_key[0] != chapter.id
        self._terms_key = key
        current = self.term.currentData()
        self.term.blockSignals(True)
        self.term.clear()
        self.term.addItem(self.tr("Upcoming"), UPCOMING)
        self.term.addItem(self.tr("All events"), ALL)
        now = term_on(terms, self._chapter_today())
        this_term = now.id if now is not None else None
        for t in terms:
            self.term.addItem(self.tr("{name} ({start} – {end})").format(
                name=t.name, start=fmt_date(t.starts_on), end=fmt_date(t.ends_on)), t.id)
        if first_time or not self._term_chosen or self.term.findData(current) < 0:
            self._term_chosen = False
            current = this_term if this_term is not None else ALL
        self.term.setCurrentIndex(max(self.term.findData(current), 0))
        self.term.blockSignals(False)

    def reload_list(self) -> None:
        """Read the events again with the term and status chosen."""
        from chapter_manager.services.events import list_events

        chapter_id = self.ctx.chapter_id
        if chapter_id is None:
            return
        self._list_stale = False
        choice = self.term.currentData()
        kwargs: dict = {}
        if choice == UPCOMING:
            kwargs["start"] = self._chapter_today()
        elif choice not in (ALL, None):
            kwargs["term_id"] = int(choice)
        status = self.status.value()
        if status is not None:
            kwargs["status"] = status
        selected = set(self.selected_ids())
        try:
            rows = list_events(self.ctx.db, chapter_id, **kwargs)
        except NotFound:  # the term was deleted meanwhile: choose again among those left
            self._terms_key = ()
            self._fill_terms()
            self.reload_list()
            return
        self._rows = rows
        self._any_events = bool(rows) or bool(list_events(self.ctx.db, chapter_id, limit=1))
        self._apply_search(reselect=selected)
        if not self.selected_ids():
            self._scroll_to_today()

    def _scroll_to_today(self) -> None:
        """Bring the first event from today on into view (a long list starts in the past)."""
        now = dt.datetime.now(dt.UTC)
        for row in range(self.model.rowCount()):
            item = self.model.row_at(row)
            if item is not None and item.starts_at >= now:
                self.table.scrollTo(self.model.index(row, 0), QAbstractItemView.ScrollHint.PositionAtCenter)
                return

    @Slot()
    def _term_picked(self) -> None:
        self._term_chosen = True

    @Slot()
    def _filters_changed(self) -> None:
        self.reload_list()

    @Slot()
    def _apply_search(self, _text: str = "", reselect: set[int] | None = None) -> None:
        query = fold(self.search.text()).split()
        rows = self._rows
        if query:
            rows = [r for r in rows if all(word in fold(r.title) for word in query)]
        if reselect is None:
            reselect = set(self.selected_ids())
        self.model.set_rows(rows)
        self._fit_columns()
        self._select_ids(reselect)
        self._selection_changed()
        self._show_empty()

    #: widest a column other than the title grows to fit its text (the rest is elided)
    MAX_COLUMN = 190
    #: the title keeps at least this much; kind and focus area give way first
    MIN_TITLE = 240

    def _fit_columns(self) -> None:
        """Size the columns to their header and a sample of rows; the title takes the rest."""
        metrics = self.table.fontMetrics()
        header = self.table.horizontalHeader()
        sample = self.model.rows()[:200]
        widths: dict[int, int] = {}
        for column, spec in enumerate(self.model.columns):
            if column == 1:
                continue
            texts = [spec.title] + [spec.text(r) for r in sample]
            widths[column] = min(max(metrics.horizontalAdvance(t) for t in texts) + 24, self.MAX_COLUMN)
        available = self.table.viewport().width() or 880
        excess = sum(widths.values()) + self.MIN_TITLE - available
        for column in (3, 2):  # focus area, then kind: elided, with the full text as tooltip
            if excess <= 0:
                break
            give = min(excess, max(widths[column] - 100, 0))
            widths[column] -= give
            excess -= give
        for column, width in widths.items():
            header.resizeSection(column, width)

    def resizeEvent(self, event) -> None:  # type: ignore[no-untyped-def]
        super().resizeEvent(event)
        QTimer.singleShot(0, self._fit_columns)

    def _show_empty(self) -> None:
        shown = self.model.rowCount()
        if shown:
            self.body.setCurrentWidget(self.table)
        else:
            if self.ctx.chapter_id is None:
                text = self.tr("No chapter yet: create one with File ▸ New chapter…")
            elif not self._any_events:
                text = self.tr("No events yet. Add the first one with “New event” (Ctrl+N): "
                               "a talk, a workshop, a pledge drive…")
            elif self.search.text().strip():
                text = self.tr("No event title matches “{text}”. Clear the search to see them all.").format(
                    text=self.search.text().strip())
            elif self.term.currentData() == UPCOMING:
                text = self.tr("Nothing planned from today on. Add an event with “New event” (Ctrl+N), "
                               "or choose “All events”.")
            else:
                text = self.tr("No events here. Choose “All events” or another term or status.")
            self.empty.setText(text)
            self.body.setCurrentWidget(self.empty)
        if len(self._rows) != shown:
            self.count.setText(self.tr("{shown} of {total} events").format(
                shown=fmt_int(shown), total=fmt_int(len(self._rows))))
        else:
            self.count.setText(self.tr("%n event(s)", "", shown))

    # ------------------------------------------------------------------ selection

    @Slot()
    def _selection_changed(self) -> None:
        chosen = bool(self.table.selectionModel().selectedRows())
        self.open_button.setEnabled(chosen)
        self.delete_button.setEnabled(chosen)

    def _reveal(self, event_id: int) -> None:
        """Select ``event_id`` in the list, widening the filters if it is not shown."""
        if self.model.row_of(event_id) is None:
            self.reload_list()
        if self.model.row_of(event_id) is None:
            self.search.clear()
            self.status.set_value(None)
            self.term.setCurrentIndex(max(self.term.findData(ALL), 0))
            self.reload_list()
        self._select_ids({event_id})
        self.table.setFocus()

    # ------------------------------------------------------------------ opening
    @Slot(QModelIndex)
    def _activated(self, index: QModelIndex) -> None:
        event_id = self.model.id_at(index.row())
        if event_id is not None:
            self.open_event(event_id)

    @Slot()
    def open_selected(self) -> None:
        index = self.table.currentIndex()
        ids = self.selected_ids()
        if index.isValid() and self.model.id_at(index.row()) in ids:
            self.open_event(self.model.id_at(index.row()))  # type: ignore[arg-type]
        elif ids:
            self.open_event(ids[0])

    def open_event(self, event_id: int) -> None:
        """Show the page of ``event_id``."""
        try:
            self.detail.load(event_id)
        except NotFound as error:
            self.show_problem(error, self.tr("Could not open the event"))
            self.reload_list()
            return
        self.stack.setCurrentWidget(self.detail)
        self.detail.focus_check_in()

    def current_event_id(self) -> int | None:
        return self.detail.event_id if self.stack.currentWidget() is self.detail else None

    @Slot()
    def show_list(self) -> None:
        was = self.current_event_id()
        self.stack.setCurrentWidget(self.list_page)
        if self._list_stale and self.ctx.chapter_id is not None:
            self._fill_terms()
            self.reload_list()
        if was is not None:
            self._select_ids({was})
        self.table.setFocus(Qt.FocusReason.OtherFocusReason)

    @Slot(int)
    def edit_event(self, event_id: int) -> None:
        dialog = EventDialog(self.ctx, event_id, self)
        if not self.run_dialog(dialog):
            return
        if self.stack.currentWidget() is self.detail:
            try:
                self.detail.reload()
            except NotFound:
                self.show_list()

    # ------------------------------------------------------------------ deleting
    def delete_events(self, ids: list[int]) -> tasks.Task | None:
        """Delete events after a confirmation; Ctrl+Z (Edit ▸ Undo) brings them back."""
        from chapter_manager.services import undo

        if not ids:
            return None
        titles = {r.id: r.title for r in self._rows}
        if self.detail.view is not None:
            titles.setdefault(self.detail.view.id, self.detail.view.title)
        title = titles.get(ids[0], "")
        if len(ids) == 1:
            question = self.tr("Delete “{title}”?").format(title=title)
            what = self.tr("delete of “{title}”").format(title=title)
            said = self.tr("Deleted “{title}”. Ctrl+Z brings it back.").format(title=title)
        else:
            question = self.tr("Delete %n event(s)?", "", len(ids))
            what = self.tr("delete of %n event(s)", "", len(ids))
            said = self.tr("Deleted %n event(s). Ctrl+Z brings them back.", "", len(ids))
        detail = self.tr("The list of who came goes too; pledges signed there are kept. "
                         "Edit ▸ Undo can bring it all back.")
        texts = DeleteTexts(self.tr("Delete events"), question + "\n\n" + detail,
                            self.tr("Deleting events"), what, said)

        def after() -> None:
            if self.current_event_id() in ids:
                self.detail.event_id = None
                self.detail.view = None
                self.stack.setCurrentWidget(self.list_page)
            if not self.isVisible():
                self.reload_list()
            QTimer.singleShot(0, self.table.setFocus)

        # the pledges signed there lose (and, undone, regain) their event
        return delete_with_undo(self, ids, texts, undo.delete_events, ("events", "pledges"), after=after)

    # ------------------------------------------------------------------ keys




__all__ = ["EventsModel", "EventsPage"]
