"""File ▸ Add a demo chapter: a realistic chapter to try the app with."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QVBoxLayout,
    QWidget,
)

SIZES = [
    # label, members, events, forums, pledges
    ("small", 200, 12, 4, 600),
    ("medium", 5_000, 120, 12, 20_000),
    ("large", 100_000, 1_000, 40, 1_000_000),
]


class DemoDialog(QDialog):
    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(self.tr("Add a demo chapter"))
        labels = {
            "small": self.tr("Small: 200 members, 12 events, 600 pledges (a second)"),
            "medium": self.tr("Medium: 5,000 members, 120 events, 20,000 pledges (a few seconds)"),
            "large": self.tr("Large: 100,000 members, 1,000 events, 1,000,000 pledges (a minute or two)"),
        }
        self.size = QComboBox()
        for key, *_rest in SIZES:
            self.size.addItem(labels[key], key)
        self.size.setAccessibleName(self.tr("Size of the demo chapter"))
        intro = QLabel(self.tr(
            "A demo chapter is filled with made-up people, events, forums and pledges, with names "
            "from many languages. It is added beside your chapters; delete it when you are done."))
        intro.setWordWrap(True)
        form = QFormLayout()
        form.addRow(self.tr("&Size"), self.size)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Add"))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(buttons)

    def options(self) -> dict[str, int]:
        key = self.size.currentData()
        _label, members, events, forums, pledges = next(s for s in SIZES if s[0] == key)
        return {"members": members, "events": events, "forums": forums, "pledges": pledges}
