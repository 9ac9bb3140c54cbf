"""Errors the core raises, each carrying a message written for the person using the app.

The CLI prints ``str(error)`` on one line; the desktop app shows it in a dialog.  Nothing
here holds a traceback meant for users.
"""

from __future__ import annotations

from pathlib import Path

from .i18n import _


class ChapterError(Exception):
    """Base class: ``str(error)`` is a complete sentence a student understands."""


class NotFound(ChapterError):
    pass


class ChapterChoiceNeeded(NotFound):
    """The database holds several chapters and the caller did not say which."""


class ValidationError(ChapterError):
    """Input that cannot be saved.  ``fields`` maps a field name to what is wrong with it."""

    def __init__(self, fields: dict[str, str]):
        self.fields = dict(fields)
        super().__init__("; ".join(f"{msg}" for msg in self.fields.values()))


class DuplicateError(ChapterError):
    """Someone with the same email or student id is already in the chapter.

    ``field`` names the value that is taken (``"email"``, ``"student_id"``, or ``None``
    when it is not one field, such as a pledge); ``existing_name`` is the other person's
    name as shown, so a form can mark the field and offer to open them.
    """

    def __init__(self, message: str, existing_id: int, *, field: str | None = None,
                 existing_name: str = ""):
        self.existing_id = existing_id
        self.field = field
        self.existing_name = existing_name
        super().__init__(message)


class StorageError(ChapterError):
    """A problem with the database file itself."""


class NotAChapterDatabase(StorageError):
    def __init__(self, path: Path, detail: str = ""):
        self.path = path
        msg = _("{path} is not a Chapter Manager database").format(path=path)
        super().__init__(msg + (f" ({detail})." if detail else "."))


class DatabaseTooNew(StorageError):
    def __init__(self, path: Path, found: int, known: int):
        self.path, self.found, self.known = path, found, known
        super().__init__(
            _(
                "{path} was saved by a newer version of Chapter Manager (schema {found}; "
                "this version knows up to {known}). Update the app to open it; the file "
                "was not changed."
            ).format(path=path, found=found, known=known)
        )


class DatabaseCorrupt(StorageError):
    def __init__(self, path: Path, detail: str, newest_backup: Path | None):
        self.path, self.detail, self.newest_backup = path, detail, newest_backup
        lines = [ln.strip() for ln in detail.splitlines() if ln.strip() and not ln.startswith("***")]
        short = " ".join((lines[0] if lines else detail).split())[:200]
        msg = _("{path} is damaged ({detail}).").format(path=path, detail=short)
        if newest_backup is not None:
            msg += " " + _(
                "The newest good backup is {backup}; restore it with "
                "'chapter-manager restore \"{backup}\"'."
            ).format(backup=newest_backup)
        else:
            msg += " " + _("No backup of it was found.")
        super().__init__(msg)


class DatabaseBusy(StorageError):
    def __init__(self, path: Path | str):
        super().__init__(
            _(
                "{path} is busy: another Chapter Manager window or command is writing to it. "
                "Try again in a moment."
            ).format(path=path)
        )


class DiskFull(StorageError):
    def __init__(self, path: Path | str, *, backup: bool = False):
        if backup:
            message = _(
                "There is no room left on the disk for the backup {path}. The backup was not "
                "made; the database is unchanged. Free some space and try again."
            )
        else:
            message = _(
                "There is no room left on the disk that holds {path}. Nothing was saved from "
                "the last change; free some space and try again."
            )
        super().__init__(message.format(path=path))


class CannotOpen(StorageError):
    pass


class ConflictError(ChapterError):
    """Saving from a form opened before someone else saved the same record.

    ``fields`` holds one :class:`~chapter_manager.services.versions.FieldConflict` per
    field both sides changed (base, theirs, mine); ``version`` is the record's version now
    and ``theirs`` / ``mine`` every editable value saved now and typed in the form.
    :func:`chapter_manager.services.versions.resolve` turns a choice per field into the
    values and the :class:`~chapter_manager.services.versions.Expected` to save again with.
    Nothing was saved.
    """

    def __init__(
        self,
        what: str,
        fields: list,
        *,
        version: int,
        base: dict[str, object],
        theirs: dict[str, object],
        mine: dict[str, object],
        labels: dict[str, str] | None = None,
    ):
        self.what = what
        self.fields = list(fields)
        self.version = version
        self.base = dict(base)
        self.theirs = dict(theirs)
        self.mine = dict(mine)
        self.labels = {f.name: f.label for f in self.fields} | dict(labels or {})
        names = [f.label for f in self.fields]
        listed = names[0] if len(names) == 1 else _("{names} and {last}").format(
            names=", ".join(names[:-1]), last=names[-1]
        )
        super().__init__(
            _(
                "This {what} was saved elsewhere after the form was opened. Changed on both "
                "sides: {fields}. Nothing was saved; compare the values and choose which to "
                "keep."
            ).format(what=what, fields=listed)
        )

    @property
    def names(self) -> list[str]:
        return [f.name for f in self.fields]

class ForeignKeysBroken(StorageError):
    """A schema change would leave rows pointing at rows that are not there."""

    def __init__(self, problems: list[tuple[str, int, str]], total: int):
        table, rowid, parent = problems[0]
        super().__init__(
            _(
                "The schema change was refused and nothing was changed: it would leave "
                "{n} row(s) pointing at missing rows (the first is row {rowid} of {table}, "
                "which points at {parent})."
            ).format(n=total, rowid=rowid, table=table, parent=parent)
        )
        self.problems = problems
        self.total = total


class ReadOnlyDatabase(StorageError):
    """The database file (or its folder) cannot be written: it can only be read."""

    def __init__(self, path: Path, why: str, *, upgrade: int | None = None):
        self.path, self.why, self.needs_upgrade = path, why, upgrade
        if upgrade is not None:
            message = _(
                "{path} is read-only ({why}) and was saved with an older schema ({found}), "
                "which would have to be upgraded before it can be read. Copy it to a folder "
                "you can write to, or make it writable; it was not changed."
            ).format(path=path, why=why, found=upgrade)
        else:
            message = _(
                "{path} is read-only ({why}): it can be read (stats, list, check, and the "
                "app opens it read-only) but not changed."
            ).format(path=path, why=why)
        super().__init__(message)
