"""The archive's writer, a child process of the run (started by `archive._Writer`, see `start_command`).

It takes work off pytest's thread while later items run, and at the end of the run while that thread writes
results.json: it builds each ended item's Allure result and evidence files from the item's record, scrubs them with
the secrets it was given, writes them (creating thousands of small files is kernel time) and hashes them; at the end
it scrubs again what it wrote before the run's final secrets came, and rewrites the files that changes.

Frames on stdin: kind (u8), name length and data length (little-endian u32), the name, the data:
  FILE    a file to write (kept as given, for a scrub with later secrets);
  RESULT  an item's record, pickled with the run's env name and the item's start (`allureresults.result_files`):
          its Allure files, named by the frame's name (the uid), written as FILEs;
  REMOVE  a file no longer true (its item was reported again): removed and forgotten;
  SECRETS the run's matcher, pickled (`secrets._Matcher`), sent with the first file and again at the end if the run
          learnt a secret since: the last one is what the end's scrub cleans with;
  FLUSH   the end of one of the sender's batches: the files it brought are written now.
At end of input it prints one JSON object: the files it holds, each with its SHA-256 as written, whether they were
scrubbed (a SECRETS frame came) and which the scrub changed, or the first write that failed
(`errno<TAB>strerror<TAB>name`; later frames are read and dropped, so the run never blocks on a full pipe).

A batch is scrubbed as it is written: no secret the run had learnt reaches the disk (a run killed midway leaves
none in its partial folder), and the end of the run, which waits for the writer, has only the files written before
the last SECRETS frame to scrub again (while items run, the writer mostly waits).

A process, not a thread: the work is Python and kernel time, and a thread doing it would wait for the
interpreter lock each time pytest's thread holds it — most of the run. The pipe is the run's own: the secrets it
carries go nowhere else (stderr is discarded, and nothing here prints a value).
"""

import errno
import hashlib
import json
import os
import pickle
import signal
import struct
import sys

FILE, RESULT, REMOVE, SECRETS, FLUSH = range(5)
HEADER = struct.Struct("<BII")
# The largest file an archive may hold: results.json of thousands of items is megabytes, and a frame carries
# under 4 GiB. `verify` hashes no larger file (seal.FILE_LIMIT): one would hold the env's lock for minutes.
FILE_LIMIT = 2 << 30


def frame(kind: int, name: str, data: bytes = b"") -> bytes:
    encoded = name.encode()
    return HEADER.pack(kind, len(encoded), len(data)) + encoded + data


def write_file(path: str, data: bytes, *, replace: bool) -> None:
    if len(data) > FILE_LIMIT:
        raise OSError(errno.EFBIG, os.strerror(errno.EFBIG), path)
    flags = os.O_WRONLY | os.O_CREAT | (os.O_TRUNC if replace else os.O_EXCL)
    fd = os.open(path, flags, 0o644)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    except OSError as exc:  # a write names no file: the message of a full disk should
        raise OSError(exc.errno, exc.strerror, path) from None
    finally:
        os.close(fd)


def scrubbed(files: dict[str, bytes], clean) -> tuple[dict[str, bytes], int]:
    """`files` with every secret `clean` finds masked, and how many it changed. One pass over everything finds
    whether any file needs it; only then is each file cleaned (an unchanged file keeps its very bytes object)."""
    texts = {name: data.decode("utf-8", errors="surrogateescape") for name, data in files.items()}
    joined = "\x00".join(texts.values())
    if clean(joined) == joined:
        return files, 0
    cleaned, changed = {}, 0
    for name, text in texts.items():
        clean_text = clean(text)
        changed += clean_text != text
        cleaned[name] = files[name] if clean_text == text else clean_text.encode("utf-8", errors="surrogateescape")
    return cleaned, changed


class _Folder:
    """The files written under `root` as given (kept for a scrub with later secrets); for each written once the
    writer had secrets, which SECRETS frame scrubbed it, what was written and its hash; the first write that
    failed. Files wait in `pending` until the sender's batch ends (FLUSH): one pass over the batch finds whether
    any holds a secret, as the end's scrub does (one pass per file would cost twice as much)."""

    def __init__(self, root: str) -> None:
        self.root = root
        self.pending: dict[str, bytes] = {}
        self.files: dict[str, bytes] = {}
        self.scrubbed: dict[str, tuple[int, bytes, str]] = {}  # name -> (secrets' number, as written, SHA-256)
        self.made: set[str] = set()
        self.failure = ""

    def write(self, name: str, data: bytes) -> None:
        self.pending[name] = data

    def flush(self, secrets: "_Secrets") -> None:
        """The pending files written as the secrets given so far leave them (as given, before any came)."""
        batch, self.pending = self.pending, {}
        cleaned = scrubbed(batch, secrets.matcher.clean)[0] if secrets.matcher is not None else batch
        for name, data in batch.items():
            if not self.written(name, cleaned[name]):
                return
            self.files[name] = data
            if secrets.matcher is None:
                self.scrubbed.pop(name, None)
            else:
                self.scrubbed[name] = (secrets.number, cleaned[name], hashlib.sha256(cleaned[name]).hexdigest())

    def written(self, name: str, data: bytes) -> bool:
        path = os.path.join(self.root, name)
        try:
            folder = os.path.dirname(path)
            if folder not in self.made:
                os.makedirs(folder, exist_ok=True)
                self.made.add(folder)
            write_file(path, data, replace=True)
        except OSError as exc:
            self.failure = f"{exc.errno}\t{exc.strerror}\t{name}"
            return False
        return True

    def remove(self, name: str) -> None:
        self.pending.pop(name, None)
        self.files.pop(name, None)
        self.scrubbed.pop(name, None)
        path = os.path.join(self.root, name)
        try:
            if os.path.exists(path):
                os.unlink(path)
        except OSError as exc:
            self.failure = f"{exc.errno}\t{exc.strerror}\t{name}"


