"""Bringing the chapter's existing spreadsheets in: reading, mapping, checking, committing, undo.

No Qt here: the CLI's ``import members`` and the desktop app's import wizard call the same
functions (long ones take ``progress`` and ``cancel`` like every task).
"""

from .mapping import FIELDS, guess_mapping, parse_overrides
from .members import (
    DUPLICATE_CHOICES,
    ImportPlan,
    ImportResult,
    LastImport,
    UndoneImport,
    commit_import,
    last_import,
    plan_import,
    undo_last_import,
)
from .reader import ImportRefused, Table, read_table

__all__ = [
    "DUPLICATE_CHOICES",
    "FIELDS",
    "ImportPlan",
    "ImportRefused",
    "ImportResult",
    "LastImport",
    "Table",
    "UndoneImport",
    "commit_import",
    "guess_mapping",
    "last_import",
    "parse_overrides",
    "plan_import",
    "read_table",
    "undo_last_import",
]
