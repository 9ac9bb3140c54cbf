"""What every screen of the main window has in common."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QItemSelectionModel, QObject, Qt, QTimer
from PySide6.QtWidgets import QDialog, QMessageBox, QWidget

from ui.frame.context import AppContext


class Page(QWidget):
    """A screen of the main window.

    The window calls ``activated()`` each time the screen is shown; a screen reloads what
    it shows then if data changed while it was hidden (``ctx.changed(...)``), so hidden
    screens cost nothing.  A change made elsewhere (``ctx.from_elsewhere``) reloads the
    shown screen once, after all its kinds have arrived; ``refresh()`` keeps the
    selection (by record id), the scroll position and what was typed in filters.  Edit ▸ New / Find / Delete go to ``new_item()``,
    ``focus_search()`` and ``delete_selected()``.
    """

    #: the kinds of change (``ctx.changed(kind)``) this screen shows
    watches: tuple[str, ...] = ("all",)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self._stale = True
        self._elsewhere_pending = False
        #: True while ``refresh()`` runs for a change made elsewhere (no "Loading…" needed)
        self.following = False
        ctx.data_changed.connect(self._on_data_changed)
        ctx.chapter_changed.connect(self._on_chapter_changed)

    # ---------------------------------------------------------------- to override
    def refresh(self) -> None:
        """Load what the screen shows from the database."""

    def new_item(self) -> None:
        """Edit ▸ New (Ctrl+N)."""

    def focus_search(self) -> None:
        """Edit ▸ Find (Ctrl+F)."""

    def delete_selected(self) -> None:
        """Edit ▸ Delete (Delete)."""

    def supports(self, action: str) -> bool:
        """Whether "new", "find" or "delete" means something on this screen."""
        return False

    # ---------------------------------------------------------------- selection of ``self.table``
    def selected_ids(self) -> list[int]:
        """The ids of the selected rows of the screen's table (``self.table``/``self.model``)."""
        rows = sorted({i.row() for i in self.table.selectionModel().selectedRows()})  # type: ignore[attr-defined]
        return [i for i in (self.model.id_at(r) for r in rows) if i is not None]  # type: ignore[attr-defined]

    def _select_ids(self, ids: set[int]) -> None:
        """Select these rows (the first one current and scrolled to)."""
        table, model = self.table, self.model  # type: ignore[attr-defined]
        selection = table.selectionModel()
        selection.clearSelection()
        first = None
        for row_id in ids:
            row = model.row_of(row_id)
            if row is None:
                continue
            index = model.index(row, 0)
            selection.select(index, QItemSelectionModel.SelectionFlag.Select | QItemSelectionModel.SelectionFlag.Rows)
            first = index if first is None or row < first.row() else first
        if first is not None:
            selection.setCurrentIndex(first, QItemSelectionModel.SelectionFlag.NoUpdate)
            table.scrollTo(first)

    # ---------------------------------------------------------------- asking (tests replace these)
    def run_dialog(self, dialog: QDialog) -> bool:
        """Show ``dialog`` modally; True when it was accepted (tests fill and save instead)."""
        return dialog.exec() == QDialog.DialogCode.Accepted

    def confirm(self, title: str, text: str) -> bool:
        answer = QMessageBox.question(
            self, title, text,
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        return answer == QMessageBox.StandardButton.Yes

    def show_problem(self, error: BaseException, context: str) -> None:
        from ui.frame.errors import show_error

        show_error(self, error, context)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # The main window's Edit ▸ Delete takes the key first; this serves a screen's table
        # (``self.table``, with this page as its event filter) on its own.
        if (
            watched is getattr(self, "table", None)
            and event.type() == QEvent.Type.KeyPress
            and event.key() == Qt.Key.Key_Delete  # type: ignore[attr-defined]
        ):
            self.delete_selected()
            return True
        return super().eventFilter(watched, event)

    # ---------------------------------------------------------------- machinery
    def activated(self) -> None:
        if self._stale:
            self._stale = False
            self.refresh()

    def _on_data_changed(self, what: str) -> None:
        if not (what == "all" or what in self.watches or "all" in self.watches):
            return
        if self.ctx.from_elsewhere:
            # Several kinds arrive one after the other: reload once, after the last.
            self._stale = True
            if self.isVisible() and not self._elsewhere_pending:
                self._elsewhere_pending = True
                QTimer.singleShot(0, self, self._refresh_for_elsewhere)
            return
        self._mark_stale()

    def _refresh_for_elsewhere(self) -> None:
        self._elsewhere_pending = False
        if self._stale and self.isVisible():
            self._stale = False
            self.following = True
            try:
                self.refresh()
            finally:
                self.following = False

    def _on_chapter_changed(self, _chapter_id: int) -> None:
        self._mark_stale()

    def _mark_stale(self) -> None:
        self._stale = True
        if self.isVisible():
            self._stale = False
            self.refresh()
