"""Reports & Exports ▸ Impact report: choose the period, preview the pages, save the PDF.

The report is made by the core (``chapter_manager.reports.impact.build_report``) on the
worker pool through ``tasks.run_task`` (progress after 600 ms, Cancel).  Pages are
previewed by rendering the PDF itself with PDFium (``pypdfium2``: PySide6-Essentials has
no QtPdf), one page at a time on a worker, so what is seen is exactly what is saved.
"""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

from PySide6.QtCore import QDate, Qt, Slot
from PySide6.QtGui import QImage, QKeySequence, QPixmap, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from ui.frame.context import AppContext
from ui.frame.tasks import load_in_background, run_task

_PDFIUM_LOCK = threading.Lock()  # PDFium is not thread-safe: one render at a time


def render_page(pdf: bytes, index: int, width_px: int) -> QImage:
    """Page ``index`` of ``pdf`` as an image ``width_px`` wide (any thread)."""
    import pypdfium2

    with _PDFIUM_LOCK:
        document = pypdfium2.PdfDocument(pdf)
        try:
            page = document[index]
            scale = width_px / page.get_width()
            bitmap = page.render(scale=scale, rev_byteorder=True)
            channels = bitmap.n_channels
            fmt = QImage.Format.Format_RGB888 if channels == 3 else QImage.Format.Format_RGBA8888
            image = QImage(bytes(bitmap.buffer), bitmap.width, bitmap.height, bitmap.stride, fmt).copy()
            page.close()
        finally:
            document.close()
    return image


