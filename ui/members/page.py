"""The Members screen: everyone the chapter knows, searched as you type, filtered and sorted in SQL.

The table's model (:class:`PeopleModel`) holds only the ordered ids that match the search
and filters (``services.browse.person_ids``) and fetches rows a page at a time as the view
scrolls (``browse.person_rows``), so it stays smooth at 100,000 people.  Clicking a header
re-runs the query in that column's order.  While there is search text the order is
"relevance" (best matches first, at most ``browse.SEARCH_LIMIT``) unless a header was
clicked; clearing the search goes back to name order.

Changes go through the core services: the person editor (``ui.members.person_editor``), the bulk
status change (``members.bulk_set_status``) and delete with undo (``undo.delete_people``).
"""

from __future__ import annotations

import datetime as dt
from array import array
from collections.abc import Callable, Sequence
from contextlib import contextmanager

from PySide6.QtCore import (
    QEvent,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTimer,
    Signal,
    Slot,
)
from PySide6.QtGui import QAction, QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QMessageBox,
    QPushButton,
    QStackedWidget,
    QTableView,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from chapter_manager.errors import ChapterError
from chapter_manager.models import Affiliation, LabelledEnum, MembershipStatus
from chapter_manager.services import browse
from chapter_manager.services.browse import PeopleQuery, PersonTableRow
from ui.frame import tasks
from ui.frame.context import AppContext
from ui.frame.errors import show_error
from ui.frame.flows import DeleteTexts, delete_with_undo
from ui.frame.viewstate import ViewState, restore_view, save_view
from ui.widgets.forms import EnumCombo, fmt_date, fmt_int
from ui.widgets.page import Page
from ui.widgets.tablemodel import ID_ROLE, ROW_ROLE, Column, IdTableModel

from .person_editor import PersonDialog

NOT_A_MEMBER = "-"  # the status filter's item data for "not a member"

# Column widths in characters of the average width (the last column stretches).
WIDTHS = {"name": 23, "status": 12, "role": 11, "affiliation": 10, "programme": 18, "email": 23,
          "student_id": 11}


