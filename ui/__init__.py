"""The Qt desktop app, built on the ``chapter_manager`` core.

All of Qt is imported here and below, never in the core.  The layout:

- a package per screen (``dashboard``, ``members``, ``events``, ``forums``, ``pledges``,
  ``reports``, ``kiosk``, ``merge``), each holding its page (``page.py``) and the editors and
  dialogs only that screen opens;
- ``widgets``: what several screens use (the ``Page`` base, forms, table models, the
  saved-version guard, the person picker, charts);
- ``frame``: the app around the screens (start-up, main window and menus, the shared context,
  settings, the task runner, errors, translation, opening files);
- ``launcher.py`` stays here: it is the installed ``chapter-manager`` and imports no Qt until a
  window opens.
"""
