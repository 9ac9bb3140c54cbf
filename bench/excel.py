"""Excel roster and spreadsheet import benchmarks (``bench/run.py --only roster import``).

Roster: ``export_roster`` of a 100,000-member chapter (all seven sheets), run in a child
process that reports its time and its peak RSS growth; then, in the same run,

* a bare openpyxl write-only workbook of exactly the same cells (read back from our
  workbook beforehand, so the values and types are the same), without any styling, also
  in a fresh child process that loads the cells before its clock starts.  Ours and the
  bare write alternate for :data:`ROUNDS` rounds, so a burst of load on a shared machine
  hits both; the ratio is of the medians, and the note gives each round's ratio;
* ``pandas.DataFrame.to_excel`` of the same data (one DataFrame per sheet, the openpyxl
  engine), what a user would otherwise script (skipped when pandas is absent: it is only
  in the optional ``bench`` extra).

Import: a 100,000-row CSV (Spanish headers, UTF-8) and the same rows as an .xlsx written by
openpyxl, each read, checked and committed into a new chapter in a fresh child process that
reports each step's time and its peak RSS; the baselines, in the same run and also in child
processes, read the same file into a list as the importer used to (``csv.reader``; openpyxl's
read-only mode).  Then the hostile files of the issue: a shared-strings bomb (a few MB that
unpack to ~480 MB, within the zip-ratio limit), a 1,000,000-row sheet and a 500,000-row CSV,
each refused: the time to refuse and the peak RSS.
"""

from __future__ import annotations

import csv
import json
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent

_CHILD = r"""
import json, resource, sys, time
from chapter_manager.storage import open_database
from chapter_manager.exports import export_roster, RosterOptions
db = open_database(sys.argv[1])
with db.read() as s:  # warm the connection like an app that is open
    pass
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
t = time.perf_counter()
result = export_roster(db, sys.argv[2], RosterOptions(advisor=sys.argv[3] == "advisor"))
elapsed = time.perf_counter() - t
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(json.dumps({"seconds": elapsed, "rss_growth_mb": (peak - before) / 1024, "rows": result.rows}))
"""

# The bare baseline: the cells (pickled by the parent) are loaded before the clock starts.
_BARE_CHILD = r"""
import json, pickle, sys, time
from openpyxl import Workbook
with open(sys.argv[1], "rb") as fh:
    sheets = pickle.load(fh)
t = time.perf_counter()
wb = Workbook(write_only=True)
for title, rows in sheets:
    ws = wb.create_sheet(title)
    for row in rows:
        ws.append(row)
wb.save(sys.argv[2])
print(json.dumps({"seconds": time.perf_counter() - t}))
"""

# Ours and the bare write, alternately, this many times each.
ROUNDS = 3


def _read_back(path: Path) -> list[tuple[str, list[tuple[Any, ...]]]]:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True)
    sheets = [(ws.title, list(ws.iter_rows(values_only=True))) for ws in wb.worksheets]
    wb.close()
    return sheets