class PeopleModel(IdTableModel[PersonTableRow]):
    """The people of the current chapter that match ``search`` and the filters, by id.

    A relevance search (at most ``SEARCH_LIMIT`` ids, a few milliseconds) is queried on
    the spot, so each keystroke shows its result at once.  Every other id list (everyone
    in some order: a few hundred milliseconds at 100,000 people) is read on a worker
    thread by :meth:`start_reload`; ``loading`` is True meanwhile, the rows shown stay
    as they were, and a newer request makes an older one's result be dropped.
    """

    loaded = Signal()
    failed = Signal(object)

    def __init__(self, ctx: AppContext, parent: QObject | None = None):
        super().__init__(self._columns(), parent)
        self.ctx = ctx
        self.loading = False
        self.hold_sorts = False
        self.complete = True  # the last relevance search found every match
        self._complete_for: tuple[int, str] | None = None
        self._labels: dict[LabelledEnum, str] = {}
        self._dates: dict[dt.date, str] = {}
        self._generation = 0
        self.search = ""
        self.members_only = True
        self.status: MembershipStatus | None = None
        self.non_members = False
        self.affiliation: Affiliation | None = None
        self.officers_only = False
        #: a header was clicked: that order wins over "relevance" while searching
        self.sorted_by_user = False
        self.order = "name"
        self.sort_column = 0

    def _columns(self) -> list[Column[PersonTableRow]]:
        def status(r: PersonTableRow) -> str:
            return self._label(r.membership_status) if r.membership_status is not None else ""

        def name_tip(r: PersonTableRow) -> str:
            return self.tr("Asked not to be named in public lists") if r.do_not_disclose else ""

        def status_tip(r: PersonTableRow) -> str:
            return "" if r.membership_status is not None else self.tr("Not a member")

        return [
            Column("name", self.tr("Name"), lambda r: r.display_name, "name", tooltip=name_tip),
            Column("status", self.tr("Status"), status, "status", tooltip=status_tip),
            Column("role", self.tr("Role"), lambda r: r.role),
            Column("affiliation", self.tr("Affiliation"), lambda r: self._label(r.affiliation), "affiliation"),
            Column("programme", self.tr("Programme"), lambda r: r.programme, "programme",
                   tooltip=lambda r: r.department),
            Column("email", self.tr("Email"), lambda r: r.email or "", "email",
                   tooltip=lambda r: r.phone or ""),
            Column("student_id", self.tr("Student id"), lambda r: r.student_id or "", "student_id"),
            Column("joined", self.tr("Joined"), lambda r: self._date(r.joined_on), "joined"),
        ]

    # ------------------------------------------------------------------ showing
    # Qt asks data() for a dozen roles of every visible cell at each repaint: answer the
    # roles nobody shows at once, and keep translated labels and formatted dates.
    _ROLES = frozenset(int(r) for r in (
        Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole, Qt.ItemDataRole.TextAlignmentRole,
        Qt.ItemDataRole.AccessibleTextRole, ID_ROLE, ROW_ROLE,
    ))
    _DISPLAY = int(Qt.ItemDataRole.DisplayRole)

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole):
        role = int(role)
        if role not in self._ROLES:
            return None
        if role == self._DISPLAY:
            row = self.row_at(index.row())
            column = index.column()
            if row is None or not 0 <= column < len(self.columns):
                return None
            return self.columns[column].text(row)
        return super().data(index, role)

    def _label(self, member: LabelledEnum) -> str:
        text = self._labels.get(member)
        if text is None:
            text = self._labels[member] = member.label
        return text

    def _date(self, day: dt.date | None) -> str:
        if day is None:
            return ""
        text = self._dates.get(day)
        if text is None:
            if len(self._dates) > 4096:
                self._dates.clear()
            text = self._dates[day] = fmt_date(day)
        return text

    # ------------------------------------------------------------------ query
    @property
    def searching(self) -> bool:
        return bool(self.search.strip())

    @property
    def relevance(self) -> bool:
        """Whether the rows are best matches first (searching, no header clicked)."""
        return self.searching and not self.sorted_by_user

    @property
    def filtered(self) -> bool:
        return (self.status is not None or self.non_members or self.affiliation is not None
                or self.officers_only)

    def query(self) -> PeopleQuery:
        return PeopleQuery(
            search=self.search,
            members_only=self.members_only and self.status is None and not self.non_members,
            status=self.status,
            affiliation=self.affiliation,
            officers_only=self.officers_only,
            order="relevance" if self.relevance else (self.order or "name"),
            descending=False if self.relevance else self.descending,
            non_members=self.non_members,
        )

    def query_ids(self) -> Sequence[int]:
        if self.ctx.chapter_id is None:
            return array("q")
        return browse.person_ids(self.ctx.db, self.ctx.chapter_id, self.query())

    def quick(self, query: PeopleQuery) -> bool:
        """Whether ``query`` is answered fast enough to run on the GUI thread."""
        return bool(query.search.strip()) and query.order == "relevance"

    def start_reload(self, on_done: Callable[[], None] | None = None, *, layout: bool = False,
                     before: Callable[[], None] | None = None) -> None:
        """Query the ids again (at once when quick, else off the GUI thread), then ``on_done``.

        ``layout``: keep the view's state as for a sort (layoutChanged) instead of a reset.
        ``before`` runs just before the new ids replace the old ones (to note what the
        view shows then, not when the query started).
        """
        self._generation += 1
        generation = self._generation
        query = self.query()
        chapter_id = self.ctx.chapter_id
        if chapter_id is None or self.quick(query):
            try:
                ids = array("q") if chapter_id is None else browse.person_ids(self.ctx.db, chapter_id, query)
                self.complete = chapter_id is None or self._complete(chapter_id, query, len(ids))
            except ChapterError as error:
                self.loading = False
                self.failed.emit(error)
                return
            self._apply(ids, layout, on_done, before)
            return
        db = self.ctx.db
        self.loading = True

        def done(ids: Sequence[int]) -> None:
            if generation == self._generation:
                self._apply(ids, layout, on_done, before)

        def failed(error: BaseException) -> None:
            if generation == self._generation:
                self.loading = False
                self.failed.emit(error)

        tasks.load_in_background(self, lambda: browse.person_ids(db, chapter_id, query), done, failed)

    def _complete(self, chapter_id: int, query: PeopleQuery, found: int) -> bool:
        """Whether a relevance search found every match (else the count says "best matches").

        Typing on narrows a search, so once a text is known to find everything, so does
        every text that starts with it: no need to ask again.
        """
        if found >= browse.SEARCH_LIMIT:
            return False
        text = query.search.strip().casefold()
        known = self._complete_for
        if known is not None and known[0] == chapter_id and text.startswith(known[1]):
            return True
        complete = browse.relevance_complete(self.ctx.db, chapter_id, query.search)
        if complete:
            self._complete_for = (chapter_id, text)
        return complete

    def forget(self) -> None:
        """The data changed: what was known about searches may no longer hold."""
        self._complete_for = None

    def _apply(self, ids: Sequence[int], layout: bool, on_done: Callable[[], None] | None,
               before: Callable[[], None] | None = None) -> None:
        if before is not None:
            before()
        self.loading = False
        self._labels.clear()  # the language may have changed
        if layout:
            self.layoutAboutToBeChanged.emit()
            self._ids = ids
            self._pages.clear()
            persistent = self.persistentIndexList()
            self.changePersistentIndexList(persistent, [QModelIndex()] * len(persistent))
            self.layoutChanged.emit()
        else:
            self.beginResetModel()
            self._ids = ids
            self._pages.clear()
            self.endResetModel()
        if on_done is not None:
            on_done()
        self.loaded.emit()

    def reload(self) -> None:
        """Query the ids again, on the spot (see :meth:`start_reload` for the usual way)."""
        self._generation += 1
        self.loading = False
        super().reload()

    def fetch_rows(self, ids: Sequence[int]) -> dict[int, PersonTableRow]:
        return browse.person_rows(self.ctx.db, ids)

    def hit_limit(self) -> bool:
        """A relevance search may have left matches out (it shows the best ones only)."""
        return self.relevance and (len(self.ids()) >= browse.SEARCH_LIMIT or not self.complete)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """A header was clicked: re-query in that column's order (off the GUI thread)."""
        if not 0 <= column < len(self.columns) or self.columns[column].order is None:
            return
        if self.hold_sorts:
            return
        descending = order == Qt.SortOrder.DescendingOrder
        if self.sorted_by_user and self.sort_column == column and self.descending == descending:
            return  # Qt asks twice for one click (the view, then the header's indicator)
        self.sorted_by_user = True
        self.sort_column = column
        self.order = self.columns[column].order
        self.descending = order == Qt.SortOrder.DescendingOrder
        self.start_reload(layout=True)

    def name_order(self) -> None:
        """Back to the default: by name, A to Z (no header clicked)."""
        self.sorted_by_user = False
        self.order = "name"
        self.descending = False
        self.sort_column = 0

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.InitialSortOrderRole and orientation == Qt.Orientation.Horizontal:
            return Qt.SortOrder.AscendingOrder
        if role == Qt.ItemDataRole.ToolTipRole and orientation == Qt.Orientation.Horizontal:
            if 0 <= section < len(self.columns) and self.columns[section].order is not None:
                return self.tr("Click to sort by this column; click again to reverse")
            return None
        return super().headerData(section, orientation, role)


