"""The Qt desktop app, built on the ``chapter_manager`` core.

All of Qt is imported here and below, never in the core.  The main window arrives with the
desktop-app release; ``chapter-manager`` without a command says so until then.
"""
