"""The offline sign-up kiosk (see ``window.py``); started from an event's page or with
``chapter-manager kiosk --event ID`` (``launch.py``)."""

from .window import KioskWindow

__all__ = ["KioskWindow"]
