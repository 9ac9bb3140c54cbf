"""Chapter Manager core: the data model, storage, services and command line.

This package never imports Qt; the desktop app in ``ui/`` is built on top of it.
"""

__version__ = "0.1.0"
