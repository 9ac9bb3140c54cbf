"""The kiosk's own core (services/kiosk.py) on laptops, then their packs merged."""

from __future__ import annotations

from merging import laptop, make_main
from sqlalchemy import select

from chapter_manager.models import Attendance, Event, Person, Pledge, RecordSource
from chapter_manager.services import kiosk_database, merge, pack_export
from chapter_manager.services.kiosk import Kiosk, KioskEntry, KioskStart, load_texts, start_here
from chapter_manager.storage import open_database


def test_kiosk_database_and_blank_laptop_signups_merge_into_the_main_event(tmp_path):
    main = make_main(tmp_path / "main.db")
    try:
        made = kiosk_database.export_for_kiosk(main, tmp_path / "fair.db", 1)
        texts = load_texts("en")
        with open_database(made.path, device=laptop(1)) as kiosk_db:
            kiosk = Kiosk(kiosk_db, made.event_id, texts)
            kiosk.submit(KioskEntry(given_names="Ana", family_names="López", email="ana@x.org", may_contact=True))
            kiosk.submit(KioskEntry(given_names="Ana", family_names="López", email="ANA@x.org"))  # again
            kiosk.submit(KioskEntry(given_names="Li", family_names="Wei", student_id="20261234"))
            one = pack_export.export_pack(kiosk_db, tmp_path / "fair.cmpack").path
        with open_database(tmp_path / "blank.db", device=laptop(2)) as blank_db:
            with main.read() as s:
                title = s.get(Event, 1).title
            event_id = start_here(blank_db, KioskStart(event_title=title.upper(), chapter_name="HeForShe UNAM",
                                                       timezone="America/Mexico_City"))
            kiosk = Kiosk(blank_db, event_id, texts)
            kiosk.submit(KioskEntry(given_names="Wei", family_names="Li", student_id="20261234"))
            kiosk.submit(KioskEntry(given_names="Nadia", family_names="Kaur"))
            two = pack_export.export_pack(blank_db, tmp_path / "blank.cmpack").path
        preview = merge.merge_packs(main, [one, two], dry_run=True)
        assert [e.how for e in preview.events] == ["uuid", "new"]  # another day: not the same event
        summary = merge.merge_packs(main, [one, two], event_choices={preview.events[1].uuid: 1})
        assert (summary.new_people, summary.matched_people, summary.new_pledges) == (3, 1, 3)
        with main.read() as s:
            people = s.execute(select(Person)).scalars().all()
            assert sorted(p.email_key or p.student_id or p.given_names for p in people) == [
                "20261234", "Nadia", "ana@x.org"]
            pledges = s.execute(select(Pledge)).scalars().all()
            assert {p.event_id for p in pledges} == {1} and {p.source for p in pledges} == {RecordSource.KIOSK}
            ana = next(p.id for p in people if p.email_key == "ana@x.org")
            assert next(p for p in pledges if p.person_id == ana).may_contact is True  # signed again without ticking it: no statement, consent stands
            assert len(s.execute(select(Attendance)).all()) == 3
            assert all(p.commitment_version and p.consent_version for p in pledges)
        assert merge.merge_packs(main, [one, two]).batch_id is None
    finally:
        main.close()


def test_a_kiosk_laptop_counts_on_from_the_main_databases_pledges(tmp_path):
    import datetime as dt

    from merging import FAIR_DAY, signup

    from chapter_manager.models import Goal, GoalMetric

    main = make_main(tmp_path / "main.db")
    try:
        with main.write() as s:
            s.add(Goal(chapter_id=1, metric=GoalMetric.PLEDGES, target=500,
                       starts_on=FAIR_DAY.date() - dt.timedelta(days=30),
                       ends_on=FAIR_DAY.date() + dt.timedelta(days=30)))
        for n in range(3):  # at the fair
            signup(main, given=f"Persona {n}", email=f"p{n}@x.org")
        signup(main, given="Otra", email="otra@x.org", event_id=2,
               when=FAIR_DAY + dt.timedelta(days=7))  # another event, same goal period
        made = kiosk_database.export_for_kiosk(main, tmp_path / "fair.db", 1)
        with open_database(made.path, device=laptop(1)) as kiosk_db:
            kiosk = Kiosk(kiosk_db, made.event_id, load_texts("en"), now=lambda: FAIR_DAY)
            thanks = kiosk.submit(KioskEntry(given_names="Ana", family_names="López"))
        progress = thanks.progress
        assert progress.event_pledges == 4  # 3 from the main database, then Ana
        assert progress.chapter_goal is not None and progress.chapter_goal.current == 5
        assert progress.today == 1  # what this laptop took today
    finally:
        main.close()