def _child(script: str, *args: object) -> dict[str, Any]:
    proc = subprocess.run([sys.executable, "-c", script, *map(str, args)],
                          capture_output=True, text=True, cwd=str(HERE.parent), check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _pandas(sheets: list[tuple[str, list[tuple[Any, ...]]]], out: Path) -> float | None:
    try:
        import pandas as pd
    except ImportError:
        return None
    frames = [(title, pd.DataFrame(rows[1:], columns=list(rows[0]))) for title, rows in sheets if rows]
    t = time.perf_counter()
    with pd.ExcelWriter(out, engine="openpyxl") as writer:
        for title, frame in frames:
            frame.to_excel(writer, sheet_name=title, index=False)
    return time.perf_counter() - t


def bench_roster(db_path: Path, record: Any, work: Path) -> None:
    import pickle
    import statistics

    work.mkdir(parents=True, exist_ok=True)
    ours_path = work / "roster-ours.xlsx"
    bare_path = work / "roster-bare.xlsx"
    cells_path = work / "roster-cells.pickle"
    print("  roster: exporting (child process)...", flush=True)
    first = _child(_CHILD, db_path, ours_path, "full")
    print(f"  roster: ours {first['seconds']:.2f} s", flush=True)
    rows = sum(first["rows"].values())
    print(f"  roster: reading the {rows:,} data rows back for the baselines...", flush=True)
    sheets = _read_back(ours_path)
    width = sum(len(r) * len(r[0]) for _t, r in sheets if r)
    with cells_path.open("wb") as fh:
        pickle.dump(sheets, fh, protocol=pickle.HIGHEST_PROTOCOL)
    ours_times: list[float] = []
    bare_times: list[float] = []
    for n in range(ROUNDS):
        if n:
            ours_times.append(_child(_CHILD, db_path, ours_path, "full")["seconds"])
        else:
            ours_times.append(first["seconds"])
        bare_times.append(_child(_BARE_CHILD, cells_path, bare_path)["seconds"])
        print(f"  roster: round {n + 1}: ours {ours_times[-1]:.2f} s, bare {bare_times[-1]:.2f} s, "
              f"ratio {ours_times[-1] / bare_times[-1]:.3f}", flush=True)
    cells_path.unlink()
    ours, bare = statistics.median(ours_times), statistics.median(bare_times)
    rounds = ", ".join(f"{o / b:.3f}" for o, b in zip(ours_times, bare_times, strict=True))
    note = (f"{first['rows']['Members']:,} members; {rows:,} rows, {width:,} cells in 7 sheets; "
            f"medians of {ROUNDS} alternating rounds, ratio {ours / bare:.3f} (rounds: {rounds})")
    record("roster: export vs bare openpyxl write-only, same cells", ours, bare, "s",
           "<= 1.2x baseline", note)
    pandas_time = _pandas(sheets, work / "roster-pandas.xlsx")
    del sheets
    if pandas_time is not None:
        record("roster: export vs pandas DataFrame.to_excel (openpyxl)", ours, pandas_time, "s",
               "faster than baseline", f"ratio {ours / pandas_time:.2f}")
    else:
        print("  roster: pandas not installed (pip install -e '.[bench]'); skipped", flush=True)
    record("roster: peak RSS growth during the export", first["rss_growth_mb"], None, "MB", "< 200 MB",
           "child process, ru_maxrss after opening vs at the end")
    advisor = _child(_CHILD, db_path, work / "roster-advisor.xlsx", "advisor")
    record("roster: advisor mode export", advisor["seconds"], None, "s", "(no target)",
           f"{advisor['rows']['Members']:,} members")


_GIVEN = ["José", "María", "Lucía", "Mateo", "Sofía", "Diego", "Valentina", "Santiago", "Camila", "Łukasz",
          "Nguyễn Thị", "Priya", "Ahmed", "Fang", "Renata", "Emilio"]
_FAMILY = ["Núñez", "García López", "Hernández", "Martínez Ruiz", "Ortiz", "Sánchez", "Wang", "Kowalski",
           "Rāghunāthan", "Flores Vega", "Castillo", "Moreno"]
_PROGRAMMES = ["Derecho", "Psicología", "Física", "Arquitectura", "Economía", "Medicina", "Letras Hispánicas"]


def make_csv(path: Path, n: int, seed: int = 5) -> Path:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["Nombre", "Apellidos", "Correo electrónico", "Matrícula", "Teléfono", "Carrera",
                    "Facultad", "Estado", "Fecha de ingreso"])
        for i in range(n):
            given, family = rng.choice(_GIVEN), rng.choice(_FAMILY)
            w.writerow([given, family, f"persona{i}@comunidad.unam.mx", f"{i:09d}",
                        f"55 {rng.randrange(1000, 9999)} {rng.randrange(1000, 9999)}" if i % 3 == 0 else "",
                        rng.choice(_PROGRAMMES), "Facultad de " + rng.choice(_PROGRAMMES),
                        rng.choice(["activo", "activa", "egresado", "inactivo", "prospecto"]),
                        f"{rng.randrange(1, 28):02d}/{rng.randrange(1, 12):02d}/20{rng.randrange(18, 26)}"])
    return path


