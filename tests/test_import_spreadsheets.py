"""Spreadsheet and CSV imports: real workbooks and text files read, planned and imported."""

from __future__ import annotations

import codecs
import datetime as dt
import zipfile
from pathlib import Path

import openpyxl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chapter_manager.cli import main
from chapter_manager.errors import ChapterError, ValidationError
from chapter_manager.exports import RosterOptions, export_roster
from chapter_manager.imports import (
    ImportRefused,
    UndoneImport,
    commit_import,
    guess_mapping,
    last_import,
    plan_import,
    read_table,
    undo_last_import,
)
from chapter_manager.imports.reader import MAX_RATIO, decode, detect_delimiter, detect_encoding
from chapter_manager.services.people import list_people


def _sheet(path, name):
    return list(openpyxl.load_workbook(path)[name].iter_rows(values_only=True))


def _write_csv(path: Path, text: str, encoding: str, bom: bytes = b"") -> Path:
    path.write_bytes(bom + text.encode(encoding))
    return path


SPANISH = ("Nombre;Apellidos;Correo electrónico;Matrícula;Teléfono;Carrera;Facultad\r\n"
           "José;Núñez García;jose@unam.mx;00123;55 1234 5678;Derecho;Facultad de Derecho\r\n"
           "María;López;maria@unam.mx;00124;;Física;Ciencias\r\n")


@pytest.mark.parametrize("encoding,bom", [("utf-8", b""), ("utf-8", codecs.BOM_UTF8), ("utf-16-le", codecs.BOM_UTF16_LE),
                                          ("utf-16-le", b""), ("cp1252", b"")])
def test_csv_encodings_and_spanish_headers(db, chapter, tmp_path, encoding, bom):
    path = _write_csv(tmp_path / "m.csv", SPANISH, encoding, bom)
    table = read_table(path)
    assert table.delimiter == ";"
    assert table.headers[2] == "Correo electrónico"
    mapping = guess_mapping(table.headers)
    assert mapping == ["given_names", "family_names", "email", "student_id", "phone", "programme", "department"]
    plan = plan_import(db, chapter.id, table, mapping)
    assert plan.invalid == 0 and plan.new == 2
    commit_import(db, plan)
    rows = {r.display_name: r for r in list_people(db, chapter.id)}
    assert rows["José Núñez García"].student_id == "00123"


def test_problems_by_row_and_all_or_nothing(db, chapter, tmp_path):
    path = _write_csv(tmp_path / "bad.csv", "First name,Last name,Email,Status\nAna,Ruiz,ana@x.org,active\n"
                      ",,,\nBea,Soto,not-an-email,active\nCarl,Diaz,ana@x.org,someday\n", "utf-8")
    table = read_table(path)
    plan = plan_import(db, chapter.id, table, guess_mapping(table.headers))
    rows = {r for r, _f, _m in plan.problems}
    assert rows == {4, 5}
    with pytest.raises(ValidationError):
        commit_import(db, plan)
    assert list_people(db, chapter.id) == []
    result = commit_import(db, plan, skip_invalid=True)
    assert result.created == 1


