"""Table models for big tables: the model holds ids, rows are fetched by page.

``IdTableModel`` keeps an ordered array of ids (8 bytes each: 100,000 people is 0.8 MB)
and asks its subclass for rows a page at a time as the view scrolls; a small cache of
pages keeps scrolling smooth.  Sorting and filtering change the query and reload the ids:
they happen in SQL, never in a proxy model over Python objects.

``RowsTableModel`` is for short lists (events of a term, forums): every row is a frozen
dataclass held in memory, and sorting is by a key function.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QAbstractTableModel, QModelIndex, QPersistentModelIndex, Qt

ID_ROLE = Qt.ItemDataRole.UserRole + 1
_ROW_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
ROW_ROLE = Qt.ItemDataRole.UserRole + 2

R = TypeVar("R")
Index = QModelIndex | QPersistentModelIndex


@dataclass(frozen=True)
class Column(Generic[R]):
    """One column: its key, translated title, how to show a row, and its SQL order (if any)."""

    key: str
    title: str
    text: Callable[[R], str]
    order: str | None = None  # the query's order key; None: not sortable
    align: Qt.AlignmentFlag = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
    tooltip: Callable[[R], str] | None = None
    sort_value: Callable[[R], Any] | None = None  # for RowsTableModel


class IdTableModel(QAbstractTableModel, Generic[R]):
    PAGE = 256
    MAX_PAGES = 64
    #: ``row_of`` scans the ids this many times after a reload, then maps id → row once
    SCANS_BEFORE_MAP = 8

    def __init__(self, columns: Sequence[Column[R]], parent=None):  # type: ignore[no-untyped-def]
        super().__init__(parent)
        self.columns = list(columns)
        self._ids = ()
        self._pages: OrderedDict[int, dict[int, R]] = OrderedDict()
        self.order: str | None = next((c.order for c in self.columns if c.order), None)
        self.descending = False
        self.sort_column = -1

    # ------------------------------------------------------------ for subclasses
    def query_ids(self) -> Sequence[int]:
        raise NotImplementedError

    def fetch_rows(self, ids: Sequence[int]) -> dict[int, R]:
        raise NotImplementedError

    # ------------------------------------------------------------ loading
    def reload(self) -> None:
        """Run the query again (filters or order changed, or the data did)."""
        ids = self.query_ids()
        self.beginResetModel()
        self._ids = ids
        self._pages.clear()
        self.endResetModel()

    def id_at(self, row: int) -> int | None:
        return self._ids[row] if 0 <= row < len(self._ids) else None

    @property
    def _ids(self) -> Sequence[int]:
        return self._id_seq

    @_ids.setter
    def _ids(self, ids: Sequence[int]) -> None:
        # Every new set of ids (reload, sort, a subclass's own loading) forgets the map.
        self._id_seq = ids
        self._row_map: dict[int, int] | None = None
        self._scans = 0

    def row_of(self, row_id: int) -> int | None:
        """The row showing ``row_id``, or None.

        A few look-ups scan the ids in place (no copy); selecting many records maps
        id → row once per set of ids, so each further look-up is constant time.
        """
        if self._row_map is None:
            if self._scans < self.SCANS_BEFORE_MAP:
                self._scans += 1
                try:
                    return self._id_seq.index(row_id)
                except ValueError:
                    return None
            self._row_map = dict(zip(self._id_seq, range(len(self._id_seq)), strict=True))
        return self._row_map.get(row_id)

    def ids(self) -> Sequence[int]:
        return self._ids

    def row_at(self, row: int) -> R | None:
        if not 0 <= row < len(self._ids):
            return None
        page_no = row // self.PAGE
        page = self._pages.get(page_no)
        if page is None:
            start = page_no * self.PAGE
            page = self.fetch_rows(list(self._ids[start : start + self.PAGE]))
            self._pages[page_no] = page
            if len(self._pages) > self.MAX_PAGES:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(page_no)
        return page.get(self._ids[row])

    # ------------------------------------------------------------ Qt
    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._ids)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        return _header(self.columns, section, orientation, role)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.column() < len(self.columns):
            return None
        if role == ID_ROLE:
            return self.id_at(index.row())
        if role not in (
            Qt.ItemDataRole.DisplayRole,
            Qt.ItemDataRole.ToolTipRole,
            Qt.ItemDataRole.TextAlignmentRole,
            Qt.ItemDataRole.AccessibleTextRole,
            ROW_ROLE,
        ):
            return None
        column = self.columns[index.column()]
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(column.align)
        row = self.row_at(index.row())
        if row is None:
            return None
        if role == ROW_ROLE:
            return row
        if role == Qt.ItemDataRole.ToolTipRole:
            return column.tooltip(row) if column.tooltip else None
        return column.text(row)

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return _ROW_FLAGS

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self.columns) or self.columns[column].order is None:
            return
        self.sort_column = column
        self.order = self.columns[column].order
        self.descending = order == Qt.SortOrder.DescendingOrder
        self.layoutAboutToBeChanged.emit()
        self._ids = self.query_ids()
        self._pages.clear()
        self.changePersistentIndexList(self.persistentIndexList(), [QModelIndex()] * len(self.persistentIndexList()))
        self.layoutChanged.emit()


class RowsTableModel(QAbstractTableModel, Generic[R]):
    """A short list of rows held in memory (sorted by each column's ``sort_value``)."""

    def __init__(self, columns: Sequence[Column[R]], id_of: Callable[[R], int], parent=None):  # type: ignore[no-untyped-def]
        super().__init__(parent)
        self.columns = list(columns)
        self._id_of = id_of
        self._rows: list[R] = []
        self._sort: tuple[int, bool] | None = None

    def set_rows(self, rows: Sequence[R]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        if self._sort is not None:
            self._apply_sort(*self._sort)
        self.endResetModel()

    def rows(self) -> list[R]:
        return list(self._rows)

    def row_at(self, row: int) -> R | None:
        return self._rows[row] if 0 <= row < len(self._rows) else None

    def id_at(self, row: int) -> int | None:
        item = self.row_at(row)
        return self._id_of(item) if item is not None else None

    def row_of(self, row_id: int) -> int | None:
        for i, item in enumerate(self._rows):
            if self._id_of(item) == row_id:
                return i
        return None

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole):
        return _header(self.columns, section, orientation, role)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        if not 0 <= index.column() < len(self.columns):
            return None
        item = self._rows[index.row()]
        column = self.columns[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole):
            return column.text(item)
        if role == Qt.ItemDataRole.ToolTipRole:
            return column.tooltip(item) if column.tooltip else None
        if role == Qt.ItemDataRole.TextAlignmentRole:
            return int(column.align)
        if role == ID_ROLE:
            return self._id_of(item)
        if role == ROW_ROLE:
            return item
        return None

    def flags(self, index: Index) -> Qt.ItemFlag:
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return _ROW_FLAGS

    def _apply_sort(self, column: int, descending: bool) -> None:
        col = self.columns[column]
        key = col.sort_value or (lambda r, c=col: c.text(r).casefold())
        self._rows.sort(key=lambda r: _none_last(key(r)), reverse=descending)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        if not 0 <= column < len(self.columns):
            return
        self._sort = (column, order == Qt.SortOrder.DescendingOrder)
        self.layoutAboutToBeChanged.emit()
        self._apply_sort(*self._sort)
        self.layoutChanged.emit()


def _header(columns: Sequence[Column], section: int, orientation: Qt.Orientation, role: int):  # type: ignore[type-arg]
    text_roles = (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.AccessibleTextRole)
    if orientation == Qt.Orientation.Horizontal and 0 <= section < len(columns) and role in text_roles:
        return columns[section].title
    if orientation == Qt.Orientation.Vertical and role == Qt.ItemDataRole.DisplayRole:
        return section + 1
    return None


def _none_last(value: Any) -> tuple[int, Any]:
    return (1, 0) if value is None else (0, value)
