"""Files the chapter hands to other people: Excel rosters (and, later, PDF reports).

Nothing here imports Qt: the CLI, the desktop app (through ``ui/frame/tasks.py``) and the
benchmarks call the same functions, each taking ``progress(fraction, message)`` and a
``threading.Event`` to cancel.
"""

from .roster import RosterOptions, RosterResult, export_roster
from .xlsx import Cancelled

__all__ = ["Cancelled", "RosterOptions", "RosterResult", "export_roster"]
