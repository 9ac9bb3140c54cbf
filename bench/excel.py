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

Import: a 100,000-row CSV (Spanish headers, UTF-8) read, checked and committed into a
new chapter, each step timed; the baseline reads the same file with the ``csv`` module.
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


def bench_import(n: int, record: Any, work: Path) -> None:
    from chapter_manager.imports import commit_import, guess_mapping, plan_import, read_table
    from chapter_manager.services.chapters import ChapterData, create_chapter
    from chapter_manager.storage import open_database

    work.mkdir(parents=True, exist_ok=True)
    path = make_csv(work / f"members-{n}.csv", n)
    db_path = work / "import.db"
    for suffix in ("", "-wal", "-shm"):
        Path(str(db_path) + suffix).unlink(missing_ok=True)
    t = time.perf_counter()
    with path.open(encoding="utf-8", newline="") as fh:
        raw_rows = sum(1 for _row in csv.reader(fh))
    baseline = time.perf_counter() - t
    with open_database(db_path) as db:
        chapter = create_chapter(db, ChapterData(name="Import bench", country="MX", timezone="America/Mexico_City"))
        t = time.perf_counter()
        table = read_table(path)
        read = time.perf_counter() - t
        record(f"import: read a {n:,}-row CSV", read, baseline, "s", "(no target)",
               f"baseline: csv.reader alone, {raw_rows:,} rows")
        t = time.perf_counter()
        plan = plan_import(db, chapter.id, table, guess_mapping(table.headers))
        check = time.perf_counter() - t
        record("import: check every row (validation, duplicates)", check, None, "s", "(no target)",
               f"{plan.new:,} new, {plan.invalid:,} with problems")
        t = time.perf_counter()
        result = commit_import(db, plan)
        commit = time.perf_counter() - t
        record("import: commit in one transaction", commit, None, "s", "(no target)",
               f"{result.created:,} people and memberships")
        record(f"import: {n:,}-row CSV end to end", read + check + commit, None, "s", "(no target)",
               f"{n / (read + check + commit):,.0f} rows/s")
