"""The ``chapter-manager`` command: the desktop app with no command (or ``gui``), the
sign-up kiosk with ``kiosk``, the core's command line for everything else.

This module lives in ``ui`` because the core never imports Qt; PySide6 is imported only
when a window is opened, so scripted commands start as fast as the core alone.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

GUI_COMMANDS = (None, "gui")


def main(argv: Sequence[str] | None = None) -> int:
    from chapter_manager import cli

    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = cli.build_parser()
    try:
        args, _unknown = parser.parse_known_args(args_list)
    except SystemExit as stop:
        return int(stop.code or 0)
    if args.command == "kiosk":
        try:  # strictly: an option the kiosk does not know is a usage error
            args = parser.parse_args(args_list)
        except SystemExit as stop:
            return int(stop.code or 0)
        return _kiosk(args)
    if args.command not in GUI_COMMANDS:
        return cli.main(args_list)
    try:
        from ui.frame.app import run_gui
    except ImportError as error:  # PySide6 or a system library missing
        sys.stderr.write(
            f"The desktop app cannot start: {error}. On Linux, install the Qt libraries listed in "
            "the README; the commands (chapter-manager --help) work without them.\n"
        )
        return 1
    try:
        return run_gui(args.db)
    except Exception as error:  # the last line of defence
        from ui.frame.errors import log_unexpected

        log = log_unexpected(error)
        sys.stderr.write(f"Unexpected problem ({type(error).__name__}). Details are in {log}.\n")
        return 1


def _kiosk(args) -> int:  # type: ignore[no-untyped-def]
    """``chapter-manager kiosk``: a window, so it starts here rather than in the core's CLI."""
    try:
        from ui.kiosk.launch import run_kiosk
    except ImportError as error:
        sys.stderr.write(
            f"The kiosk cannot start: {error}. On Linux, install the Qt libraries listed in the README.\n"
        )
        return 1
    try:
        return run_kiosk(args.db, args.event, windowed=args.windowed)
    except Exception as error:  # the last line of defence
        from ui.frame.errors import log_unexpected

        log = log_unexpected(error)
        sys.stderr.write(f"Unexpected problem ({type(error).__name__}). Details are in {log}.\n")
        return 1


def run() -> None:
    sys.exit(main())