# One import (or one refusal) in a fresh process: times of each step and the peak RSS.
_IMPORT_CHILD = r"""
import json, resource, sys, time
from pathlib import Path
from chapter_manager.imports import ImportRefused, commit_import, guess_mapping, plan_import, read_table
from chapter_manager.services.chapters import ChapterData, create_chapter
from chapter_manager.storage import open_database
path, db_path, mode = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
for suffix in ("", "-wal", "-shm"):
    Path(str(db_path) + suffix).unlink(missing_ok=True)
db = open_database(db_path)
chapter = create_chapter(db, ChapterData(name="Import bench", country="MX", timezone="America/Mexico_City"))
rss = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
cpu = lambda: sum(resource.getrusage(resource.RUSAGE_SELF)[:2])
out = {"start_mb": rss()}
cpu0 = cpu()
t = time.perf_counter()
try:
    table = read_table(path)
except ImportRefused as error:
    out.update(refused=str(error), read=time.perf_counter() - t, peak_mb=rss(), cpu=cpu() - cpu0)
    print(json.dumps(out)); sys.exit(0)
out["read"] = time.perf_counter() - t
out["rows"] = len(table.rows)
t = time.perf_counter()
plan = plan_import(db, chapter.id, table, guess_mapping(table.headers))
out["check"] = time.perf_counter() - t
out["new"], out["invalid"] = plan.new, plan.invalid
t = time.perf_counter()
result = commit_import(db, plan)
out["commit"] = time.perf_counter() - t
out["created"] = result.created
out["peak_mb"] = rss()
out["cpu"] = cpu() - cpu0
print(json.dumps(out))
"""

# The baselines: what the old importer did (every row held: csv module, openpyxl's read-only mode).
_BASELINE_CHILD = r"""
import csv, json, resource, sys, time, warnings
path, kind = sys.argv[1], sys.argv[2]
rss = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
start = rss()
t = time.perf_counter()
if kind == "csv":
    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
else:
    from openpyxl import load_workbook
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        wb = load_workbook(path, read_only=True, data_only=True)
    rows = list(wb.worksheets[0].iter_rows(values_only=True))
    wb.close()
print(json.dumps({"seconds": time.perf_counter() - t, "rows": len(rows), "start_mb": start, "peak_mb": rss()}))
"""


