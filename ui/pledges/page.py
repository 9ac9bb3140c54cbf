"""The Pledges screen: every pledge of the chapter, filtered and sorted in SQL.

The table is an ``IdTableModel`` over ``browse.pledge_ids`` / ``browse.pledge_rows``: the
model holds the ordered ids (8 bytes each) and fetches rows a page at a time as the view
scrolls.  Reading the ids of a million pledges takes a few hundred milliseconds (and a
sort by name several seconds), so every id list is read on a worker thread
(``tasks.load_in_background``): the rows shown stay as they were, the count says
"Loading…", and only the newest request's answer is used; a request made while one is
running waits for it (never more than one query at a time).  Typing in the search box
waits for a pause of ``SEARCH_DELAY_MS``.

Add pledge (Ctrl+N) types a paper sheet (``PledgeDialog``); Enter shows the selected
pledge; "Link to person…" moves it to someone already in the chapter; Delete removes
pledges (Edit ▸ Undo brings them back).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from array import array
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from PySide6.QtCore import (
    QItemSelectionModel,
    QModelIndex,
    QObject,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from chapter_manager.errors import NotFound
from chapter_manager.models import Affiliation
from chapter_manager.services import browse
from chapter_manager.services.browse import PledgeQuery, PledgeTableRow
from ui.frame import tasks
from ui.frame.context import AppContext
from ui.frame.flows import DeleteTexts, delete_with_undo
from ui.frame.viewstate import restore_view, save_view
from ui.widgets.forms import EnumCombo, OptionalDateEdit, fmt_date, fmt_datetime, to_qdate
from ui.widgets.page import Page
from ui.widgets.tablemodel import Column, IdTableModel

from .dialog import LinkPersonDialog, PledgeDetailsDialog, PledgeDialog, utc_offset_text

SEARCH_DELAY_MS = 250
ANY_EVENT = -1
NO_EVENT = -2
# the period choices (item data)
ALL_TIME, THIS_MONTH, THIS_TERM, CHOSEN_DATES = "all", "month", "term", "custom"


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else ""


class PledgesModel(IdTableModel[PledgeTableRow]):
    """Pledges by id; a header click asks the page for a new id list (``sort_requested``)."""

    sort_requested = Signal()

    def __init__(self, ctx: AppContext, parent: QObject | None = None):
        super().__init__(self._columns(), parent)
        self.ctx = ctx
        self.query = PledgeQuery()
        self.order = "signed_at"
        self.descending = True
        self.sort_column = 0

    def _columns(self) -> list[Column[PledgeTableRow]]:
        def signed(r: PledgeTableRow) -> str:
            return f"{fmt_datetime(r.local_signed_at)} {utc_offset_text(r.local_signed_at)}"

        def consents(r: PledgeTableRow) -> str:
            if r.may_contact and r.may_publish_name:
                return self.tr("Contact · publish name")
            if r.may_contact:
                return self.tr("Contact")
            if r.may_publish_name:
                return self.tr("Publish name")
            return self.tr("None")

        def consents_tip(r: PledgeTableRow) -> str:
            yes, no = self.tr("yes"), self.tr("no")
            return self.tr("May be contacted: {contact}\nName may be published: {publish}").format(
                contact=yes if r.may_contact else no, publish=yes if r.may_publish_name else no)

        return [
            Column("signed_at", self.tr("Signed (local time)"), signed, "signed_at",
                   tooltip=lambda r: self.tr("Signed at {when}, {zone} (the time where it was signed)").format(
                       when=fmt_datetime(r.local_signed_at), zone=utc_offset_text(r.local_signed_at))),
            Column("name", self.tr("Name"), lambda r: r.display_name, "name"),
            Column("affiliation", self.tr("Affiliation"), lambda r: r.affiliation.label, "affiliation"),
            Column("event", self.tr("Event"), lambda r: r.event_title or "", "event",
                   tooltip=lambda r: r.event_title or self.tr("Not signed at an event")),
            Column("source", self.tr("Source"), lambda r: r.source.label, "source"),
            Column("commitment", self.tr("Commitment"), lambda r: _first_line(r.commitment),
                   tooltip=lambda r: r.commitment[:600]),
            Column("consents", self.tr("Consents"), consents, tooltip=consents_tip),
        ]

    # ------------------------------------------------------------------ ids
    def current_query(self) -> PledgeQuery:
        return dataclasses.replace(self.query, order=self.order or "signed_at", descending=self.descending)

    def query_ids(self) -> Sequence[int]:
        if self.ctx.chapter_id is None:
            return array("q")
        return browse.pledge_ids(self.ctx.db, self.ctx.chapter_id, self.current_query())

    def fetch_rows(self, ids: Sequence[int]) -> dict[int, PledgeTableRow]:
        return browse.pledge_rows(self.ctx.db, ids)

    def set_ids(self, ids: Sequence[int]) -> None:
        self.beginResetModel()
        self._ids = ids
        self._pages.clear()
        self.endResetModel()

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Sorting is a new query: remember the order and ask for the ids again."""
        if not 0 <= column < len(self.columns) or self.columns[column].order is None:
            return
        self.sort_column = column
        self.order = self.columns[column].order
        self.descending = order == Qt.SortOrder.DescendingOrder
        self.sort_requested.emit()


