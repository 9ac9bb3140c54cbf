"""The Forums screen and the forum session editor, driven as a user would."""

from __future__ import annotations

import datetime as dt

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from chapter_manager.models import ForumFormat
from chapter_manager.services import forums, people
from chapter_manager.services.people import PersonData


@pytest.fixture
def cast(ctx):
    """Three people of the chapter."""
    return {
        name: people.create_person(ctx.db, ctx.chapter_id, PersonData(given_names=g, family_names=f, email=e))
        for name, g, f, e in (
            ("jose", "José", "Núñez", "jose@unam.mx"),
            ("lan", "Lan", "Nguyễn", "lan@unam.mx"),
            ("ana", "Ana", "Pérez", "ana@unam.mx"),
        )
    }


@pytest.fixture
def page(ctx, qtbot):
    from ui.forums.page import ForumsPage

    widget = ForumsPage(ctx)
    qtbot.addWidget(widget)
    widget.resize(1180, 760)
    widget.show()
    widget.activated()
    return widget


def _pick(qtbot, picker, text):
    qtbot.keyClicks(picker, text)
    assert picker.choose_first(), f"nobody matches {text!r}"


def _forum(ctx, cast, **extra):
    data = forums.ForumData(topic="Masculinidades: aprender a pedir ayuda", held_on=dt.date(2026, 3, 12),
                            format=ForumFormat.CIRCLE, participants_total=20, participants_women=9,
                            participants_men=10, participants_other=1, **extra)
    return forums.create_forum(ctx.db, ctx.chapter_id, data)


def test_models_pass_the_model_tester(demo_ctx, qtbot, qtmodeltester):
    from ui.forums.page import ForumsModel, ForumsPage

    model = ForumsModel()
    model.set_rows(forums.list_forums(demo_ctx.db, demo_ctx.chapter_id))
    assert model.rowCount() == 4
    qtmodeltester.check(model)
    page = ForumsPage(demo_ctx)
    qtbot.addWidget(page)
    page.activated()
    qtmodeltester.check(page.model)


def test_create_a_forum_with_everything_and_read_it_back(ctx, cast, page, qtbot):
    due = dt.date.today() + dt.timedelta(days=10)

    def fill_and_save(dialog):
        qtbot.keyClicks(dialog.topic, "Acoso en el transporte")
        dialog.held_on.setDate(dialog.held_on.date().addDays(-2))
        dialog.format.set_value(ForumFormat.PANEL)
        qtbot.keyClicks(dialog.summary, "Hablamos del Metro.")
        _pick(qtbot, dialog.facilitator_picker, "ana pe")
        assert dialog.facilitator_ids() == [cast["ana"].id] and dialog.facilitator_picker.text() == ""
        dialog.counts["participants_total"].setText("30")
        dialog.counts["participants_women"].setText("18")
        dialog.tabs.setCurrentIndex(1)
        dialog.add_takeaway("Intervenir como testigo: distraer, delegar, documentar")
        dialog.tabs.setCurrentIndex(2)
        dialog.actions_tab.add_button.click()
        item = dialog.actions_tab.rows[-1]
        assert dialog.tabs.tabText(2) == "Action &items (1)" and item.description.hasFocus() in (True, False)
        item.description.setText("Pedir más iluminación en la ruta 1")  # keyClicks is ASCII only
        _pick(qtbot, item.owner, "nunez")
        item.due.set_value(due)
        dialog.tabs.setCurrentIndex(3)
        told = dialog.add_testimony()
        told.text.setPlainText("Una chica se puso a platicar conmigo y eso me salvó.")
        told.anonymous.setChecked(False)
        _pick(qtbot, told.teller, "lan")
        told.consent.setChecked(True)
        return dialog.save()

    page.run_dialog = fill_and_save
    page.new_item()  # Edit ▸ New (Ctrl+N) calls this: see the window test below

    assert page.model.rowCount() == 1
    forum_id = page.model.id_at(0)
    assert page.selected_ids() == [forum_id]
    view = forums.get_forum(ctx.db, forum_id)
    assert view.topic == "Acoso en el transporte" and view.format is ForumFormat.PANEL
    assert view.held_on == dt.date.today() - dt.timedelta(days=2)
    assert view.summary == "Hablamos del Metro."
    assert [f.person_id for f in view.facilitators] == [cast["ana"].id]
    assert (view.participants_total, view.participants_women, view.participants_men) == (30, 18, None)
    assert view.takeaways == ["Intervenir como testigo: distraer, delegar, documentar"]
    [action] = view.action_items
    assert action.description == "Pedir más iluminación en la ruta 1"
    assert action.owner_id == cast["jose"].id and action.due_on == due and not action.done
    [testimony] = view.testimonies
    assert testimony.person_id == cast["lan"].id and testimony.consent_to_publish
    assert testimony.consent_version == forums.TESTIMONY_CONSENT_VERSION
    # The table row
    texts = [page.model.index(0, c).data() for c in range(page.model.columnCount())]
    assert texts[1] == "Acoso en el transporte" and texts[2] == ForumFormat.PANEL.label
    assert texts[4].startswith("30") and "18 women" in texts[4]
    assert texts[5] == "1" and texts[6] == "1"


