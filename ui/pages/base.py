"""What every screen of the main window has in common."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from ..context import AppContext


class Page(QWidget):
    """A screen of the main window.

    The window calls ``activated()`` each time the screen is shown; a screen reloads what
    it shows then if data changed while it was hidden (``ctx.changed(...)``), so hidden
    screens cost nothing.  Edit ▸ New / Find / Delete go to ``new_item()``,
    ``focus_search()`` and ``delete_selected()``.
    """

    #: the kinds of change (``ctx.changed(kind)``) this screen shows
    watches: tuple[str, ...] = ("all",)

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self._stale = True
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

    # ---------------------------------------------------------------- machinery
    def activated(self) -> None:
        if self._stale:
            self._stale = False
            self.refresh()

    def _on_data_changed(self, what: str) -> None:
        if what == "all" or what in self.watches or "all" in self.watches:
            self._mark_stale()

    def _on_chapter_changed(self, _chapter_id: int) -> None:
        self._mark_stale()

    def _mark_stale(self) -> None:
        self._stale = True
        if self.isVisible():
            self._stale = False
            self.refresh()
