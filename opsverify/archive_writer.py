"""The archive's file writer, a child process of the run: `python -I -S archive_writer.py <folder>`.

Reads frames from stdin — name length and data length (little-endian u32; a data length of 0xFFFFFFFF
removes the file), the name, the data — and writes each file under <folder>, in order. At end of input it
prints nothing when every write succeeded, else `errno<TAB>strerror<TAB>name` of the first failure (later
frames are read and dropped, so the run never blocks on a full pipe).

A process, not a thread: creating thousands of small files is kernel time, and a thread doing it would
wait for the interpreter lock each time pytest's thread holds it — most of the run. Standard library only
(started with -S, it sees no site-packages); nothing here may import opsverify.
"""

import errno
import os
import signal
import struct
import sys

REMOVE = 0xFFFFFFFF
HEADER = struct.Struct("<II")
# The largest file an archive may hold: results.json of thousands of items is megabytes, and a frame carries
# under 4 GiB. `verify` hashes no larger file (seal.FILE_LIMIT): one would hold the env's lock for minutes.
FILE_LIMIT = 2 << 30


def frame(name: str, data: bytes | None) -> bytes:
    encoded = name.encode()
    return HEADER.pack(len(encoded), REMOVE if data is None else len(data)) + encoded + (data or b"")


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


def serve(root: str, source, out) -> None:
    made: set[str] = set()
    failure = ""
    while len(head := source.read(HEADER.size)) == HEADER.size:
        name_length, data_length = HEADER.unpack(head)
        name = source.read(name_length).decode()
        data = None if data_length == REMOVE else source.read(data_length)
        if failure:
            continue
        path = os.path.join(root, name)
        try:
            if data is None:
                if os.path.exists(path):
                    os.unlink(path)
                continue
            folder = os.path.dirname(path)
            if folder not in made:
                os.makedirs(folder, exist_ok=True)
                made.add(folder)
            write_file(path, data, replace=True)
        except OSError as exc:
            failure = f"{exc.errno}\t{exc.strerror}\t{name}"
    out.write(failure)
    out.flush()


if __name__ == "__main__":
    # The run stops on Ctrl-C and completes its archive, so the writer must outlive the signal. It is
    # started in a process group of its own (a terminal's Ctrl-C does not reach it); ignoring SIGINT also
    # covers a signal sent to it by other means. It ends when the run closes its input (or dies).
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    serve(sys.argv[1], sys.stdin.buffer, sys.stdout)
