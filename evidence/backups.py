"""Backups of the database and the files (uploads and kept exports), and their restore.

A backup is a folder: ``database.json.gz`` (every row, Django's ``dumpdata``, portable between SQLite and
PostgreSQL), ``files/default/...`` and ``files/exports/...`` (every file of the two storages, read through
the storage API, so a bucket is backed up like a folder), and ``manifest.json`` (rows per model, and each
file's size and SHA-256). A restore loads all of it into an empty (migrated) database and storage, then
checks the counts and every file's checksum against the manifest.

For a large PostgreSQL database, ``pg_dump``/``pg_restore`` are faster; the files are backed up the same.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from django.apps import apps
from django.core.files import File
from django.core.files.storage import Storage, storages
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

STORAGE_ALIASES = ("default", "exports")
# Rebuilt by migrate (and by flush's post_migrate): dumping them would clash with the rebuilt rows.
EXCLUDED = ["contenttypes", "auth.permission", "sessions"]
FORMAT = 1


class BackupError(Exception):
    pass


@dataclass
class Summary:
    rows: dict[str, int]
    files: dict[str, dict]
    problems: list[str] = field(default_factory=list)


def _walk(storage: Storage, folder: str = ""):
    folders, names = storage.listdir(folder)
    for name in names:
        yield f"{folder}/{name}" if folder else name
    for sub in folders:
        yield from _walk(storage, f"{folder}/{sub}" if folder else sub)


def _names(alias: str) -> list[str]:
    """Every file of a storage. A local exports folder inside the uploads folder (the default, MEDIA_ROOT/
    exports) is left to the exports storage, so no file is counted twice."""
    storage = storages[alias]
    skip = None
    if alias == "default":
        mine, theirs = getattr(storage, "location", None), getattr(storages["exports"], "location", None)
        if mine and theirs and Path(theirs).resolve().is_relative_to(Path(mine).resolve()):
            skip = Path(theirs).resolve().relative_to(Path(mine).resolve()).as_posix()
    try:
        names = sorted(_walk(storage))
    except FileNotFoundError:
        return []  # a folder never written to
    return [n for n in names if not (skip and (n == skip or n.startswith(f"{skip}/")))]


def _sha256(handle) -> tuple[str, int]:
    digest, size = hashlib.sha256(), 0
    for chunk in iter(lambda: handle.read(1 << 20), b""):
        digest.update(chunk)
        size += len(chunk)
    return digest.hexdigest(), size


def row_counts() -> dict[str, int]:
    counts = {}
    for model in apps.get_models():
        label = model._meta.label_lower
        if model._meta.proxy or not model._meta.managed or label.split(".")[0] in {"contenttypes", "sessions"}:
            continue
        if label == "auth.permission":
            continue
        counts[label] = model._default_manager.count()
    return counts


def file_checksums() -> dict[str, dict]:
    files = {}
    for alias in STORAGE_ALIASES:
        storage = storages[alias]
        for name in _names(alias):
            with storage.open(name, "rb") as handle:
                sha256, size = _sha256(handle)
            files[f"{alias}/{name}"] = {"sha256": sha256, "size": size}
    return files


def backup(target: Path) -> Summary:
    """Write a backup into the folder ``target`` (created; must be empty)."""
    target = Path(target)
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"{target} is not empty: choose a new folder for each backup.")
    (target / "files").mkdir(parents=True, exist_ok=True)
    with transaction.atomic():  # one consistent view of the rows (PostgreSQL: one snapshot)
        with gzip.open(target / "database.json.gz", "wt", encoding="utf-8") as out:
            call_command("dumpdata", natural_foreign=True, exclude=EXCLUDED, stdout=out, verbosity=0, format="json")
        rows = row_counts()
    files = {}
    for alias in STORAGE_ALIASES:
        storage = storages[alias]
        for name in _names(alias):
            path = target / "files" / alias / name
            path.parent.mkdir(parents=True, exist_ok=True)
            with storage.open(name, "rb") as source, path.open("wb") as copy:
                digest, size = hashlib.sha256(), 0
                for chunk in iter(lambda: source.read(1 << 20), b""):
                    digest.update(chunk)
                    copy.write(chunk)
                    size += len(chunk)
            files[f"{alias}/{name}"] = {"sha256": digest.hexdigest(), "size": size}
    manifest = {
        "format": FORMAT,
        "created_at": timezone.now().isoformat(),
        "rows": rows,
        "files": files,
    }
    (target / "manifest.json").write_text(json.dumps(manifest, indent=1, sort_keys=True))
    return Summary(rows=rows, files=files)


def verify(manifest: dict) -> list[str]:
    """What differs between the manifest and the database and storages now (nothing: an empty list)."""
    problems = []
    rows = row_counts()
    for label, count in manifest["rows"].items():
        if rows.get(label) != count:
            problems.append(f"{label}: {rows.get(label)} row(s), the backup has {count}")
    files = file_checksums()
    for name, meta in manifest["files"].items():
        if name not in files:
            problems.append(f"{name}: missing")
        elif files[name]["sha256"] != meta["sha256"]:
            problems.append(f"{name}: checksum differs")
    return problems


def restore(source: Path) -> Summary:
    """Load a backup into this (migrated, empty) database and its storages, then verify it."""
    source = Path(source)
    manifest = json.loads((source / "manifest.json").read_text())
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{source}: not a backup this version can read (format {manifest.get('format')}).")
    User = apps.get_model("auth", "User")
    if User.objects.exists() or apps.get_model("evidence", "Submission").objects.exists():
        raise BackupError("The database already has accounts or responses: restore into an empty, migrated one.")
    # Migrations seeded the catalogues; the backup has them (with the same keys) as they were then.
    call_command("flush", interactive=False, verbosity=0)
    call_command("loaddata", str(source / "database.json.gz"), verbosity=0)
    for name in manifest["files"]:
        alias, _, key = name.partition("/")
        storage = storages[alias]
        if storage.exists(key):
            storage.delete(key)
        with (source / "files" / alias / key).open("rb") as handle:
            saved = storage.save(key, File(handle))
        if saved != key:
            raise BackupError(f"{name} was stored as {saved}")
    problems = verify(manifest)
    return Summary(rows=manifest["rows"], files=manifest["files"], problems=problems)


def default_folder(root: Path) -> Path:
    return Path(root) / f"mmip-backup-{dt.datetime.now(dt.UTC):%Y%m%dT%H%M%SZ}"
