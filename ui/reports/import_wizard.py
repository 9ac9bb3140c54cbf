"""Reports & Exports ▸ Import members: a wizard over ``chapter_manager.imports``.

Steps: the file (what was detected: kind, encoding, delimiter, sheet, header row) ▸ the
columns (a field for each, guessed from the headers, and a preview of the first rows) ▸
the check (problems by row; people already in the chapter: update, skip or create) ▸
done (what was imported, with Undo).  Reading, checking and committing run on a worker
through ``ui.frame.tasks.run_task``; the wizard never freezes.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
    QWizard,
    QWizardPage,
)

from chapter_manager.imports import (
    FIELDS,
    ImportPlan,
    ImportResult,
    Table,
    UndoneImport,
    commit_import,
    guess_mapping,
    plan_import,
    read_table,
    undo_last_import,
)
from chapter_manager.imports.mapping import IGNORE, MULTI, field_label
from chapter_manager.imports.reader import describe_encoding
from ui.frame import tasks
from ui.frame.i18n import tr

if TYPE_CHECKING:
    from .page import ReportsPage

PREVIEW_ROWS = 20
SHOWN_PROBLEMS = 500
NAMES_SHOWN = 5  # the check step shows the first names as they will be saved


def kept_text(n: int) -> str:
    """Why fewer people were removed than the import added."""
    return tr("{n} people it added have signed a pledge, attended or taken a role since; "
              "they were kept.").format(n=n)


def deleted_since_text(n: int) -> str:
    """Why fewer people got their values back than the import updated."""
    return tr("{n} people it updated were deleted since; there was nothing to restore for them.").format(n=n)


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _item(text: str) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(item.flags() & ~Qt.ItemFlag.ItemIsEditable)
    return item


class FilePage(QWizardPage):
    def __init__(self, wizard: ImportWizard):
        super().__init__()
        self.w = wizard
        self.setTitle(self.tr("Choose the spreadsheet"))
        self.setSubTitle(self.tr("An Excel workbook (.xlsx) or a CSV file, with a row of column names."))
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.path = QLineEdit()
        self.path.setAccessibleName(self.tr("File"))
        self.path.setPlaceholderText(self.tr("The file to import"))
        self.path.editingFinished.connect(self._load)
        browse = QPushButton(self.tr("C&hoose…"))
        browse.setAccessibleName(self.tr("Choose the file"))
        browse.clicked.connect(self._browse)
        row.addWidget(self.path, 1)
        row.addWidget(browse)
        layout.addLayout(row)
        form = QFormLayout()
        self.sheet = QComboBox()
        self.sheet.setAccessibleName(self.tr("Sheet"))
        self.sheet.activated.connect(lambda _i: self._load(force=True))
        self.header_row = QSpinBox()
        self.header_row.setRange(1, 50)
        self.header_row.setAccessibleName(self.tr("Row with the column names"))
        self.header_row.editingFinished.connect(self._header_row_changed)
        self.found = QLabel()
        self.found.setWordWrap(True)
        self.found.setAccessibleName(self.tr("What was found"))
        sheet_label = QLabel(self.tr("&Sheet"))
        sheet_label.setBuddy(self.sheet)
        header_label = QLabel(self.tr("&Column names on row"))
        header_label.setBuddy(self.header_row)
        form.addRow(sheet_label, self.sheet)
        form.addRow(header_label, self.header_row)
        form.addRow(self.tr("Found"), self.found)
        layout.addLayout(form)
        self.problem = QLabel()
        self.problem.setWordWrap(True)
        self.problem.setStyleSheet("color: #ffffff; background: #b3261e; border-radius: 3px; padding: 4px;")
        self.problem.setAccessibleName(self.tr("Problem"))
        self.problem.hide()
        layout.addWidget(self.problem)
        layout.addStretch(1)
        self.sheet.setEnabled(False)
        self.header_row.setEnabled(False)
        self.task: tasks.Task | None = None

    def _browse(self) -> None:
        chosen = self.w.page.choose_open_path(self.tr("Import members from"),
                                              self.tr("Spreadsheets (*.xlsx *.csv *.txt);;All files (*)"))
        if chosen:
            self.path.setText(chosen)
            self._load(force=True)

    def set_path(self, path: str) -> tasks.Task | None:
        self.path.setText(path)
        return self._load(force=True)

    def _header_row_changed(self) -> None:
        table = self.w.table
        if table is not None and self.header_row.value() != table.header_row:
            self._load(header_row=self.header_row.value(), force=True)

    def _load(self, header_row: int | None = None, force: bool = False) -> tasks.Task | None:
        text = self.path.text().strip()
        if not text:
            return None
        if not force and self.w.table is not None and text == self.w.path:
            return None  # the same file, already read (focus left the field)
        sheet = self.sheet.currentText() if self.sheet.isEnabled() and self.sheet.count() else None
        if self.w.table is not None and self.w.path != text:
            sheet, header_row = None, None
        path = Path(text).expanduser()
        self.w.table = None
        self.completeChanged.emit()

        def work(progress, cancel):  # type: ignore[no-untyped-def]
            return read_table(path, sheet=sheet, header_row=header_row, progress=progress, cancel=cancel)

        self.task = tasks.run_task(self, self.tr("Reading the file"), work,
                                   on_done=lambda table: self._loaded(text, table), on_error=self._failed)
        return self.task

    def _loaded(self, path: str, table: Table) -> None:
        self.w.path = path
        self.w.table = table
        self.problem.hide()
        self.sheet.blockSignals(True)
        self.sheet.clear()
        self.sheet.addItems(table.sheets)
        if table.sheet:
            self.sheet.setCurrentText(table.sheet)
        self.sheet.setEnabled(bool(table.sheets))
        self.sheet.blockSignals(False)
        self.header_row.setEnabled(True)
        self.header_row.setValue(table.header_row)
        parts = [table.kind.upper()]
        if table.encoding:
            parts.append(self.tr("text in {encoding}").format(encoding=describe_encoding(table)))
        if table.delimiter:
            parts.append({",": self.tr("columns split by commas"), ";": self.tr("columns split by semicolons"),
                          "\t": self.tr("columns split by tabs")}[table.delimiter])
        parts.append(self.tr("{n} columns, {rows} rows").format(n=len(table.headers), rows=len(table.rows)))
        self.found.setText("; ".join(parts))
        self.completeChanged.emit()

    def _failed(self, error: BaseException) -> None:
        from ui.frame.errors import describe

        self.w.table = None
        self.found.clear()
        self.problem.setText(describe(error))
        self.problem.show()
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return self.w.table is not None


class MappingPage(QWizardPage):
    def __init__(self, wizard: ImportWizard):
        super().__init__()
        self.w = wizard
        self.setTitle(self.tr("Match the columns"))
        self.setSubTitle(self.tr("Say what each column holds. The guesses come from the column names; "
                                 "“(not imported)” leaves a column out."))
        layout = QVBoxLayout(self)
        self.columns = QTableWidget(0, 3)
        self.columns.setHorizontalHeaderLabels([self.tr("Column in the file"), self.tr("Field"),
                                                self.tr("First values")])
        self.columns.setAccessibleName(self.tr("Columns and fields"))
        self.columns.verticalHeader().hide()
        self.columns.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.columns.setSelectionMode(QAbstractItemView.SelectionMode.NoSelection)
        layout.addWidget(self.columns, 3)
        preview_label = QLabel(self.tr("&Preview of the first rows, as they will be read"))
        layout.addWidget(preview_label)
        self.preview = QTableWidget(0, 0)
        self.preview.setAccessibleName(self.tr("Preview"))
        self.preview.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        preview_label.setBuddy(self.preview)
        layout.addWidget(self.preview, 2)
        self.warning = QLabel()
        self.warning.setWordWrap(True)
        self.warning.setAccessibleName(self.tr("Mapping problem"))
        layout.addWidget(self.warning)
        self.combos: list[QComboBox] = []

    def initializePage(self) -> None:
        table = self.w.table
        assert table is not None
        guesses = guess_mapping(table.headers)
        self.columns.setRowCount(len(table.headers))
        self.combos = []
        for i, header in enumerate(table.headers):
            self.columns.setItem(i, 0, _item(header))
            combo = QComboBox()
            combo.addItem(self.tr("(not imported)"), IGNORE)
            for f in FIELDS:
                combo.addItem(field_label(f.key), f.key)
            combo.setCurrentIndex(max(0, combo.findData(guesses[i])))
            combo.setAccessibleName(self.tr("Field for column {header}").format(header=header))
            combo.currentIndexChanged.connect(lambda _i, col=i: self._changed(col))
            self.columns.setCellWidget(i, 1, combo)
            self.combos.append(combo)
            samples = [_cell_text(r[i]) for r in table.rows[:3] if i < len(r) and _cell_text(r[i])]
            self.columns.setItem(i, 2, _item(" · ".join(samples)))
        self.columns.resizeColumnToContents(0)
        self.columns.setColumnWidth(1, 250)
        self._refresh()

    def mapping(self) -> list[str]:
        return [c.currentData() or IGNORE for c in self.combos]

    def set_field(self, column: int, key: str) -> None:
        self.combos[column].setCurrentIndex(max(0, self.combos[column].findData(key)))

    def _changed(self, column: int) -> None:
        key = self.combos[column].currentData()
        if key and key not in MULTI:
            for i, combo in enumerate(self.combos):
                if i != column and combo.currentData() == key:
                    combo.blockSignals(True)
                    combo.setCurrentIndex(0)
                    combo.blockSignals(False)
        self._refresh()

    def _refresh(self) -> None:
        table = self.w.table
        assert table is not None
        mapping = self.mapping()
        shown = [i for i, k in enumerate(mapping) if k]
        self.preview.clear()
        self.preview.setColumnCount(len(shown))
        self.preview.setHorizontalHeaderLabels([field_label(mapping[i]) for i in shown])
        rows = table.rows[:PREVIEW_ROWS]
        self.preview.setRowCount(len(rows))
        self.preview.setVerticalHeaderLabels([str(table.row_number(k)) for k in range(len(rows))])
        for r, row in enumerate(rows):
            for c, i in enumerate(shown):
                self.preview.setItem(r, c, _item(_cell_text(row[i]) if i < len(row) else ""))
        self.preview.resizeColumnsToContents()
        has_name = bool({"full_name", "given_names", "family_names"} & set(mapping))
        self.warning.setText("" if has_name else self.tr(
            "Choose which column holds the names (a full name, or given and family names)."))
        self.completeChanged.emit()

    def isComplete(self) -> bool:
        return bool({"full_name", "given_names", "family_names"} & set(self.mapping()))


class CheckPage(QWizardPage):
    def __init__(self, wizard: ImportWizard):
        super().__init__()
        self.w = wizard
        self.setTitle(self.tr("Check and import"))
        self.setSubTitle(self.tr("Every row was checked. Nothing is saved until you press Import, and then "
                                 "all of it is saved at once."))
        layout = QVBoxLayout(self)
        self.summary = QLabel()
        self.summary.setWordWrap(True)
        self.summary.setAccessibleName(self.tr("Summary of the check"))
        layout.addWidget(self.summary)
        self.names_label = QLabel(self.tr("The first names, as they will be saved:"))
        layout.addWidget(self.names_label)
        self.names = QTableWidget(0, 3)
        self.names.setHorizontalHeaderLabels([self.tr("Row"), self.tr("Given name(s)"), self.tr("Family name(s)")])
        self.names.setAccessibleName(self.tr("The first names, as they will be saved"))
        self.names.verticalHeader().hide()
        self.names.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.names.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        line = self.names.fontMetrics().height() + 8
        self.names.verticalHeader().setDefaultSectionSize(line)
        self.names.setFixedHeight(line * (NAMES_SHOWN + 1) + 2 * self.names.frameWidth() + 2)
        layout.addWidget(self.names)
        self.problems = QTableWidget(0, 3)
        self.problems.setHorizontalHeaderLabels([self.tr("Row"), self.tr("Field"), self.tr("Problem")])
        self.problems.setAccessibleName(self.tr("Problems by row"))
        self.problems.verticalHeader().hide()
        self.problems.horizontalHeader().setSectionResizeMode(2, QHeaderView.ResizeMode.Stretch)
        self.problems.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        layout.addWidget(self.problems, 1)
        self.skip_invalid = QCheckBox(self.tr("&Leave out the rows with problems and import the others"))
        self.skip_invalid.toggled.connect(lambda _on: self.completeChanged.emit())
        layout.addWidget(self.skip_invalid)
        self.dup_label = QLabel()
        self.dup_label.setWordWrap(True)
        layout.addWidget(self.dup_label)
        self.dup_group = QButtonGroup(self)
        row = QHBoxLayout()
        self.choices: dict[str, QRadioButton] = {}
        for key, text in (("update", self.tr("&Update them with the file's values")),
                          ("skip", self.tr("&Skip them")),
                          ("create", self.tr("Add them as &new people"))):
            button = QRadioButton(text)
            self.choices[key] = button
            self.dup_group.addButton(button)
            row.addWidget(button)
        row.addStretch(1)
        self.choices["update"].setChecked(True)
        layout.addLayout(row)
        self.task: tasks.Task | None = None
        self._committing = False

    def initializePage(self) -> None:
        self.w.plan = None
        self.summary.setText(self.tr("Checking…"))
        self.problems.setRowCount(0)
        self.names.setRowCount(0)
        table, mapping = self.w.table, self.w.mapping_page.mapping()
        db, chapter_id, source = self.w.page.ctx.db, self.w.chapter_id, self.w.path

        def work(progress, cancel):  # type: ignore[no-untyped-def]
            return plan_import(db, chapter_id, table, mapping, source=source, progress=progress, cancel=cancel)

        self.task = tasks.run_task(self, self.tr("Checking the rows"), work, on_done=self._checked,
                                   on_error=self._failed)
        self.completeChanged.emit()

    def _failed(self, error: BaseException) -> None:
        from ui.frame.errors import describe

        self.summary.setText(describe(error))
        self._committing = False
        self.completeChanged.emit()

    def _checked(self, plan: ImportPlan) -> None:
        self.w.plan = plan
        self.summary.setText(self.tr("{rows} rows: {new} new people, {dup} already in the chapter, "
                                     "{bad} with problems.").format(
            rows=len(plan.rows), new=plan.new, dup=plan.duplicates, bad=plan.invalid))
        names = plan.names(NAMES_SHOWN)
        self.names.setRowCount(len(names))
        for r, (row, given_names, family_names) in enumerate(names):
            self.names.setItem(r, 0, _item(str(row)))
            self.names.setItem(r, 1, _item(given_names))
            self.names.setItem(r, 2, _item(family_names))
        self.names.resizeColumnToContents(0)
        self.names.resizeColumnToContents(1)
        self.names.setVisible(bool(names))
        self.names_label.setVisible(bool(names))
        problems = plan.problems
        self.problems.setRowCount(min(len(problems), SHOWN_PROBLEMS))
        for r, (row, field_name, message) in enumerate(problems[:SHOWN_PROBLEMS]):
            self.problems.setItem(r, 0, _item(str(row)))
            self.problems.setItem(r, 1, _item(field_name))
            self.problems.setItem(r, 2, _item(message))
        self.problems.resizeColumnToContents(0)
        self.problems.resizeColumnToContents(1)
        self.problems.resizeRowsToContents()
        self.problems.setVisible(bool(problems))
        self.skip_invalid.setVisible(bool(problems))
        dup = plan.duplicates
        names = [r.existing_name for r in plan.rows if not r.problems and r.existing_id is not None]
        shown = ", ".join(names[:5]) + (" …" if len(names) > 5 else "")
        self.dup_label.setText(self.tr("Already in the chapter (same email or student id): {n} — {names}. "
                                       "What should happen to them?").format(n=dup, names=shown))
        for widget in (self.dup_label, *self.choices.values()):
            widget.setVisible(dup > 0)
        self.completeChanged.emit()

    def duplicates(self) -> str:
        return next(k for k, b in self.choices.items() if b.isChecked())

    def isComplete(self) -> bool:
        plan = self.w.plan
        if plan is None or self._committing:
            return False
        if plan.invalid and not self.skip_invalid.isChecked():
            return False
        return plan.invalid < len(plan.rows)

    def validatePage(self) -> bool:
        if self.w.result is not None:
            return True
        plan = self.w.plan
        if plan is None:
            return False
        self._committing = True
        self.completeChanged.emit()
        db = self.w.page.ctx.db
        duplicates, skip = self.duplicates(), self.skip_invalid.isChecked()

        def work(progress, cancel):  # type: ignore[no-untyped-def]
            return commit_import(db, plan, duplicates=duplicates, skip_invalid=skip,
                                 progress=progress, cancel=cancel)

        self.task = tasks.run_task(self, self.tr("Importing"), work, on_done=self._committed,
                                   on_error=self._failed, on_cancelled=self._cancelled)
        return False

    def _cancelled(self) -> None:
        self._committing = False
        self.summary.setText(self.tr("Cancelled; nothing was imported."))
        self.completeChanged.emit()

    def _committed(self, result: ImportResult) -> None:
        self._committing = False
        self.w.result = result
        self.w.imported(result)
        self.w.next()


class DonePage(QWizardPage):
    def __init__(self, wizard: ImportWizard):
        super().__init__()
        self.w = wizard
        self.setTitle(self.tr("Imported"))
        layout = QVBoxLayout(self)
        self.text = QLabel()
        self.text.setWordWrap(True)
        self.text.setAccessibleName(self.tr("What was imported"))
        layout.addWidget(self.text)
        self.undo = QPushButton(self.tr("&Undo this import"))
        self.undo.clicked.connect(self._undo)
        row = QHBoxLayout()
        row.addWidget(self.undo)
        row.addStretch(1)
        layout.addLayout(row)
        layout.addStretch(1)

    def initializePage(self) -> None:
        r = self.w.result
        assert r is not None
        self.text.setText(self.tr("{created} people added, {updated} updated, {skipped} skipped as already "
                                  "in the chapter, {invalid} rows with problems left out.\n\nThey are on the "
                                  "Members screen now. Undo takes this import back (also later, from "
                                  "Reports & Exports or Edit ▸ Undo).").format(
            created=r.created, updated=r.updated, skipped=r.skipped,
            invalid=r.invalid if self.w.check_page.skip_invalid.isChecked() else 0))
        self.undo.setEnabled(True)

    def _undo(self) -> tasks.Task:
        r = self.w.result
        db, chapter_id = self.w.page.ctx.db, self.w.chapter_id
        audit_uuid = r.audit_uuid if r is not None else None
        self.undo.setEnabled(False)

        def work(_progress, _cancel):  # type: ignore[no-untyped-def]
            return undo_last_import(db, chapter_id, audit_uuid)

        def failed(error: BaseException) -> None:
            from ui.frame.errors import show_error

            self.undo.setEnabled(True)
            show_error(self, error, self.tr("Undo this import"))

        return tasks.run_task(self, self.tr("Undoing the import"), work, on_done=self._undone,
                              on_error=failed, cancellable=False)

    def _undone(self, undone: UndoneImport) -> None:
        self.w.page.ctx.changed("people")
        self.w.page.refresh()
        text = self.tr("Undone: {removed} people removed, {restored} given their previous "
                       "values back.").format(removed=undone.removed, restored=undone.restored)
        if undone.deleted_since:
            text += " " + deleted_since_text(undone.deleted_since)
        if undone.kept:
            text += " " + kept_text(undone.kept)
        self.text.setText(text)


class ImportWizard(QWizard):
    def __init__(self, page: ReportsPage, parent: QWidget | None = None):
        super().__init__(parent or page)
        self.page = page
        self.chapter_id = page.ctx.require_chapter()
        self.path = ""
        self.table: Table | None = None
        self.plan: ImportPlan | None = None
        self.result: ImportResult | None = None
        self.setWindowTitle(self.tr("Import members"))
        self.setAccessibleName(self.tr("Import members"))
        self.setWizardStyle(QWizard.WizardStyle.ClassicStyle)
        self.setOption(QWizard.WizardOption.NoBackButtonOnLastPage, True)
        self.setOption(QWizard.WizardOption.NoCancelButtonOnLastPage, True)
        self.setButtonText(QWizard.WizardButton.CommitButton, self.tr("&Import"))
        self.file_page = FilePage(self)
        self.mapping_page = MappingPage(self)
        self.check_page = CheckPage(self)
        self.check_page.setCommitPage(True)
        self.done_page = DonePage(self)
        for p in (self.file_page, self.mapping_page, self.check_page, self.done_page):
            self.addPage(p)
        self.resize(820, 600)

    def imported(self, result: ImportResult) -> None:
        ctx = self.page.ctx
        ctx.changed("people")
        chapter_id = self.chapter_id

        db = ctx.db

        def undo() -> None:  # a job on a worker thread
            from chapter_manager.imports import last_import

            last = last_import(db, chapter_id)
            if last is None or last.audit_uuid != result.audit_uuid:
                return  # undone already (or another import came since): nothing to do
            undo_last_import(db, chapter_id, result.audit_uuid)

        if result.created or result.updated:
            ctx.push_undo(self.tr("Import of {n} people").format(n=result.created + result.updated), undo,
                          lambda _undone: ctx.changed("people"))
        self.page.refresh()


def run_import_wizard(page: ReportsPage) -> ImportWizard | None:
    if page.ctx.chapter_id is None:
        from chapter_manager.errors import NotFound

        page.show_problem(NotFound(page.tr("Create a chapter first (File ▸ New chapter…).")),
                          page.tr("Import members"))
        return None
    wizard = ImportWizard(page)
    page.run_dialog(wizard)
    return wizard


def undo_import(page: ReportsPage) -> bool:
    from chapter_manager.imports import last_import

    if page.ctx.chapter_id is None:
        return False
    last = last_import(page.ctx.db, page.ctx.chapter_id)
    if last is None:
        page.inform(page.tr("Undo last import"), page.tr("There is no import to undo."))
        return False
    if not page.confirm(page.tr("Undo last import"), page.tr(
            "Remove the {created} people the last import added and give the {updated} people it "
            "updated their previous values back? Anyone it added who has signed a pledge, attended "
            "or taken a role since is kept.").format(
            created=last.created, updated=last.updated)):
        return False
    db, chapter_id = page.ctx.db, page.ctx.chapter_id

    def work(_progress, _cancel):  # type: ignore[no-untyped-def]
        return undo_last_import(db, chapter_id, last.audit_uuid)

    def done(undone: UndoneImport) -> None:
        page.ctx.changed("people")
        text = page.tr("Import undone: {removed} removed, {restored} restored.").format(
            removed=undone.removed, restored=undone.restored)
        if undone.deleted_since:
            text += " " + deleted_since_text(undone.deleted_since)
        if undone.kept:
            text += " " + kept_text(undone.kept)
        page.ctx.status_message.emit(text)
        page.refresh()

    def failed(error: BaseException) -> None:
        page.show_problem(error, page.tr("Undo last import"))

    tasks.run_task(page, page.tr("Undoing the import"), work, on_done=done, on_error=failed,
                   cancellable=False)
    return True
