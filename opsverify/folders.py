"""Folders opsverify walks or removes but does not own — a killed run's leftovers, a prune's, `--alluredir`, a
checklists folder, a repo's checkout — done in a loop, never by recursion: Python 3.11's shutil.rmtree and os.walk
call themselves once per folder level, so a folder nested ~1,000 deep (anyone can make one) raises RecursionError,
a traceback where a line was due. A folder the tool makes and fills itself is left to the stdlib."""

from __future__ import annotations

import errno
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path


def walk(top: Path | str,
         onerror: Callable[[OSError], None] | None = None) -> Iterator[tuple[str, list[str], list[str]]]:
    """`os.walk(top, onerror=onerror)` as it walks (top down, folders as listed, a symlinked folder listed among the
    folders but not entered; `folders` may be narrowed in place to skip some), in a loop."""
    pending = [os.fspath(top)]
    while pending:
        where = pending.pop()
        try:
            with os.scandir(where) as listing:
                entries = list(listing)
        except OSError as exc:
            if onerror is not None:
                onerror(exc)
            continue
        folders, files = [], []
        for entry in entries:
            try:
                is_folder = entry.is_dir()  # os.walk's word: a symlink to a folder is listed as one
            except OSError:
                is_folder = False
            (folders if is_folder else files).append(entry.name)
        yield where, folders, files
        inner = [os.path.join(where, name) for name in folders]
        pending += reversed([path for path in inner if not os.path.islink(path)])  # the first listed, walked first


_FOLDER_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC


@dataclass
class _Level:
    name: str  # in the folder above it
    identity: tuple[int, int]  # (st_dev, st_ino): the folder `..` must lead back to
    folders: list[str]  # its subfolders still to empty and remove


def remove_tree(folder: Path) -> OSError | None:
    """Remove `folder` and all in it, as `shutil.rmtree(folder, ignore_errors=True)` would, in a loop. No symlink is
    followed: one inside is unlinked; a `folder` that is one, or a file, is left (as rmtree leaves it). One folder
    is open at a time, by its descriptor (neither the depth, the open-files limit nor PATH_MAX stops it); each climb
    back through `..` must reach the folder it came from, else it stops (moved meanwhile: nothing outside is
    touched). None once `folder` is gone; else the first error met — what could not go stays, the rest goes."""
    try:
        fd = os.open(folder, _FOLDER_FLAGS)
    except FileNotFoundError:
        return None
    except OSError as exc:
        return exc
    errors: list[OSError] = []
    levels = [_Level("", _identity(fd), _remove_files(fd, errors))]
    try:
        while True:
            level = levels[-1]
            if level.folders:  # into the next subfolder
                name = level.folders.pop()
                try:
                    inner = os.open(name, _FOLDER_FLAGS, dir_fd=fd)
                except FileNotFoundError:
                    continue
                except OSError as exc:  # unreadable, or a symlink or file put there meanwhile: left
                    errors.append(exc)
                    continue
                fd, outer = inner, fd
                os.close(outer)
                levels.append(_Level(name, _identity(fd), _remove_files(fd, errors)))
                continue
            if len(levels) == 1:
                break
            levels.pop()  # emptied as far as it goes: back up, and remove it
            outer = os.open("..", _FOLDER_FLAGS, dir_fd=fd)
            fd, inner = outer, fd
            os.close(inner)
            if _identity(fd) != levels[-1].identity:
                errors.append(OSError(errno.ESTALE, f"{folder} was moved while it was being removed"))
                break
            try:
                os.rmdir(level.name, dir_fd=fd)
            except FileNotFoundError:
                pass
            except OSError as exc:
                errors.append(exc)
    except OSError as exc:  # `..` could not be opened: stop rather than guess where it is
        errors.append(exc)
    finally:
        os.close(fd)
    if not errors:
        try:
            os.rmdir(folder)
        except FileNotFoundError:
            pass
        except OSError as exc:
            errors.append(exc)
    return errors[0] if errors else None


def _identity(fd: int) -> tuple[int, int]:
    found = os.fstat(fd)
    return found.st_dev, found.st_ino


def _remove_files(fd: int, errors: list[OSError]) -> list[str]:
    """Unlink what the open folder holds but folders (files, symlinks, anything else; never followed); its
    subfolders' names."""
    try:
        with os.scandir(fd) as listing:
            entries = list(listing)
    except OSError as exc:
        errors.append(exc)
        return []
    folders = []
    for entry in entries:
        try:
            if entry.is_dir(follow_symlinks=False):  # lstat's word: a symlink to a folder is no folder
                folders.append(entry.name)
                continue
            os.unlink(entry.name, dir_fd=fd)
        except FileNotFoundError:
            pass
        except OSError as exc:
            errors.append(exc)
    return folders
