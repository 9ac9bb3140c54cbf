"""The dashboard: its numbers match the core's, the goal can be set, a new database is welcomed."""

from __future__ import annotations

import datetime as dt

from chapter_manager.services.goals import list_goals
from chapter_manager.services.stats import chapter_stats


def _page(ctx, qtbot):
    from ui.dashboard.page import DashboardPage

    page = DashboardPage(ctx)
    qtbot.addWidget(page)
    page.resize(1000, 700)
    page.show()
    page.activated()
    qtbot.waitUntil(lambda: page.data is not None, timeout=10_000)
    return page


def test_dashboard_shows_the_chapters_figures(demo_ctx, qtbot):
    page = _page(demo_ctx, qtbot)
    stats = chapter_stats(demo_ctx.db, demo_ctx.chapter_id)
    data = page.data
    assert data.pledges_total == stats["pledges"]
    assert data.members_total == stats["members"]
    assert sum(data.members_by_status.values()) == stats["members"]
    goal = stats["goals"][0]
    assert data.goal.current == goal["current"] and data.goal.target == goal["target"]
    assert page.goal_count.text().replace(",", "") == f"{goal['current']} of {goal['target']}"
    assert page.chart.values and page.chart.values[-1] == sum(c.count for c in data.pledges_by_day)
    assert page.chart.goal == goal["target"]
    assert page.members_chart.items and page.activity_list.count() > 0


def test_a_goal_is_set_and_changed_from_the_dashboard(ctx, qtbot):
    from ui.dashboard.goal_dialog import GoalDialog

    page = _page(ctx, qtbot)
    assert page.data.goal is None and page.edit_goal_button.isHidden()
    dialogs = []

    def fill(dialog):
        dialogs.append(dialog)
        dialog.target.setValue(500)
        dialog.starts.set_value(dt.date.today() - dt.timedelta(days=10))
        dialog.ends.set_value(dt.date.today() - dt.timedelta(days=20))  # before the start
        assert dialog.save() is False
        assert dialog.form.error_text("ends_on")
        dialog.ends.set_value(dt.date.today() + dt.timedelta(days=100))
        return dialog.save()

    page.run_dialog = fill
    page.new_goal_button.click()
    assert isinstance(dialogs[0], GoalDialog)
    (goal,) = list_goals(ctx.db, ctx.chapter_id)
    assert goal.target == 500
    qtbot.waitUntil(lambda: page.data is not None and page.data.goal is not None, timeout=10_000)
    assert not page.edit_goal_button.isHidden()

    def change(dialog):
        assert dialog.target.value() == 500
        dialog.target.setValue(800)
        return dialog.save()

    page.run_dialog = change
    page.edit_goal_button.click()
    assert list_goals(ctx.db, ctx.chapter_id)[0].target == 800
    qtbot.waitUntil(lambda: page.data.goal is not None and page.data.goal.target == 800, timeout=10_000)


def test_a_database_without_a_chapter_is_welcomed(db, qtbot):
    from ui.dashboard.page import DashboardPage
    from ui.frame.context import AppContext
    from ui.frame.settings import Settings

    page = DashboardPage(AppContext(db, Settings()))
    qtbot.addWidget(page)
    page.show()
    page.activated()
    assert page.pages.currentWidget() is page.welcome
    assert page.create_button.isVisible() and page.demo_button.isVisible()


def test_the_welcome_buttons_ask_the_window_by_signal(db, qtbot):
    from ui.dashboard.page import DashboardPage
    from ui.frame.context import AppContext
    from ui.frame.settings import Settings

    page = DashboardPage(AppContext(db, Settings()))
    qtbot.addWidget(page)
    page.show()
    page.activated()
    with qtbot.waitSignal(page.create_chapter_requested, timeout=2_000):
        page.create_button.click()
    with qtbot.waitSignal(page.demo_requested, timeout=2_000):
        page.demo_button.click()
