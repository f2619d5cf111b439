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


def test_the_repositorys_conftest_loads_neither_checklists_nor_pydantic():
    """pytest loads conftest.py (and its fixtures/checks.py) before the plugin's run begins: what it imports there is
    made while the collector still walks the heap (see opsverify.heap); the checklists' modules load with the run."""
    loaded = _python("import sys\nimport fixtures.checks\n"
                     "print(sorted(m for m in ('opsverify.checklist', 'pydantic', 'yaml') if m in sys.modules))\n")
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


def test_a_request_looks_for_no_module_once_the_client_is_warm():
    """httpcore asks `import sniffio` several times per request: were it missing (it is a dependency for this),
    each ask would be a failed import searching every sys.path folder again."""
    said = _python(
        "import asyncio, sys, threading, http.server\n"
        "class Ok(http.server.BaseHTTPRequestHandler):\n"
        "    protocol_version = 'HTTP/1.1'\n"
        "    def do_GET(self):\n"
        "        self.send_response(200); self.send_header('content-length', '2'); self.end_headers()\n"
        "        self.wfile.write(b'ok')\n"
        "    def log_message(self, *args): pass\n"
        "server = http.server.ThreadingHTTPServer(('127.0.0.1', 0), Ok)\n"
        "threading.Thread(target=server.serve_forever, daemon=True).start()\n"
        "import httpx\n"
        "class Looked:\n"
        "    names = []\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        self.names.append(name)\n"
        "async def main():\n"
        "    async with httpx.AsyncClient() as client:\n"
        "        url = f'http://127.0.0.1:{server.server_address[1]}/'\n"
        "        await client.get(url)\n"
        "        sys.meta_path.insert(0, Looked())\n"
        "        for _ in range(3):\n"
        "            await client.get(url)\n"
        "asyncio.run(main())\n"
        "server.shutdown()\n"
        "print(sorted(set(Looked.names)))\n")
    assert said == "[]"


def test_a_copy_of_a_module_is_apart_from_the_shared_one():
    from opsverify.lazy import load, load_copy
    shared, copy = load("json.decoder"), load_copy("json.decoder")
    assert copy is not shared and copy.JSONDecoder is not shared.JSONDecoder
    copy.scanstring = None
    assert shared.scanstring is not None
