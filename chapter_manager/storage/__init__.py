"""Storage: opening databases, schema upgrades, backups and database-specific code.

SQLite specifics (pragmas, ``BEGIN IMMEDIATE``, FTS5, the backup API) stay inside this
package; the services above it speak SQLAlchemy only.
"""

from .database import Database, OpenReport, open_database

__all__ = ["Database", "OpenReport", "open_database"]
