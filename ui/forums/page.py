"""The Forums screen: the chapter's forum sessions, and what came out of the one selected.

A chapter holds tens of sessions, so the table is a ``RowsTableModel`` of ``ForumRow``
read in one query; the search box filters those rows (accent- and case-insensitively,
by title, event and format).  Below the table, the selected session's summary,
takeaways, action items and testimonies; ticking an action item there marks it done at
once (``forums.set_action_item_done``).  Enter opens the editor (``ForumDialog``).
"""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, Qt, QTimer, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from chapter_manager.errors import ChapterError, NotFound
from chapter_manager.services import forums
from chapter_manager.text import fold, matches
from ui.frame import tasks
from ui.frame.context import AppContext
from ui.frame.flows import DeleteTexts, delete_with_undo
from ui.frame.viewstate import restore_view, save_view
from ui.widgets.forms import fmt_date, fmt_int
from ui.widgets.page import Page
from ui.widgets.tablemodel import Column, RowsTableModel

from .editor import ForumDialog, participants_text

ITEM_ROLE = Qt.ItemDataRole.UserRole + 30


class ForumsModel(RowsTableModel):
    """Forum sessions: date, title, format, event, participants, open action items, testimonies."""

    def __init__(self, parent=None):  # type: ignore[no-untyped-def]
        right = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        columns = [
            Column("held_on", self.tr("Date"), lambda r: fmt_date(r.held_on), sort_value=lambda r: r.held_on),
            Column("topic", self.tr("Topic"), lambda r: r.topic, sort_value=lambda r: fold(r.topic),
                   tooltip=lambda r: r.topic),
            Column("format", self.tr("Format"), lambda r: r.format.label),
            Column("event", self.tr("Event"), lambda r: r.event_title or "",
                   sort_value=lambda r: fold(r.event_title) if r.event_title else None,
                   tooltip=lambda r: r.event_title or self.tr("Held on its own")),
            Column("participants", self.tr("Participants"), self._participants,
                   sort_value=lambda r: r.participants_total),
            Column("open_actions", self.tr("Open action items"), lambda r: fmt_int(r.open_action_count),
                   align=right, sort_value=lambda r: r.open_action_count),
            Column("testimonies", self.tr("Testimonies"), lambda r: fmt_int(r.testimony_count),
                   align=right, sort_value=lambda r: r.testimony_count),
        ]
        super().__init__(columns, lambda r: r.id, parent)

    def _participants(self, row: forums.ForumRow) -> str:
        text = participants_text(row.participants_total, row.participants_women,
                                 row.participants_men, row.participants_other)
        return text or self.tr("not counted")


