"""The app's frame: starting the app, the main window and its menus, the context every screen
shares (database, chapter, settings, undo), the task runner, errors, translation, opening files,
one app per file, and what keeps a view in place on a refresh."""
