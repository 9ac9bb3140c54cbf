"""Warnings about where a database file sits: synced folders and network drives."""

from __future__ import annotations

from pathlib import Path, PurePosixPath, PureWindowsPath

import pytest

from chapter_manager import paths
from chapter_manager.storage.location import (
    cloud_service,
    location_warnings,
    network_filesystem,
)


@pytest.fixture(autouse=True)
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data = tmp_path / "data"
    monkeypatch.setenv(paths.DATA_ENV, str(data))
    monkeypatch.delenv(paths.DB_ENV, raising=False)
    return data


CLOUD_FOLDERS = [
    ("OneDrive", "OneDrive"),
    ("onedrive", "OneDrive"),
    ("OneDrive - UNAM", "OneDrive"),
    ("OneDrive - Universidad de Chile", "OneDrive"),
    ("OneDrive-Personal", "OneDrive"),
    ("Dropbox", "Dropbox"),
    ("Dropbox (Personal)", "Dropbox"),
    ("Dropbox (HeForShe UNAM)", "Dropbox"),
    ("Google Drive", "Google Drive"),
    ("GoogleDrive", "Google Drive"),
    ("My Drive", "Google Drive"),
    ("iCloud Drive", "iCloud"),
    ("iCloudDrive", "iCloud"),
    ("Library/Mobile Documents/com~apple~CloudDocs", "iCloud"),
    ("Box Sync", "Box"),
    ("Nextcloud", "Nextcloud"),
    ("pCloud Drive", "pCloud"),
]


@pytest.mark.parametrize(("folder", "service"), CLOUD_FOLDERS)
def test_a_synced_folder_gives_one_warning_naming_the_service(
    tmp_path: Path, folder: str, service: str
) -> None:
    path = tmp_path / folder / "HeForShe" / "chapter.db"
    assert cloud_service(path) == service
    warnings = location_warnings(path)
    assert len(warnings) == 1
    assert service in warnings[0]
    assert str(path) in warnings[0]
    assert "synced" in warnings[0]


@pytest.mark.parametrize(
    ("path", "service"),
    [
        (PureWindowsPath(r"C:\Users\ana\OneDrive - UNAM\Documents\chapter.db"), "OneDrive"),
        (PureWindowsPath(r"C:\Users\ana\Dropbox\chapter.db"), "Dropbox"),
        (PureWindowsPath(r"G:\My Drive\HeForShe\chapter.db"), "Google Drive"),
        (PureWindowsPath(r"C:\Users\ana\iCloudDrive\chapter.db"), "iCloud"),
        (PurePosixPath("/Users/ana/Library/Mobile Documents/com~apple~CloudDocs/c.db"), "iCloud"),
        (PurePosixPath("/Volumes/GoogleDrive/My Drive/chapter.db"), "Google Drive"),
    ],
)
def test_cloud_service_on_other_systems_paths(path: Path, service: str) -> None:
    assert cloud_service(path) == service


@pytest.mark.parametrize(
    "provider",
    ["OneDrive-Personal", "Dropbox", "GoogleDrive-ana@unam.mx", "Box-Box"],
)
def test_macos_cloudstorage_gives_one_warning(tmp_path: Path, provider: str) -> None:
    path = tmp_path / "Library" / "CloudStorage" / provider / "chapter.db"
    assert cloud_service(path) is not None
    assert len(location_warnings(path)) == 1


@pytest.mark.parametrize(
    ("provider", "service"),
    [
        ("OneDrive-Personal", "OneDrive"),
        ("Dropbox", "Dropbox"),
        ("GoogleDrive-ana@unam.mx", "Google Drive"),
    ],
)
def test_macos_cloudstorage_names_the_provider(tmp_path: Path, provider: str, service: str) -> None:
    path = tmp_path / "Library" / "CloudStorage" / provider / "My Drive" / "chapter.db"
    assert cloud_service(path) == service


@pytest.mark.parametrize(
    "relative",
    [
        "chapter.db",
        "Documents/HeForShe/chapter.db",
        "Desktop/dropbox.db",  # the file's own name is not a folder
        "OneDrive.db",
        "Projects/Megan/chapter.db",
        "Drive/chapter.db",
        "Library/Application Support/ChapterManager/chapter.db",
    ],
)
def test_a_normal_folder_gives_no_warning(tmp_path: Path, relative: str) -> None:
    path = tmp_path / relative
    assert cloud_service(path) is None
    assert location_warnings(path) == []


def test_location_warnings_accepts_relative_and_home_paths(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert len(location_warnings(Path("Dropbox/chapter.db"))) == 1
    assert len(location_warnings(Path("~/OneDrive - UNAM/chapter.db"))) == 1
    assert location_warnings(Path("~/Documents/chapter.db")) == []


def test_local_temporary_folder_is_not_a_network_filesystem(tmp_path: Path) -> None:
    assert network_filesystem(tmp_path) is None
    # A path that does not exist yet is judged by the nearest folder that does.
    assert network_filesystem(tmp_path / "not" / "yet" / "chapter.db") is None
