"""Find a person of the chapter by typing a few letters of a name, email or student id."""

from __future__ import annotations

from PySide6.QtCore import QModelIndex, QStringListModel, Qt, Signal, Slot
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QCompleter, QLineEdit, QWidget

from ui.frame.context import AppContext

PERSON_ID_ROLE = Qt.ItemDataRole.UserRole + 10


class PersonPicker(QLineEdit):
    """A line edit that suggests matching people as you type (accent- and case-insensitive).

    ``person_chosen(id, name)`` fires when a suggestion is taken (click, or Enter on the
    highlighted one; Enter with exactly one match takes it).  ``chosen_id`` is the person
    picked, None after the text is edited again.
    """

    person_chosen = Signal(int, str)
    LIMIT = 12

    def __init__(self, ctx: AppContext, parent: QWidget | None = None, placeholder: str | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.chosen_id: int | None = None
        self.setClearButtonEnabled(True)
        self.setPlaceholderText(placeholder or self.tr("Type a name, email or student id…"))
        self.setAccessibleName(self.tr("Find a person"))
        self._model = QStandardItemModel(self)
        self._completer = QCompleter(self._model, self)
        self._completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self._completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        self._completer.setMaxVisibleItems(self.LIMIT)
        self._completer.setWidget(self)
        self._completer.activated[QModelIndex].connect(self._taken)
        self.textEdited.connect(self._search)
        self.returnPressed.connect(self._enter)
        self._results: list[tuple[int, str]] = []

    def results(self) -> list[tuple[int, str]]:
        """The suggestions shown now: (person id, text)."""
        return list(self._results)

    @Slot(str)
    def _search(self, text: str) -> None:
        from chapter_manager.services.people import search_people

        self.chosen_id = None
        self._model.clear()
        self._results = []
        if not text.strip() or self.ctx.chapter_id is None:
            self._completer.popup().hide()
            return
        for row in search_people(self.ctx.db, self.ctx.chapter_id, text, limit=self.LIMIT):
            extra = row.student_id or row.email or ""
            label = f"{row.display_name}  ·  {extra}" if extra else row.display_name
            item = QStandardItem(label)
            item.setData(row.id, PERSON_ID_ROLE)
            item.setData(row.display_name, Qt.ItemDataRole.UserRole)
            item.setEditable(False)
            self._model.appendRow(item)
            self._results.append((row.id, row.display_name))
        if self._results:
            self._completer.complete()
        else:
            self._completer.popup().hide()

    @Slot(QModelIndex)
    def _taken(self, index: QModelIndex) -> None:
        person_id = index.data(PERSON_ID_ROLE)
        name = index.data(Qt.ItemDataRole.UserRole)
        if person_id is None:
            return
        self._choose(int(person_id), str(name))

    def _choose(self, person_id: int, name: str) -> None:
        self.chosen_id = person_id
        self.setText(name)
        self._completer.popup().hide()
        self.person_chosen.emit(person_id, name)

    @Slot()
    def _enter(self) -> None:
        popup = self._completer.popup()
        if popup.isVisible() and popup.currentIndex().isValid():
            self._taken(popup.currentIndex())
        elif len(self._results) == 1 and self.chosen_id is None:
            self._choose(*self._results[0])

    def choose_first(self) -> bool:
        """Take the best suggestion (for tests and the "check in" button)."""
        if self._results:
            self._choose(*self._results[0])
            return True
        return False

    def reset(self) -> None:
        self.clear()
        self.chosen_id = None
        self._results = []
        self._model.clear()


__all__ = ["PersonPicker", "QStringListModel"]