def test_ctrl_n_in_the_window_opens_the_editor(window, qtbot):
    page = window.show_page("forums")
    opened = []
    page.run_dialog = lambda dialog: opened.append(dialog) or False
    window.activateWindow()
    QTest.keyClick(window, Qt.Key.Key_N, Qt.KeyboardModifier.ControlModifier)
    assert len(opened) == 1 and opened[0].forum_id is None
    assert page.empty.isVisible() and "No forum sessions yet" in page.empty.text()


def test_enter_opens_the_editor_and_edits_keep_ids(ctx, cast, page, qtbot):
    first = _forum(ctx, cast, takeaways=["Uno", "Dos", "Tres"],
                   action_items=[forums.ActionItemData("Taller", cast["jose"].id)])
    page.refresh()
    page.table.setFocus()
    page.table.selectRow(0)
    seen = []

    def edit(dialog):
        seen.append(dialog.forum_id)
        assert dialog.takeaway_texts() == ["Uno", "Dos", "Tres"]
        assert dialog.actions_tab.rows[0].owner.text() == "José Núñez"
        dialog.takeaways.setCurrentRow(2)
        dialog.move_takeaway(-1)
        dialog.takeaways.setCurrentRow(0)
        dialog.remove_takeaway()
        dialog.topic.clear()
        qtbot.keyClicks(dialog.topic, "Pedir ayuda")
        return dialog.save()

    page.run_dialog = edit
    QTest.keyClick(page.table, Qt.Key.Key_Return)
    assert seen == [first.id]
    view = forums.get_forum(ctx.db, first.id)
    assert view.topic == "Pedir ayuda" and view.takeaways == ["Tres", "Dos"]
    assert view.action_items[0].id == first.action_items[0].id  # kept, not replaced
    assert page.model.index(0, 1).data() == "Pedir ayuda"


def test_validation_messages_appear_beside_the_fields(ctx, cast, qtbot):
    from ui.forums.editor import ForumDialog

    dialog = ForumDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.counts["participants_total"].setText("3")
    dialog.counts["participants_women"].setText("5")
    item = dialog.add_action_item()
    qtbot.keyClicks(item.owner, "someone not chosen")
    told = dialog.add_testimony()
    told.anonymous.setChecked(False)
    qtbot.keyClicks(told.text, "Texto")
    assert dialog.save() is False
    assert dialog.error_text("topic") == "Topic is required."
    assert "more than the 3 participants" in dialog.error_text("participants_total")
    assert "Choose the person responsible" in dialog.error_text("action_items.0.owner_id")
    assert "tick Anonymous" in dialog.error_text("testimonies.0.person_id")
    assert dialog.tabs.currentIndex() == 0 and dialog.saved is None
    assert forums.list_forums(ctx.db, ctx.chapter_id) == []
    # the core's own messages for the rows land under the row
    item.owner.reset()
    qtbot.keyClicks(dialog.topic, "Tema")
    dialog.counts["participants_total"].clear()
    item.due.set_value(dt.date(2026, 5, 1))
    told.anonymous.setChecked(True)
    assert dialog.save() is False
    assert "Say what is to be done" in dialog.error_text("action_items.0.description")
    assert dialog.tabs.currentIndex() == 2
    assert dialog.error_text("topic") == ""
    qtbot.keyClicks(item.description, "Algo")
    assert dialog.save() is True
    assert forums.get_forum(ctx.db, dialog.saved.id).action_items[0].description == "Algo"