def make_xlsx(csv_path: Path, path: Path) -> Path:
    """The CSV's rows as a workbook written by openpyxl (shared strings, as Excel writes)."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Miembros")
    with csv_path.open(encoding="utf-8", newline="") as fh:
        for row in csv.reader(fh):
            ws.append(row)
    wb.save(path)
    return path


def make_bomb(path: Path, megabytes: int = 480) -> Path:
    """The issue's shared-strings bomb: a few MB that unpack to ~480 MB of shared texts,
    each with a random tail so the part compresses well inside the zip-ratio limit."""
    import os
    import sys as _sys

    _sys.path.insert(0, str(HERE.parent / "tests"))
    from xlsxgen import write_xlsx

    count = megabytes * 2**20 // 460
    tails = os.urandom(8 * count).hex()
    shared = (f"{'Valentina Gómez ' * 26}{tails[i * 16:(i + 1) * 16]}" for i in range(count))
    return write_xlsx(path, [["Nombre", "Correo"], ["\x00s:0", "\x00s:1"]], shared=shared, level=6)


def make_million(path: Path) -> Path:
    import sys as _sys

    _sys.path.insert(0, str(HERE.parent / "tests"))
    from xlsxgen import write_xlsx

    def rows() -> Any:
        yield ["Nombre completo", "Correo"]
        for i in range(2, 1_000_002):
            yield (f'<row r="{i}"><c r="A{i}" t="inlineStr"><is><t>Persona {i}</t></is></c>'
                   f'<c r="B{i}" t="inlineStr"><is><t>p{i}@unam.mx</t></is></c></row>')

    return write_xlsx(path, rows())


def bench_import(n: int, record: Any, work: Path) -> None:
    import zipfile

    work.mkdir(parents=True, exist_ok=True)
    csv_path = make_csv(work / f"members-{n}.csv", n)
    print(f"  import: writing the {n:,}-row workbook...", flush=True)
    xlsx_path = make_xlsx(csv_path, work / f"members-{n}.xlsx")
    db_path = work / "import.db"
    for kind, path in (("csv", csv_path), ("xlsx", xlsx_path)):
        size = path.stat().st_size / 2**20
        base = _child(_BASELINE_CHILD, path, kind)
        ours = _child(_IMPORT_CHILD, path, db_path, "import")
        total = ours["read"] + ours["check"] + ours["commit"]
        what = "csv.reader into a list" if kind == "csv" else "openpyxl read-only iter_rows into a list"
        record(f"import: read a {n:,}-row {kind.upper()} ({size:.1f} MB)", ours["read"], base["seconds"], "s",
               "(no target)", f"baseline: {what}; ours streams")
        record(f"import: check {n:,} rows from {kind.upper()} (validation, duplicates)", ours["check"], None, "s",
               "(no target)", f"{ours['new']:,} new, {ours['invalid']:,} with problems")
        record(f"import: commit {n:,} from {kind.upper()} in one transaction", ours["commit"], None, "s",
               "(no target)", f"{ours['created']:,} people and memberships")
        record(f"import: {n:,}-row {kind.upper()} end to end", total, None, "s", "< 30 s",
               f"{n / total:,.0f} rows/s; CPU time {ours['cpu']:.1f} s (wall time grows with other load)")
        record(f"import: peak RSS, {n:,}-row {kind.upper()} end to end", ours["peak_mb"], base["peak_mb"], "MB",
               "< 500 MB", f"child process, ru_maxrss; {ours['start_mb']:.0f} MB after opening the database; "
               f"baseline: {what} ({base['start_mb']:.0f} MB at its start)")
    if n < 100_000:
        return  # --quick: the largest import and the hostile files below take a while
    # The largest file accepted (just under MAX_ROWS): its peak RSS is the budget's test.
    largest = make_csv(work / "members-199000.csv", 199_000)
    for kind, path in (("csv", largest), ("xlsx", make_xlsx(largest, work / "members-199000.xlsx"))):
        ours = _child(_IMPORT_CHILD, path, db_path, "import")
        record(f"import: peak RSS, 199,000-row {kind.upper()} end to end (the most rows accepted)", ours["peak_mb"],
               None, "MB", "< 500 MB", f"{ours['read'] + ours['check'] + ours['commit']:.1f} s, CPU {ours['cpu']:.1f} s")
    print("  import: writing the shared-strings bomb...", flush=True)
    bomb = make_bomb(work / "bomb.xlsx")
    with zipfile.ZipFile(bomb) as zf:
        info = zf.getinfo("xl/sharedStrings.xml")
    ours = _child(_IMPORT_CHILD, bomb, db_path, "import")
    record("import: refuse a shared-strings bomb", ours["read"], None, "s", "refused early",
           f"{bomb.stat().st_size / 2**20:.1f} MB file, shared texts {info.file_size / 2**20:,.0f} MB "
           f"(ratio {info.file_size / info.compress_size:.0f}, limit 200); peak RSS {ours['peak_mb']:.0f} MB; "
           f"refused: {'refused' in ours}; CPU {ours['cpu']:.2f} s")
    print("  import: writing the million-row sheet...", flush=True)
    million = make_million(work / "million.xlsx")
    ours = _child(_IMPORT_CHILD, million, db_path, "import")
    record("import: refuse a 1,000,000-row xlsx", ours["read"], None, "s", "refused early",
           f"{million.stat().st_size / 2**20:.1f} MB file; peak RSS {ours['peak_mb']:.0f} MB; "
           f"refused: {'refused' in ours}")
    big_csv = make_csv(work / "members-500000.csv", 500_000)
    ours = _child(_IMPORT_CHILD, big_csv, db_path, "import")
    record("import: refuse a 500,000-row CSV", ours["read"], None, "s", "refused early",
           f"{big_csv.stat().st_size / 2**20:.1f} MB file; peak RSS {ours['peak_mb']:.0f} MB; "
           f"refused: {'refused' in ours}")
