"""This computer's identity as a writer of chapter data.

Every row a laptop creates carries the laptop's device id (see ``models.Replicated``).
The id lives in the user's data folder, so it stays the same for every database opened
on this computer.  ``CHAPTER_MANAGER_DEVICE_ID`` overrides it (tests use it to play
several laptops on one machine).
"""

from __future__ import annotations

import json
import os
import platform
import uuid
from dataclasses import dataclass

from . import paths

DEVICE_ENV = "CHAPTER_MANAGER_DEVICE_ID"


@dataclass(frozen=True)
class DeviceIdentity:
    id: uuid.UUID
    name: str


def this_device() -> DeviceIdentity:
    name = platform.node() or "this computer"
    override = os.environ.get(DEVICE_ENV)
    if override:
        return DeviceIdentity(uuid.UUID(override), name)
    path = paths.data_dir() / "device.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return DeviceIdentity(uuid.UUID(data["id"]), data.get("name") or name)
    except (OSError, ValueError, KeyError, TypeError):
        pass
    identity = DeviceIdentity(uuid.uuid4(), name)
    try:
        paths.private_folder(path.parent)
        tmp = path.with_suffix(".tmp")
        tmp.unlink(missing_ok=True)
        with paths.open_private(tmp, "w", encoding="utf-8") as fh:
            fh.write(json.dumps({"id": str(identity.id), "name": name}))
        os.replace(tmp, path)
    except OSError:
        # A read-only home still works; this session's rows get a fresh id.
        pass
    return identity
