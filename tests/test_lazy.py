"""Start-up cost: loading the checklists imports no heavy package; families import them late,
through one lock, so groups running in threads cannot trip CPython's import deadlock detection."""

from __future__ import annotations

import subprocess
import sys

from .helpers import ROOT

HEAVY = ("redis", "boto3", "botocore", "prometheus_client", "jwt", "cryptography", "base58", "httpx", "psycopg", "sqlglot")


def _python(code: str) -> str:
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_loading_every_checklist_imports_no_heavy_package():
    loaded = _python(
        "import sys\n"
        "from pathlib import Path\n"
        "from opsverify.checklist import load_checklists\n"
        "load_checklists(Path('checklists'))\n"
        f"print(sorted({{m.split('.')[0] for m in sys.modules}} & set({HEAVY!r})))\n")
    assert loaded == "[]"


def test_late_imports_from_many_threads_at_once_do_not_deadlock():
    """redis.asyncio imports itself in a cycle: unserialized, two threads importing it at once can
    raise _DeadlockError. Cold interpreters, every heavy package from eight threads at once."""
    for _ in range(3):
        said = _python(
            "import threading\n"
            "from opsverify.lazy import load\n"
            "names = ['redis.asyncio', 'redis', 'redis.asyncio.retry', 'boto3', 'botocore.exceptions',\n"
            "         'cryptography.x509', 'jwt', 'prometheus_client.parser']\n"
            "errors = []\n"
            "def one(name):\n"
            "    try:\n"
            "        load(name)\n"
            "    except Exception as exc:\n"
            "        errors.append(repr(exc))\n"
            "threads = [threading.Thread(target=one, args=(n,)) for n in names]\n"
            "[t.start() for t in threads]\n"
            "[t.join() for t in threads]\n"
            "print(errors or 'ok')\n")
        assert said == "ok"
