"""The dashboard: the pledge goal, pledges over time, what is coming and what is open.

Its numbers come from one core call (``services.dashboard.dashboard_data``), run on a
worker thread so the window is usable at once even on a chapter with a million pledges.
"""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

from PySide6.QtCore import Qt, Signal, Slot
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QProgressBar,
    QPushButton,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from ui.frame import tasks
from ui.frame.context import AppContext
from ui.widgets.charts import BarChart, LineChart
from ui.widgets.forms import fmt_date, fmt_datetime, fmt_int, fmt_percent
from ui.widgets.page import Page


class Card(QFrame):
    """A titled panel of the dashboard."""

    def __init__(self, title: str, parent: QWidget | None = None):
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setObjectName("card")
        self.title = QLabel(title)
        font = self.title.font()
        font.setBold(True)
        font.setPointSizeF(font.pointSizeF() * 1.1)
        self.title.setFont(font)
        self.body = QVBoxLayout(self)
        self.body.setContentsMargins(14, 10, 14, 12)
        self.body.addWidget(self.title)
        self.setAccessibleName(title)


class DashboardPage(Page):
    watches = ("all",)
    #: the welcome's buttons: the window creates a chapter, or a demo chapter
    create_chapter_requested = Signal()
    demo_requested = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None):
        super().__init__(ctx, parent)
        self.data = None
        self._loading = None
        self._generation = itertools.count()
        self._wanted = 0

        inner = QWidget()
        grid = QGridLayout(inner)
        grid.setSpacing(12)
        grid.setContentsMargins(16, 16, 16, 16)

        # goal
        self.goal_card = Card(self.tr("Pledge goal"))
        self.goal_title = QLabel()
        self.goal_title.setWordWrap(True)
        self.goal_count = QLabel()
        big = self.goal_count.font()
        big.setPointSizeF(big.pointSizeF() * 2.0)
        big.setBold(True)
        self.goal_count.setFont(big)
        self.goal_count.setAccessibleName(self.tr("Pledges toward the goal"))
        self.goal_bar = QProgressBar()
        self.goal_bar.setRange(0, 1000)
        self.goal_bar.setTextVisible(True)
        self.goal_bar.setAccessibleName(self.tr("Goal progress"))
        self.goal_pace = QLabel()
        self.goal_pace.setWordWrap(True)
        self.goal_pace.setAccessibleName(self.tr("When the goal is reached"))
        for w in (self.goal_title, self.goal_count, self.goal_bar, self.goal_pace):
            self.goal_card.body.addWidget(w)
        self.goal_card.body.addStretch(1)
        goal_buttons = QHBoxLayout()
        self.edit_goal_button = QPushButton(self.tr("Change &goal…"))
        self.edit_goal_button.clicked.connect(self.edit_goal)
        self.new_goal_button = QPushButton(self.tr("New goa&l…"))
        self.new_goal_button.clicked.connect(self.new_goal)
        goal_buttons.addWidget(self.edit_goal_button)
        goal_buttons.addWidget(self.new_goal_button)
        goal_buttons.addStretch(1)
        self.goal_card.body.addLayout(goal_buttons)

        # chart
        self.chart_card = Card(self.tr("Pledges over time"))
        self.chart = LineChart()
        self.chart_card.body.addWidget(self.chart, 1)

        # members by status
        self.members_card = Card(self.tr("Members by status"))
        self.members_total = QLabel()
        self.members_chart = BarChart()
        self.members_chart.setAccessibleName(self.tr("Members by status"))
        self.members_card.body.addWidget(self.members_total)
        self.members_card.body.addWidget(self.members_chart)
        self.members_card.body.addStretch(1)

        self.events_card, self.events_list = self._list_card(self.tr("Upcoming events"))
        self.actions_card, self.actions_list = self._list_card(self.tr("Open forum action items"))
        self.activity_card, self.activity_list = self._list_card(self.tr("Recent activity"))

        grid.addWidget(self.goal_card, 0, 0)
        grid.addWidget(self.chart_card, 0, 1, 1, 3)
        grid.addWidget(self.members_card, 1, 0)
        grid.addWidget(self.events_card, 1, 1)
        grid.addWidget(self.actions_card, 1, 2)
        grid.addWidget(self.activity_card, 1, 3)
        for column in range(4):
            grid.setColumnStretch(column, 1)
        grid.setRowStretch(0, 1)
        grid.setRowStretch(1, 1)

        self.status = QLabel(self.tr("Loading…"))
        self.status.setAccessibleName(self.tr("Dashboard status"))
        top = QHBoxLayout()
        top.setContentsMargins(16, 8, 16, 0)
        top.addWidget(self.status)
        top.addStretch(1)

        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(inner)

        # With no chapter yet: a welcome instead of empty cards.
        self.welcome = QWidget()
        welcome = QVBoxLayout(self.welcome)
        welcome.addStretch(1)
        hello = QLabel(self.tr("Welcome to Chapter Manager"))
        font = hello.font()
        font.setPointSizeF(font.pointSizeF() * 1.6)
        font.setBold(True)
        hello.setFont(font)
        intro = QLabel(self.tr(
            "Start with your chapter: its name, university and time zone, and a pledge goal if "
            "you have one. Or look around first in a demo chapter filled with made-up people."))
        intro.setWordWrap(True)
        intro.setMaximumWidth(560)
        self.create_button = QPushButton(self.tr("&Create your chapter…"))
        self.demo_button = QPushButton(self.tr("Try a &demo chapter…"))
        self.create_button.clicked.connect(lambda: self.create_chapter_requested.emit())
        self.demo_button.clicked.connect(lambda: self.demo_requested.emit())
        row = QHBoxLayout()
        row.addWidget(self.create_button)
        row.addWidget(self.demo_button)
        row.addStretch(1)
        for widget in (hello, intro):
            welcome.addWidget(widget)
        welcome.addLayout(row)
        welcome.addStretch(2)
        welcome.setContentsMargins(48, 24, 48, 24)

        self.pages = QStackedWidget()
        self.pages.addWidget(scroll)
        self.pages.addWidget(self.welcome)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(top)
        layout.addWidget(self.pages)

    def _list_card(self, title: str) -> tuple[Card, QListWidget]:
        card = Card(title)
        widget = QListWidget()
        widget.setAccessibleName(title)
        widget.setFrameShape(QFrame.Shape.NoFrame)
        widget.setWordWrap(True)
        widget.setSpacing(4)
        widget.setAlternatingRowColors(True)
        widget.setSelectionMode(QListWidget.SelectionMode.NoSelection)
        widget.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        widget.setMinimumHeight(120)
        card.body.addWidget(widget, 1)
        return card, widget

    # ------------------------------------------------------------------ loading
    def refresh(self) -> None:
        chapter_id = self.ctx.chapter_id
        if chapter_id is None:
            self.status.hide()
            self.pages.setCurrentWidget(self.welcome)
            return
        self.pages.setCurrentIndex(0)
        if self.data is None or not self.following:  # a change elsewhere: the numbers change in place
            self.status.setText(self.tr("Loading…"))
            self.status.show()
        db = self.ctx.db
        generation = next(self._generation)
        self._wanted = generation

        def load():  # type: ignore[no-untyped-def]
            from chapter_manager.services.dashboard import dashboard_data

            return generation, dashboard_data(db, chapter_id)

        self._loading = tasks.load_in_background(self, load, self._loaded, self._failed)

    @Slot(object)
    def _loaded(self, result) -> None:  # type: ignore[no-untyped-def]
        generation, data = result
        if generation != self._wanted:
            return  # a newer load is on its way
        self.data = data
        self.status.hide()
        self._show(data)

    def _failed(self, error: BaseException) -> None:
        from ui.frame.errors import describe

        self.status.setText(describe(error))
        self.status.show()

    # ------------------------------------------------------------------ showing
    def _show(self, d) -> None:  # type: ignore[no-untyped-def]
        zone = ZoneInfo(d.timezone)
        goal = d.goal
        self.edit_goal_button.setVisible(goal is not None)
        if goal is not None:
            self.goal_title.setText(
                self.tr("{title}, {start} – {end}").format(
                    title=d.goal_title, start=fmt_date(goal.starts_on), end=fmt_date(goal.ends_on))
            )
            self.goal_count.setText(self.tr("{current} of {target}").format(
                current=fmt_int(goal.current), target=fmt_int(goal.target)))
            self.goal_bar.setValue(int(min(goal.percent, 100.0) * 10))
            self.goal_bar.setFormat(fmt_percent(goal.percent))
            self.goal_bar.show()
            if goal.reached and goal.projected_date is not None:
                pace = self.tr("Goal reached on {day}.").format(day=fmt_date(goal.projected_date, long=True))
            elif goal.projected_date is None:
                pace = self.tr("No pledges toward this goal yet, so no date can be projected.")
            elif goal.on_track:
                pace = self.tr("At the current pace the goal is reached on {day}, before the deadline.").format(
                    day=fmt_date(goal.projected_date, long=True))
            else:
                pace = self.tr("At the current pace the goal is reached on {day}, after the deadline of {end}.").format(
                    day=fmt_date(goal.projected_date, long=True), end=fmt_date(goal.ends_on, long=True))
            self.goal_pace.setText(pace)
        else:
            self.goal_title.setText(self.tr("No pledge goal set."))
            self.goal_count.setText(fmt_int(d.pledges_total))
            self.goal_bar.hide()
            self.goal_pace.setText(self.tr("{n} pledges in all. Set a goal to follow your pace toward it.").format(
                n=fmt_int(d.pledges_total)))

        days = [c.day for c in d.pledges_by_day]
        cumulative = list(itertools.accumulate(c.count for c in d.pledges_by_day))
        self.chart.set_data(days, cumulative, goal.target if goal is not None else None)

        statuses = list(d.members_by_status.items())
        self.members_chart.set_data([(status.label, count) for status, count in statuses])
        self.members_total.setText(self.tr("{n} members").format(n=fmt_int(d.members_total)))

        self.events_list.clear()
        for event in d.upcoming_events:
            local = event.starts_at.astimezone(ZoneInfo(event.timezone))
            text = self.tr("{when} — {title} ({kind})").format(
                when=fmt_datetime(local), title=event.title, kind=event.kind.label)
            if event.venue:
                text += "\n" + event.venue
            self.events_list.addItem(QListWidgetItem(text))
        if not d.upcoming_events:
            self._placeholder(self.events_list, self.tr("No events planned. Add one on the Events screen."))

        self.actions_list.clear()
        today = dt.datetime.now(zone).date()
        for item in d.open_action_items:
            due = fmt_date(item.due_on) if item.due_on else self.tr("no due date")
            owner = item.owner_name or self.tr("no owner")
            text = self.tr("{description}\n{owner} · due {due} · from “{forum}”").format(
                description=item.description, owner=owner, due=due, forum=item.forum_topic)
            entry = QListWidgetItem(text)
            if item.overdue or (item.due_on is not None and item.due_on < today):
                entry.setText(self.tr("Overdue: ") + text)
            self.actions_list.addItem(entry)
        if not d.open_action_items:
            self._placeholder(self.actions_list, self.tr("No open action items."))

        self.activity_list.clear()
        for activity in d.recent_activity:
            when = fmt_datetime(activity.when.astimezone(zone))
            self.activity_list.addItem(QListWidgetItem(f"{when}  {activity.text}"))
        if not d.recent_activity:
            self._placeholder(self.activity_list, self.tr("Nothing has happened yet."))

    # ------------------------------------------------------------------ actions
    def edit_goal(self) -> None:
        if self.data is not None and self.data.goal is not None:
            self._goal_dialog(self.data.goal.goal_id)

    def new_goal(self) -> None:
        self._goal_dialog(None)

    def _goal_dialog(self, goal_id: int | None) -> None:
        from .goal_dialog import GoalDialog

        self.run_dialog(GoalDialog(self.ctx, goal_id, self))

    def _placeholder(self, widget: QListWidget, text: str) -> None:
        item = QListWidgetItem(text)
        item.setFlags(Qt.ItemFlag.NoItemFlags)
        widget.addItem(item)