class _Secrets:
    """The run's matcher as last given (None before the first SECRETS frame), and how many were given."""

    def __init__(self) -> None:
        self.matcher = None
        self.number = 0

    def take(self, data: bytes) -> None:
        self.matcher = pickle.loads(data)
        self.number += 1


def serve(root: str, source, out) -> None:
    folder, secrets = _Folder(root), _Secrets()
    while len(head := source.read(HEADER.size)) == HEADER.size:
        kind, name_length, data_length = HEADER.unpack(head)
        name = source.read(name_length).decode()
        data = source.read(data_length)
        if folder.failure:
            continue
        if kind == FILE:
            folder.write(name, data)
        elif kind == RESULT:
            from .allureresults import result_files

            record, env, start_ms = pickle.loads(data)
            for file_name, content in result_files(record, env=env, start_ms=start_ms, uid=name).items():
                folder.write(f"allure-results/{file_name}", content)
        elif kind == REMOVE:
            folder.remove(name)
        elif kind == SECRETS:
            secrets.take(data)
        elif kind == FLUSH:
            folder.flush(secrets)
    if not folder.failure:
        folder.flush(secrets)
    report: dict = {"failure": folder.failure}
    if not folder.failure:
        report.update(_seal_ready(folder, secrets))
    out.write(json.dumps(report))
    out.flush()


def _seal_ready(folder: _Folder, secrets: _Secrets) -> dict:
    """Every file scrubbed with the run's final secrets, when it gave them, and hashed. Those the last secrets
    scrubbed as they were written stand; the others are scrubbed now, from what they were given, and written again
    where that changes what is on disk."""
    if secrets.matcher is None:
        return {"scrubbed": False, "changed": [],
                "hashes": {name: hashlib.sha256(data).hexdigest() for name, data in folder.files.items()}}
    final = {name: (written, digest) for name, (number, written, digest) in folder.scrubbed.items()
             if number == secrets.number}
    again, _ = scrubbed({name: data for name, data in folder.files.items() if name not in final},
                        secrets.matcher.clean)
    for name, data in again.items():
        on_disk = folder.scrubbed[name][1] if name in folder.scrubbed else folder.files[name]
        if data != on_disk and not folder.written(name, data):
            return {}
        final[name] = (data, hashlib.sha256(data).hexdigest())
    return {"scrubbed": True, "changed": [name for name, (data, _) in final.items() if data is not folder.files[name]],
            "hashes": {name: digest for name, (_, digest) in final.items()}}


def start_command(root: str) -> list[str]:
    """The writer's command: this interpreter, isolated (-I: no PYTHON* variable, no user site, no current folder on
    the path) and without the site hook (-S: its .pth files cost more than the writer's own start), running this
    very package — loaded from the folder the run loaded it from, whatever else is installed or shadows it — with
    the run's site-packages after the standard library, for the redactor's automata."""
    package = os.path.dirname(os.path.abspath(__file__))
    sites = os.pathsep.join(p for p in sys.path if os.path.basename(p) in ("site-packages", "dist-packages"))
    boot = ("import importlib.util, os, sys\n"
            "sys.path += sys.argv[3].split(os.pathsep) if sys.argv[3] else []\n"
            "spec = importlib.util.spec_from_file_location('opsverify', sys.argv[1], "
            "submodule_search_locations=[sys.argv[2]])\n"
            "package = sys.modules['opsverify'] = importlib.util.module_from_spec(spec)\n"
            "spec.loader.exec_module(package)\n"
            "from opsverify.archive_writer import main\n"
            "main(sys.argv[4])\n")
    return [sys.executable, "-I", "-S", "-c", boot, os.path.join(package, "__init__.py"), package, sites, root]


def main(root: str) -> None:
    # The run stops on Ctrl-C and completes its archive, so the writer must outlive the signal. It is
    # started in a process group of its own (a terminal's Ctrl-C does not reach it); ignoring SIGINT also
    # covers a signal sent to it by other means. It ends when the run closes its input (or dies).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    serve(root, sys.stdin.buffer, sys.stdout)
