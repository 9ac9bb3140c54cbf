"""Values the command line offers before anything heavy is imported.

``build_parser`` runs for every command, ``--help`` included, so it must not import the
models (SQLAlchemy's ORM).  The values here are the models' own, written out;
tests/test_cli.py checks that they stay the same.
"""

from __future__ import annotations

#: ``models.MembershipStatus`` values, in the enum's order
MEMBERSHIP_STATUSES: tuple[str, ...] = ("prospective", "active", "inactive", "alumni")
