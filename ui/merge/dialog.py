"""Merging sign-ups from other laptops: choose packs, preview, merge; and the review queue.

The preview is the real merge run on a worker and rolled back (``merge_packs(dry_run=
True)``), so what it shows is what the merge will do; nothing changes until "Merge".  A
merge can be undone as a whole with Edit ▸ Undo.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from chapter_manager.services.merge import MergeSummary
from ui.frame import tasks
from ui.frame.context import AppContext
from ui.frame.i18n import tr
from ui.widgets.forms import fmt_datetime


def pack_filter() -> str:
    return tr("Sign-up packs (*.cmpack);;All files (*)")


class MergeDialog(QDialog):
    """File ▸ Merge sign-ups from another laptop…"""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None, paths: list[Path] | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.paths: list[Path] = []
        self.previewed: list[Path] | None = None
        self.summary: MergeSummary | None = None
        self.task: tasks.Task | None = None
        # The organiser's choice for events made on the other laptops: pack event uuid ->
        # event id here (None: add it as a new event).
        self.choices: dict[object, int | None] = {}
        self.setWindowTitle(self.tr("Merge sign-ups from another laptop"))

        intro = QLabel(self.tr(
            "Choose the sign-up packs made on the other laptops (chapter-manager pack export). "
            "The preview shows what the merge will do; nothing changes until you merge."))
        intro.setWordWrap(True)
        self.pack_list = QListWidget()
        self.pack_list.setAccessibleName(self.tr("Packs to merge"))
        self.pack_list.setMaximumHeight(84)
        self.add_button = QPushButton(self.tr("&Add packs…"))
        self.add_button.clicked.connect(self.choose_packs)
        self.remove_button = QPushButton(self.tr("&Remove"))
        self.remove_button.clicked.connect(self.remove_selected)
        self.preview_button = QPushButton(self.tr("&Preview"))
        self.preview_button.clicked.connect(self.preview)
        pack_buttons = QVBoxLayout()
        for button in (self.add_button, self.remove_button, self.preview_button):
            pack_buttons.addWidget(button)
        pack_buttons.addStretch(1)
        packs_row = QHBoxLayout()
        packs_row.addWidget(self.pack_list, 1)
        packs_row.addLayout(pack_buttons)

        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.table = QTableWidget(0, 2)
        self.table.setAccessibleName(self.tr("What the merge does"))
        self.table.setHorizontalHeaderLabels([self.tr("What"), self.tr("Count")])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        self.details = QLabel()
        self.details.setWordWrap(True)
        self.details.setTextFormat(Qt.TextFormat.PlainText)
        self.events_label = QLabel(self.tr("Events made on the other laptops go to:"))
        self.events_table = QTableWidget(0, 2)
        self.events_table.setAccessibleName(self.tr("Where the other laptops' events go"))
        self.events_table.setHorizontalHeaderLabels([self.tr("Event on the other laptop"), self.tr("Here")])
        self.events_table.verticalHeader().setVisible(False)
        self.events_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.events_table.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        self.events_table.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.events_table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.events_label.setVisible(False)
        self.events_table.setVisible(False)

        self.buttons = QDialogButtonBox()
        self.merge_button = self.buttons.addButton(self.tr("&Merge"), QDialogButtonBox.ButtonRole.AcceptRole)
        self.merge_button.setEnabled(False)
        self.merge_button.clicked.connect(self.merge)
        self.review_button = self.buttons.addButton(self.tr("Review likely &matches…"),
                                                    QDialogButtonBox.ButtonRole.ActionRole)
        self.review_button.setVisible(False)
        self.review_button.clicked.connect(self.open_reviews)
        self.close_button = self.buttons.addButton(QDialogButtonBox.StandardButton.Close)
        self.close_button.clicked.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(packs_row)
        layout.addWidget(self.status)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.events_label)
        layout.addWidget(self.events_table)
        layout.addWidget(self.details)
        layout.addWidget(self.buttons)
        self.resize(760, 780)
        if paths:
            self.add_paths(paths)
        self._refresh()

    # ------------------------------------------------------------ packs
    @Slot()
    def choose_packs(self) -> None:
        names, _filter = QFileDialog.getOpenFileNames(self, self.tr("Choose sign-up packs"), "", pack_filter())
        self.add_paths([Path(n) for n in names])

    def add_paths(self, paths: list[Path]) -> None:
        for path in paths:
            if path not in self.paths:
                self.paths.append(path)
        self._packs_changed()

    @Slot()
    def remove_selected(self) -> None:
        rows = sorted({i.row() for i in self.pack_list.selectedIndexes()}, reverse=True)
        for row in rows:
            del self.paths[row]
        self._packs_changed()

    def _packs_changed(self) -> None:
        self.pack_list.clear()
        for path in self.paths:
            self.pack_list.addItem(path.name)
        self.summary, self.previewed = None, None
        self.status.setText("")
        self.table.setRowCount(0)
        self.details.setText("")
        self._refresh()
        if self.paths:
            self.preview()

    def _refresh(self) -> None:
        busy = self.task is not None and not self.task.done
        self.add_button.setEnabled(not busy)
        self.remove_button.setEnabled(not busy and bool(self.paths))
        self.preview_button.setEnabled(not busy and bool(self.paths))
        ready = (not busy and self.summary is not None and self.summary.dry_run
                 and self.previewed == self.paths and self.summary.changed)
        self.merge_button.setEnabled(bool(ready))
        self.merge_button.setDefault(bool(ready))

    # ------------------------------------------------------------ preview and merge
    def _run(self, dry_run: bool) -> None:
        from chapter_manager.services.merge import merge_packs

        db, chapter, paths = self.ctx.db, self.ctx.require_chapter(), list(self.paths)
        choices = dict(self.choices)

        def work(progress, cancel):  # type: ignore[no-untyped-def]
            return merge_packs(db, paths, chapter_id=chapter, dry_run=dry_run, progress=progress,
                               cancel=cancel, event_choices=choices)

        def done(summary: MergeSummary) -> None:
            self.task = None
            self.previewed = paths
            self._show(summary)

        def failed(error: BaseException) -> None:
            from ui.frame.errors import describe

            self.task = None
            self.summary = None
            self.table.setRowCount(0)
            self.details.setText("")
            self.status.setText(self.tr("Nothing was merged: {why}").format(why=describe(error)))
            self._refresh()

        def cancelled() -> None:
            self.task = None
            self.status.setText(self.tr("Cancelled; nothing was changed."))
            self._refresh()

        title = self.tr("Previewing the merge") if dry_run else self.tr("Merging sign-ups")
        self.status.setText(title + "…")
        self.task = tasks.run_task(self, title, work, on_done=done, on_error=failed, on_cancelled=cancelled)
        self._refresh()

    @Slot()
    def preview(self) -> None:
        if self.paths:
            self._run(dry_run=True)

    @Slot()
    def merge(self) -> None:
        if self.merge_button.isEnabled():
            self._run(dry_run=False)

    def _show(self, summary: MergeSummary) -> None:
        self.summary = summary
        if summary.dry_run:
            self.status.setText(
                self.tr("Preview: nothing has changed yet. Merging will do this:") if summary.changed
                else self.tr("Nothing new: everything in these packs is here already."))
        else:
            self.status.setText(self.tr("Merged. Edit ▸ Undo takes the whole merge back."))
        # New people and new pledges always; the other lines when they happen.
        rows = [line for i, line in enumerate(summary.lines()) if line[1] or i < 2]
        self.table.setRowCount(len(rows))
        for i, (label, n) in enumerate(rows):
            self.table.setItem(i, 0, QTableWidgetItem(label))
            number = QTableWidgetItem(f"{n:,}")
            number.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.table.setItem(i, 1, number)
        lines = []
        for p in summary.packs:
            lines.append(self.tr(
                "{file}: “{chapter}” from {device}, made {when}: {people} people, {pledges} pledges").format(
                file=p.file, chapter=p.chapter, device=p.device_name or self.tr("another laptop"),
                when=fmt_datetime(p.made_at), people=p.people, pledges=p.pledges))
        for e in summary.events:
            lines.append(self.tr("Event “{title}”: {how}").format(title=e.title, how=e.how_label))
        for r in summary.reviews[:5]:
            lines.append(self.tr("To review: “{a}” may be “{b}”").format(a=r.newcomer, b=r.candidate))
        if len(summary.reviews) > 5:
            lines.append(self.tr("…and {n} more to review").format(n=len(summary.reviews) - 5))
        self.details.setText("\n".join(lines))
        self._show_events(summary)
        if not summary.dry_run and summary.batch_id is not None:
            from chapter_manager.services.merge_undo import undo_merge

            ctx, batch = self.ctx, summary.batch_id
            db = ctx.db
            ctx.push_undo(self.tr("merge of {n} pack(s)").format(n=len(summary.packs)),
                          lambda: undo_merge(db, batch), lambda _rows: ctx.changed("all"))
            self.ctx.changed("all")
            self.review_button.setVisible(summary.queued_for_review + summary.details_queued > 0)
        self._refresh()

    def _show_events(self, summary: MergeSummary) -> None:
        """A choice for each event made on another laptop (not the same event by UUID)."""
        from PySide6.QtWidgets import QComboBox

        from chapter_manager.services.events import list_events

        open_to_choice = [e for e in summary.events if e.how in ("new", "title", "chosen")]
        shown = bool(open_to_choice) and summary.dry_run
        self.events_label.setVisible(shown)
        self.events_table.setVisible(shown)
        if not shown:
            return
        ours = list_events(self.ctx.db, self.ctx.require_chapter(), order="date", descending=True)
        self.events_table.setRowCount(len(open_to_choice))
        for row, match in enumerate(open_to_choice):
            when = fmt_datetime(match.starts_at)
            self.events_table.setItem(row, 0, QTableWidgetItem(f"{match.title} — {when}"))
            combo = QComboBox()
            combo.setAccessibleName(self.tr("Where “{title}” goes").format(title=match.title))
            combo.addItem(self.tr("Add it as a new event"), None)
            for event in ours:
                if match.how == "new" and event.id == match.event_id:
                    continue  # the preview's own new event
                combo.addItem(f"{event.title} — {fmt_datetime(event.starts_at)}", event.id)
            chosen = self.choices.get(match.uuid, match.event_id if match.how != "new" else None)
            combo.setCurrentIndex(max(0, combo.findData(chosen)))
            combo.currentIndexChanged.connect(
                lambda _i, c=combo, u=match.uuid: self._event_chosen(u, c.currentData()))
            self.events_table.setCellWidget(row, 1, combo)
        # As tall as its rows (up to four), so the summary keeps the room.
        self.events_table.resizeRowsToContents()
        rows = sum(self.events_table.rowHeight(i) for i in range(min(4, len(open_to_choice))))
        self.events_table.setFixedHeight(rows + self.events_table.horizontalHeader().height()
                                         + 2 * self.events_table.frameWidth())

    def _event_chosen(self, event_uuid: object, event_id: int | None) -> None:
        self.choices[event_uuid] = event_id
        self.preview()

    @Slot()
    def open_reviews(self) -> None:
        ReviewDialog(self.ctx, self).exec()


class ReviewDialog(QDialog):
    """File ▸ Review likely matches…: the questions sign-ups leave for the organiser.

    Why each was asked (same name at an event; someone's email or student id under another
    name; details offered for fields empty here), and what settling it would fill in,
    each value with its own check box."""

    COLUMNS = 6

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle(self.tr("Likely matches to review"))
        intro = QLabel(self.tr(
            "Sign-ups never change the details of someone already here, and never join two "
            "people on their own: these questions wait for you."))
        intro.setWordWrap(True)
        self.table = QTableWidget(0, self.COLUMNS)
        self.table.setAccessibleName(self.tr("Likely matches"))
        self.table.setHorizontalHeaderLabels([
            self.tr("From the sign-up"), self.tr("Email · student id"), self.tr("Already here"),
            self.tr("Email · student id"), self.tr("Event"), self.tr("Why")])
        self.table.verticalHeader().setVisible(False)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.itemSelectionChanged.connect(self._refresh)
        self.empty = QLabel(self.tr("Nothing to review."))
        self.why = QLabel()
        self.why.setWordWrap(True)
        self.why.setAccessibleName(self.tr("Why this was asked"))
        self.offers = QVBoxLayout()
        self.offer_boxes: dict[str, QCheckBox] = {}
        self.same_button = QPushButton(self.tr("&Same person: merge them"))
        self.same_button.clicked.connect(lambda: self.settle(True))
        self.separate_button = QPushButton(self.tr("&Keep separate"))
        self.separate_button.clicked.connect(lambda: self.settle(False))
        row = QHBoxLayout()
        row.addWidget(self.same_button)
        row.addWidget(self.separate_button)
        row.addStretch(1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty)
        layout.addWidget(self.why)
        layout.addLayout(self.offers)
        layout.addLayout(row)
        layout.addWidget(buttons)
        self.resize(900, 460)
        self.reviews: list = []  # type: ignore[type-arg]
        self.reload()

    def _field_label(self, name: str) -> str:
        return {"email": self.tr("email"), "student_id": self.tr("student id"),
                "phone": self.tr("phone")}.get(name, name)

    def reload(self) -> None:
        from chapter_manager.services.merge_reviews import list_reviews

        self.reviews = list_reviews(self.ctx.db, self.ctx.require_chapter())
        self.table.setRowCount(len(self.reviews))
        for i, r in enumerate(self.reviews):
            person = (self.tr("(the same person)"), "") if r.reason == "details" else (r.person_name, r.person_details)
            for j, text in enumerate((*person, r.candidate_name, r.candidate_details, r.event_title,
                                      r.reason_label)):
                self.table.setItem(i, j, QTableWidgetItem(text))
        self.empty.setVisible(not self.reviews)
        if self.reviews:
            self.table.selectRow(0)
        self._refresh()

    def selected(self):  # type: ignore[no-untyped-def]
        rows = {i.row() for i in self.table.selectedIndexes()}
        return self.reviews[min(rows)] if rows else None

    def _refresh(self) -> None:
        review = self.selected()
        self.same_button.setEnabled(review is not None)
        self.separate_button.setEnabled(review is not None)
        for box in self.offer_boxes.values():
            self.offers.removeWidget(box)
            box.hide()
            box.setParent(None)
            box.deleteLater()
        self.offer_boxes = {}
        if review is None:
            self.why.setText("")
            return
        if review.reason == "details":
            self.why.setText(self.tr(
                "A sign-up by {name} offers details their entry does not have. Nothing was "
                "written: tick what to keep.").format(name=review.candidate_name))
            self.same_button.setText(self.tr("&Accept the ticked details"))
            self.separate_button.setText(self.tr("&Decline"))
        else:
            if review.reason == "identifier":
                held = ", ".join(f"{self._field_label(k)} {v}" for k, v in review.held_back.items())
                self.why.setText(self.tr(
                    "“{new}” signed up with the {held} of “{here}”, under another name. The sign-up "
                    "was kept on its own and nothing of “{here}” changed. If they are the same "
                    "person, merge them.").format(new=review.person_name, here=review.candidate_name,
                                                   held=held))
            else:
                self.why.setText(self.tr(
                    "The same name at the same event, without an email or student id to tell. "
                    "Are they the same person?"))
            self.same_button.setText(self.tr("&Same person: merge them"))
            self.separate_button.setText(self.tr("&Keep separate"))
        for name, value in review.offered.items():
            box = QCheckBox(self.tr("Fill in {field}: {value}").format(field=self._field_label(name), value=value))
            box.setChecked(review.reason != "identifier")  # someone else's identifier: asked, not assumed
            box.setAccessibleName(self.tr("Fill in {field}").format(field=self._field_label(name)))
            self.offers.addWidget(box)
            box.show()
            self.offer_boxes[name] = box

    @Slot()
    def settle(self, same_person: bool) -> None:
        from chapter_manager.errors import ChapterError
        from chapter_manager.services.merge_reviews import resolve_review

        review = self.selected()
        if review is None:
            return
        accept = [name for name, box in self.offer_boxes.items() if box.isChecked()]
        try:
            db, review_id = self.ctx.db, review.id
            tasks.write_and_wait(self, lambda: resolve_review(db, review_id, same_person=same_person,
                                                              accept=accept))
        except ChapterError as error:
            from ui.frame.errors import show_error

            show_error(self, error)
        self.ctx.changed("people")
        self.reload()
