"""Make docs/screenshots/*.png: every screen of the app on a demo database.

    QT_QPA_PLATFORM=offscreen python scripts/screenshots.py [--out docs/screenshots] [--dark] [--scale 1.5]

The demo chapter is made fresh in a temporary folder (same seed, so the same people), with
the language set to English (United States) for stable dates.  Look at every image after
making them: clipped text, empty panes and boxes instead of letters show up here first.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default=str(ROOT / "docs" / "screenshots"))
    parser.add_argument("--dark", action="store_true", help="use a dark palette (file names end in -dark)")
    parser.add_argument("--scale", type=float, default=1.0, help="device pixel ratio, e.g. 1.5 or 2")
    args = parser.parse_args()
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    if args.scale != 1.0:
        os.environ["QT_SCALE_FACTOR"] = str(args.scale)
    home = Path(tempfile.mkdtemp(prefix="cm-shots-"))
    os.environ["CHAPTER_MANAGER_DATA_DIR"] = str(home)
    os.environ["CHAPTER_MANAGER_DEVICE_ID"] = "00000000-0000-4000-8000-00000000beef"

    from PySide6.QtCore import QLocale, QSettings
    from PySide6.QtGui import QColor, QPalette

    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(home / "settings"))
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))

    from chapter_manager.demo import generate_demo
    from chapter_manager.storage import open_database
    from ui.frame.app import make_application
    from ui.frame.context import AppContext
    from ui.frame.main_window import MainWindow
    from ui.frame.settings import Settings

    app = make_application()
    if args.dark:
        app.setStyle("Fusion")
        pal = QPalette()
        for role, colour in (
            (QPalette.ColorRole.Window, "#2b2b2e"), (QPalette.ColorRole.WindowText, "#e8e8ea"),
            (QPalette.ColorRole.Base, "#1e1e20"), (QPalette.ColorRole.AlternateBase, "#27272a"),
            (QPalette.ColorRole.Text, "#e8e8ea"), (QPalette.ColorRole.Button, "#35353a"),
            (QPalette.ColorRole.ButtonText, "#e8e8ea"), (QPalette.ColorRole.Highlight, "#7b61c9"),
            (QPalette.ColorRole.HighlightedText, "#ffffff"), (QPalette.ColorRole.ToolTipBase, "#35353a"),
            (QPalette.ColorRole.ToolTipText, "#e8e8ea"), (QPalette.ColorRole.PlaceholderText, "#9a9aa0"),
        ):
            pal.setColor(role, QColor(colour))
        app.setPalette(pal)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    suffix = ("-dark" if args.dark else "") + (f"-{int(args.scale * 100)}" if args.scale != 1.0 else "")

    db = open_database(home / "chapter.db")
    summary = generate_demo(db, members=2000, events=60, forums=8, pledges=6000, seed=3)
    ctx = AppContext(db, Settings(), summary.chapter_id)
    window = MainWindow(ctx, ctx.settings)
    window.resize(1180, 760)
    window.show()

    def settle(seconds: float = 0.3) -> None:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            app.processEvents()
            time.sleep(0.01)

    def save(widget, name: str) -> None:  # type: ignore[no-untyped-def]
        settle()
        path = out / f"{name}{suffix}.png"
        widget.grab().save(str(path))
        print(path)

    dashboard = window.show_page("dashboard")
    deadline = time.monotonic() + 30
    while dashboard.data is None and time.monotonic() < deadline:
        settle(0.05)
    save(window, "dashboard")
    for key in ("members", "events", "forums", "pledges"):
        page = window.show_page(key)
        if key == "forums" and page.model.rowCount():
            page.table.selectRow(0)  # show what came out of a session
        save(window, key)

    # the event page of the held event with the most attendees
    from chapter_manager.services.events import list_events

    events_page = window.show_page("events")
    held = [e for e in list_events(db, summary.chapter_id) if e.attendance_count]
    if held:
        busiest = max(held, key=lambda e: (e.attendance_count, e.pledge_count))
        events_page.open_event(busiest.id)
        save(window, "event-page")
        events_page.show_list()

    # dialogs, each on its own
    dialogs = []
    from ui.events.editor import EventDialog

    dialogs.append(("event-editor", lambda: EventDialog(ctx, event_id=busiest.id if held else None)))
    try:
        from chapter_manager.services.browse import PeopleQuery, person_ids
        from ui.members.person_editor import PersonDialog

        officer = person_ids(db, summary.chapter_id, PeopleQuery(officers_only=True))
        if officer:
            dialogs.append(("person-editor", lambda: PersonDialog(ctx, person_id=officer[0])))
    except ImportError:
        pass
    try:
        from chapter_manager.services.forums import list_forums
        from ui.forums.editor import ForumDialog

        forums = list_forums(db, summary.chapter_id)
        if forums:
            dialogs.append(("forum-editor", lambda: ForumDialog(ctx, forum_id=forums[0].id)))
    except ImportError:
        pass
    try:
        from ui.pledges.dialog import PledgeDialog

        dialogs.append(("pledge-dialog", lambda: PledgeDialog(ctx)))
    except ImportError:
        pass
    from ui.frame.opening import ChapterDialog

    dialogs.append(("chapter-dialog", lambda: ChapterDialog(db, summary.chapter_id)))
    for name, make in dialogs:
        try:
            dialog = make()
        except TypeError as error:  # a constructor that wants other arguments
            print(f"skipped {name}: {error}", file=sys.stderr)
            continue
        dialog.show()
        save(dialog, name)
        dialog.close()

    # the impact report: its dialog with a page previewed, and (once) the pages themselves
    from ui.reports.report_dialog import ImpactReportDialog, render_page

    report = ImpactReportDialog(ctx)
    report.show()
    report.generate()
    deadline = time.monotonic() + 60
    while (report.result_ is None or report.preview.pixmap() is None or report.preview.pixmap().isNull()) \
            and time.monotonic() < deadline:
        settle(0.1)
    save(report, "report-dialog")
    if report.result_ is not None and not suffix:
        for old in out.glob("report-page-*.png"):
            old.unlink()
        for index in range(report.result_.pages):
            path = out / f"report-page-{index + 1}.png"
            render_page(report.result_.pdf, index, 1000).save(str(path))
            print(path)
    report.close()
    _reports(window, ctx, home, save, settle)
    # Last: merging adds people and an event to the demo chapter.
    merge_screens(ctx, window, home, save, settle)
    window.close()
    kiosk_shots(db, summary.chapter_id, home, save)
    db.close()
    return 0


def merge_screens(ctx, window, home: Path, save, settle) -> None:  # type: ignore[no-untyped-def]
    """The merge preview and the review queue, for a pack from a kiosk laptop at a fair."""
    import datetime as dt
    import uuid

    from chapter_manager.device import DeviceIdentity
    from chapter_manager.services import kiosk_database, pack_export
    from chapter_manager.services.events import EventData, create_event
    from chapter_manager.services.people import PersonData, list_people
    from chapter_manager.services.pledges import PledgeData, sign_up
    from chapter_manager.storage import open_database
    from ui.merge.dialog import MergeDialog, ReviewDialog

    db, chapter = ctx.db, ctx.chapter_id
    day = dt.datetime.now(dt.UTC).replace(hour=16, minute=0, second=0, microsecond=0)
    fair = create_event(db, chapter, EventData(title="Feria de bienvenida: firma HeForShe", starts_at=day,
                                               kind="pledge_drive"))
    # Two people signed on the office laptop before; one of them signs again at the kiosk.
    known = [p for p in list_people(db, chapter, limit=50) if p.email][:2]
    sign_up(db, chapter, PersonData(given_names="María José", family_names="Hernández"),
            PledgeData(event_id=fair.id, signed_at=day))
    made = kiosk_database.export_for_kiosk(db, home / "kiosk.db", fair.id)
    kiosk = open_database(made.path, device=DeviceIdentity(uuid.UUID(int=42), "Kiosk laptop 2"))
    try:
        names = [("Sofía", "Ramírez"), ("Diego", "Castillo"), ("Valentina", "Ortega"), ("Mateo", "Flores"),
                 ("Camila", "Vargas"), ("Ana", "Kowalska"), ("Wei", "Zhang"), ("Yusuf", "Demir")]
        for i in range(36):
            given, family = names[i % len(names)]
            sign_up(kiosk, made.chapter_id,
                    PersonData(given_names=given, family_names=f"{family} {i}", email=f"firma{i}@alumnos.unam.mx"),
                    PledgeData(event_id=made.event_id, signed_at=day + dt.timedelta(minutes=i),
                               may_contact=i % 3 == 0))
        for person in known:
            sign_up(kiosk, made.chapter_id,
                    PersonData(given_names=person.display_name, email=person.email.upper()),
                    PledgeData(event_id=made.event_id, signed_at=day))
        sign_up(kiosk, made.chapter_id, PersonData(given_names="MARIA JOSE", family_names="HERNANDEZ"),
                PledgeData(event_id=made.event_id, signed_at=day + dt.timedelta(minutes=40)))
        pack = pack_export.export_pack(kiosk, home / "kiosk-laptop-2.cmpack").path
    finally:
        kiosk.close()
    # A blank laptop that made its own chapter and event: matched by title and day.
    from chapter_manager.services.chapters import ChapterData, create_chapter, get_chapter

    blank = open_database(home / "blank.db", device=DeviceIdentity(uuid.UUID(int=43), "Borrowed laptop"))
    try:
        create_chapter(blank, ChapterData(name=get_chapter(db, chapter).name, country="MX"))
        theirs = create_event(blank, 1, EventData(title="FERIA DE BIENVENIDA: firma HeForShe",
                                                  starts_at=day + dt.timedelta(hours=1)))
        for i, (given, family) in enumerate([("Lucía", "Méndez"), ("Andrés", "Ruiz"), ("Fatima", "Nour")]):
            sign_up(blank, 1, PersonData(given_names=given, family_names=family, email=f"b{i}@alumnos.unam.mx"),
                    PledgeData(event_id=theirs.id, signed_at=day + dt.timedelta(hours=1, minutes=i)))
        second = pack_export.export_pack(blank, home / "borrowed-laptop.cmpack").path
    finally:
        blank.close()
    dialog = MergeDialog(ctx, window, paths=[pack, second])
    dialog.show()
    deadline = time.monotonic() + 30
    while dialog.summary is None and time.monotonic() < deadline:
        settle(0.05)
    save(dialog, "merge-preview")
    dialog.merge()
    deadline = time.monotonic() + 30
    while (dialog.summary is None or dialog.summary.dry_run) and time.monotonic() < deadline:
        settle(0.05)
    save(dialog, "merge-done")
    dialog.close()
    reviews = ReviewDialog(ctx, window)
    reviews.show()
    save(reviews, "merge-review")
    reviews.close()
def kiosk_shots(db, chapter_id: int, home: Path, save) -> None:  # type: ignore[no-untyped-def]
    """The sign-up kiosk at a laptop's 1366 × 768: PIN set-up, form, a problem, thanks, leaving."""
    import datetime as dt

    from chapter_manager.services.events import EventData, create_event
    from chapter_manager.storage import open_database
    from ui.kiosk import KioskWindow

    event = create_event(db, chapter_id, EventData(
        title="Welcome-week pledge drive", starts_at=dt.datetime.now(dt.UTC) - dt.timedelta(hours=2),
        kind="pledge_drive", pledge_goal=300))
    kiosk = KioskWindow(db, event.id, thanks_ms=600_000, language="en")
    kiosk.resize(1366, 768)
    kiosk.show()
    save(kiosk, "kiosk-pin")
    kiosk.pin_page.pin.setText("246813")
    kiosk.pin_page.again.setText("246813")
    kiosk.pin_page.confirm()
    save(kiosk, "kiosk-form")
    form = kiosk.form
    form.family.setText("Nguyễn")
    form.email.setText("lan.nguyen@example")
    form.student_id.setText("0031234567")
    kiosk.submit()
    save(kiosk, "kiosk-form-problems")
    form.given.setText("Thị Lan")
    form.email.setText("lan.nguyen@example.org")
    form.may_contact.setChecked(True)
    kiosk.submit()
    save(kiosk, "kiosk-thanks")
    kiosk.show_form()
    kiosk.ask_to_leave()
    for _ in range(5):
        kiosk.leave_page.pin.setText("0000")
        kiosk.leave_page.try_pin()
    save(kiosk, "kiosk-leave-locked")
    kiosk.armed = False
    kiosk.close()
    blank = open_database(home / "blank-kiosk.db")
    start = KioskWindow(blank, None, language="en")
    start.resize(1366, 768)
    start.show()
    save(start, "kiosk-start")
    start.close()
    blank.close()