class ImpactReportDialog(QDialog):
    """Make the chapter's impact report, look at its pages, save it."""

    PRESETS = ("term", "year12", "calendar", "custom")

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(parent)
        self.ctx = ctx
        self.result_: Any = None  # the last ReportResult
        self.page = 0
        self.saved_to: str | None = None
        self.setWindowTitle(self.tr("Impact report"))

        self.preset = QComboBox()
        self.preset.addItem(self.tr("This academic term"), "term")  # untranslated: item data
        self.preset.addItem(self.tr("The last 12 months"), "year12")  # untranslated: item data
        self.preset.addItem(self.tr("This calendar year"), "calendar")  # untranslated: item data
        self.preset.addItem(self.tr("Choose the dates"), "custom")  # untranslated: item data
        self.preset.setAccessibleName(self.tr("Period"))
        self.start = QDateEdit()
        self.start.setCalendarPopup(True)
        self.start.setDisplayFormat("yyyy-MM-dd")
        self.start.setAccessibleName(self.tr("First day of the period"))
        self.end = QDateEdit()
        self.end.setCalendarPopup(True)
        self.end.setDisplayFormat("yyyy-MM-dd")
        self.end.setAccessibleName(self.tr("Last day of the period"))
        self.advisor = QCheckBox(self.tr("&Advisor edition"))
        self.advisor.setAccessibleName(self.tr("Advisor edition"))
        self.advisor.setToolTip(self.tr("No contact details, and no one who asked not to be disclosed."))
        self.generate_button = QPushButton(self.tr("&Make the report"))
        self.generate_button.setDefault(True)
        self.generate_button.clicked.connect(self.generate)

        form = QFormLayout()
        form.addRow(self.tr("&Period"), self.preset)
        form.addRow(self.tr("&From"), self.start)
        form.addRow(self.tr("&To"), self.end)
        form.addRow("", self.advisor)
        self.status = QLabel(self.tr("Choose the period, then make the report to see its pages here."))
        self.status.setWordWrap(True)
        self.status.setAccessibleName(self.tr("Report status"))
        self.warnings = QLabel()
        self.warnings.setWordWrap(True)
        self.warnings.setAccessibleName(self.tr("Warnings about the report"))
        self.warnings.hide()

        self.preview = QLabel()
        self.preview.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.preview.setAccessibleName(self.tr("Page preview"))
        self.preview.setMinimumSize(420, 560)
        self.scroll = QScrollArea()
        self.scroll.setWidget(self.preview)
        self.scroll.setWidgetResizable(True)
        self.scroll.setAccessibleName(self.tr("Page preview"))
        self.previous_button = QPushButton(self.tr("&Previous page"))
        self.previous_button.clicked.connect(self.previous_page)
        self.next_button = QPushButton(self.tr("&Next page"))
        self.next_button.clicked.connect(self.next_page)
        self.page_label = QLabel()
        self.page_label.setAccessibleName(self.tr("Page number"))
        self.save_button = QPushButton(self.tr("&Save as PDF…"))
        self.save_button.clicked.connect(self.save)
        close = QPushButton(self.tr("Close"))
        close.clicked.connect(self.reject)

        left = QVBoxLayout()
        left.addLayout(form)
        left.addWidget(self.generate_button)
        left.addWidget(self.status)
        left.addWidget(self.warnings)
        left.addStretch(1)
        left.addWidget(self.save_button)
        left.addWidget(close)
        nav = QHBoxLayout()
        nav.addWidget(self.previous_button)
        nav.addStretch(1)
        nav.addWidget(self.page_label)
        nav.addStretch(1)
        nav.addWidget(self.next_button)
        right = QVBoxLayout()
        right.addWidget(self.scroll, 1)
        right.addLayout(nav)
        layout = QHBoxLayout(self)
        side = QWidget()
        side.setLayout(left)
        side.setMaximumWidth(360)
        layout.addWidget(side)
        layout.addLayout(right, 1)

        QShortcut(QKeySequence(QKeySequence.StandardKey.MoveToNextPage), self, self.next_page)
        QShortcut(QKeySequence(QKeySequence.StandardKey.MoveToPreviousPage), self, self.previous_page)
        QShortcut(QKeySequence(QKeySequence.StandardKey.Save), self, self.save)
        self.setTabOrder(self.preset, self.start)
        self.setTabOrder(self.start, self.end)
        self.setTabOrder(self.end, self.advisor)
        self.setTabOrder(self.advisor, self.generate_button)

        self.preset.currentIndexChanged.connect(self._preset_changed)
        self.start.dateChanged.connect(self._dates_typed)
        self.end.dateChanged.connect(self._dates_typed)
        self._setting_dates = False
        self._preset_changed()
        self._update_controls()
        self.resize(1020, 760)
        self.preset.setFocus()

    # ---------------------------------------------------------------- period
    def _today(self) -> dt.date:
        from zoneinfo import ZoneInfo

        try:
            return dt.datetime.now(ZoneInfo(self.ctx.timezone)).date()
        except Exception:  # an unknown zone name: the computer's date
            return dt.date.today()

    def period(self) -> tuple[dt.date, dt.date]:
        return self.start.date().toPython(), self.end.date().toPython()

    def _set_dates(self, first: dt.date, last: dt.date) -> None:
        self._setting_dates = True
        self.start.setDate(QDate(first.year, first.month, first.day))
        self.end.setDate(QDate(last.year, last.month, last.day))
        self._setting_dates = False

    @Slot()
    def _preset_changed(self) -> None:
        from chapter_manager.reports.data import default_period

        today = self._today()
        key = self.preset.currentData()
        if key == "term":
            self._set_dates(*default_period(self.ctx.db, self.ctx.require_chapter(), today))
        elif key == "year12":
            self._set_dates(today - dt.timedelta(days=364), today)
        elif key == "calendar":
            self._set_dates(dt.date(today.year, 1, 1), today)

    @Slot()
    def _dates_typed(self) -> None:
        if not self._setting_dates and self.preset.currentData() != "custom":
            self.preset.blockSignals(True)
            self.preset.setCurrentIndex(self.PRESETS.index("custom"))
            self.preset.blockSignals(False)

    # ---------------------------------------------------------------- making it
    @Slot()
    def generate(self) -> None:
        from chapter_manager.reports.data import ReportOptions
        from chapter_manager.reports.impact import build_report

        first, last = self.period()
        if last < first:
            self.status.setText(self.tr("The period cannot end before it starts: change the dates."))
            self.end.setFocus()
            return
        options = ReportOptions(chapter_id=self.ctx.require_chapter(), start=first, end=last,
                                advisor=self.advisor.isChecked(), today=self._today())
        db = self.ctx.db
        self.generate_button.setEnabled(False)
        self.status.setText(self.tr("Making the report…"))
        self.task = run_task(
            self, self.tr("Making the impact report"),
            lambda progress, cancel: build_report(db, options, progress, cancel),
            on_done=self._generated, on_error=self._failed, on_cancelled=self._cancelled,
        )

    def _generated(self, result: Any) -> None:
        self.result_ = result
        self.page = 0
        self.generate_button.setEnabled(True)
        self.status.setText(self.tr("%n page(s), ready to save.", "", result.pages))
        if result.warnings:
            self.warnings.setText(self.tr("Some names have characters no font of the report can draw:") + "\n"
                                  + "\n".join(result.warnings))
            self.warnings.show()
        else:
            self.warnings.hide()
        self._update_controls()
        self._render()

    def _failed(self, error: BaseException) -> None:
        from ui.frame.errors import describe

        self.generate_button.setEnabled(True)
        self.status.setText(describe(error))

    def _cancelled(self) -> None:
        self.generate_button.setEnabled(True)
        self.status.setText(self.tr("Cancelled; no report was made."))

    # ---------------------------------------------------------------- preview
    def _render(self) -> None:
        if self.result_ is None:
            return
        pdf, index = self.result_.pdf, self.page
        width = max(400, min(1400, self.scroll.viewport().width() - 24))
        ratio = self.devicePixelRatioF()
        self._rendering = load_in_background(
            self, lambda: (index, render_page(pdf, index, int(width * ratio))), self._show_page,
            on_error=self._failed)

    def _show_page(self, rendered: tuple[int, QImage]) -> None:
        index, image = rendered
        if index != self.page:
            return
        pixmap = QPixmap.fromImage(image)
        pixmap.setDevicePixelRatio(self.devicePixelRatioF())
        self.preview.setPixmap(pixmap)
        self._update_controls()

    @Slot()
    def next_page(self) -> None:
        if self.result_ is not None and self.page + 1 < self.result_.pages:
            self.page += 1
            self._update_controls()
            self._render()

    @Slot()
    def previous_page(self) -> None:
        if self.result_ is not None and self.page > 0:
            self.page -= 1
            self._update_controls()
            self._render()

    def _update_controls(self) -> None:
        ready = self.result_ is not None
        pages = self.result_.pages if ready else 0
        self.save_button.setEnabled(ready)
        self.previous_button.setEnabled(ready and self.page > 0)
        self.next_button.setEnabled(ready and self.page + 1 < pages)
        self.page_label.setText(self.tr("Page %1 of %2").replace("%1", str(self.page + 1)).replace("%2", str(pages))
                                if ready else "")

    # ---------------------------------------------------------------- saving
    def default_file_name(self) -> str:
        first, last = self.period()
        return self.tr("impact-report") + f"-{first.isoformat()}-{last.isoformat()}.pdf"

    @Slot()
    def save(self) -> None:
        if self.result_ is None:
            return
        path, _filter = QFileDialog.getSaveFileName(
            self, self.tr("Save the impact report"), self.default_file_name(), self.tr("PDF documents (*.pdf)"))
        if not path:
            return
        if not path.lower().endswith(".pdf"):
            path += ".pdf"
        from chapter_manager.errors import ChapterError
        from chapter_manager.reports.impact import write_pdf

        try:
            write_pdf(self.result_.pdf, path)
        except ChapterError as error:
            from ui.frame.errors import show_error

            show_error(self, error, self.tr("Save the impact report"))
            return
        self.saved_to = path
        self.status.setText(self.tr("Saved to %1.").replace("%1", path))