def test_duplicates_update_skip_create_and_undo(db, chapter, roster_people, tmp_path):
    path = _write_csv(tmp_path / "d.csv", "Name,Email,Programme\nJosé Núñez,JOSE@unam.mx,Filosofía\n"
                      "New Person,new@unam.mx,\n", "utf-8")
    table = read_table(path)
    plan = plan_import(db, chapter.id, table, guess_mapping(table.headers))
    assert plan.duplicates == 1 and plan.rows[0].existing_name == "José Núñez"
    result = commit_import(db, plan, duplicates="update")
    assert (result.created, result.updated) == (1, 1)
    from chapter_manager.services.people import get_person
    assert get_person(db, roster_people[0].id).programme == "Filosofía"
    first = last_import(db, chapter.id)
    assert first.created == 1 and first.audit_uuid == result.audit_uuid
    assert undo_last_import(db, chapter.id, result.audit_uuid) == UndoneImport(1, 1, 0)
    assert get_person(db, roster_people[0].id).programme == ""
    assert len(list_people(db, chapter.id)) == 3
    assert last_import(db, chapter.id) is None
    with pytest.raises(ChapterError):
        undo_last_import(db, chapter.id)  # undone already
    plan = plan_import(db, chapter.id, table, guess_mapping(table.headers))
    skipped = commit_import(db, plan, duplicates="skip")
    assert skipped.skipped == 1
    plan = plan_import(db, chapter.id, table, guess_mapping(table.headers))
    result = commit_import(db, plan, duplicates="create")
    assert result.created == 2  # both exist now: created again without their email
    with pytest.raises(ChapterError, match="Another import"):
        undo_last_import(db, chapter.id, skipped.audit_uuid)
    everyone = list_people(db, chapter.id)
    assert len(everyone) == 6
    assert sum(1 for p in everyone if p.email is None and p.display_name == "New Person") == 1


def test_round_trip_members_sheet(db, chapter, roster_people, tmp_path):
    out = tmp_path / "r.xlsx"
    export_roster(db, out)
    from chapter_manager.services.chapters import ChapterData, create_chapter
    other = create_chapter(db, ChapterData(name="Other", country="MX"))
    table = read_table(out)
    assert table.sheet == "Members"
    plan = plan_import(db, other.id, table, guess_mapping(table.headers))
    assert plan.invalid == 0
    commit_import(db, plan)
    export_roster(db, tmp_path / "r2.xlsx", RosterOptions(chapter_id=other.id))
    a, b = _sheet(out, "Members"), _sheet(tmp_path / "r2.xlsx", "Members")
    strip = lambda rows: [r[:15] + (r[16],) for r in rows]  # noqa: E731 - officer role and date added differ
    assert strip(a) == strip(b)


def test_excel_dates_1900_and_1904(tmp_path):
    for epoch_1904 in (False, True):
        wb = openpyxl.Workbook()
        if epoch_1904:
            from openpyxl.utils.datetime import CALENDAR_MAC_1904
            wb.epoch = CALENDAR_MAC_1904
        ws = wb.active
        ws.append(["Name", "Joined"])
        ws.append(["Ana Ruiz", dt.date(2024, 2, 29)])
        path = tmp_path / f"d{epoch_1904}.xlsx"
        wb.save(path)
        with zipfile.ZipFile(path) as zf:
            assert (b"date1904" in zf.read("xl/workbook.xml")) is epoch_1904
        table = read_table(path)
        assert table.rows[0][1] == dt.date(2024, 2, 29)


def _zip_with(path: Path, parts: dict[str, bytes], compress=zipfile.ZIP_DEFLATED) -> Path:
    with zipfile.ZipFile(path, "w", compress) as zf:
        for name, data in parts.items():
            zf.writestr(name, data)
    return path