def _reports(window, ctx, home: Path, save, settle) -> None:  # type: ignore[no-untyped-def]
    """Reports & Exports, the roster dialog and each step of the import wizard."""
    import time as _time

    from chapter_manager.services.people import list_people
    from ui.reports.import_wizard import ImportWizard
    from ui.reports.roster_dialog import RosterDialog

    page = window.show_page("reports")
    save(window, "reports")
    dialog = RosterDialog(page)
    dialog.path.setText(str(Path.home() / "Documents" / "HeForShe-UNAM-roster-2026-03-02.xlsx"))
    dialog.advisor.setChecked(True)
    dialog.show()
    save(dialog, "roster-dialog")
    dialog.close()

    # A chapter's own spreadsheet: Spanish headers, Windows-1252, semicolons, one person
    # already in the chapter and two rows with problems.
    known = next(p for p in list_people(ctx.db, ctx.chapter_id, limit=200) if p.email and p.student_id)
    lines = ["Nombre;Apellidos;Correo electrónico;Matrícula;Teléfono;Carrera;Facultad;Estado",
             f"{known.display_name.split()[0]};{' '.join(known.display_name.split()[1:])};{known.email or ''};"
             f"{known.student_id or ''};;Derecho;Facultad de Derecho;activo",
             "Lucía;Hernández Ruiz;lucia.hr@comunidad.unam.mx;031245678;55 1234 5678;Psicología;"
             "Facultad de Psicología;activo",
             "Mateo;Sánchez;mateo.sanchez@;031245679;;Física;Facultad de Ciencias;activo",
             "Renata;Ortiz Vega;renata.ov@comunidad.unam.mx;031245680;;Arquitectura;Facultad de "
             "Arquitectura;egresada",
             "Diego;Flores;diego.flores@comunidad.unam.mx;031245681;;Economía;Facultad de Economía;quizás"]
    sample = home / "miembros-2026.csv"
    sample.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))

    def wait(cond) -> None:  # type: ignore[no-untyped-def]
        end = _time.monotonic() + 20
        while not cond() and _time.monotonic() < end:
            settle(0.05)

    wizard = ImportWizard(page)
    wizard.show()
    wizard.file_page.set_path(str(sample))
    wait(lambda: wizard.table is not None)
    save(wizard, "import-1-file")
    wizard.next()
    save(wizard, "import-2-columns")
    wizard.next()
    wait(lambda: wizard.plan is not None)
    save(wizard, "import-3-check")
    wizard.check_page.skip_invalid.setChecked(True)
    wizard.next()
    wait(lambda: wizard.result is not None)
    save(wizard, "import-4-done")
    wizard.done_page._undo()
    wait(lambda: wizard.done_page.text.text().startswith("Undone"))
    wizard.close()


if __name__ == "__main__":
    sys.exit(main())