class MembersPage(Page):
    watches = ("people", "pledges", "events")

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        self.editor: PersonDialog | None = None
        self._quiet = False
        self._busy = False
        self._refresh_pending = False
        self.model = PeopleModel(ctx, self)

        # ---- search and actions
        self.search = QLineEdit()
        self.search.setClearButtonEnabled(True)
        self.search.setPlaceholderText(self.tr("Search by name, email or student id  (Ctrl+F)"))
        self.search.setAccessibleName(self.tr("Search people"))
        self.search.textChanged.connect(self._search_changed)
        for button in self.search.findChildren(QToolButton):  # the clear button
            button.setAccessibleName(self.tr("Clear the search"))
        self.search.installEventFilter(self)

        self.new_button = QPushButton(self.tr("&New person…"))
        self.new_button.setToolTip(self.tr("Add a person (Ctrl+N)"))
        self.new_button.clicked.connect(self.new_item)
        self.status_button = QPushButton(self.tr("Set stat&us"))
        self.status_button.setAccessibleName(self.tr("Set the membership status of the selected people"))
        self.status_button.setToolTip(self.tr("Give the selected people a membership status"))
        self.status_menu = self._status_menu()
        self.status_button.setMenu(self.status_menu)
        self.delete_button = QPushButton(self.tr("&Delete…"))
        self.delete_button.setToolTip(self.tr("Delete the selected people (Delete)"))
        self.delete_button.clicked.connect(self.delete_selected)

        self.top_bar = QWidget()
        top = QHBoxLayout(self.top_bar)
        top.setContentsMargins(0, 0, 0, 0)
        top.addWidget(self.search, 1)
        top.addWidget(self.new_button)
        top.addWidget(self.status_button)
        top.addWidget(self.delete_button)

        # ---- filters
        self.status_filter = QComboBox()
        self.status_filter.addItem(self.tr("Any status"), None)
        for status in MembershipStatus:
            self.status_filter.addItem(status.label, status.value)
        self.status_filter.addItem(self.tr("Not a member"), NOT_A_MEMBER)
        self.status_filter.setAccessibleName(self.tr("Membership status"))
        status_label = QLabel(self.tr("S&tatus:"))
        status_label.setBuddy(self.status_filter)
        self.affiliation_filter = EnumCombo(Affiliation, none_text=self.tr("Any affiliation"))
        self.affiliation_filter.setAccessibleName(self.tr("Affiliation"))
        affiliation_label = QLabel(self.tr("&Affiliation:"))
        affiliation_label.setBuddy(self.affiliation_filter)
        self.members_only = QCheckBox(self.tr("&Members only"))
        self.members_only.setChecked(True)
        self.members_only.setToolTip(self.tr("Untick to see everyone the chapter knows: pledgers, "
                                             "people who came to an event, past contacts"))
        self.officers_only = QCheckBox(self.tr("&Officers only"))
        self.officers_only.setToolTip(self.tr("Only people holding an officer role today"))
        self.count_label = QLabel()
        self.count_label.setAccessibleName(self.tr("Number of people shown"))
        self.count_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        for widget in (self.status_filter, self.affiliation_filter):
            widget.currentIndexChanged.connect(self._filters_changed)
        for box in (self.members_only, self.officers_only):
            box.toggled.connect(self._filters_changed)

        filters = QHBoxLayout()
        filters.addWidget(status_label)
        filters.addWidget(self.status_filter)
        filters.addSpacing(12)
        filters.addWidget(affiliation_label)
        filters.addWidget(self.affiliation_filter)
        filters.addSpacing(12)
        filters.addWidget(self.members_only)
        filters.addWidget(self.officers_only)
        filters.addStretch(1)
        filters.addWidget(self.count_label)

        # ---- table
        self.table = QTableView()
        self.table.setObjectName("peopleTable")
        self.table.setAccessibleName(self.tr("People"))
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        self.table.setTabKeyNavigation(False)
        self.table.verticalHeader().hide()
        rows = self.table.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setDefaultSectionSize(self.fontMetrics().height() + 8)
        header = self.table.horizontalHeader()
        header.setStretchLastSection(True)
        header.setHighlightSections(False)
        header.setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        self.model.hold_sorts = True  # setSortingEnabled sorts once: that was not the user
        self.table.setSortingEnabled(True)
        self.model.hold_sorts = False
        self.model.name_order()
        header.sortIndicatorChanged.connect(self._sort_indicator_changed)
        self._user_sized = False
        self._sizing = False
        header.sectionResized.connect(self._section_resized)
        self.table.viewport().installEventFilter(self)
        self.model.failed.connect(self._load_failed)
        self.model.loaded.connect(self._loaded)
        self.table.activated.connect(self._activated)
        self.table.selectionModel().selectionChanged.connect(self._update_actions)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._context_menu)

        self.empty = QLabel()
        self.empty.setObjectName("emptyState")
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setAccessibleName(self.tr("No people to show"))
        self.empty.setMargin(24)
        font = self.empty.font()
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.empty.setFont(font)
        self.empty_button = QPushButton(self.tr("Add the first person…"))
        self.empty_button.clicked.connect(self.new_item)
        self.empty_page = QWidget()
        empty_layout = QVBoxLayout(self.empty_page)
        empty_layout.addStretch(1)
        empty_layout.addWidget(self.empty)
        empty_layout.addWidget(self.empty_button, 0, Qt.AlignmentFlag.AlignHCenter)
        empty_layout.addStretch(2)
        self.stack = QStackedWidget()
        self.stack.addWidget(self.table)
        self.stack.addWidget(self.empty_page)

        self.filters_bar = QWidget()
        self.filters_bar.setLayout(filters)
        filters.setContentsMargins(0, 0, 0, 0)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 12, 12, 12)
        layout.addWidget(self.top_bar)
        layout.addWidget(self.filters_bar)
        layout.addWidget(self.stack, 1)

        self.setTabOrder(self.search, self.table)
        self.setTabOrder(self.table, self.new_button)
        self.setTabOrder(self.new_button, self.status_button)
        self.setTabOrder(self.status_button, self.delete_button)
        self.setTabOrder(self.delete_button, self.status_filter)
        self.setTabOrder(self.status_filter, self.affiliation_filter)
        self.setTabOrder(self.affiliation_filter, self.members_only)
        self.setTabOrder(self.members_only, self.officers_only)
        self._update_actions()

    def _status_menu(self) -> QMenu:
        menu = QMenu(self)
        menu.setAccessibleName(self.tr("Membership status"))
        for status in MembershipStatus:
            action = menu.addAction(status.label)
            action.triggered.connect(lambda _checked=False, s=status: self.set_status(s))
        return menu

    def _size_columns(self) -> None:
        """Share the table's width among the columns (until the user resizes one by hand).

        Widths come from typical contents (``WIDTHS``), never from measuring 100,000 rows.
        """
        if self._user_sized:
            return
        char = self.fontMetrics().averageCharWidth()
        wanted = {key: chars * char + 16 for key, chars in WIDTHS.items()}
        # The last column (Joined) stretches: leave it room for a date and its title.
        last = self.model.columns[-1].title
        header = self.table.horizontalHeader()
        joined = max(11 * char, self.fontMetrics().horizontalAdvance(last) + 24, header.defaultSectionSize())
        room = self.table.viewport().width() - joined - 4
        scale = min(2.0, max(0.8, room / sum(wanted.values())))
        self._sizing = True
        try:
            for index, column in enumerate(self.model.columns):
                if column.key in wanted:
                    self.table.setColumnWidth(index, int(wanted[column.key] * scale))
        finally:
            self._sizing = False

    @Slot(int, int, int)
    def _section_resized(self, index: int, _old: int, _new: int) -> None:
        # The last column stretches by itself; any other change not made here is the user's.
        if not self._sizing and index != self.model.columnCount() - 1:
            self._user_sized = True

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        table = getattr(self, "table", None)  # events may come while the page is being built
        if table is not None and watched is table.viewport() and event.type() == QEvent.Type.Resize:
            self._size_columns()
        return self._search_keys(watched, event) or super().eventFilter(watched, event)

    # ------------------------------------------------------------------ Page
    def supports(self, action: str) -> bool:
        return action in ("new", "find", "delete")

    _warmed = False

    def refresh(self) -> None:
        # Several kinds of change often come together (a delete: people, pledges, events):
        # reload once, when they have all arrived.
        if self._quiet or self._refresh_pending:
            return
        self._refresh_pending = True
        QTimer.singleShot(0, self._refresh_now)

    @Slot()
    def _refresh_now(self) -> None:
        if self._refresh_pending:  # else a reload since has done it
            self.model.forget()
            self._reload(keep_current=True, keep_view=True)
            self._warm_search()

    def _warm_search(self) -> None:
        """Run one search on a worker when the screen is first shown, so the first key
        typed does not pay for cold caches (statements compiled, index pages read)."""
        if self._warmed or self.ctx.chapter_id is None:
            return
        self._warmed = True
        db, chapter_id = self.ctx.db, self.ctx.chapter_id

        def warm() -> None:
            # Every first letter: the name and search indexes come into the page cache of
            # the connection the next search will use (the pool hands out the last one).
            for text in "abcdefghijklmnopqrstuvwxyz":
                query = PeopleQuery(search=text, members_only=True, order="relevance")
                browse.person_rows(db, list(browse.person_ids(db, chapter_id, query))[:64])
            browse.relevance_complete(db, chapter_id, "a")

        tasks.load_in_background(self, warm, lambda _result: None, lambda _error: None)

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def new_item(self) -> None:
        if self.ctx.chapter_id is None:
            return
        self.open_person(None)

    # ------------------------------------------------------------------ loading
    def _reload(self, keep_current: bool = False, select_id: int | None = None,
                then: Callable[[], None] | None = None, keep_view: bool = False) -> None:
        """Query the rows again; keep (or select) a person, then run ``then``.

        ``keep_view``: the data changed, not the question: keep the selected people, the
        current one and the person at the top of the view where they are.
        """
        self._refresh_pending = False
        keep = select_id if select_id is not None else (self.current_id() if keep_current else None)
        scroll = self.table.verticalScrollBar().value()
        saved: list[ViewState] = []

        def loaded() -> None:
            if saved:
                restore_view(self.table, saved[0])
            elif (keep is None or not self.select_person(keep)) and keep_current:
                self.table.verticalScrollBar().setValue(scroll)
            self._update_actions()
            if then is not None:
                then()

        before = (lambda: saved.append(save_view(self.table))) if keep_view else None
        self.model.start_reload(loaded, before=before)
        if self.model.loading:
            self.count_label.setText(self.tr("Loading…"))

    @Slot(object)
    def _load_failed(self, error: BaseException) -> None:
        from ui.frame.errors import describe

        self.count_label.setText("")
        self.empty.setText(describe(error))
        self.empty_button.hide()
        self.stack.setCurrentWidget(self.empty_page)

    def _show_count(self) -> None:
        n = self.model.rowCount()
        if self.model.hit_limit():
            if n == 1:
                text = self.tr("The best match — type more to narrow")
            else:
                text = self.tr("{n} best matches — type more to narrow").format(n=fmt_int(n))
        elif n == 1:
            text = self.tr("1 person")
        else:
            text = self.tr("{n} people").format(n=fmt_int(n))
        self.count_label.setText(text)
        nobody = False
        if n:
            self.stack.setCurrentWidget(self.table)
        else:
            text, nobody = self._empty_text()
            self.empty.setText(text)
            self.stack.setCurrentWidget(self.empty_page)
        # With nobody in the chapter there is nothing to search, filter, change or delete.
        self.empty_button.setVisible(nobody and self.ctx.chapter_id is not None)
        for widget in (self.top_bar, self.filters_bar):
            widget.setVisible(not nobody)

    def _empty_text(self) -> tuple[str, bool]:
        """What the table area says when no row is shown, and whether the chapter has nobody."""
        from chapter_manager.services.people import count_people

        if self.ctx.chapter_id is None:
            return self.tr("There is no chapter yet. Create one with File ▸ New chapter…"), True
        if not self.model.searching and count_people(self.ctx.db, self.ctx.chapter_id) == 0:
            return self.tr("No one is in this chapter yet.\nAdd the first person with the button below "
                           "(or Ctrl+N), or try the app with File ▸ Add a demo chapter…"), True
        if self.model.searching:
            text = self.tr("Nobody matches “{text}”.").format(text=self.model.search.strip())
        else:
            text = self.tr("Nobody matches these filters.")
        if self.model.members_only and not self.model.filtered:
            text += "\n" + self.tr("Untick “Members only” to look among everyone the chapter knows.")
        return text, False

    # ------------------------------------------------------------------ search and filters
    @Slot(str)
    def _search_changed(self, text: str) -> None:
        self.model.search = text
        if not text.strip() and not self.model.sorted_by_user:
            self.model.name_order()
        self._reload()
        self._sync_indicator()
        if text.strip() and self.model.rowCount():
            self.table.scrollToTop()

    @Slot()
    def _filters_changed(self) -> None:
        data = self.status_filter.currentData()
        self.model.non_members = data == NOT_A_MEMBER
        self.model.status = MembershipStatus(data) if data not in (None, NOT_A_MEMBER) else None
        # A status (or "not a member") says already whether they are members.
        self.members_only.setEnabled(data is None)
        self.model.members_only = self.members_only.isChecked()
        self.model.affiliation = self.affiliation_filter.value()
        self.model.officers_only = self.officers_only.isChecked()
        self._reload(keep_current=True)

    def _sync_indicator(self) -> None:
        """Show the order in the header: none while best matches come first."""
        header = self.table.horizontalHeader()
        header.blockSignals(True)
        try:
            if self.model.relevance:
                header.setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
            else:
                order = Qt.SortOrder.DescendingOrder if self.model.descending else Qt.SortOrder.AscendingOrder
                header.setSortIndicator(self.model.sort_column, order)
        finally:
            header.blockSignals(False)
        header.viewport().update()

    @Slot(int, Qt.SortOrder)
    def _sort_indicator_changed(self, column: int, _order: Qt.SortOrder) -> None:
        # The view has asked the model to sort (unsortable columns are left as they were).
        if not 0 <= column < len(self.model.columns) or self.model.columns[column].order is None:
            QTimer.singleShot(0, self._sync_indicator)
        elif self.model.loading:
            self.count_label.setText(self.tr("Loading…"))

    @Slot()
    def _loaded(self) -> None:
        self._show_count()
        self._update_actions()

    def _search_keys(self, watched: QObject, event: QEvent) -> bool:
        """Down or Enter in the search field go to the table (selecting the first match)."""
        if watched is self.search and event.type() == QEvent.Type.KeyPress:
            key = event.key() if isinstance(event, QKeyEvent) else None
            if key in (Qt.Key.Key_Down, Qt.Key.Key_Return, Qt.Key.Key_Enter) and self.model.rowCount():
                self.table.setFocus(Qt.FocusReason.OtherFocusReason)
                if not self.table.selectionModel().hasSelection():
                    self.table.selectRow(0)
                return True
        return False

    # ------------------------------------------------------------------ selection
    def current_id(self) -> int | None:
        index = self.table.currentIndex()
        return self.model.id_at(index.row()) if index.isValid() else None

    def selected_rows(self) -> list[int]:
        return sorted(index.row() for index in self.table.selectionModel().selectedRows())

    def selected_ids(self) -> list[int]:
        ids = (self.model.id_at(row) for row in self.selected_rows())
        return [i for i in ids if i is not None]

    def select_person(self, person_id: int) -> bool:
        row = self.model.row_of(person_id)
        if row is None:
            return False
        self.table.selectRow(row)
        self.table.scrollTo(self.model.index(row, 0), QAbstractItemView.ScrollHint.EnsureVisible)
        return True

    @Slot()
    def _update_actions(self) -> None:
        have = self.table.selectionModel().hasSelection() and not self._busy
        self.status_button.setEnabled(have)
        self.delete_button.setEnabled(have)
        self.new_button.setEnabled(self.ctx.chapter_id is not None)

    def _names(self, rows: list[int]) -> str:
        first = self.model.row_at(rows[0])
        return first.display_name if first is not None else ""

    # ------------------------------------------------------------------ editor
    @Slot(QModelIndex)
    def _activated(self, index: QModelIndex) -> None:
        person_id = self.model.id_at(index.row())
        if person_id is not None:
            self.open_person(person_id)

    def open_person(self, person_id: int | None) -> PersonDialog | None:
        """Open the editor on a person (None: a new one) without blocking; returns the dialog."""
        if self.editor is not None:
            self.editor.raise_()
            self.editor.activateWindow()
            return self.editor
        # A new person starts as what the filter shows, so that they appear in the list.
        status = self.model.status
        if person_id is None and status is None and not self.model.non_members:
            status = MembershipStatus.ACTIVE
        try:
            dialog = PersonDialog(self.ctx, person_id, self, default_status=status)
        except ChapterError as error:
            show_error(self, error)
            return None
        self.editor = dialog
        dialog.finished.connect(self._editor_finished)
        dialog.open()
        return dialog

    @Slot(int)
    def _editor_finished(self, result: int) -> None:
        dialog = self.editor
        self.editor = None
        if dialog is None:
            return
        dialog.deleteLater()
        if result == PersonDialog.OPEN_EXISTING and dialog.open_existing_id is not None:
            existing = dialog.open_existing_id
            QTimer.singleShot(0, lambda: self.open_person(existing))
            return
        # Saved: with Save, or before "Add term…" (then even a later Cancel leaves them saved).
        if dialog.person_id is not None and (result == QDialog.DialogCode.Accepted or dialog.saved_name):
            person_id, name = dialog.person_id, dialog.saved_name

            def shown() -> None:
                if self.model.row_of(person_id) is None:
                    text = self.tr("Saved {name}; the search or filters hide them here.")
                else:
                    text = self.tr("Saved {name}.")
                self.ctx.status_message.emit(text.format(name=name))

            self._reload(select_id=person_id, then=shown)
        self.table.setFocus()

    # ------------------------------------------------------------------ bulk status
    def _context_menu(self, pos) -> None:  # type: ignore[no-untyped-def]
        """Right click, or the Menu key: the row actions, and sorting for keyboard users."""
        menu = QMenu(self)
        if self.table.selectionModel().hasSelection():
            open_action = QAction(self.tr("&Open"), menu)
            open_action.triggered.connect(lambda: self._activated(self.table.currentIndex()))
            menu.addAction(open_action)
            status = menu.addMenu(self.tr("Set stat&us"))
            for member in MembershipStatus:
                action = status.addAction(member.label)
                action.triggered.connect(lambda _checked=False, s=member: self.set_status(s))
            delete = QAction(self.tr("&Delete…"), menu)
            delete.triggered.connect(self.delete_selected)
            menu.addAction(delete)
            menu.addSeparator()
        menu.addMenu(self._sort_menu(menu))
        menu.exec(self.table.viewport().mapToGlobal(pos))

    def _sort_menu(self, parent: QMenu) -> QMenu:
        menu = QMenu(self.tr("&Sort by"), parent)
        current = -1 if self.model.relevance else self.model.sort_column
        for index, column in enumerate(self.model.columns):
            if column.order is None:
                continue
            action = menu.addAction(column.title)
            action.setCheckable(True)
            action.setChecked(index == current)
            action.triggered.connect(lambda _checked=False, i=index: self.sort_by(i))
        return menu

    def sort_by(self, column: int) -> None:
        """Sort by a column as a header click does (again on the same column: reversed)."""
        header = self.table.horizontalHeader()
        same = not self.model.relevance and column == self.model.sort_column
        descending = same and not self.model.descending
        order = Qt.SortOrder.DescendingOrder if descending else Qt.SortOrder.AscendingOrder
        header.setSortIndicator(column, order)  # the view asks the model to sort

    def set_status(self, status: MembershipStatus) -> tasks.Task | None:
        """Give every selected person ``status`` (they become members if they were not)."""
        ids = self.selected_ids()
        if not ids or self._busy:
            return None
        db, ctx = self.ctx.db, self.ctx
        from chapter_manager.services.members import restore_statuses, set_statuses

        def done(before: dict) -> None:  # type: ignore[type-arg]
            self._finished_work()
            self._changed("people", keep_current=True)
            count = len(before)
            if count == 1:
                text = self.tr("1 person set to {status}.")
            else:
                text = self.tr("{n} people set to {status}.")
            ctx.status_message.emit(text.format(n=fmt_int(count), status=status.label)
                                    + " " + self.tr("Edit ▸ Undo takes it back."))

            ctx.push_undo(self.tr("status change of {n} people").format(n=fmt_int(count))
                          if count != 1 else self.tr("status change"),
                          lambda: restore_statuses(db, before), lambda _r: ctx.changed("people"))

        return self._run(self.tr("Setting the membership status"),
                         lambda _p, _c: set_statuses(db, ids, status), done)

    # ------------------------------------------------------------------ delete
    def confirm(self, title: str, text: str) -> bool:
        """Ask before deleting (tests replace this)."""
        box = QMessageBox(QMessageBox.Icon.Warning, title, text,
                          QMessageBox.StandardButton.Cancel, self)
        delete = box.addButton(self.tr("Delete"), QMessageBox.ButtonRole.DestructiveRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setAccessibleName(title)
        box.exec()
        return box.clickedButton() is delete

    def delete_selected(self) -> tasks.Task | None:
        rows = self.selected_rows()
        ids = self.selected_ids()
        if not ids or self._busy:
            return None
        if len(ids) == 1:
            name = self._names(rows)
            what = name
            question = self.tr("Delete {name}?").format(name=name)
            undo_text = self.tr("delete of {name}").format(name=name)
        else:
            what = self.tr("{n} people").format(n=fmt_int(len(ids)))
            question = self.tr("Delete {n} people?").format(n=fmt_int(len(ids)))
            undo_text = self.tr("delete of {n} people").format(n=fmt_int(len(ids)))
        text = question + "\n\n" + self.tr(
            "Their pledges and event attendance are deleted with them. You can bring everything "
            "back with Edit ▸ Undo (Ctrl+Z) until you close the chapter.")
        from chapter_manager.services import undo

        texts = DeleteTexts(self.tr("Delete people"), text, self.tr("Deleting people"), undo_text,
                            self.tr("Deleted {what}. Edit ▸ Undo brings them back.").format(what=what))
        next_row = rows[0]

        def select_next() -> None:
            if self.model.rowCount():
                self.table.selectRow(min(next_row, self.model.rowCount() - 1))

        self._busy = True
        self._update_actions()
        task = delete_with_undo(  # this screen reloads once for the three kinds of change
            self, ids, texts, undo.delete_people, ("people", "pledges", "events"),
            announce=lambda kinds: self._changed(*kinds, then=select_next), on_finished=self._finished_work)
        if task is None:
            self._finished_work()
        return task

    # ------------------------------------------------------------------ machinery
    def _run(self, title: str, fn, done) -> tasks.Task:  # type: ignore[no-untyped-def]
        self._busy = True
        self._update_actions()
        return tasks.run_task(self, title, fn, on_done=done, on_error=self._failed,
                              on_cancelled=self._finished_work, cancellable=False)

    def _finished_work(self) -> None:
        self._busy = False
        self._update_actions()

    def _failed(self, error: BaseException) -> None:
        self._finished_work()
        show_error(self, error)
        self._reload(keep_current=True)

    @contextmanager
    def _batch(self):  # type: ignore[no-untyped-def]
        """Tell the other screens about several kinds of change, reloading this one once."""
        self._quiet = True
        try:
            yield
        finally:
            self._quiet = False

    def _changed(self, *kinds: str, keep_current: bool = False, then: Callable[[], None] | None = None) -> None:
        with self._batch():
            for kind in kinds:
                self.ctx.changed(kind)
        self._reload(keep_current=keep_current, then=then)


__all__ = ["MembersPage", "PeopleModel"]