def test_hostile_files_are_refused(tmp_path):
    bomb = _zip_with(tmp_path / "bomb.xlsx", {"xl/workbook.xml": b"<workbook/>",
                                              "xl/worksheets/sheet1.xml": b"\0" * (MAX_RATIO * 50_000)})
    with pytest.raises(ImportRefused, match="zip bomb"):
        read_table(bomb)
    laughs = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]>'
              b"<workbook>&lol2;</workbook>")
    with pytest.raises(ImportRefused, match="entity"):
        read_table(_zip_with(tmp_path / "lol.xlsx", {"xl/workbook.xml": laughs}))
    with pytest.raises(ImportRefused, match="not an Excel"):
        read_table(_zip_with(tmp_path / "z.xlsx", {"a.txt": b"hello"}))
    (tmp_path / "big.csv").write_bytes(b"a,b\n" * 100)
    with pytest.raises(ImportRefused, match="too big"):
        read_table(tmp_path / "big.csv", max_bytes=100)
    (tmp_path / "img.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 20)
    with pytest.raises(ImportRefused, match="not a spreadsheet"):
        read_table(tmp_path / "img.png")
    (tmp_path / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512)
    with pytest.raises(ImportRefused, match=".xls"):
        read_table(tmp_path / "old.xls")
    (tmp_path / "empty.csv").write_bytes(b"")
    with pytest.raises(ImportRefused):
        read_table(tmp_path / "empty.csv")


def test_cli_export_and_import(capsys, tmp_path):
    db = str(tmp_path / "cli.db")
    assert main(["--db", db, "demo", "--members", "30", "--pledges", "20", "--events", "2", "--forums", "1"]) == 0
    out = tmp_path / "roster.xlsx"
    assert main(["--db", db, "export", "roster", str(out), "--advisor"]) == 0
    assert out.exists()
    assert main(["--db", db, "export", "roster", str(out), "--status", "nope"]) == 2
    csv_path = _write_csv(tmp_path / "m.csv", SPANISH, "utf-8")
    capsys.readouterr()
    assert main(["--db", db, "import", "members", str(csv_path), "--dry-run"]) == 0
    assert "Dry run" in capsys.readouterr().out
    assert main(["--db", db, "import", "members", str(csv_path), "--map", "Carrera="]) == 0
    assert "2 added" in capsys.readouterr().out
    assert main(["--db", db, "import", "members", str(csv_path), "--map", "Nope=email"]) == 1
    assert main(["--db", db, "import", "members", str(tmp_path / "none.csv")]) == 1
    assert "does not exist" in capsys.readouterr().err
    assert main(["--db", db, "import", "members", "--undo"]) == 0
    assert main(["--db", db, "import", "members"]) == 2



cell_text = st.text(st.sampled_from(list("abcXYZ 019éñ王ł\"'\n-=+@")), max_size=12)


@settings(max_examples=80, deadline=None)
@given(rows=st.lists(st.lists(cell_text, min_size=3, max_size=3), min_size=1, max_size=8),
       delimiter=st.sampled_from([",", ";", "\t"]),
       encoding=st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "cp1252"]))
def test_csv_reader_reads_back_what_csv_writes(rows, delimiter, encoding):
    import csv
    import io
    import tempfile

    if encoding == "cp1252":
        rows = [[c.replace("王", "a").replace("ł", "l") for c in r] for r in rows]
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter=delimiter)
    writer.writerow(["Name", "Email", "Notes"])
    writer.writerows(rows)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "h.csv"
        path.write_bytes(buf.getvalue().encode(encoding))
        table = read_table(path, header_row=1)
    assert table.delimiter == delimiter
    assert table.headers == ["Name", "Email", "Notes"]
    expected = [list(r) for r in rows]
    while expected and not any(c.strip() for c in expected[-1]):
        expected.pop()
    assert table.rows == expected


@settings(max_examples=100, deadline=None)
@given(st.binary(max_size=400))
def test_encoding_detection_never_fails(data):
    encoding = detect_encoding(data)
    text = decode(data, encoding)
    assert isinstance(text, str)
    assert detect_delimiter(text) in (",", ";", "\t")


@settings(max_examples=200, deadline=None)
@given(st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2068, 12, 31)))
def test_dates_typed_in_a_sheet_are_read_as_meant(day):
    from chapter_manager.imports.members import parse_date

    assert parse_date(day.isoformat()) == day
    assert parse_date(dt.datetime.combine(day, dt.time())) == day
    assert parse_date(f"{day.day:02d}/{day.month:02d}/{day.year}") == day  # day first, as in Spanish
    if day.day > 12:
        assert parse_date(f"{day.month}/{day.day}/{day.year}") == day  # unambiguous US order


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(max_size=30), min_size=1, max_size=12))
def test_header_guessing_never_fails_and_uses_a_field_once(headers):
    from chapter_manager.imports.mapping import FIELD_KEYS, MULTI

    mapping = guess_mapping(headers)
    assert len(mapping) == len(headers)
    used = [k for k in mapping if k]
    assert all(k in FIELD_KEYS for k in used)
    assert len([k for k in used if k not in MULTI]) == len({k for k in used if k not in MULTI})
