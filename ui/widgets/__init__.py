"""Widgets shared by several screens: the ``Page`` base, forms, the big-table models, the
saved-version guard and comparison, the person picker and the charts."""
