"""Keeping what a table view shows across a reload: the selection and the current row (by
record id, not by row number) and the scroll position (the record at the top stays at
the top, so rows added above do not push the view).

Used when data changed elsewhere (another window, the command line, a kiosk) and a
screen reads its rows again: the person being looked at must not jump away.

Works with any model that has ``id_at(row)`` and ``row_of(id)`` (``ui.widgets.tablemodel``).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QItemSelection, QItemSelectionModel
from PySide6.QtWidgets import QAbstractItemView, QTableView

#: above this many selected rows, rows are found through one id → row map (not one by one)
_MAP_ABOVE = 16


@dataclass(frozen=True)
class ViewState:
    selected: tuple[int, ...]
    current: int | None
    top: int | None  # the id of the row at the top of the view
    top_hidden: int  # pixels of that row above the view (scrolling per pixel)
    scroll: int
    hscroll: int


def save_view(table: QTableView) -> ViewState:
    model = table.model()
    selection = table.selectionModel()
    selected: list[int] = []
    if selection is not None:
        for part in selection.selection():
            for row in range(part.top(), part.bottom() + 1):
                row_id = model.id_at(row)  # type: ignore[attr-defined]
                if row_id is not None:
                    selected.append(row_id)
    current = table.currentIndex()
    current_id = model.id_at(current.row()) if current.isValid() else None  # type: ignore[attr-defined]
    top_row = table.rowAt(0)
    top_id = model.id_at(top_row) if top_row >= 0 else None  # type: ignore[attr-defined]
    hidden = -table.rowViewportPosition(top_row) if top_row >= 0 else 0
    return ViewState(
        tuple(dict.fromkeys(selected)), current_id, top_id, max(hidden, 0),
        table.verticalScrollBar().value(), table.horizontalScrollBar().value(),
    )


def _rows_of(model, ids: tuple[int, ...]) -> dict[int, int]:  # type: ignore[no-untyped-def]
    if len(ids) <= _MAP_ABOVE:
        found = {}
        for row_id in ids:
            row = model.row_of(row_id)
            if row is not None:
                found[row_id] = row
        return found
    wanted = set(ids)
    return {model.id_at(row): row for row in range(model.rowCount()) if model.id_at(row) in wanted}


def restore_view(table: QTableView, state: ViewState) -> None:
    """Select the same records again and put the same record at the top (if still there)."""
    model = table.model()
    selection = table.selectionModel()
    table.doItemsLayout()  # the scroll bars' ranges after a reset are known only after layout
    wanted = state.selected + tuple(i for i in (state.current, state.top) if i is not None)
    rows = _rows_of(model, wanted)
    if selection is not None:
        chosen = QItemSelection()
        last_column = max(model.columnCount() - 1, 0)
        run: list[int] = []
        for row in sorted(rows[i] for i in state.selected if i in rows):
            if run and row == run[-1] + 1:
                run.append(row)
                continue
            if run:
                chosen.select(model.index(run[0], 0), model.index(run[-1], last_column))
            run = [row]
        if run:
            chosen.select(model.index(run[0], 0), model.index(run[-1], last_column))
        selection.select(chosen, QItemSelectionModel.SelectionFlag.ClearAndSelect)
        if state.current is not None and state.current in rows:
            selection.setCurrentIndex(model.index(rows[state.current], 0),
                                      QItemSelectionModel.SelectionFlag.NoUpdate)
    bar = table.verticalScrollBar()
    if state.top is not None and state.top in rows:
        table.scrollTo(model.index(rows[state.top], 0), QAbstractItemView.ScrollHint.PositionAtTop)
        if table.verticalScrollMode() == QAbstractItemView.ScrollMode.ScrollPerPixel:
            bar.setValue(bar.value() + state.top_hidden)
    else:
        bar.setValue(state.scroll)
    table.horizontalScrollBar().setValue(state.hscroll)
