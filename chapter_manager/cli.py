"""The ``chapter-manager`` command: the desktop app's launcher and a scriptable CLI.

Exit codes (stable; scripts rely on them): 0 success, 1 a failure explained in one line
on stderr (a refused sign-up pack among them: nothing was changed), 2 a usage error.  No
traceback ever reaches the terminal: unexpected errors are written to a log file in the
data folder and named in the one-line message.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import enum
import json
import os
import sys
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from . import __version__
from .i18n import _

EXIT_OK = 0
EXIT_FAILURE = 1
EXIT_USAGE = 2

LIST_KINDS = ("people", "members", "events", "forums", "pledges", "chapters")


class _Parser(argparse.ArgumentParser):
    """argparse, with its usage errors on one line plus a hint, and exit code 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        sys.stderr.write(
            _("{prog}: {message} (see '{prog} --help')").format(prog=self.prog, message=message) + "\n"
        )
        raise SystemExit(EXIT_USAGE)


MAX_NUMBER = 100_000_000


def _positive(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(_("'{v}' is not a whole number").format(v=value)) from None
    if number < 0:
        raise argparse.ArgumentTypeError(_("'{v}' must not be negative").format(v=value))
    if number > MAX_NUMBER:
        raise argparse.ArgumentTypeError(
            _("'{v}' is too large (at most {m:,})").format(v=value, m=MAX_NUMBER)
        )
    return number


def _seed(value: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(_("'{v}' is not a whole number").format(v=value)) from None


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="chapter-manager",
        description=_(
            "Chapter Manager for HeForShe campus chapters. With no command it opens the "
            "desktop app; the commands below work on the same database from scripts."
        ),
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument(
        "--db",
        metavar="PATH",
        help=_("the database file (default: $CHAPTER_MANAGER_DB, or chapter.db in your data folder)"),
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    demo = sub.add_parser("demo", help=_("add a realistic demo chapter to the database"))
    demo.add_argument("--members", type=_positive, default=200, metavar="N")
    demo.add_argument("--events", type=_positive, default=12, metavar="N")
    demo.add_argument("--forums", type=_positive, default=4, metavar="N")
    demo.add_argument("--pledges", type=_positive, default=600, metavar="N")
    demo.add_argument("--seed", type=_seed, default=1, metavar="N")

    stats = sub.add_parser("stats", help=_("print the chapter's counts"))
    stats.add_argument("--json", action="store_true", help=_("print JSON for scripts"))
    stats.add_argument("--chapter", type=_positive, metavar="ID", help=_("one chapter only"))

    lst = sub.add_parser("list", help=_("list people, members, events, forums or pledges"))
    lst.add_argument("kind", choices=LIST_KINDS)
    lst.add_argument("--search", metavar="TEXT", help=_("accent- and case-insensitive search"))
    lst.add_argument("--limit", type=_positive, default=50, metavar="N", help=_("at most N rows (0: all)"))
    lst.add_argument("--chapter", type=_positive, metavar="ID",
                        help=_("the chapter (when the database holds several; see 'list chapters')"))
    lst.add_argument("--json", action="store_true", help=_("print JSON objects, one list"))

    check = sub.add_parser("check", help=_("check the database's integrity, schema and location"))
    check.add_argument("--json", action="store_true")

    backup = sub.add_parser("backup", help=_("back up the database now"))
    backup.add_argument("--to", metavar="PATH", help=_("write the backup to this file or folder"))
    sub.add_parser("backups", help=_("list the database's backups, newest first"))
    restore = sub.add_parser("restore", help=_("replace the database with a backup"))
    restore.add_argument("backup", metavar="BACKUP", help=_("the backup file to restore"))

    kiosk = sub.add_parser(
        "kiosk", help=_("open the full-screen sign-up kiosk for an event (leaves only with its PIN)")
    )
    kiosk.add_argument("--event", type=_positive, metavar="ID",
                       help=_("the event to collect sign-ups for (without it, an empty database "
                              "asks for the event to create)"))
    kiosk.add_argument("--windowed", action="store_true",
                       help=_("in a window instead of full screen, to try it out"))
    report = sub.add_parser("report", help=_("write the chapter's impact report as a PDF"))
    report.add_argument("out", metavar="OUT.pdf", help=_("the PDF file to write"))
    report.add_argument("--chapter", type=_positive, metavar="ID",
                        help=_("the chapter (when the database holds several; see 'list chapters')"))
    report.add_argument("--from", dest="start", type=_day, metavar="DATE",
                        help=_("first day of the period, YYYY-MM-DD (default: the current term's start)"))
    report.add_argument("--to", dest="end", type=_day, metavar="DATE",
                        help=_("last day of the period, YYYY-MM-DD (default: today)"))
    report.add_argument("--advisor", action="store_true",
                        help=_("advisor edition: no contact details, no one flagged 'do not disclose'"))

    pack = sub.add_parser("pack", help=_("write a sign-up pack, or a kiosk laptop's database"))
    pack_sub = pack.add_subparsers(dest="pack_command", metavar="ACTION", parser_class=_Parser,
                                   required=True)
    export = pack_sub.add_parser(
        "export",
        help=_("write this laptop's sign-ups to a pack for merging on another computer"),
        description=_(
            "Write this database's sign-ups (people with their pledges and attendance, and "
            "those events) to a pack file, safely while the app or a kiosk is running. With "
            "--for-kiosk, write instead a new database for a kiosk laptop: the chapter, one "
            "event and its goals, and no one's personal data."
        ),
    )
    export.add_argument("--out", required=True, metavar="FILE", help=_("the file to write"))
    export.add_argument("--event", type=_positive, metavar="ID", help=_("only this event's sign-ups"))
    export.add_argument("--since", type=_day, metavar="DATE",
                        help=_("only sign-ups recorded on or after this day (YYYY-MM-DD, UTC)"))
    export.add_argument("--chapter", type=_positive, metavar="ID",
                        help=_("the chapter (when the database holds several)"))
    export.add_argument("--for-kiosk", action="store_true",
                        help=_("write a database for a kiosk laptop (needs --event)"))

    merge = sub.add_parser(
        "merge",
        help=_("merge sign-up packs from other laptops into this database"),
        description=_(
            "Merge sign-up packs into this database. The same person on two laptops (same "
            "email or student id) becomes one person with one pledge; a likely match by name "
            "alone is queued for review in the app; people erased here are not brought back. "
            "A damaged, incomplete, changed or foreign pack is refused and nothing changes "
            "(exit code 1)."
        ),
    )
    merge.add_argument("packs", nargs="*", metavar="PACK", help=_("pack files to merge"))
    merge.add_argument("--dry-run", "--preview", dest="dry_run", action="store_true",
                       help=_("say what the merge would do, and change nothing"))
    merge.add_argument("--chapter", type=_positive, metavar="ID",
                       help=_("the chapter to merge into (when the pack's is not found)"))
    merge.add_argument("--into-event", type=_positive, metavar="ID",
                       help=_("put sign-ups at events made on the other laptops (not found here) "
                              "into this event"))
    merge.add_argument("--undo-last", action="store_true",
                       help=_("undo the newest merge into the chapter"))
    merge.add_argument("--json", action="store_true", help=_("print the summary as JSON"))

    consent = sub.add_parser("consent", help=_("withdraw a person's consent, or show its history"))
    consent_sub = consent.add_subparsers(dest="consent_command", metavar="ACTION", parser_class=_Parser,
                                         required=True)
    withdraw = consent_sub.add_parser(
        "withdraw", help=_("record that a person withdraws a consent (contact or publish)"),
        description=_("Record now, on this laptop, that the person withdraws a consent: to be "
                      "contacted by the chapter (contact) or to have their name published "
                      "(publish). Their history keeps what they said before."))
    withdraw.add_argument("person", type=_positive, metavar="PERSON_ID")
    withdraw.add_argument("purpose", choices=("contact", "publish"))
    history = consent_sub.add_parser(
        "history", help=_("every consent a person gave or withdrew: when, where, which notice"))
    history.add_argument("person", type=_positive, metavar="PERSON_ID")
    history.add_argument("--json", action="store_true", help=_("print JSON for scripts"))

    sub.add_parser("gui", help=_("open the desktop app (the default)"))
    _add_excel_commands(sub)
    return parser


def _day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        raise argparse.ArgumentTypeError(
            _("'{v}' is not a date like 2026-09-30").format(v=value)) from None


def _add_excel_commands(sub: Any) -> None:
    """``export roster`` and ``import members`` (Excel rosters and spreadsheets)."""
    from .choices import MEMBERSHIP_STATUSES

    export = sub.add_parser("export", help=_("write a file for someone else (an Excel roster)"))
    export_sub = export.add_subparsers(dest="what", metavar="WHAT", parser_class=_Parser, required=True)
    roster = export_sub.add_parser("roster", help=_("the chapter's roster as an Excel workbook"))
    roster.add_argument("out", metavar="OUT.xlsx", help=_("the workbook to write"))
    roster.add_argument("--chapter", type=_positive, metavar="ID",
                        help=_("the chapter (when the database holds several; see 'list chapters')"))
    roster.add_argument("--status", choices=MEMBERSHIP_STATUSES,
                        help=_("only members with this status (Members and Officers sheets)"))
    roster.add_argument("--advisor", action="store_true",
                        help=_("leave out emails, phones, student ids, gender and anyone flagged "
                               "'do not disclose'"))

    imp = sub.add_parser("import", help=_("bring people in from a spreadsheet"))
    imp_sub = imp.add_subparsers(dest="what", metavar="WHAT", parser_class=_Parser, required=True)
    members = imp_sub.add_parser("members", help=_("members from a .csv or .xlsx file"))
    members.add_argument("file", metavar="FILE", nargs="?", help=_("the .csv or .xlsx file"))
    members.add_argument("--map", action="append", default=[], metavar="COLUMN=FIELD",
                         help=_("say which field a column holds (column by header or number; "
                                "FIELD empty to leave it out)"))
    members.add_argument("--dry-run", action="store_true", help=_("check the file; import nothing"))
    members.add_argument("--duplicates", choices=("update", "skip", "create"), default="skip",
                         help=_("people already in the chapter (same email or student id): "
                                "update them, skip them (default) or create someone new"))
    members.add_argument("--skip-invalid", action="store_true",
                         help=_("import the good rows and leave out rows with problems"))
    members.add_argument("--sheet", metavar="NAME", help=_("the sheet of an .xlsx file"))
    members.add_argument("--chapter", type=_positive, metavar="ID",
                        help=_("the chapter (when the database holds several; see 'list chapters')"))
    members.add_argument("--undo", action="store_true",
                         help=_("take the chapter's last import back (no FILE needed)"))


# --------------------------------------------------------------------------- output


def _plain(value: Any) -> Any:
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Path):
        return str(value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {k: _plain(v) for k, v in dataclasses.asdict(value).items()}
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    return value


def _print_json(data: Any) -> None:
    sys.stdout.write(json.dumps(_plain(data), ensure_ascii=False, indent=2) + "\n")


def _cell(value: Any, room: int | None = 60) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, enum.Enum):
        return getattr(value, "label", value.value)
    if isinstance(value, dt.datetime):
        # Aware times keep their own zone (an event's local time); UTC ones show in ours.
        shown = value.astimezone() if value.tzinfo in (None, dt.UTC) else value
        return shown.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date):
        return value.isoformat()
    from .text import display_width
    from .validation import sanitize

    text = sanitize(str(value).replace("\n", " ").replace("\t", " "), "cell")
    if room is None or display_width(text) <= room:
        return text
    while display_width(text) > room - 1:
        text = text[:-1]
    return text + "…"


def print_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """A readable table that lines up names in any script (wide characters count double)."""
    from .text import display_width

    last = len(headers) - 1
    cells = [[_cell(v, None if i == last else 60) for i, v in enumerate(row)] for row in rows]
    widths = [display_width(h) for h in headers]
    for row in cells:
        for i, c in enumerate(row):
            widths[i] = max(widths[i], display_width(c))

    def line(values: Sequence[str]) -> str:
        return "  ".join(v + " " * (widths[i] - display_width(v)) for i, v in enumerate(values)).rstrip()

    out = [line(headers), line(["-" * w for w in widths])]
    out += [line(r) for r in cells]
    sys.stdout.write("\n".join(out) + "\n")


def _progress_printer() -> Callable[[float | None, str], None] | None:
    if not sys.stderr.isatty():
        return None

    def show(fraction: float | None, message: str) -> None:
        shown = f"{fraction * 100:5.1f}%" if fraction is not None else "     …"
        sys.stderr.write(f"\r{shown}  {message[:60]:<60}")
        sys.stderr.flush()
        if fraction is not None and fraction >= 1:
            sys.stderr.write("\n")

    return show


# --------------------------------------------------------------------------- commands


# Commands that may create the database; the others refuse a mistyped --db path rather
# than creating an empty database there.
CREATING = (None, "gui", "demo")
# Commands that only read: they open the database through connections that cannot write,
# never create it (nor turn an empty file into one), and work on a read-only file.
READING = ("stats", "list", "check", "report", "export")


def _open(args: argparse.Namespace):
    from .storage import open_database
    from .storage.location import location_warnings

    reading = args.command in READING
    db = open_database(
        args.db, create=args.db is None or args.command in CREATING, readonly=reading
    )
    _say_if_read_only(db)
    if db.path is not None and args.command not in ("check",):
        for warning in location_warnings(db.path):
            sys.stderr.write(_("Warning: {w}").format(w=warning) + "\n")
    if db.report.pre_upgrade_backup:
        sys.stderr.write(
            _("Upgraded the database; the previous version is backed up at {p}").format(
                p=db.report.pre_upgrade_backup
            )
            + "\n"
        )
    return db


def _say_if_read_only(db) -> None:
    if db.read_only_reason:
        sys.stderr.write(
            _("Note: {path} is read-only ({why}); it was opened for reading only.").format(
                path=db.location, why=db.read_only_reason
            )
            + "\n"
        )


def cmd_none(args: argparse.Namespace) -> int:
    from .storage.location import location_warnings  # noqa: F401

    db = _open(args)
    try:
        from .services.stats import chapter_stats

        totals = chapter_stats(db)
    finally:
        db.close()
    sys.stdout.write(
        _(
            "Chapter Manager {version}\n"
            "Database: {path}\n"
            "It holds {chapters} chapter(s), {people} people and {pledges} pledges.\n\n"
            "The desktop app opens with 'chapter-manager' alone (or 'chapter-manager gui'); "
            "the commands work on the same database: try\n"
            "  chapter-manager demo      (add a demo chapter)\n"
            "  chapter-manager stats     (the chapter's counts)\n"
            "  chapter-manager --help    (every command)\n"
        ).format(
            version=__version__,
            path=db.location,
            chapters=len(totals.get("chapters", [])),
            people=totals["people"],
            pledges=totals["pledges"],
        )
    )
    return EXIT_OK


def cmd_demo(args: argparse.Namespace) -> int:
    from .demo import generate_demo

    db = _open(args)
    try:
        if not db.report.created:
            db.backup_if_due()
        summary = generate_demo(
            db,
            members=args.members,
            events=args.events,
            forums=args.forums,
            pledges=args.pledges,
            seed=args.seed,
            progress=_progress_printer(),
        )
    finally:
        db.close()
    sys.stdout.write(
        _("Added the demo chapter (id {id}) to {path}.").format(id=summary.chapter_id, path=db.location)
        + "\n"
    )
    return EXIT_OK


def cmd_stats(args: argparse.Namespace) -> int:
    from .services.stats import chapter_stats

    db = _open(args)
    try:
        stats = chapter_stats(db, args.chapter)
    finally:
        db.close()
    if args.json:
        _print_json(stats)
        return EXIT_OK
    labels = {
        "people": _("People"),
        "members": _("Members"),
        "events": _("Events"),
        "forums": _("Forum sessions"),
        "attendance": _("Attendance (named check-ins)"),
        "pledges": _("Pledges"),
    }
    if "chapter" in stats:
        sys.stdout.write(f"{stats['chapter']['name']}\n\n")
    print_table([_("Count"), _("Total")], [(labels[k], stats[k]) for k in labels])
    if stats.get("members_by_status"):
        sys.stdout.write("\n")
        from .models import MembershipStatus

        print_table(
            [_("Members by status"), _("Total")],
            [(MembershipStatus(k).label, v) for k, v in stats["members_by_status"].items()],
        )
    if stats.get("officers_now"):
        sys.stdout.write("\n")
        print_table([_("Officer"), _("Name"), _("Since")],
                    [(o["title"], o["name"], o["since"]) for o in stats["officers_now"]])
    if stats.get("goals"):
        sys.stdout.write("\n")
        print_table(
            [_("Goal"), _("Current"), _("Target"), _("%"), _("Reached by")],
            [
                (g["label"] or g["metric"], g["current"], g["target"], g["percent"],
                 g["projected_date"] or "")
                for g in stats["goals"]
            ],
        )
    if len(stats.get("chapters", [])) > 1:
        sys.stdout.write("\n")
        print_table(
            [_("Id"), _("Chapter"), _("People"), _("Members"), _("Pledges")],
            [(c["id"], c["name"], c["people"], c["members"], c["pledges"]) for c in stats["chapters"]],
        )
    return EXIT_OK


def _searched(rows: list[Any], query: str | None, limit: int | None,
              fields: Callable[[Any], tuple[str | None, ...]]) -> list[Any]:
    from .text import matches

    if query:
        rows = [r for r in rows if matches(query, *fields(r))]
    return rows[:limit] if limit else rows


def _list_rows(db, args: argparse.Namespace) -> tuple[list[str], list[str], list[Any]]:
    """(headers, field names, row objects) for ``list KIND``."""
    from .services import chapters as chapters_service
    from .services.common import resolve_chapter

    limit = args.limit or None
    if args.kind == "chapters":
        rows = chapters_service.list_chapters(db)
        return (
            [_("Id"), _("Chapter"), _("University"), _("City"), _("Country")],
            ["id", "name", "university", "city", "country"],
            rows[:limit] if limit else rows,
        )
    with db.read() as s:
        chapter_id = resolve_chapter(s, args.chapter).id
    if args.kind in ("people", "members"):
        from .services.people import list_people

        rows = list_people(
            db, chapter_id, search=args.search, members_only=args.kind == "members",
            order="relevance" if args.search else "name", limit=limit,
        )
        return (
            [_("Id"), _("Name"), _("Email"), _("Student id"), _("Affiliation"), _("Member")],
            ["id", "display_name", "email", "student_id", "affiliation", "membership_status"],
            rows,
        )
    if args.kind == "pledges":
        from .services.pledges import list_pledges

        rows = list_pledges(db, chapter_id, search=args.search, limit=limit)
        return (
            [_("Id"), _("Signed"), _("Name"), _("Event"), _("Source")],
            ["id", "signed_at", "display_name", "event_title", "source"],
            rows,
        )
    if args.kind == "events":
        from .services.events import list_events

        rows = _searched(list_events(db, chapter_id, order="date", descending=True),
                         args.search, limit, lambda r: (r.title, r.venue))
        return (
            [_("Id"), _("Starts"), _("Title"), _("Kind"), _("Status"), _("Attendance"), _("Pledges")],
            ["id", "local_starts_at", "title", "kind", "status", "attendance_count", "pledge_count"],
            rows,
        )
    from .services.forums import list_forums

    rows = _searched(list_forums(db, chapter_id), args.search, limit, lambda r: (r.topic,))
    return (
        [_("Id"), _("Held on"), _("Topic"), _("Format"), _("Takeaways"), _("Open actions")],
        ["id", "held_on", "topic", "format", "takeaway_count", "open_action_count"],
        rows,
    )


def cmd_list(args: argparse.Namespace) -> int:
    db = _open(args)
    try:
        headers, names, rows = _list_rows(db, args)
    finally:
        db.close()
    if args.json:
        _print_json([_plain(r) for r in rows])
    else:
        print_table(headers, [[getattr(r, n) for n in names] for r in rows])
    return EXIT_OK


def cmd_check(args: argparse.Namespace) -> int:
    from .storage import open_database
    from .storage.location import location_warnings
    from .storage.schema import SCHEMA_VERSION

    path = Path(args.db).expanduser() if args.db else None
    db = open_database(path, readonly=True)
    _say_if_read_only(db)
    try:
        problems = db.integrity_problems()
        version = db.schema_version()
        warnings = location_warnings(db.path) if db.path else []
        backups = db.backups.list() if db.path else []
    finally:
        db.close()
    report = {
        "database": db.location,
        "integrity": "ok" if not problems else "damaged",
        "problems": problems,
        "schema_version": version,
        "app_schema_version": SCHEMA_VERSION,
        "read_only": db.read_only_reason is not None,
        "warnings": warnings,
        "backups": len(backups),
        "newest_backup": str(backups[0].path) if backups else None,
    }
    if args.json:
        _print_json(report)
    else:
        sys.stdout.write(_("Database: {p}").format(p=report["database"]) + "\n")
        sys.stdout.write(
            _("Integrity: {state}").format(state=_("ok") if not problems else _("DAMAGED")) + "\n"
        )
        for problem in problems:
            sys.stdout.write(f"  - {problem}\n")
        sys.stdout.write(_("Schema version: {v} (this app: {a})").format(v=version, a=SCHEMA_VERSION) + "\n")
        sys.stdout.write(
            _("Backups: {n}{newest}").format(
                n=len(backups),
                newest=_(", newest {p}").format(p=backups[0].path) if backups else "",
            )
            + "\n"
        )
        if warnings:
            for warning in warnings:
                sys.stdout.write(_("Warning: {w}").format(w=warning) + "\n")
        else:
            sys.stdout.write(_("Location: fine (not in a synced folder or on a network drive)") + "\n")
    if problems:
        from .storage.backups import newest_good_backup

        good = newest_good_backup(db.path) if db.path else None
        hint = _(" The newest good backup is {b}.").format(b=good) if good else ""
        sys.stderr.write(_("The database is damaged.") + hint + "\n")
        return EXIT_FAILURE
    return EXIT_OK


def cmd_backup(args: argparse.Namespace) -> int:
    db = _open(args)
    try:
        target = db.backup(reason="manual", to=Path(args.to) if args.to else None)
    finally:
        db.close()
    sys.stdout.write(_("Backed up to {p}").format(p=target) + "\n")
    return EXIT_OK


def cmd_backups(args: argparse.Namespace) -> int:
    from .paths import default_database
    from .storage.backups import BackupStore

    path = Path(args.db).expanduser() if args.db else default_database()
    backups = BackupStore.for_database(path.absolute()).list()
    if not backups:
        sys.stdout.write(_("No backups of {p} yet.").format(p=path) + "\n")
        return EXIT_OK
    print_table(
        [_("Taken"), _("Reason"), _("Size (MB)"), _("File")],
        [(b.taken_at, b.reason, f"{b.size / 1e6:.1f}", str(b.path)) for b in backups],
    )
    return EXIT_OK


def cmd_restore(args: argparse.Namespace) -> int:
    from .paths import default_database
    from .storage.backups import restore_backup

    path = Path(args.db).expanduser() if args.db else default_database()
    result = restore_backup(path.absolute(), Path(args.backup))
    # Open it once: an older backup is upgraded (and backed up first) right away.
    db = _open(args)
    db.close()
    sys.stdout.write(_("Restored {b} into {p}.").format(b=result.restored_from, p=path) + "\n")
    if result.previous_kept_at:
        sys.stdout.write(
            _("The database as it was before is kept at {k}").format(k=result.previous_kept_at) + "\n"
        )
    return EXIT_OK


def cmd_kiosk(args: argparse.Namespace) -> int:
    """The kiosk is a window of the desktop app: the installed command opens it, not the core."""
    sys.stderr.write(
        _("The kiosk is a window of the desktop app: start it with 'chapter-manager kiosk' "
          "(the command installed with the app), not through the core's command line.") + "\n"
    )
    return EXIT_FAILURE


def cmd_report(args: argparse.Namespace) -> int:
    from .reports.data import ReportOptions
    from .reports.impact import build_report, write_pdf

    if args.start and args.end and args.end < args.start:
        sys.stderr.write(_("chapter-manager report: the period cannot end ({end}) before it starts ({start})").format(
            end=args.end, start=args.start) + "\n")
        return EXIT_USAGE
    db = _open(args)
    try:
        options = ReportOptions(chapter_id=args.chapter, start=args.start, end=args.end, advisor=args.advisor)
        result = build_report(db, options, progress=_progress_printer())
    finally:
        db.close()
    path = write_pdf(result.pdf, Path(args.out))
    for warning in result.warnings:
        sys.stderr.write(_("Warning: {w}").format(w=warning) + "\n")
    sys.stdout.write(
        _("Wrote the impact report for {chapter}, {start} to {end} ({pages} pages), to {path}.").format(
            chapter=result.data.chapter_name, start=result.data.start, end=result.data.end,
            pages=result.pages, path=path)
        + "\n"
    )
    return EXIT_OK


def cmd_pack(args: argparse.Namespace) -> int:
    from .services import kiosk_database, pack_export

    if args.for_kiosk and args.event is None:
        sys.stderr.write(_("Error: --for-kiosk needs --event ID (the event the kiosk signs people "
                           "up for).") + "\n")
        return EXIT_USAGE
    if args.for_kiosk and args.since is not None:
        sys.stderr.write(_("Error: --since does not go with --for-kiosk (a kiosk database holds no "
                           "sign-ups).") + "\n")
        return EXIT_USAGE
    db = _open(args)
    try:
        if args.for_kiosk:
            made = kiosk_database.export_for_kiosk(db, Path(args.out), args.event)
            sys.stdout.write(
                _("Wrote the kiosk database {path}: the chapter, the event and {goals} goal(s), "
                  "no personal data. On the kiosk laptop run:\n"
                  "  chapter-manager --db {name} kiosk --event {event}").format(
                    path=made.path, goals=made.goals, name=made.path.name, event=made.event_id)
                + "\n"
            )
            return EXIT_OK
        written = pack_export.export_pack(db, Path(args.out), chapter_id=args.chapter,
                                          event_id=args.event, since=args.since)
    finally:
        db.close()
    sys.stdout.write(
        _("Wrote {path}: {people} people, {pledges} pledges, {attendance} attendance records."
          ).format(path=written.path, people=written.people, pledges=written.pledges,
                   attendance=written.attendance) + "\n"
    )
    return EXIT_OK


def cmd_merge(args: argparse.Namespace) -> int:
    from .services import merge, merge_undo

    if args.undo_last and args.packs:
        sys.stderr.write(_("Error: give packs to merge, or --undo-last, not both.") + "\n")
        return EXIT_USAGE
    if not args.undo_last and not args.packs:
        sys.stderr.write(_("Error: name at least one pack to merge (see 'chapter-manager merge --help').")
                         + "\n")
        return EXIT_USAGE
    db = _open(args)
    try:
        if args.undo_last:
            from .services.common import resolve_chapter

            with db.read() as session:
                chapter_id = resolve_chapter(session, args.chapter).id
            batches = [b for b in merge_undo.list_merges(db, chapter_id) if b.undone_at is None]
            if not batches:
                sys.stdout.write(_("There is no merge to undo.") + "\n")
                return EXIT_OK
            rows = merge_undo.undo_merge(db, batches[0].id)
            sys.stdout.write(_("Undid the merge of {when} ({n} changes taken back).").format(
                when=_cell(batches[0].merged_at), n=rows) + "\n")
            return EXIT_OK
        if not db.report.created and not args.dry_run:
            db.backup_if_due()
        summary = merge.merge_packs(db, [Path(p) for p in args.packs], chapter_id=args.chapter,
                                    dry_run=args.dry_run, into_event=args.into_event,
                                    progress=_progress_printer())
        if args.json:
            _print_json({"dry_run": summary.dry_run, "batch_id": summary.batch_id,
                         **summary.counts(),
                         "packs": [dataclasses.asdict(p) for p in summary.packs],
                         "events": [{"title": e.title, "event_id": e.event_id, "how": e.how}
                                    for e in summary.events]})
            return EXIT_OK
        if summary.dry_run:
            sys.stdout.write(_("Preview: nothing was changed. Merging would give:") + "\n")
        elif summary.batch_id is None:
            sys.stdout.write(_("Nothing new: everything in these packs is here already.") + "\n")
        else:
            sys.stdout.write(_("Merged {n} pack(s):").format(n=len(summary.packs)) + "\n")
        print_table([_("What"), _("Count")], summary.lines())
        for e in summary.events:
            sys.stdout.write(_("Event “{title}”: {how}").format(title=e.title, how=e.how_label) + "\n")
        if (summary.queued_for_review or summary.details_queued) and not summary.dry_run:
            sys.stdout.write(_("Open the app (File ▸ Review likely matches…) to settle them.")
                             + "\n")
    finally:
        db.close()
    return EXIT_OK


def cmd_consent(args: argparse.Namespace) -> int:
    from .services import consent

    db = _open(args)
    try:
        if args.consent_command == "withdraw":
            done = consent.withdraw(db, args.person, args.purpose)
            label = done.purpose.label
            if done.was and not done.now:
                text = _("Recorded: person {id} withdrew their consent “{what}”.")
            else:
                text = _("Recorded: person {id} withdrew their consent “{what}” (it was not given).")
            sys.stdout.write(text.format(id=args.person, what=label) + "\n")
            return EXIT_OK
        seen = consent.history(db, args.person)
    finally:
        db.close()
    if args.json:
        _print_json({"person_id": seen.person_id, "may_contact": seen.may_contact,
                     "may_publish_name": seen.may_publish_name,
                     "statements": [{
                         "uuid": e.uuid, "purpose": e.purpose, "given": e.given, "stated_at": e.stated_at,
                         "laptop": e.laptop, "device_id": e.device_id, "this_laptop": e.this_laptop,
                         "event_id": e.event_id, "event": e.event_title,
                         "notice_version": e.notice_version, "source": e.source, "counts": e.counts,
                     } for e in seen.entries]})
        return EXIT_OK
    sys.stdout.write(_("Consent now: contact {contact}, publish name {publish}.").format(
        contact=_cell(seen.may_contact), publish=_cell(seen.may_publish_name)) + "\n")
    if not seen.entries:
        sys.stdout.write(_("No consent was ever given or withdrawn.") + "\n")
        return EXIT_OK
    zone = _zone(seen.chapter_timezone)
    print_table(
        [_("Consent"), _("Stated"), _("When"), _("Laptop"), _("Event"), _("Notice")],
        [(e.purpose, _("given") if e.given else _("withdrawn"), e.stated_at.astimezone(zone),
          _("this laptop") if e.this_laptop else (e.laptop or str(e.device_id)[:8]),
          e.event_title, e.notice_version) for e in seen.entries],
    )
    return EXIT_OK


def _zone(name: str) -> dt.tzinfo:
    import zoneinfo

    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return dt.UTC


def cmd_gui(args: argparse.Namespace) -> int:
    return cmd_none(args)


COMMANDS: dict[str | None, Callable[[argparse.Namespace], int]] = {
    None: cmd_none,
    "gui": cmd_gui,
    "demo": cmd_demo,
    "stats": cmd_stats,
    "list": cmd_list,
    "check": cmd_check,
    "backup": cmd_backup,
    "backups": cmd_backups,
    "restore": cmd_restore,
    "pack": cmd_pack,
    "merge": cmd_merge,
    "consent": cmd_consent,
    "kiosk": cmd_kiosk,
    "report": cmd_report,
}


def cmd_export(args: argparse.Namespace) -> int:
    from .exports import RosterOptions, export_roster

    db = _open(args)
    try:
        result = export_roster(
            db, args.out,
            RosterOptions(chapter_id=args.chapter, status=args.status, advisor=args.advisor),
            progress=_progress_printer(),
        )
    finally:
        db.close()
    sys.stdout.write(_("Wrote {path}").format(path=result.path) + "\n")
    print_table([_("Sheet"), _("Rows")], list(result.rows.items()))
    if result.left_out_columns or result.left_out_people:
        sys.stdout.write(_("Left out for the advisor: {cols}; {n} people flagged 'do not disclose'.").format(
            cols=", ".join(result.left_out_columns), n=result.left_out_people) + "\n")
    for warning in result.warnings:
        sys.stderr.write(_("Warning: {w}").format(w=warning) + "\n")
    return EXIT_OK


def cmd_import(args: argparse.Namespace) -> int:
    from .imports import commit_import, guess_mapping, parse_overrides, plan_import, read_table
    from .imports.mapping import field_label
    from .imports.members import undo_last_import
    from .imports.reader import describe_encoding
    from .services.common import resolve_chapter

    if not args.undo and not args.file:
        sys.stderr.write(_("chapter-manager import members: name the FILE to import (or use --undo)") + "\n")
        return EXIT_USAGE
    db = _open(args)
    try:
        with db.read() as s:
            chapter_id = resolve_chapter(s, args.chapter).id
        if args.undo:
            undone = undo_last_import(db, chapter_id)
            sys.stdout.write(_("Undid the last import: {r} people removed, {u} restored.").format(
                r=undone.removed, u=undone.restored) + "\n")
            if undone.deleted_since:
                sys.stdout.write(_("{n} people it updated were deleted since; there was nothing to "
                                   "restore for them.").format(n=undone.deleted_since) + "\n")
            if undone.kept:
                sys.stdout.write(_("{n} people it added have signed a pledge, attended or taken a "
                                   "role since; they were kept.").format(n=undone.kept) + "\n")
            return EXIT_OK
        table = read_table(args.file, sheet=args.sheet, progress=_progress_printer())
        mapping = parse_overrides(args.map, table.headers, guess_mapping(table.headers))
        found = [table.kind.upper()]
        if table.encoding:
            found.append(describe_encoding(table))
        if table.delimiter:
            found.append({",": _("comma"), ";": _("semicolon"), "\t": _("tab")}[table.delimiter])
        if table.sheet:
            found.append(_("sheet “{s}”").format(s=table.sheet))
        sys.stdout.write(_("Read {name}: {found}; headers on row {row}; {n:,} rows.").format(
            name=Path(args.file).name, found=", ".join(found), row=table.header_row, n=len(table.rows)) + "\n")
        print_table([_("Column"), _("Field")],
                    [(h, field_label(k) if k else _("(not imported)")) for h, k in zip(table.headers, mapping, strict=False)])
        plan = plan_import(db, chapter_id, table, mapping, source=str(args.file), progress=_progress_printer())
        problems = plan.problems
        if problems:
            sys.stdout.write("\n" + _("Problems ({n} rows):").format(n=plan.invalid) + "\n")
            print_table([_("Row"), _("Field"), _("Problem")], problems[:200])
            if len(problems) > 200:
                sys.stdout.write(_("… and {n} more.").format(n=len(problems) - 200) + "\n")
        names = plan.names(10)
        if names:
            sys.stdout.write("\n" + _("The first names, as they will be saved:") + "\n")
            print_table([_("Row"), _("Given name(s)"), _("Family name(s)")], names)
        sys.stdout.write(_("{new:,} new, {dup:,} already in the chapter, {bad:,} with problems.").format(
            new=plan.new, dup=plan.duplicates, bad=plan.invalid) + "\n")
        if args.dry_run:
            sys.stdout.write(_("Dry run: nothing was imported.") + "\n")
            return EXIT_FAILURE if plan.invalid and not args.skip_invalid else EXIT_OK
        result = commit_import(db, plan, duplicates=args.duplicates, skip_invalid=args.skip_invalid,
                               progress=_progress_printer())
    finally:
        db.close()
    sys.stdout.write(_("Imported: {c:,} added, {u:,} updated, {s:,} skipped, {i:,} rows with problems "
                       "left out. 'import members --undo' takes it back.").format(
        c=result.created, u=result.updated, s=result.skipped, i=result.invalid if args.skip_invalid else 0) + "\n")
    return EXIT_OK


COMMANDS["export"] = cmd_export
COMMANDS["import"] = cmd_import


def _log_unexpected(error: BaseException) -> Path | None:
    import traceback

    from .paths import log_dir, open_private, private_folder

    try:
        folder = log_dir()
        private_folder(folder)
        log = folder / "chapter-manager.log"
        with open_private(log, "a", encoding="utf-8") as fh:
            fh.write(f"--- {dt.datetime.now().isoformat()} chapter-manager {__version__} {sys.argv[1:]}\n")
            fh.write("".join(traceback.format_exception(error)))
        return log
    except OSError:
        return None


def main(argv: Sequence[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(errors="replace")
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as stop:  # --help, --version (0) and usage errors (2)
        return int(stop.code or 0)
    from .errors import ChapterChoiceNeeded, ChapterError

    try:
        return COMMANDS[args.command](args)
    except ChapterError as error:
        message = str(error).replace("\n", " ")
        if isinstance(error, ChapterChoiceNeeded) and "--chapter" not in message:
            message += " " + _("Add --chapter ID (see 'chapter-manager list chapters').")
        sys.stderr.write(_("Error: {message}").format(message=message) + "\n")
        return EXIT_FAILURE
    except KeyboardInterrupt:
        sys.stderr.write("\n" + _("Interrupted; the unfinished step was not saved.") + "\n")
        return EXIT_FAILURE
    except BrokenPipeError:
        os._exit(EXIT_OK)  # output piped into `head`: not an error
    except Exception as error:  # the last line of defence
        log = _log_unexpected(error)
        where = _(" Details are in {log}.").format(log=log) if log else ""
        sys.stderr.write(
            _("Unexpected problem ({kind}: {message}).").format(
                kind=type(error).__name__, message=str(error).splitlines()[0] if str(error) else ""
            )
            + where
            + "\n"
        )
        return EXIT_FAILURE


def run() -> None:
    sys.exit(main())


if __name__ == "__main__":
    run()
