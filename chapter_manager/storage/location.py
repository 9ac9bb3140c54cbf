"""Warnings about where a database file sits.

SQLite files in folders that a sync client copies (OneDrive, Dropbox, Google Drive,
iCloud, ...) or on network drives get corrupted: the sync client copies the file without
its write-ahead log, or two machines write at once over a protocol without real locks.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path, PurePath

from ..i18n import _

# Folder names that sync clients create, compared case-insensitively.  A prefix marker also
# matches "OneDrive - University", "Dropbox (Personal)", "GoogleDrive-ana@gmail.com".
_CLOUD_PREFIXES: tuple[tuple[str, str], ...] = (
    ("onedrive", "OneDrive"),
    ("dropbox", "Dropbox"),
    ("google drive", "Google Drive"),
    ("googledrive", "Google Drive"),
    ("icloud drive", "iCloud"),
    ("iclouddrive", "iCloud"),
    ("pcloud drive", "pCloud"),
    ("box sync", "Box"),
    ("megasync", "MEGA"),
)
_CLOUD_EXACT: dict[str, str] = {
    "my drive": "Google Drive",
    "mobile documents": "iCloud",
    "com~apple~clouddocs": "iCloud",
    "nextcloud": "Nextcloud",
    "owncloud": "ownCloud",
    "mega": "MEGA",
    "box": "Box",
    "sync": "Sync.com",
}
_NETWORK_FS = {
    "nfs",
    "nfs4",
    "cifs",
    "smb",
    "smbfs",
    "smb2",
    "smb3",
    "afs",
    "ncpfs",
    "fuse.sshfs",
    "sshfs",
    "9p",
    "davfs",
    "fuse.davfs2",
    "webdav",
    "afpfs",
    "glusterfs",
    "ceph",
    "fuse.rclone",
    "fuse.gvfsd-fuse",
}


def cloud_service(path: PurePath) -> str | None:
    """The sync service whose folder holds ``path``, if any (judged by folder names)."""
    generic = None
    for part in path.parts[:-1]:
        lowered = part.casefold()
        if lowered in _CLOUD_EXACT:
            return _CLOUD_EXACT[lowered]
        for marker, service in _CLOUD_PREFIXES:
            if lowered.startswith(marker):
                return service
        if lowered == "cloudstorage":  # macOS ~/Library/CloudStorage/<Provider-account>
            generic = "cloud storage"
    return generic


def _linux_fs_type(path: Path) -> str | None:
    try:
        with open("/proc/mounts", encoding="utf-8") as fh:
            mounts = [line.split() for line in fh]
    except OSError:
        return None
    best, best_type = "", None
    target = str(path)
    for fields in mounts:
        if len(fields) < 3:
            continue
        mount_point = fields[1].replace("\\040", " ")
        if (target == mount_point or target.startswith(mount_point.rstrip("/") + "/")) and len(
            mount_point
        ) > len(best):
            best, best_type = mount_point, fields[2]
    return best_type


def _windows_is_remote(path: Path) -> bool:
    text = str(path)
    if text.startswith("\\\\"):
        return True  # \\server\share
    try:
        import ctypes

        drive = os.path.splitdrive(text)[0] + "\\"
        return ctypes.windll.kernel32.GetDriveTypeW(drive) == 4  # type: ignore[attr-defined]
    except (AttributeError, OSError, ValueError):
        return False


def network_filesystem(path: Path) -> str | None:
    """The network file system type holding ``path``, if it is on one."""
    existing = path
    while not existing.exists() and existing.parent != existing:
        existing = existing.parent
    if sys.platform == "win32":
        return "network drive" if _windows_is_remote(existing) else None
    if sys.platform.startswith("linux"):
        fs = _linux_fs_type(existing.resolve())
        return fs if fs in _NETWORK_FS else None
    if sys.platform == "darwin" and str(existing.resolve()).startswith("/Volumes/"):
        import subprocess

        try:
            out = subprocess.run(
                ["/sbin/mount"], capture_output=True, text=True, timeout=2, check=False
            ).stdout
        except (OSError, subprocess.SubprocessError):
            return None
        for line in out.splitlines():
            if " on /Volumes/" in line and str(existing.resolve()).startswith(
                line.split(" on ", 1)[1].split(" (", 1)[0]
            ):
                fstype = line.rsplit("(", 1)[-1].split(",", 1)[0].strip()
                return fstype if fstype in _NETWORK_FS else None
    return None


def location_warnings(path: Path) -> list[str]:
    """Sentences warning about a risky place for a database; empty when the place is fine."""
    path = Path(path).expanduser().absolute()
    warnings = []
    service = cloud_service(path)
    if service:
        warnings.append(
            _(
                "{path} is in a folder synced by {service}. Sync services copy database files "
                "while they are being written, which corrupts them. Move the database to a "
                "folder that is not synced (File ▸ Save As, or copy it while the app is "
                "closed); Chapter Manager's own backups keep you safe."
            ).format(path=path, service=service)
        )
    fs = network_filesystem(path)
    if fs:
        warnings.append(
            _(
                "{path} is on a network drive ({fs}). SQLite databases on network drives get "
                "corrupted when the connection drops or two computers write at once. Keep the "
                "database on this computer's own disk."
            ).format(path=path, fs=fs)
        )
    return warnings
