"""Setting the chapter's pledge goal ("500 pledges this semester") from the dashboard."""

from __future__ import annotations

import datetime as dt

from PySide6.QtCore import Slot
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLineEdit, QSpinBox, QVBoxLayout, QWidget

from chapter_manager.errors import ChapterError, ValidationError
from ui.frame import tasks
from ui.frame.context import AppContext
from ui.widgets.conflict_dialog import VersionGuard
from ui.widgets.forms import FieldForm, OptionalDateEdit


class GoalDialog(QDialog):
    """Create a pledge goal, or change the one shown (``goal_id``)."""

    def __init__(self, ctx: AppContext, goal_id: int | None = None, parent: QWidget | None = None):
        super().__init__(parent)
        from chapter_manager.services.goals import get_goal, goal_data

        self.ctx = ctx
        self.goal_id = goal_id
        self.saved_id: int | None = None
        self.setWindowTitle(self.tr("Pledge goal") if goal_id else self.tr("New pledge goal"))
        self.form = FieldForm()
        self.label = self.form.add("label", self.tr("&Name"), QLineEdit())
        self.label.setPlaceholderText(self.tr("Pledges this semester"))
        self.target = QSpinBox()
        self.target.setRange(1, 10_000_000)
        self.target.setValue(500)
        self.form.add("target", self.tr("Pledges to &reach"), self.target)
        self.starts = OptionalDateEdit(self.tr("from"))
        self.starts.set_value(dt.date.today())
        self.form.add("starts_on", self.tr("&Starts"), self.starts)
        self.ends = OptionalDateEdit(self.tr("until"))
        self.ends.set_value(dt.date.today() + dt.timedelta(days=120))
        self.form.add("ends_on", self.tr("&Ends"), self.ends)
        self.guard = VersionGuard(ctx, self, self.tr(
            "This goal was changed elsewhere since you opened this form; saving will let you "
            "compare."))
        self._metric = None
        if goal_id is not None:
            goal = get_goal(ctx.db, goal_id)
            self._metric = goal.metric
            self.guard.track("goal", "goals", goal.id, goal.version, goal_data(goal))
            self.label.setText(goal.label)
            self.target.setValue(goal.target)
            self.starts.set_value(goal.starts_on)
            self.ends.set_value(goal.ends_on)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.guard.banner)
        layout.addWidget(self.form)
        layout.addWidget(buttons)
        self.setMinimumWidth(420)
        self.target.setFocus()

    @Slot()
    def save(self) -> bool:
        from chapter_manager.services import goals

        data = goals.GoalData(
            metric=self._metric or goals.GoalData.metric,
            target=self.target.value(),
            starts_on=self.starts.value(),
            ends_on=self.ends.value(),
            label=self.label.text(),
        )
        self.form.clear_errors()
        db, goal_id = self.ctx.db, self.goal_id
        try:
            if goal_id is None:
                chapter_id = self.ctx.require_chapter()
                self.saved_id = tasks.write_and_wait(self, lambda: goals.create_goal(db, chapter_id, data)).id
            else:
                db, goal_id = self.ctx.db, self.goal_id
                saved = self.guard.save(
                    "goal", lambda d, e: goals.update_goal(db, goal_id, d, e), data, goals.goal_data)
                if saved is None:
                    return False  # the comparison was cancelled: the form stays as typed
                self.saved_id = saved.id
        except ValidationError as error:
            self.form.show_errors(error)
            return False
        except ChapterError as error:
            from ui.frame.errors import show_error

            show_error(self, error)
            return False
        self.ctx.changed("goals")
        self.accept()
        return True