def test_ticking_an_action_item_done_saves_it(ctx, cast, page):
    forum = _forum(ctx, cast, action_items=[forums.ActionItemData("Taller", cast["jose"].id),
                                            forums.ActionItemData("Cartel")])
    page.refresh()
    page.table.selectRow(0)
    assert page.detail.view.id == forum.id and page.detail.action_list.count() == 2
    assert page.model.index(0, 5).data() == "2"
    page.detail.action_list.setFocus()
    page.detail.set_done(0, True)
    done = {a.description: a.done for a in forums.get_forum(ctx.db, forum.id).action_items}
    assert done == {"Taller": True, "Cartel": False}
    assert page.model.index(0, 5).data() == "1"  # the list refreshed
    assert page.detail.action_list.hasFocus() or not page.isActiveWindow()
    assert "1 open of 2" in page.detail.actions_title.text()
    page.detail.set_done(0, False)
    assert not forums.get_forum(ctx.db, forum.id).action_items[0].done


def test_search_filters_the_sessions(ctx, cast, page, qtbot):
    _forum(ctx, cast)
    forums.create_forum(ctx.db, ctx.chapter_id, forums.ForumData(
        topic="Violencia digital", held_on=dt.date(2026, 4, 1), format=ForumFormat.ONLINE))
    page.refresh()
    assert page.model.rowCount() == 2
    page.search.setText("violéncia")
    assert [page.model.row_at(0).topic] == ["Violencia digital"] and page.model.rowCount() == 1
    assert page.count.text() == "1 of 2 forum sessions"
    page.search.clear()
    qtbot.keyClicks(page.search, "zzz")
    assert page.model.rowCount() == 0 and "No forum session matches" in page.empty.text()


def test_delete_with_confirmation_and_undo(ctx, cast, page, qtbot):
    forum = _forum(ctx, cast, takeaways=["Uno"], testimonies=[forums.TestimonyData("Texto", None, True)])
    page.refresh()
    page.table.selectRow(0)
    asked = []
    page.confirm = lambda title, text: asked.append(text) or False
    QTest.keyClick(page.table, Qt.Key.Key_Delete)
    assert asked and "Masculinidades" in asked[0]
    assert page.model.rowCount() == 1
    page.confirm = lambda title, text: True
    messages = []
    ctx.status_message.connect(messages.append)
    QTest.keyClick(page.table, Qt.Key.Key_Delete)  # a job on the worker pool
    qtbot.waitUntil(lambda: page.model.rowCount() == 0, timeout=10_000)
    assert messages and "Deleted" in messages[-1]
    assert ctx.undo_text() and "Masculinidades" in ctx.undo_text()
    assert ctx.undo()
    assert page.model.rowCount() == 1
    view = forums.get_forum(ctx.db, page.model.id_at(0))
    assert view.uuid == forum.uuid and view.takeaways == ["Uno"] and len(view.testimonies) == 1


def test_supports_and_watches(page):
    assert all(page.supports(a) for a in ("new", "find", "delete"))
    assert set(page.watches) == {"forums", "people", "events"}
    page.focus_search()


def test_enter_in_a_person_field_picks_without_saving(ctx, cast, qtbot):
    from ui.forums.editor import ForumDialog

    dialog = ForumDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.keyClicks(dialog.topic, "Tema")
    dialog.facilitator_picker.setFocus()
    qtbot.keyClicks(dialog.facilitator_picker, "ana pe")
    QTest.keyClick(dialog.facilitator_picker, Qt.Key.Key_Return)
    assert dialog.facilitator_ids() == [cast["ana"].id]
    assert dialog.saved is None and dialog.isVisible()
    dialog.topic.setFocus()
    QTest.keyClick(dialog.topic, Qt.Key.Key_Return)  # Enter elsewhere saves
    assert dialog.saved is not None and not dialog.isVisible()
    assert [f.person_id for f in forums.get_forum(ctx.db, dialog.saved.id).facilitators] == [cast["ana"].id]