class ForumDetail(QScrollArea):
    """What came out of one session; action items can be ticked done here."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.view: forums.ForumView | None = None
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        inner = QWidget()
        layout = QVBoxLayout(inner)
        layout.setContentsMargins(12, 10, 12, 10)
        self.heading = QLabel()
        font = self.heading.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.15)
        self.heading.setFont(font)
        self.heading.setWordWrap(True)
        self.heading.setAccessibleName(self.tr("Selected forum session"))
        self.facts = QLabel()
        self.facts.setWordWrap(True)
        self.facts.setAccessibleName(self.tr("About the session"))
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.summary.setAccessibleName(self.tr("Summary"))
        self.takeaways = QLabel()
        self.takeaways.setWordWrap(True)
        self.takeaways.setTextFormat(Qt.TextFormat.PlainText)
        self.takeaways.setAccessibleName(self.tr("Takeaways"))
        self.actions_title = QLabel()
        self.action_list = QListWidget()
        self.action_list.setAccessibleName(self.tr("Action items (tick when done)"))
        self.action_list.setWordWrap(True)
        self.action_list.itemChanged.connect(self._item_changed)
        self.testimonies = QLabel()
        self.testimonies.setWordWrap(True)
        self.testimonies.setTextFormat(Qt.TextFormat.PlainText)
        self.testimonies.setAccessibleName(self.tr("Testimonies"))
        self.takeaways_title = QLabel()
        self.testimonies_title = QLabel()
        for title in (self.takeaways_title, self.actions_title, self.testimonies_title):
            bold = title.font()
            bold.setBold(True)
            title.setFont(bold)
        self.actions_title.setBuddy(self.action_list)
        for widget in (self.heading, self.facts, self.summary, self.takeaways_title, self.takeaways,
                       self.actions_title, self.action_list, self.testimonies_title, self.testimonies):
            layout.addWidget(widget)
        layout.addStretch(1)
        self.setWidget(inner)
        self.show_nothing()

    def show_nothing(self) -> None:
        self.view = None
        self.heading.setText(self.tr("Select a forum session to see what came out of it."))
        for widget in (self.facts, self.summary, self.takeaways_title, self.takeaways, self.actions_title,
                       self.action_list, self.testimonies_title, self.testimonies):
            widget.hide()

    def show_forum(self, view: forums.ForumView) -> None:
        if view == self.view:
            return
        self.view = view
        self.heading.setText(view.topic)
        facts = [fmt_date(view.held_on, long=True), view.format.label]
        if view.event_title:
            facts.append(self.tr("at “{event}”").format(event=view.event_title))
        people = participants_text(view.participants_total, view.participants_women,
                                   view.participants_men, view.participants_other)
        if people:
            facts.append(self.tr("{people} participants").format(people=people))
        if view.facilitators:
            facts.append(self.tr("facilitated by {names}").format(
                names=", ".join(f.display_name for f in view.facilitators)))
        self.facts.setText(" · ".join(facts))
        self.summary.setText(view.summary)
        self.takeaways_title.setText(self.tr("Takeaways ({n})").format(n=len(view.takeaways)))
        self.takeaways.setText("\n".join(f"• {t}" for t in view.takeaways) or self.tr("None recorded."))
        open_count = sum(not a.done for a in view.action_items)
        self.actions_title.setText(self.tr("&Action items: {open} open of {total}").format(
            open=open_count, total=len(view.action_items)))
        self.action_list.blockSignals(True)
        self.action_list.clear()
        for item in view.action_items:
            entry = QListWidgetItem(self._item_text(item))
            entry.setFlags(Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable | Qt.ItemFlag.ItemIsUserCheckable)
            entry.setCheckState(Qt.CheckState.Checked if item.done else Qt.CheckState.Unchecked)
            entry.setData(ITEM_ROLE, item.id)
            self.action_list.addItem(entry)
        self.action_list.blockSignals(False)
        rows = self.action_list.count()
        height = sum(self.action_list.sizeHintForRow(i) for i in range(rows)) + 2 * self.action_list.frameWidth() + 4
        self.action_list.setFixedHeight(max(height, 30))
        self.testimonies_title.setText(self.tr("Testimonies ({n})").format(n=len(view.testimonies)))
        lines = []
        for t in view.testimonies:
            who = t.person_name or self.tr("anonymous")
            consent = self.tr("may be published") if t.consent_to_publish else self.tr("not for publication")
            lines.append(self.tr("“{text}” — {who} ({consent})").format(text=t.text, who=who, consent=consent))
        self.testimonies.setText("\n\n".join(lines) or self.tr("None recorded."))
        self.summary.setVisible(bool(view.summary))
        for widget in (self.facts, self.takeaways_title, self.takeaways, self.actions_title,
                       self.testimonies_title, self.testimonies):
            widget.show()
        self.action_list.setVisible(bool(view.action_items))

    def _item_text(self, item: forums.ActionItemView) -> str:
        parts = [item.description]
        if item.owner_name:
            parts.append(self.tr("responsible: {name}").format(name=item.owner_name))
        if item.due_on is not None:
            parts.append(self.tr("due {date}").format(date=fmt_date(item.due_on)))
        return " — ".join(parts)

    @Slot(QListWidgetItem)
    def _item_changed(self, entry: QListWidgetItem) -> None:
        item_id = entry.data(ITEM_ROLE)
        if item_id is None or self.view is None:
            return
        done = entry.checkState() == Qt.CheckState.Checked
        try:
            db, action_id = self.ctx.db, int(item_id)
            tasks.write_and_wait(self, lambda: forums.set_action_item_done(db, action_id, done))
            # Keep the list as it is (and the keyboard focus in it): remember the new state
            # so the refresh that follows finds nothing to redraw.
            self.view = forums.get_forum(self.ctx.db, self.view.id)
        except ChapterError as error:
            from ui.frame.errors import show_error

            show_error(self, error, self.tr("Could not mark the action item"))
            return
        open_count = sum(not a.done for a in self.view.action_items)
        self.actions_title.setText(self.tr("&Action items: {open} open of {total}").format(
            open=open_count, total=len(self.view.action_items)))
        self.ctx.status_message.emit(
            self.tr("Marked done: {what}").format(what=entry.text()) if done
            else self.tr("Marked not done: {what}").format(what=entry.text()))
        self.ctx.changed("forums")

    def set_done(self, row: int, done: bool) -> None:
        """Tick (or untick) the action item on ``row`` as a user would."""
        self.action_list.item(row).setCheckState(Qt.CheckState.Checked if done else Qt.CheckState.Unchecked)


class ForumsPage(Page):
    """The chapter's forum sessions: a table, and the selected session below it."""

    watches = ("forums", "people", "events")

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        self._rows: list[forums.ForumRow] = []
        self._resetting = False

        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("Search by topic, event or format (Ctrl+F)"))
        self.search.setAccessibleName(self.tr("Search forum sessions"))
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._apply_search)
        self.new_button = QPushButton(self.tr("&New forum"))
        self.new_button.setToolTip(self.tr("Record a forum session (Ctrl+N)"))
        self.new_button.clicked.connect(self.new_item)
        bar = QHBoxLayout()
        bar.addWidget(self.search, 1)
        bar.addWidget(self.new_button)

        self.model = ForumsModel(self)
        self.table = QTableView()
        self.table.setAccessibleName(self.tr("Forum sessions"))
        self.table.setModel(self.model)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.DescendingOrder)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setStretchLastSection(False)
        header.setHighlightSections(False)
        # The topic takes what the others leave, so nothing needs a sideways scroll.
        for column, width in enumerate((85, 0, 125, 160, 195, 120, 95)):
            if column < self.model.columnCount() and width:
                header.resizeSection(column, width)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setMinimumSectionSize(60)
        self.table.activated.connect(self._activated)
        self.table.installEventFilter(self)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)

        self.empty = QLabel()
        self.empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty.setWordWrap(True)
        self.empty.setAccessibleName(self.tr("No forum sessions"))
        self.body = QStackedWidget()
        self.body.addWidget(self.table)
        self.body.addWidget(self.empty)

        self.detail = ForumDetail(ctx)
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.addWidget(self.body)
        self.splitter.addWidget(self.detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.setSizes([380, 260])

        self.count = QLabel()
        self.count.setAccessibleName(self.tr("Number of forum sessions shown"))
        self.open_button = QPushButton(self.tr("&Open…"))
        self.open_button.setToolTip(self.tr("Edit the selected session (Enter)"))
        self.open_button.clicked.connect(self.open_selected)
        self.delete_button = QPushButton(self.tr("&Delete…"))
        self.delete_button.setToolTip(self.tr("Delete the selected sessions (Delete)"))
        self.delete_button.clicked.connect(self.delete_selected)
        below = QHBoxLayout()
        below.addWidget(self.count, 1)
        below.addWidget(self.open_button)
        below.addWidget(self.delete_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.addLayout(bar)
        layout.addWidget(self.splitter, 1)
        layout.addLayout(below)

        QWidget.setTabOrder(self.search, self.new_button)
        QWidget.setTabOrder(self.new_button, self.table)
        QWidget.setTabOrder(self.table, self.detail.action_list)
        QWidget.setTabOrder(self.detail.action_list, self.open_button)
        QWidget.setTabOrder(self.open_button, self.delete_button)
        self._selection_changed()

    # ------------------------------------------------------------------ Page
    def supports(self, action: str) -> bool:
        return action in ("new", "find", "delete")

    def refresh(self) -> None:
        chapter_id = self.ctx.chapter_id
        selected = set(self.selected_ids())
        view = save_view(self.table) if self.model.rowCount() else None
        self._rows = forums.list_forums(self.ctx.db, chapter_id) if chapter_id is not None else []
        self._apply_search(reselect=selected)
        if view is not None:
            restore_view(self.table, view)

    def new_item(self) -> None:
        if self.ctx.chapter_id is None:
            return
        dialog = ForumDialog(self.ctx, None, self)
        if self.run_dialog(dialog) and dialog.saved is not None:
            self._reveal(dialog.saved.id)

    def focus_search(self) -> None:
        self.search.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.search.selectAll()

    def delete_selected(self) -> None:
        self.delete_forums(self.selected_ids())

    # ------------------------------------------------------------------ overridable (tests)



    # ------------------------------------------------------------------ list
    @Slot()
    def _apply_search(self, _text: str = "", reselect: set[int] | None = None) -> None:
        query = self.search.text().strip()
        rows = self._rows
        if query:
            rows = [r for r in rows if fold(query) in fold(r.topic)
                    or matches(query, r.topic, r.event_title, r.format.label)]
        if reselect is None:
            reselect = set(self.selected_ids())
        self._resetting = True
        try:
            self.model.set_rows(rows)
            self._select_ids(reselect)
        finally:
            self._resetting = False
        self._show_empty()
        self._selection_changed()

    def _show_empty(self) -> None:
        shown = self.model.rowCount()
        self.detail.setVisible(bool(shown))
        self.new_button.setEnabled(self.ctx.chapter_id is not None)
        if shown:
            self.body.setCurrentWidget(self.table)
        else:
            if self.ctx.chapter_id is None:
                text = self.tr("No chapter yet: create one with File ▸ New chapter…")
            elif not self._rows:
                text = self.tr("No forum sessions yet. Record the first conversation with "
                               "“New forum” (Ctrl+N): its takeaways, action items and testimonies.")
            else:
                text = self.tr("No forum session matches “{text}”. Clear the search to see them all.").format(
                    text=self.search.text().strip())
            self.empty.setText(text)
            self.body.setCurrentWidget(self.empty)
        if shown != len(self._rows):
            self.count.setText(self.tr("{shown} of {total} forum sessions").format(
                shown=fmt_int(shown), total=fmt_int(len(self._rows))))
        else:
            self.count.setText(self.tr("%n forum session(s)", "", shown))


    @Slot()
    def _selection_changed(self, *_args: object) -> None:
        if self._resetting:
            return
        ids = self.selected_ids()
        self.open_button.setEnabled(len(ids) >= 1)
        self.delete_button.setEnabled(bool(ids))
        current = self.table.currentIndex()
        forum_id = self.model.id_at(current.row()) if current.isValid() else None
        if forum_id not in ids:
            forum_id = ids[0] if ids else None
        if forum_id is None:
            self.detail.show_nothing()
            return
        try:
            self.detail.show_forum(forums.get_forum(self.ctx.db, forum_id))
        except NotFound:
            self.detail.show_nothing()

    def _reveal(self, forum_id: int) -> None:
        if self.model.row_of(forum_id) is None:
            self.refresh()
        if self.model.row_of(forum_id) is None:
            self.search.clear()
        self._select_ids({forum_id})
        self.table.setFocus()

    # ------------------------------------------------------------------ opening
    @Slot(QModelIndex)
    def _activated(self, index: QModelIndex) -> None:
        forum_id = self.model.id_at(index.row())
        if forum_id is not None:
            self.open_forum(forum_id)

    @Slot()
    def open_selected(self) -> None:
        index = self.table.currentIndex()
        ids = self.selected_ids()
        if index.isValid() and self.model.id_at(index.row()) in ids:
            self.open_forum(self.model.id_at(index.row()))  # type: ignore[arg-type]
        elif ids:
            self.open_forum(ids[0])

    def open_forum(self, forum_id: int) -> ForumDialog | None:
        try:
            dialog = ForumDialog(self.ctx, forum_id, self)
        except NotFound as error:
            self.show_problem(error, self.tr("Could not open the forum session"))
            self.refresh()
            return None
        if self.run_dialog(dialog):
            self._reveal(forum_id)
        return dialog

    # ------------------------------------------------------------------ deleting
    def delete_forums(self, ids: list[int]) -> tasks.Task | None:
        """Delete sessions after a confirmation; Edit ▸ Undo brings them back."""
        from chapter_manager.services import undo

        if not ids:
            return None
        topics = {r.id: r.topic for r in self._rows}
        topic = topics.get(ids[0], "")
        if len(ids) == 1:
            question = self.tr("Delete the forum session “{topic}”?").format(topic=topic)
            what = self.tr("delete of “{topic}”").format(topic=topic)
            said = self.tr("Deleted “{topic}”.").format(topic=topic)
        else:
            question = self.tr("Delete %n forum session(s)?", "", len(ids))
            what = self.tr("delete of %n forum session(s)", "", len(ids))
            said = self.tr("Deleted %n forum session(s).", "", len(ids))
        detail = self.tr("Their takeaways, action items and testimonies go with them. "
                         "Edit ▸ Undo brings them back.")
        texts = DeleteTexts(self.tr("Delete forum sessions"), question + "\n\n" + detail,
                            self.tr("Deleting forum sessions"), what,
                            said + " " + self.tr("Ctrl+Z brings it back."))

        def after() -> None:
            if not self.isVisible():
                self.refresh()
            QTimer.singleShot(0, self.table.setFocus)

        return delete_with_undo(self, ids, texts, undo.delete_forums, ("forums",), after=after)

    # ------------------------------------------------------------------ keys


__all__ = ["ForumDetail", "ForumsModel", "ForumsPage"]
