"""Standard output (and standard error: Stderr) that may go away under the program writing it: a reader that stopped
reading (`| head -1`: EPIPE), a disk that is full (ENOSPC), an output that cannot be written at all, or none (started
with `>&-`, `2>&-`).

Either way the program goes on to its end, so that its exit code is its own verdict: an `opsverify` command's
(verify's 30-33, whatever the reader did), a verification run's (its checks', its archive sealed — the console is not
the evidence). What could not be written is dropped, and `lost` says why."""

from __future__ import annotations

import errno
import os


class Stdout:
    CLOSED = "standard output is closed"

    def __init__(self, stream):
        # started with its standard output closed, a program has none (Python's is None): what it writes goes to the
        # null device, so that whoever asks the stream what it is (isatty, encoding, fileno) gets an answer
        self.lost: OSError | None = None if stream is not None else OSError(errno.EBADF, self.CLOSED)
        self.stream = stream if stream is not None else open(os.devnull, "w", encoding="utf-8")

    def write(self, text: str) -> int:
        if self.lost is None:
            try:
                return self._write(text)
            except OSError as exc:
                self._lose(exc)
        return len(text)

    def _write(self, text: str) -> int:
        """An output that cannot encode a character (PYTHONIOENCODING=ascii, a C locale) gets its escape: the
        verdict is printed, and the exit code stays the program's."""
        try:
            return self.stream.write(text)
        except UnicodeEncodeError:  # raised before anything is written
            encoding = getattr(self.stream, "encoding", None) or "ascii"
            return self.stream.write(text.encode(encoding, "backslashreplace").decode(encoding))

    def flush(self) -> None:
        if self.lost is None:
            try:
                self.stream.flush()
            except OSError as exc:
                self._lose(exc)

    def isatty(self) -> bool:
        return self.lost is None and self.stream.isatty()

    def _lose(self, exc: OSError) -> None:
        self.lost = exc
        try:  # what stays buffered would fail again when flushed (pytest's program ends 1; the interpreter 120)
            fd = self.stream.fileno()
        except (OSError, ValueError, AttributeError):  # io.UnsupportedOperation is an OSError too
            return
        devnull = os.open(os.devnull, os.O_WRONLY)
        try:
            os.dup2(devnull, fd)
        finally:
            os.close(devnull)
        try:  # written out now, to the null device: pytest's capture may put the broken output back on fd later
            self.stream.flush()
        except (OSError, ValueError):
            pass

    def __getattr__(self, name: str):
        return getattr(self.stream, name)


class Stderr(Stdout):
    """The same for standard error: a line of the program's own there (a progress line, the one saying the console
    was lost) is dropped when stderr is gone (`2>&1 | head -1`, `2>&-`), never the end of the program."""

    CLOSED = "standard error is closed"