class PledgesPage(Page):
    """Every pledge of the chapter, with filters by event, period, affiliation and signer."""

    watches = ("pledges", "people", "events")

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        self.loading = False
        self._started = False
        self._task: tasks.Task | None = None
        self._pending = False
        self._running: PledgeQuery | None = None
        self._events_key: object = None
        self.event_rows: list | None = None  # type: ignore[type-arg]  # the chapter's events, newest first
        self._events_loading = False
        self._zone = "UTC"
        self._term: tuple[str, dt.date, dt.date] | None = None
        self._setting_period = False
        self.load_ms: float | None = None
        self._select_after_load: int | None = None
        #: the data changed (not the filters): keep selection and scroll at the next load
        self._keep_view = False

        # ------------------------------------------------------------ filters
        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("Search signers by name, email or student id (Ctrl+F)"))
        self.search.setAccessibleName(self.tr("Search signers"))
        self.search.setClearButtonEnabled(True)
        self.search.setMinimumWidth(260)
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(SEARCH_DELAY_MS)
        self._search_timer.timeout.connect(self._filters_changed)
        self.search.textChanged.connect(lambda _t: self._search_timer.start())
        self.search.returnPressed.connect(self._search_now)

        self.event_combo = QComboBox()
        self.event_combo.setAccessibleName(self.tr("Event"))
        self.event_combo.setMinimumContentsLength(22)
        self.event_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.event_combo.addItem(self.tr("Any event"), ANY_EVENT)
        event_label = QLabel(self.tr("&Event:"))
        event_label.setBuddy(self.event_combo)
        self.affiliation = EnumCombo(Affiliation, none_text=self.tr("Any affiliation"))
        self.affiliation.setAccessibleName(self.tr("Affiliation"))
        affiliation_label = QLabel(self.tr("Affil&iation:"))
        affiliation_label.setBuddy(self.affiliation)
        self.add_button = QPushButton(self.tr("&Add pledge…"))
        self.add_button.setToolTip(self.tr("Type a pledge from a paper sheet (Ctrl+N)"))
        self.add_button.clicked.connect(self.new_item)
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addSpacing(8)
        top.addWidget(event_label)
        top.addWidget(self.event_combo)
        top.addSpacing(8)
        top.addWidget(affiliation_label)
        top.addWidget(self.affiliation)
        top.addSpacing(8)
        top.addWidget(self.add_button)

        self.period = QComboBox()
        self.period.setAccessibleName(self.tr("Period"))
        self.period.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        period_label = QLabel(self.tr("&Period:"))
        period_label.setBuddy(self.period)
        self.date_from = OptionalDateEdit(self.tr("From"))
        self.date_from.setAccessibleName(self.tr("Signed from"))
        self.date_to = OptionalDateEdit(self.tr("To"))
        self.date_to.setAccessibleName(self.tr("Signed until"))
        for edit in (self.date_from, self.date_to):
            edit.check.toggled.connect(self._dates_edited)
            edit.edit.dateChanged.connect(self._dates_edited)
        self.count = QLabel()
        self.count.setAccessibleName(self.tr("Number of pledges shown"))
        self.count.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        second = QHBoxLayout()
        second.addWidget(period_label)
        second.addWidget(self.period)
        second.addSpacing(8)
        second.addWidget(self.date_from)
        second.addWidget(self.date_to)
        second.addStretch(1)
        second.addWidget(self.count)

        # ------------------------------------------------------------ table
        self.model = PledgesModel(ctx, self)
        self.model.sort_requested.connect(self._filters_changed)
        self.table = QTableView()
        self.table.setAccessibleName(self.tr("Pledges"))
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        self.table.verticalHeader().setDefaultSectionSize(self.table.fontMetrics().height() + 10)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        header.setHighlightSections(False)
        header.setSortIndicator(0, Qt.SortOrder.DescendingOrder)
        self.table.setSortingEnabled(True)
        self._size_columns()
        self.table.activated.connect(self._activated)
        self.table.installEventFilter(self)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)

        self.empty = QLabel()
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setAccessibleName(self.tr("No pledges"))
        self.body = QStackedWidget()
        self.body.addWidget(self.table)
        self.body.addWidget(self.empty)

        self.details_button = QPushButton(self.tr("&Details…"))
        self.details_button.setToolTip(self.tr("Show the selected pledge as recorded (Enter)"))
        self.details_button.clicked.connect(self.open_selected)
        self.link_button = QPushButton(self.tr("&Link to person…"))
        self.link_button.setToolTip(self.tr("Move the selected pledge to someone already in the chapter"))
        self.link_button.clicked.connect(self.link_selected)
        self.delete_button = QPushButton(self.tr("Dele&te…"))
        self.delete_button.setToolTip(self.tr("Delete the selected pledges (Delete)"))
        self.delete_button.clicked.connect(self.delete_selected)
        below = QHBoxLayout()
        below.addStretch(1)
        below.addWidget(self.details_button)
        below.addWidget(self.link_button)
        below.addWidget(self.delete_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.addLayout(top)
        layout.addLayout(second)
        layout.addWidget(self.body, 1)
        layout.addLayout(below)

        self.event_combo.activated.connect(self._filters_changed)
        self.affiliation.activated.connect(self._filters_changed)
        self.period.activated.connect(self._period_chosen)
        order = [self.search, self.event_combo, self.affiliation, self.add_button, self.period,
                 self.date_from.check, self.date_from.edit, self.date_to.check, self.date_to.edit,
                 self.table, self.details_button, self.link_button, self.delete_button]
        for first, second_widget in zip(order, order[1:], strict=False):
            QWidget.setTabOrder(first, second_widget)
        self._selection_changed()

    def _size_columns(self) -> None:
        """Widths from sample texts (never from the rows: there may be a million)."""
        from chapter_manager.models import RecordSource

        metrics = self.table.fontMetrics()
        chars = metrics.averageCharWidth()
        sample = dt.datetime(2026, 12, 28, 23, 59, tzinfo=dt.timezone(dt.timedelta(hours=-10, minutes=-30)))
        widths = (
            metrics.horizontalAdvance(f"{fmt_datetime(sample)} {utc_offset_text(sample)}"),
            26 * chars,
            max(metrics.horizontalAdvance(a.label) for a in Affiliation),
            26 * chars,
            max(metrics.horizontalAdvance(s.label) for s in RecordSource),
            34 * chars,
        )
        header = self.table.horizontalHeader()
        for column, width in enumerate(widths):
            title = metrics.horizontalAdvance(str(self.model.headerData(column, Qt.Orientation.Horizontal)))
            header.resizeSection(column, max(width, title + 24) + 16)

    # ------------------------------------------------------------------ Page
    def supports(self, action: str) -> bool:
        return action in ("new", "find", "delete")

    def refresh(self) -> None:
        self._started = True
        if self.ctx.chapter_id is None:
            self.model.set_ids(array("q"))
            self._show_count()
            return
        self._read_chapter()
        self._fill_events()
        self._keep_view = True
        self.load(data_changed=True)

    def new_item(self) -> None:
        if self.ctx.chapter_id is None:
            return
        event_id = self.event_combo.currentData()
        dialog = PledgeDialog(self.ctx, self, event_id if event_id not in (ANY_EVENT, NO_EVENT) else None,
                              events=None if self._events_loading else self.event_rows)
        self.run_dialog(dialog)
        if dialog.outcomes:
            last = dialog.outcomes[-1]
            if not last.new_pledge and dialog.result() == QDialog.DialogCode.Accepted:
                self.inform(self.tr("Already pledged"), dialog.messages[-1])
            self._select_after_load = last.pledge_id

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def delete_selected(self) -> None:
        self.delete_pledges(self.selected_ids())

    # ------------------------------------------------------------------ overridable (tests)


    def inform(self, title: str, text: str) -> None:
        QMessageBox.information(self, title, text)


    # ------------------------------------------------------------------ filters
    def _today(self) -> dt.date:
        try:
            return dt.datetime.now(ZoneInfo(self._zone)).date()
        except (KeyError, ValueError):
            return dt.date.today()

    def _read_chapter(self) -> None:
        from chapter_manager.services.chapters import get_chapter, term_on

        chapter = get_chapter(self.ctx.db, self.ctx.require_chapter())
        self._zone = chapter.timezone
        today = self._today()
        term = term_on(chapter.terms, today)
        self._term = (term.name, term.starts_on, term.ends_on) if term is not None else None
        current = self.period.currentData()
        self.period.clear()
        self.period.addItem(self.tr("All time"), ALL_TIME)
        self.period.addItem(self.tr("This month"), THIS_MONTH)
        if self._term is not None:
            self.period.addItem(self.tr("This term ({name})").format(name=self._term[0]), THIS_TERM)
        self.period.addItem(self.tr("Chosen dates"), CHOSEN_DATES)
        self.period.setCurrentIndex(max(self.period.findData(current or ALL_TIME), 0))

    def _fill_events(self) -> None:
        """The event filter: any / no event / each event, newest first (read off the GUI thread)."""
        from chapter_manager.services.events import list_events

        db, chapter_id = self.ctx.db, self.ctx.chapter_id
        if chapter_id is None:
            return

        def fill(rows: list) -> None:  # type: ignore[type-arg]
            self._events_loading = False
            if self.ctx.chapter_id != chapter_id:
                return
            key = [(r.id, r.title, r.starts_at) for r in rows]
            if key == self._events_key:
                return
            self._events_key = key
            self.event_rows = list(rows)
            current = self.event_combo.currentData()
            self.event_combo.blockSignals(True)
            self.event_combo.clear()
            self.event_combo.addItem(self.tr("Any event"), ANY_EVENT)
            self.event_combo.addItem(self.tr("No event (signed elsewhere)"), NO_EVENT)
            for r in rows:
                self.event_combo.addItem(self.tr("{title} — {date}").format(
                    title=r.title, date=fmt_date(r.local_starts_at.date())), r.id)
            index = self.event_combo.findData(current)
            self.event_combo.setCurrentIndex(max(index, 0))
            self.event_combo.blockSignals(False)
            if index < 0 and current not in (None, ANY_EVENT):
                self._filters_changed()  # the event chosen is gone

        def failed(error: BaseException) -> None:
            self._events_loading = False
            self.ctx.status_message.emit(str(error))

        self._events_loading = True
        tasks.load_in_background(self, lambda: list_events(db, chapter_id, descending=True), fill, failed)

    @Slot(int)
    def _period_chosen(self, _index: int = 0) -> None:
        choice = self.period.currentData()
        today = self._today()
        start: dt.date | None = None
        end: dt.date | None = None
        if choice == THIS_MONTH:
            start = today.replace(day=1)
            end = (start + dt.timedelta(days=32)).replace(day=1) - dt.timedelta(days=1)
        elif choice == THIS_TERM and self._term is not None:
            start, end = self._term[1], self._term[2]
        elif choice == CHOSEN_DATES:
            if self.date_from.value() is None and self.date_to.value() is None:
                self.date_from.check.setChecked(True)
                self.date_from.setFocus()
            return
        self._setting_period = True
        try:
            for edit, day in ((self.date_from, start), (self.date_to, end)):
                edit.set_value(day)
                if day is None:
                    edit.edit.setDate(to_qdate(today))
        finally:
            self._setting_period = False
        self._filters_changed()

    @Slot()
    def _dates_edited(self, *_args: object) -> None:
        if self._setting_period:
            return
        custom = self.period.findData(CHOSEN_DATES)
        if self.date_from.value() is None and self.date_to.value() is None:
            custom = self.period.findData(ALL_TIME)
        self.period.setCurrentIndex(custom)
        self._filters_changed()

    def set_period(self, start: dt.date | None, end: dt.date | None) -> None:
        """Choose the dates (both included, in the chapter's time zone)."""
        self._setting_period = True
        try:
            self.date_from.set_value(start)
            self.date_to.set_value(end)
        finally:
            self._setting_period = False
        self._dates_edited()

    def query(self) -> PledgeQuery:
        event = self.event_combo.currentData()
        start, end = self.date_from.value(), self.date_to.value()
        return PledgeQuery(
            search=self.search.text().strip(),
            event_id=event if event not in (None, ANY_EVENT, NO_EVENT) else None,
            start=start,
            end=end,
            affiliation=self.affiliation.value(),
            without_event=event == NO_EVENT,
        )

    @Slot()
    def _search_now(self) -> None:
        self._search_timer.stop()
        self._filters_changed()

    # ------------------------------------------------------------------ loading
    @property
    def filtered(self) -> bool:
        q = self.model.query
        return bool(q.search or q.event_id is not None or q.start or q.end or q.affiliation is not None
                    or getattr(q, "without_event", False))

    @Slot()
    def _filters_changed(self, *_args: object) -> None:
        """The filters or the order changed: read the ids again."""
        self.load()

    def load(self, data_changed: bool = False) -> None:
        """Read the ids (off the GUI thread) for the filters and order chosen."""
        if not self._started:
            return
        self._search_timer.stop()
        self.model.query = self.query()
        if self._task is not None and not self._task.done:
            # Read again when the running query ends; not for the very query running
            # (a header click can ask twice) unless the data changed meanwhile.
            if data_changed or self.model.current_query() != self._running:
                self._pending = True
            return
        chapter_id = self.ctx.chapter_id
        if chapter_id is None:
            return
        query = self._running = self.model.current_query()
        db = self.ctx.db
        self.loading = True
        self._show_count()

        def work() -> tuple[PledgeQuery, Sequence[int], float]:
            began = time.perf_counter()
            ids = browse.pledge_ids(db, chapter_id, query)
            return query, ids, (time.perf_counter() - began) * 1000

        self._task = tasks.load_in_background(
            self, work, lambda result: self._loaded(chapter_id, *result), self._load_failed)

    def _loaded(self, chapter_id: int, query: PledgeQuery, ids: Sequence[int], ms: float) -> None:
        self._task = None
        if self._pending or chapter_id != self.ctx.chapter_id or query != self.model.current_query():
            self._pending = False
            self._filters_changed()
            return
        self.load_ms = ms
        keep = self._select_after_load or self._current_id()
        view = save_view(self.table) if self._keep_view and self._select_after_load is None else None
        self._keep_view = False
        self._select_after_load = None
        self.model.set_ids(ids)
        self.loading = False
        if view is not None:
            restore_view(self.table, view)
        elif keep is not None:
            self.select_pledge(keep)
        self._show_count()
        self._selection_changed()

    def _load_failed(self, error: BaseException) -> None:
        self._task = None
        self.loading = False
        self._show_count()
        if self._pending:
            self._pending = False
            self._filters_changed()
            return
        self.show_problem(error, self.tr("Could not read the pledges"))

    def _show_count(self) -> None:
        n = self.model.rowCount()
        self.add_button.setEnabled(self.ctx.chapter_id is not None)
        if self.loading:
            self.count.setText(self.tr("Loading…"))
        else:
            self.count.setText(self.tr("%n pledge(s)", "", n))
        if n or self.loading:
            self.body.setCurrentWidget(self.table)
            return
        if self.ctx.chapter_id is None:
            text = self.tr("No chapter yet: create one with File ▸ New chapter…")
        elif self.filtered:
            text = self.tr("No pledge matches these filters. Clear the search or choose “Any event” "
                           "and “All time” to see them all.")
        else:
            text = self.tr("No pledges yet. Type one from a paper sheet with “Add pledge” (Ctrl+N), "
                           "or collect them at an event with the kiosk.")
        self.empty.setText(text)
        self.body.setCurrentWidget(self.empty)

    # ------------------------------------------------------------------ selection

    def _current_id(self) -> int | None:
        index = self.table.currentIndex()
        ids = self.selected_ids()
        if index.isValid() and self.model.id_at(index.row()) in ids:
            return self.model.id_at(index.row())
        return ids[0] if ids else None

    def select_pledge(self, pledge_id: int) -> bool:
        row = self.model.row_of(pledge_id)
        if row is None:
            return False
        index = self.model.index(row, 0)
        self.table.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        self.table.scrollTo(index)
        return True

    @Slot()
    def _selection_changed(self, *_args: object) -> None:
        ids = self.selected_ids()
        self.details_button.setEnabled(bool(ids))
        self.link_button.setEnabled(len(ids) == 1)
        self.delete_button.setEnabled(bool(ids))

    # ------------------------------------------------------------------ actions
    @Slot(QModelIndex)
    def _activated(self, index: QModelIndex) -> None:
        pledge_id = self.model.id_at(index.row())
        if pledge_id is not None:
            self.show_pledge(pledge_id)

    @Slot()
    def open_selected(self) -> None:
        pledge_id = self._current_id()
        if pledge_id is not None:
            self.show_pledge(pledge_id)

    def show_pledge(self, pledge_id: int) -> PledgeDetailsDialog | None:
        try:
            dialog = PledgeDetailsDialog(self.ctx, pledge_id, self)
        except NotFound as error:
            self.show_problem(error, self.tr("Could not show the pledge"))
            self._filters_changed()
            return None
        self.run_dialog(dialog)
        return dialog

    @Slot()
    def link_selected(self) -> LinkPersonDialog | None:
        pledge_id = self._current_id()
        if pledge_id is None:
            return None
        try:
            dialog = LinkPersonDialog(self.ctx, pledge_id, self)
        except NotFound as error:
            self.show_problem(error, self.tr("Could not open the pledge"))
            self._filters_changed()
            return None
        self._select_after_load = pledge_id
        self.run_dialog(dialog)
        return dialog

    def delete_pledges(self, ids: list[int]) -> tasks.Task | None:
        """Delete pledges after a confirmation; Edit ▸ Undo brings them back."""
        from chapter_manager.services import undo

        if not ids:
            return None
        names = {}
        for pledge_id in ids[:1]:
            row = self.model.row_of(pledge_id)
            found = self.model.row_at(row) if row is not None else None
            if found is not None:
                names[pledge_id] = found.display_name
        if len(ids) == 1 and ids[0] in names:
            question = self.tr("Delete the pledge of {name}?").format(name=names[ids[0]])
            what = self.tr("delete of the pledge of {name}").format(name=names[ids[0]])
            said = self.tr("Deleted the pledge of {name}.").format(name=names[ids[0]])
        else:
            question = self.tr("Delete %n pledge(s)?", "", len(ids))
            what = self.tr("delete of %n pledge(s)", "", len(ids))
            said = self.tr("Deleted %n pledge(s).", "", len(ids))
        detail = self.tr("The people stay in the chapter. Edit ▸ Undo brings the pledges back.")
        texts = DeleteTexts(self.tr("Delete pledges"), question + "\n\n" + detail,
                            self.tr("Deleting pledges"), what,
                            said + " " + self.tr("Ctrl+Z brings it back."))

        def after() -> None:
            if not self.isVisible():
                self._filters_changed()
            QTimer.singleShot(0, self.table.setFocus)

        return delete_with_undo(self, ids, texts, undo.delete_pledges, ("pledges",), after=after)

    # ------------------------------------------------------------------ keys




__all__ = ["PledgesModel", "PledgesPage"]
