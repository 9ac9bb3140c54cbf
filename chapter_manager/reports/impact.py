"""The impact report: a PDF for the faculty advisor, the dean or UN Women.

:func:`build_report` gathers the figures (:mod:`.data`), lays them out with reportlab's
platypus (every text through :mod:`.text`, charts from :mod:`.charts`) and returns the
PDF's bytes with the warnings (names no shipped font can draw).  It is a core task:
``progress(fraction, message)`` and a cancel ``Event``, run by the CLI directly and by
the app on its worker pool.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Spacer,
    Table,
    TableStyle,
)

from .. import __version__
from ..errors import ChapterError
from ..i18n import _
from ..storage import Database
from . import charts
from .data import Cancelled, Progress, ReportData, ReportOptions, gather
from .typeset import Style, Text, Typesetter

PAGE = A4
MARGIN = 18 * mm
WIDTH = PAGE[0] - 2 * MARGIN

INK = charts.INK
ACCENT = charts.ACCENT
GREY = charts.GREY
PALE = colors.HexColor("#F4F1F5")

BODY = Style(size=9.5, color=INK, space_after=4)
SMALL = Style(size=8, color=GREY)
H1 = Style(size=17, bold=True, color=ACCENT, space_before=4, space_after=8)
H2 = Style(size=12, bold=True, color=INK, space_before=10, space_after=5)
H3 = Style(size=10, bold=True, color=INK, space_before=6, space_after=3)
CELL = Style(size=8.5, color=INK)
CELL_NUM = CELL.but(align="right")
HEAD = Style(size=8, bold=True, color=GREY)
HEAD_NUM = HEAD.but(align="right")


@dataclass(frozen=True)
class ReportResult:
    pdf: bytes
    pages: int
    warnings: list[str]
    data: ReportData
    drawn: dict[str, set[str]]  # reportlab font name -> every character drawn with it


class ReportWriteError(ChapterError):
    pass


def _date(day: dt.date | None) -> str:
    return day.isoformat() if day else "—"


def _n(value: int) -> str:
    return f"{value:,}"


class _Builder:
    def __init__(self, data: ReportData, ts: Typesetter):
        self.d = data
        self.ts = ts
        self.story: list[Flowable] = []
        self._kept: list[Flowable] = []

    # ---------------------------------------------------------------- helpers
    def text(self, text: str, style: Style = BODY) -> Text:
        return Text(self.ts, text, style)

    def add(self, *flowables: Flowable) -> None:
        """Add to the story; flowables marked :meth:`kept` go into one ``KeepTogether`` with
        the next one (reportlab's own ``keepWithNext`` cannot join a ``KeepTogether``, which
        every chart block is)."""
        for flowable in flowables:
            if getattr(flowable, "_keep_with_next", False):
                self._kept.append(flowable)
                continue
            if self._kept:
                content = list(flowable._content) if isinstance(flowable, KeepTogether) else [flowable]
                flowable = KeepTogether(self._kept + content)
                self._kept = []
            self.story.append(flowable)

    def heading(self, text: str, style: Style = H2, room: float = 60) -> None:
        """A section heading, on the next page unless ``room`` points are left, and kept
        on the page of what follows it."""
        self.add(CondPageBreak(room), self.kept(self.text(text, style)))

    @staticmethod
    def kept(flowable: Flowable) -> Flowable:
        """``flowable`` kept on the same page as the next one (headings, captions)."""
        flowable._keep_with_next = True
        return flowable

    def table(self, head: list[tuple[str, Style]], rows: list[list[tuple[str, Style]]],
              widths: list[float], zebra: bool = True, pad: float = 2.5, rule: bool = True) -> Table:
        """A table whose plain cells (see :meth:`Typesetter.plain_lines`) are reportlab
        strings in the primary face, wrapped here, so that rows of plain cells have known
        heights and reportlab neither measures nor wraps them; any other cell is a
        :class:`Text`."""
        ts = self.ts
        commands: list[tuple[Any, ...]] = [
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("LEFTPADDING", (0, 0), (-1, -1), 4),
            ("RIGHTPADDING", (0, 0), (-1, -1), 4),
            ("TOPPADDING", (0, 0), (-1, -1), pad),
            ("BOTTOMPADDING", (0, 0), (-1, -1), pad),
        ]
        if rule:
            commands.append(("LINEBELOW", (0, 0), (-1, 0), 0.8, ACCENT))
        # cell styles by column, as runs of rows: (style, first row, last row)
        runs: list[list[list[Any]]] = [[] for _ in widths]
        cells: list[list[Any]] = []
        heights: list[float | None] = []
        for r, row in enumerate([head, *rows]):
            line: list[Any] = []
            height: float | None = 0.0
            for c, (text, style) in enumerate(row):
                lines = None
                if not style.space_before and not style.space_after:
                    lines = ts.plain_lines(text, style, widths[c] - 8)
                if lines is None:
                    line.append(self.text(text, style))
                    height = None
                    continue
                face = ts.fonts.primary(style.bold)
                ts.drawn.setdefault(face.name, set()).update(text)
                line.append("\n".join(lines))
                if height is not None:
                    height = max(height, len(lines) * style.line_height)
                column = runs[c]
                if column and column[-1][0] == style and column[-1][2] == r - 1:
                    column[-1][2] = r
                else:
                    column.append([style, r, r])
            cells.append(line)
            heights.append(None if height is None else height + 2 * pad)
        for c, column in enumerate(runs):
            for style, first, last in column:
                face = ts.fonts.primary(style.bold)
                align = {"start": "LEFT", "left": "LEFT", "end": "RIGHT", "right": "RIGHT",
                         "center": "CENTER"}[style.align]
                commands += [
                    ("FONT", (c, first), (c, last), face.name, style.size, style.line_height),
                    ("TEXTCOLOR", (c, first), (c, last), style.color),
                    ("ALIGN", (c, first), (c, last), align),
                ]
        if zebra:
            commands.append(("ROWBACKGROUNDS", (0, 1), (-1, -1), [colors.white, PALE]))
        table = Table(cells, colWidths=widths, rowHeights=heights, repeatRows=1)
        table.setStyle(TableStyle(commands))
        return table

    def period_text(self) -> str:
        return _("{start} to {end}").format(start=_date(self.d.start), end=_date(self.d.end))

    # ---------------------------------------------------------------- sections
    def cover(self) -> None:
        d = self.d
        self.add(Spacer(1, 40 * mm))
        self.add(self.text(_("HeForShe · Impact report"), Style(size=12, bold=True, color=ACCENT)))
        self.add(Spacer(1, 6))
        self.add(self.text(d.chapter_name, Style(size=26, bold=True, color=INK, leading=32)))
        where = ", ".join(p for p in (d.university, d.campus, d.city) if p)
        if where:
            self.add(self.text(where, Style(size=13, color=GREY, space_before=4)))
        self.add(Spacer(1, 18 * mm))
        facts = [
            (_("Period"), self.period_text()),
            (_("Generated"), d.generated_at.strftime("%Y-%m-%d %H:%M") + f" ({d.timezone})"),
        ]
        if d.advisor_name:
            facts.append((_("Faculty advisor"), d.advisor_name + (f" · {d.advisor_email}" if d.advisor_email else "")))
        if d.advisor_mode:
            facts.append((_("Edition"), _("Advisor edition: no contact details, and no one who asked not to be disclosed.")))
        value = Style(size=10.5, color=INK)
        # bottom-aligned cells put the baseline (leading - size) above the bottom: the label's
        # leading makes that the same for both sizes
        label = HEAD.but(leading=value.line_height - (value.size - HEAD.size))
        rows = [[(k, label), (v, value)] for k, v in facts]
        table = self.table([("", HEAD), ("", HEAD)], rows, [38 * mm, WIDTH - 38 * mm], zebra=False, pad=4,
                           rule=False)
        # labels and values of different sizes share a baseline
        table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "BOTTOM")]))
        self.add(table)
        self.add(Spacer(1, 16 * mm))
        self.add(self.text(_(
            "HeForShe is the UN Women solidarity movement that invites people of every gender to "
            "stand together for gender equality. This report sets out what the chapter did in the "
            "period: the commitments it gathered, its events and forums, and the voices of the "
            "people who took part."), Style(size=10, color=GREY, leading=14)))
        self.add(NextPageTemplate("body"), PageBreak())

    def glance(self) -> None:
        d = self.d
        f = d.figures
        self.add(self.text(_("At a glance"), H1))
        rows = [
            [(_("Pledges"), CELL), (_n(f["pledges"].period), CELL_NUM), (_n(f["pledges"].all_time), CELL_NUM)],
            [(_("New members"), CELL), (_n(f["new_members"].period), CELL_NUM),
             (_n(f["new_members"].all_time), CELL_NUM)],
            [(_("Active members now"), CELL), ("", CELL_NUM), (_n(d.active_members), CELL_NUM)],
            [(_("Events held"), CELL), (_n(f["events_held"].period), CELL_NUM),
             (_n(f["events_held"].all_time), CELL_NUM)],
            [(_("Attendance (named check-ins)"), CELL), (_n(f["attendance"].period), CELL_NUM),
             (_n(f["attendance"].all_time), CELL_NUM)],
            [(_("More people counted at the door"), CELL), (_n(f["headcount"].period), CELL_NUM),
             (_n(f["headcount"].all_time), CELL_NUM)],
            [(_("Forums held"), CELL), (_n(f["forums"].period), CELL_NUM), (_n(f["forums"].all_time), CELL_NUM)],
        ]
        self.add(self.table([(_("Figure"), HEAD), (_("This period"), HEAD_NUM), (_("All time"), HEAD_NUM)],
                            rows, [WIDTH - 70 * mm, 35 * mm, 35 * mm]))
        self.add(Spacer(1, 8))
        goal = d.goal
        if goal is None:
            self.add(self.text(_("The chapter has not set a pledge goal."), BODY))
        else:
            if goal.reached:
                pace = _("Reached on {day}.").format(day=_date(goal.projected))
            elif goal.projected is None:
                pace = _("No pledges towards it yet, so there is no pace to project.")
            elif goal.projected <= goal.ends_on:
                pace = _("At the current pace it is reached on {day}, before the goal ends ({end}).").format(
                    day=_date(goal.projected), end=_date(goal.ends_on))
            else:
                pace = _("At the current pace it is reached on {day}, after the goal ends ({end}).").format(
                    day=_date(goal.projected), end=_date(goal.ends_on))
            self.add(self.text(_("Pledge goal “{title}” ({start} to {end}): {current} of {target} pledges, {percent} %.").format(
                title=goal.title, start=_date(goal.starts_on), end=_date(goal.ends_on), current=_n(goal.current),
                target=_n(goal.target), percent=f"{goal.percent:g}").replace(" %", "\u00a0%") + " " + pace,
                BODY.but(bold=True)))

    def charts(self) -> None:
        d = self.d
        self.heading(_("Pledges over time"))
        goal = d.goal
        if goal is not None:
            if goal.points and goal.points[-1][1] > 0:
                chart = charts.cumulative_chart(
                    self.ts, goal.points, goal.starts_on, goal.ends_on, WIDTH, target=goal.target,
                    projected=goal.projected,
                    labels={"goal": _("Goal: {n} pledges").format(n=_n(goal.target))})
                self.add(self.kept(self.text(_("Cumulative pledges towards “{title}”, {by}.").format(
                    title=goal.title, by=_("by week") if d.by_week else _("by day")), SMALL)), chart)
            else:
                self.add(self.text(_("No pledges towards the goal yet."), BODY))
        elif d.pledge_points and d.pledge_points[-1][1] > 0:
            chart = charts.cumulative_chart(self.ts, d.pledge_points, d.start, d.end, WIDTH)
            self.add(self.kept(self.text(_("Cumulative pledges in the period (no pledge goal is set)."), SMALL)), chart)
        else:
            self.add(self.text(_("No pledges in this period yet."), BODY))

        self.heading(_("Pledges per event"))
        top = sorted((e for e in d.events if e.pledges), key=lambda e: (-e.pledges, e.day))[:12]
        if top:
            self.add(self.kept(self.text(_("The events with the most pledges ({n} of {total} events).").format(
                n=len(top), total=len(d.events)), SMALL)))
            self.add(charts.bar_chart(self.ts, [((e.title, f" ({_date(e.day)})"), e.pledges) for e in top], WIDTH,
                                      color=ACCENT))
        else:
            self.add(self.text(_("No pledges were signed at events in this period."), BODY))

        self.heading(_("Attendance per event"))
        attended = [e for e in d.events if e.attendance or e.at_door]
        if d.attendance_by_month:
            self.add(KeepTogether([self.text(_("Attendance (named and counted at the door) per month, {n} events.").format(
                n=len(d.events)), SMALL), charts.column_chart(self.ts, d.attendance_by_month, WIDTH)]))
        elif attended:
            self.add(KeepTogether([
                self.text(_("Named check-ins and people counted at the door, in date order."), SMALL),
                charts.column_chart(self.ts, [(e.day.strftime("%m-%d"), e.attendance + e.at_door)
                                              for e in d.events], WIDTH)]))
        else:
            self.add(self.text(_("No attendance was recorded at events in this period."), BODY))

        blocks: list[Flowable] = []
        blocks.append(self.text(_("Pledges by affiliation"), H3))
        if d.by_affiliation:
            blocks.append(charts.bar_chart(self.ts, d.by_affiliation, WIDTH, percent=True))
        else:
            blocks.append(self.text(_("No pledges in this period yet."), BODY))
        self.add(CondPageBreak(120), KeepTogether(blocks))
        blocks = [self.text(_("Pledges by self-described gender"), H3)]
        if d.by_gender:
            blocks.append(self.text(_(
                "{n} of the period's pledgers described their gender. Groups of fewer than 5 people are "
                "counted in “Other or not said”, so that no one can be singled out.").format(n=_n(d.gender_given)),
                SMALL))
            blocks.append(charts.bar_chart(self.ts, d.by_gender, WIDTH, percent=True, color=charts.GREY))
            if d.gender_hidden:
                blocks.append(self.text(_(
                    "Fewer than 5 people described their gender otherwise or did not say; they are not shown."),
                    SMALL))
        else:
            blocks.append(self.text(_(
                "Too few pledgers of the period described their gender to show without singling anyone out."
                if d.gender_given else "No pledger of the period described their gender."), BODY))
        self.add(KeepTogether(blocks))

    def events(self) -> None:
        d = self.d
        # the heading, the note and the table's first rows start on one page
        self.heading(_("Events"), room=130)
        if not d.events:
            self.add(self.text(_("No events in this period."), BODY))
            return
        rows = []
        for e in d.events:
            attendance = _n(e.attendance) + (f" +{_n(e.at_door)}" if e.at_door else "")
            rows.append([(_date(e.day), CELL), (e.title, CELL), (e.kind, CELL), (e.focus, CELL),
                         (attendance, CELL_NUM), (_n(e.pledges), CELL_NUM)])
        self.add(self.text(_("Attendance is named check-ins; “+n” are more people counted at the door."), SMALL))
        self.add(self.table(
            [(_("Date"), HEAD), (_("Event"), HEAD), (_("Kind"), HEAD), (_("Focus area"), HEAD),
             (_("Attendance"), HEAD_NUM), (_("Pledges"), HEAD_NUM)],
            rows, [20 * mm, WIDTH - 125 * mm, 28 * mm, 41 * mm, 21 * mm, 15 * mm]))

    def forums(self) -> None:
        d = self.d
        self.heading(_("Forums"))
        if not d.forums:
            self.add(self.text(_("No forums in this period."), BODY))
            return
        for forum in d.forums:
            head = f"{_date(forum.held_on)} · {forum.topic}"
            blocks: list[Flowable] = [self.text(head, H3)]
            facts = forum.format
            if forum.participants is not None:
                facts += " · " + _("{n} participants").format(n=_n(forum.participants))
            blocks.append(self.text(facts, SMALL))
            if forum.summary:
                blocks.append(self.text(forum.summary, BODY))
            for takeaway in forum.takeaways:
                blocks.append(self.text("• " + takeaway, BODY.but(space_after=2)))
            self.add(KeepTogether(blocks))
            if forum.actions:
                rows = [[(desc, CELL), (owner, CELL), (_date(due), CELL), (state, CELL)]
                        for desc, owner, due, state in forum.actions]
                self.add(self.table([(_("Action item"), HEAD), (_("Owner"), HEAD), (_("Due"), HEAD),
                                     (_("State"), HEAD)], rows,
                                    [WIDTH - 100 * mm, 45 * mm, 22 * mm, 33 * mm]))
            self.add(Spacer(1, 6))

    def stories(self) -> None:
        d = self.d
        self.heading(_("In their own words"))
        if not d.stories:
            self.add(self.text(_("No testimonies with consent to publish in this period."), BODY))
            return
        self.add(self.kept(self.text(_("Testimonies shared at forums whose tellers agreed to their publication."),
                                     SMALL)))
        for story in d.stories:
            self.add(KeepTogether([
                self.text("“" + story.text + "”", Style(size=10, color=INK, leading=14, space_before=6)),
                self.text("— " + story.by + " · " + story.where + " · " + _date(story.day), SMALL.but(align="end")),
            ]))

    def officers(self) -> None:
        d = self.d
        self.heading(_("Officers of the period"), room=100)
        if not d.officers:
            self.add(self.text(_("No officers are recorded for this period."), BODY))
            return
        contact = any(o.email for o in d.officers) and not d.advisor_mode
        head = [(_("Role"), HEAD), (_("Name"), HEAD)]
        widths = [45 * mm, WIDTH - 81 * mm]
        if contact:
            head.append((_("Email"), HEAD))
            widths = [34 * mm, 44 * mm, WIDTH - 114 * mm]
        head.append((_("Term"), HEAD))
        widths.append(36 * mm)
        rows = []
        for o in d.officers:
            row = [(o.title, CELL), (o.name, CELL)]
            if contact:
                row.append((o.email, CELL))
            row.append((f"{_date(o.starts_on)} – {_date(o.ends_on) if o.ends_on else _('now')}", CELL))
            rows.append(row)
        self.add(self.table(head, rows, widths))

    def closing(self) -> None:
        d = self.d
        self.heading(_("Definitions"))
        for line in (
            _("A pledge is one person's HeForShe commitment; a person pledges at most once per chapter "
              "(signing again counts as attendance). Pledges count in the period in which they were signed."),
            _("Attendance counts people checked in by name at events that started in the period; people counted "
              "at the door without names are shown apart."),
            _("Members are people with a membership of any status; new members joined in the period; "
              "active members are those whose membership is active today."),
            _("Events held are events marked held that started in the period; forums are the sessions held in it. "
              "All time means since the chapter's first record."),
            _("Days are counted in the chapter's time zone ({tz}).").format(tz=d.timezone),
        ):
            self.add(self.text("• " + line, BODY.but(size=8.5, space_after=3)))
        box = [
            self.text(_("Faculty advisor's sign-off"), H3),
            self.text(_("I have read this report and confirm that it reflects the chapter's activities in the period."),
                      BODY),
            Spacer(1, 16),
            self.table([("", HEAD), ("", HEAD), ("", HEAD)],
                       [[(_("Name"), SMALL), (_("Signature"), SMALL), (_("Date"), SMALL)],
                        [(d.advisor_name or " ", BODY), (" ", BODY), (" ", BODY)]],
                       [WIDTH * 0.4, WIDTH * 0.38, WIDTH * 0.22 - 12], zebra=False),
        ]
        sign = Table([[box]], colWidths=[WIDTH])
        sign.setStyle(TableStyle([("BOX", (0, 0), (-1, -1), 0.8, ACCENT),
                                  ("LEFTPADDING", (0, 0), (-1, -1), 8), ("RIGHTPADDING", (0, 0), (-1, -1), 8),
                                  ("TOPPADDING", (0, 0), (-1, -1), 6), ("BOTTOMPADDING", (0, 0), (-1, -1), 14)]))
        self.add(CondPageBreak(150), Spacer(1, 10), sign)

    def build(self) -> list[Flowable]:
        self.cover()
        self.glance()
        self.charts()
        self.events()
        self.forums()
        self.stories()
        self.officers()
        self.closing()
        self.story.extend(self._kept)
        return self.story


def _canvas_class(ts: Typesetter, data: ReportData) -> type[Canvas]:
    """A canvas that keeps its pages until the end, to write "Page n of N" on each."""
    header = _("Impact report · {start} to {end}").format(start=_date(data.start), end=_date(data.end))

    class PagedCanvas(Canvas):
        def __init__(self, *args: Any, **kwargs: Any):
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:  # reportlab's name
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                self._furnish(number, total)
                Canvas.showPage(self)
            Canvas.save(self)

        def _furnish(self, number: int, total: int) -> None:
            self.saveState()
            width, height = PAGE
            if number > 1:
                ts.draw(self, data.chapter_name, MARGIN, height - 12 * mm, Style(size=8, bold=True, color=INK),
                        width=WIDTH * 0.55)
                ts.draw(self, header, width - MARGIN, height - 12 * mm, Style(size=8, color=GREY), align="right")
                self.setStrokeColor(ACCENT)
                self.setLineWidth(0.6)
                self.line(MARGIN, height - 13.5 * mm, width - MARGIN, height - 13.5 * mm)
            else:
                self.setFillColor(ACCENT)
                self.rect(0, height - 14 * mm, width, 14 * mm, stroke=0, fill=1)
            ts.draw(self, _("Page {n} of {total}").format(n=number, total=total), width - MARGIN, 10 * mm,
                    Style(size=8, color=GREY), align="right")
            ts.draw(self, _("Chapter Manager {version}").format(version=__version__), MARGIN, 10 * mm,
                    Style(size=7, color=GREY))
            self.restoreState()

    return PagedCanvas


class _Doc(BaseDocTemplate):
    def __init__(self, buffer: io.BytesIO, total: int, progress: Progress | None,
                 cancel: threading.Event | None, **kwargs: Any):
        super().__init__(buffer, pagesize=PAGE, leftMargin=MARGIN, rightMargin=MARGIN,
                         topMargin=20 * mm, bottomMargin=18 * mm, **kwargs)
        frame = Frame(MARGIN, 18 * mm, WIDTH, PAGE[1] - 38 * mm, id="body", leftPadding=0, rightPadding=0,
                      topPadding=0, bottomPadding=0)
        self.addPageTemplates([PageTemplate("cover", [frame]), PageTemplate("body", [frame])])
        self._total = max(total, 1)
        self._done = 0
        self._progress = progress
        self._cancel = cancel

    def afterFlowable(self, flowable: Flowable) -> None:  # reportlab's name
        self._done += 1
        if self._cancel is not None and self._cancel.is_set():
            raise Cancelled()
        if self._progress is not None and self._done % 20 == 0:
            self._progress(0.75 + 0.2 * min(self._done / self._total, 1.0), _("Laying out the pages…"))


def build_report(db: Database, options: ReportOptions, progress: Progress | None = None,
                 cancel: threading.Event | None = None) -> ReportResult:
    """The impact report as PDF bytes (see the module notes)."""
    data = gather(db, options, progress, cancel)
    if progress is not None:
        progress(0.75, _("Laying out the pages…"))
    ts = Typesetter()
    story = _Builder(data, ts).build()
    buffer = io.BytesIO()
    title = _("Impact report: {chapter}").format(chapter=data.chapter_name)
    doc = _Doc(
        buffer, len(story), progress, cancel,
        title=title, author=data.chapter_name,
        subject=_("HeForShe chapter impact, {start} to {end}").format(start=_date(data.start), end=_date(data.end)),
        creator=_("Chapter Manager {version}").format(version=__version__),
        keywords=["HeForShe", "UN Women", data.chapter_name],
    )
    doc.build(story, canvasmaker=_canvas_class(ts, data))
    pdf = buffer.getvalue()
    pages = doc.page
    warnings = ts.fonts.warnings()
    if progress is not None:
        progress(1.0, _("Done."))
    return ReportResult(pdf=pdf, pages=pages, warnings=warnings, data=data, drawn=ts.drawn)


def write_pdf(pdf: bytes, path: Path) -> Path:
    """Write ``pdf`` to ``path`` whole or not at all (a temporary file renamed)."""
    path = Path(path).expanduser()
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise ReportWriteError(_("{p} is a folder; give a file name such as report.pdf.").format(p=path))
    if not folder.is_dir():
        raise ReportWriteError(_("The folder {p} does not exist.").format(p=folder))
    try:
        fd, tmp = tempfile.mkstemp(prefix=".report-", suffix=".pdf", dir=folder)
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(pdf)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
    except PermissionError:
        raise ReportWriteError(_("Cannot write {p}: permission denied.").format(p=path)) from None
    except OSError as error:
        raise ReportWriteError(_("Cannot write {p}: {reason}.").format(p=path, reason=error.strerror or error)) from None
    return path
