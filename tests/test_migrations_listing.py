"""A `from_repo` folder listed as each migration tool lists it, without a database (the history rows as the database
returns them): a folder the checker may not read is *error* naming it, never a folder without migrations."""

from __future__ import annotations

import errno
import os
from datetime import datetime, timezone
from pathlib import Path

import pytest

from opsverify.families import migrations
from opsverify.outcome import Outcome, Status

from .kit import make_check, make_target


def lay_out(root: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")


def judged(root: Path, tool: str, rows: list[dict], **params) -> Outcome:
    """The item's outcome with `root` as the checkout and `from_repo: .`, listed as a run lists it."""
    check = make_check("migrations", {"tool": tool, "from_repo": ".", **params})
    listing = migrations._list_folder(make_target({"repo": str(root)}), tool, ".")
    p = check.params
    answers = {"history": rows, **({"lock": []} if p.none_failed else {})}
    return migrations.judge(check, {"history": {(tool, p.history_table.label): answers},
                                    "repo": {(tool, "."): listing}, "viewer": "checker"})


ALEMBIC_A = "revision = 'aaa'\ndown_revision = None\n"
PRISMA_ROW = {"migration_name": "20240101000000_init", "checksum": None, "started_at": None,
              "finished_at": datetime(2024, 1, 1, tzinfo=timezone.utc), "rolled_back_at": None, "logs": None,
              "applied_steps_count": 1}
# tool, files (the first applied, the one inside `hidden` never ran), the folder the checker may not list, rows
UNLISTABLE = [
    ("flyway", {"V1__init.sql": "select 1;\n", "2024/V2__orders.sql": "select 2;\n"}, "2024",
     [{"installed_rank": 1, "version": "1", "description": "init", "type": "SQL", "script": "V1__init.sql",
       "checksum": None, "success": True}]),
    ("rails", {"20240101000000_a.rb": "", "2024/20240202000000_b.rb": ""}, "2024", [{"version": "20240101000000"}]),
    ("alembic", {"a.py": ALEMBIC_A, "2024/b.py": "revision = 'bbb'\ndown_revision = 'aaa'\n"}, "2024",
     [{"version_num": "aaa"}]),
    ("liquibase", {"a.sql": "--liquibase formatted sql\n--changeset al:1\nselect 1;\n",
                   "sub/b.sql": "--liquibase formatted sql\n--changeset al:2\nselect 2;\n"}, "sub",
     [{"id": "1", "author": "al", "filename": "a.sql", "exectype": "EXECUTED"}]),
    ("django", {"orders/migrations/__init__.py": "", "orders/migrations/0001_initial.py": "",
                "billing/migrations/__init__.py": "", "billing/migrations/0001_initial.py": ""}, "billing",
     [{"app": "orders", "name": "0001_initial"}]),
    ("supabase", {"20250101000000_init.sql": "select 1;\n"}, ".", []),
    ("golang-migrate", {"1_init.up.sql": "select 1;\n", "2_orders.up.sql": "select 2;\n"}, ".", [{"version": 1, "dirty": False}]),
    ("knex", {"20240101_a.js": "", "20240102_b.js": ""}, ".", [{"name": "20240101_a.js"}]),
    ("prisma", {"20240101000000_init/migration.sql": "select 1;\n"}, ".", []),
]


@pytest.mark.parametrize("tool, files, hidden, rows", UNLISTABLE, ids=[case[0] for case in UNLISTABLE])
def test_a_folder_the_checker_may_not_list_is_an_error_naming_it(tmp_path, monkeypatch, tool, files, hidden, rows):
    """Run as root, a mode 000 folder is listed all the same: the refusal the OS gives the checker's user, raised by
    hand. pathlib's glob had passed the folder over in silence: its migration unseen, the item passed."""
    lay_out(tmp_path, files)
    refused, scandir = tmp_path / hidden, os.scandir

    def refusing(path):
        if Path(path) == refused:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return scandir(path)

    monkeypatch.setattr(os, "scandir", refusing)
    outcome = judged(tmp_path, tool, rows, allow_empty=True)
    assert outcome.status is Status.ERROR, outcome.observed
    named = "the folder" if hidden == "." else f"{hidden}/"
    assert f"cannot read .: {named} cannot be listed (Permission denied)" in outcome.observed, outcome.observed


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0, reason="root lists a mode 000 folder")
@pytest.mark.parametrize("tool, files, hidden, rows", UNLISTABLE, ids=[case[0] for case in UNLISTABLE])
def test_a_mode_000_folder_is_an_error_naming_it(tmp_path, tool, files, hidden, rows):
    lay_out(tmp_path, files)
    (tmp_path / hidden).chmod(0)
    try:
        outcome = judged(tmp_path, tool, rows, allow_empty=True)
    finally:
        (tmp_path / hidden).chmod(0o755)
    assert outcome.status is Status.ERROR and "cannot be listed (Permission denied)" in outcome.observed, outcome


@pytest.mark.parametrize("tool, files, hidden, rows", UNLISTABLE, ids=[case[0] for case in UNLISTABLE])
def test_the_same_folder_listed_shows_what_it_holds(tmp_path, tool, files, hidden, rows):
    lay_out(tmp_path, files)
    outcome = judged(tmp_path, tool, rows, allow_empty=True)
    assert outcome.status is Status.FAILED and "not applied" in outcome.observed, outcome.observed


def test_a_hidden_or_dependency_folder_the_checker_may_not_list_is_not_looked_into(tmp_path, monkeypatch):
    """The walk never enters them, so their permissions are no question (a tool's cache the checker may not read; a
    `.git` folder is git's to open: one it cannot is a broken checkout)."""
    lay_out(tmp_path, {"V1__init.sql": "select 1;\n", ".cache/x.sql": "", "node_modules/y.sql": ""})
    scandir = os.scandir

    def refusing(path):
        if Path(path).name in (".cache", "node_modules"):
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return scandir(path)

    monkeypatch.setattr(os, "scandir", refusing)
    outcome = judged(tmp_path, "flyway", UNLISTABLE[0][3])
    assert outcome.status is Status.PASSED, outcome.observed


# -- an entry named as a migration that is no regular file ---------------------------------------------------------
# tool, the files (applied), the entry named as a migration, rows: the tool lists the entry by its name and then
# cannot read it (a symlink whose target is not in the checkout) or never stops reading it (a FIFO, /dev/zero)
NAMED_ENTRIES = [
    ("supabase", {"20250101000000_init.sql": "select 1;\n"}, "20250102000000_orders.sql",
     [{"version": "20250101000000", "name": "init"}]),
    ("golang-migrate", {"1_init.up.sql": "select 1;\n", "1_init.down.sql": ""}, "2_orders.up.sql",
     [{"version": 1, "dirty": False}]),
    ("knex", {"20240101_a.js": ""}, "20240102_b.js", [{"name": "20240101_a.js"}]),
    ("rails", {"20240101000000_a.rb": ""}, "2024/20240202000000_b.rb", [{"version": "20240101000000"}]),
    ("flyway", {"V1__init.sql": "select 1;\n"}, "V2__orders.sql", UNLISTABLE[0][3]),
    ("alembic", {"a.py": ALEMBIC_A}, "b.py", [{"version_num": "aaa"}]),
    ("liquibase", {"a.sql": "--liquibase formatted sql\n--changeset al:1\nselect 1;\n"}, "b.sql",
     [{"id": "1", "author": "al", "filename": "a.sql", "exectype": "EXECUTED"}]),
    ("django", {"orders/migrations/__init__.py": "", "orders/migrations/0001_initial.py": ""},
     "orders/migrations/0002_more.py", [{"app": "orders", "name": "0001_initial"}]),
    ("prisma", {"20240101000000_init/migration.sql": "select 1;\n"}, "20240201000000_orders/migration.sql", []),
]
IDS = [case[0] for case in NAMED_ENTRIES]


def make_entry(root: Path, name: str, kind: str) -> None:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "dangling":
        path.symlink_to("../../shared/" + path.name)  # git keeps the link; its target is not in the checkout
    elif kind == "fifo":
        os.mkfifo(path)
    else:
        path.symlink_to("/dev/zero")


@pytest.mark.parametrize("tool, files, entry, rows", NAMED_ENTRIES, ids=IDS)
def test_a_migration_that_is_a_symlink_to_nothing_is_an_error_naming_it(tmp_path, tool, files, entry, rows):
    """The tool lists it by its name and fails reading it; kept only as a regular file, it had vanished without a
    trace and the item passed."""
    lay_out(tmp_path, files)
    make_entry(tmp_path, entry, "dangling")
    outcome = judged(tmp_path, tool, rows, allow_empty=True)
    assert outcome.status is Status.ERROR, outcome.observed
    assert f"{entry} is a symlink to ../../shared/{Path(entry).name}, which is not there" in outcome.observed, \
        outcome.observed


@pytest.mark.parametrize("kind, named", [("fifo", "a FIFO"), ("zero", "a character device")])
@pytest.mark.parametrize("tool, files, entry, rows", NAMED_ENTRIES, ids=IDS)
def test_a_migration_that_is_a_fifo_or_a_device_is_refused_before_reading(tmp_path, tool, files, entry, rows, kind,
                                                                          named):
    """Read, a FIFO blocks the run for good and /dev/zero never ends (Django's had no regular-file check at all)."""
    lay_out(tmp_path, files)
    make_entry(tmp_path, entry, kind)
    outcome = judged(tmp_path, tool, rows, allow_empty=True)
    assert outcome.status is Status.ERROR, outcome.observed
    assert f"{entry} is {named}, not a regular file" in outcome.observed, outcome.observed


@pytest.mark.parametrize("tool, files, entry, rows", [
    ("supabase", {"20250101000000_init.sql": "select 1;\n"}, "README.md", [{"version": "20250101000000", "name": "init"}]),
    ("alembic", {"a.py": ALEMBIC_A}, ".#a.py", [{"version_num": "aaa"}]),  # Emacs' lock file: alembic skips `.#`
    ("knex", {"20240101_a.js": ""}, "notes.txt", [{"name": "20240101_a.js"}]),
    ("golang-migrate", {"1_init.up.sql": "select 1;\n"}, "1_init.down.sql", [{"version": 1, "dirty": False}]),
    ("prisma", {"20240101000000_init/migration.sql": "select 1;\n"}, "README.md", [PRISMA_ROW]),
], ids=["supabase", "alembic", "knex", "golang-migrate-down", "prisma"])
def test_a_symlink_to_nothing_the_tool_passes_over_is_no_question(tmp_path, tool, files, entry, rows):
    lay_out(tmp_path, files)
    make_entry(tmp_path, entry, "dangling")
    outcome = judged(tmp_path, tool, rows)
    assert outcome.status is Status.PASSED, outcome.observed


def test_a_liquibase_changelog_the_checker_may_not_read_is_an_error_naming_it(tmp_path, monkeypatch):
    """It had been passed over as no changelog, its changesets unseen. As root a mode 000 file is read all the same:
    the refusal raised by hand."""
    lay_out(tmp_path, {"a.sql": "--liquibase formatted sql\n--changeset al:1\nselect 1;\n",
                       "b.sql": "--liquibase formatted sql\n--changeset al:2\nselect 2;\n"})
    reading = Path.read_bytes

    def refusing(path):
        if path.name == "b.sql":
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(path))
        return reading(path)

    monkeypatch.setattr(Path, "read_bytes", refusing)
    outcome = judged(tmp_path, "liquibase", NAMED_ENTRIES[6][3])
    assert outcome.status is Status.ERROR and "cannot read .: b.sql: Permission denied" in outcome.observed, outcome


# -- the folders and modules each tool lists, hidden ones too ---------------------------------------------------


@pytest.mark.parametrize("folder, files, seen", [
    # listMigrations (@prisma/migrate) and list_migrations (prisma-engines) take every folder, no dot filter
    (".20240201000000_orders", {"migration.sql": "create table b (id int);\n"},
     "1 repo migration not applied: .20240201000000_orders"),
    (".idea", {"workspace.xml": "<project/>"}, "prisma refuses . as it is: .idea/ (no migration.sql, P3015"),
])
def test_prisma_takes_a_hidden_folder_for_a_migration_as_prisma_does(tmp_path, folder, files, seen):
    lay_out(tmp_path, {"20240101000000_init/migration.sql": "create table a (id int);\n",
                       **{f"{folder}/{name}": text for name, text in files.items()}})
    outcome = judged(tmp_path, "prisma", [PRISMA_ROW])
    assert outcome.status is Status.FAILED and seen in outcome.observed, outcome.observed


def test_prisma_takes_no_symlinked_folder_for_a_migration(tmp_path):
    """Its readdir's isDirectory() (and read_dir's file_type()) is the link's own type: a link is no migration."""
    lay_out(tmp_path, {"20240101000000_init/migration.sql": "create table a (id int);\n",
                       "../elsewhere/migration.sql": "create table b (id int);\n"})
    (tmp_path / "20240201000000_linked").symlink_to(tmp_path.parent / "elsewhere")
    assert judged(tmp_path, "prisma", [PRISMA_ROW]).status is Status.PASSED


@pytest.mark.parametrize("folder, status", [(".2024", Status.FAILED), ("node_modules", Status.FAILED),
                                            ("__pycache__", Status.PASSED)])
def test_alembic_walks_every_folder_but_pycache_as_its_os_walk_does(tmp_path, folder, status):
    """recursive_version_locations: alembic's os.walk enters hidden folders too; only __pycache__ is passed over."""
    lay_out(tmp_path, {"a.py": ALEMBIC_A, f"{folder}/c3_totals.py": "revision = 'ccc'\ndown_revision = 'aaa'\n"})
    outcome = judged(tmp_path, "alembic", [{"version_num": "aaa"}])
    assert outcome.status is status, outcome.observed
    if status is Status.FAILED:
        assert "1 repo migration not applied: ccc" in outcome.observed, outcome.observed


@pytest.mark.parametrize("name", ["0002_more.bak.py", ".0002_more.py", "~0002_more.py", "_0002_more.py"])
def test_django_takes_only_the_modules_its_loader_names(tmp_path, name):
    """pkgutil.iter_modules names no module with a dot in it, and the loader passes over `_*` and `~*`: a backup
    `0002_more.bak.py` is no migration to Django, and had failed a healthy repo as not applied."""
    lay_out(tmp_path, {"orders/migrations/__init__.py": "", "orders/migrations/0001_initial.py": "",
                       f"orders/migrations/{name}": "class Migration: pass\n"})
    outcome = judged(tmp_path, "django", [{"app": "orders", "name": "0001_initial"}])
    assert outcome.status is Status.PASSED, outcome.observed


# -- a checkout that is not its commit's ----------------------------------------------------------------------------
@pytest.mark.parametrize("made", ["deleted", "skip-worktree", "untracked"])
def test_a_migration_folder_the_checkout_holds_otherwise_than_its_commit_is_not_judged(tmp_path, made):
    """The deployed commit holds a migration that never ran: a checkout where it was deleted (git status ` D`), or
    removed under --skip-worktree (status clean), had listed only the applied one and passed; one with a file added
    by hand is not the commit's either. As the repo family says of such a checkout: judge a clean one."""
    from opsverify_demo.components.repos import _git

    files = {"20240101000000_init.sql": "select 1;\n", "20240201000000_orders.sql": "select 2;\n"}
    lay_out(tmp_path, files)
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", "-A", date="2025-01-01T00:00:00+00:00")
    _git(tmp_path, "commit", "-q", "-m", "deployed", date="2025-01-01T00:00:00+00:00")
    rows = [{"version": "20240101000000", "name": "init"}]
    assert judged(tmp_path, "supabase", rows).status is Status.FAILED  # clean: the unapplied one is seen
    orders = tmp_path / "20240201000000_orders.sql"
    if made == "skip-worktree":
        _git(tmp_path, "update-index", "--skip-worktree", orders.name)
    if made == "untracked":
        (tmp_path / "20240301000000_hotfix.sql").write_text("select 3;\n")
    else:
        orders.unlink()
    outcome = judged(tmp_path, "supabase", rows)
    assert outcome.status is Status.ERROR, outcome
    assert "differs in the checkout from the commit" in outcome.observed and "judge a clean checkout" in \
        outcome.observed, outcome.observed


PYTHON_TOOLS = [
    ("alembic", {"aaa_init.py": ALEMBIC_A}, [{"version_num": "aaa"}], ("__pycache__/aaa_init.cpython-311.pyc",)),
    ("django", {"orders/__init__.py": "", "orders/migrations/__init__.py": "", "orders/migrations/0001_initial.py": ""},
     [{"app": "orders", "name": "0001_initial"}],
     ("orders/__pycache__/apps.cpython-311.pyc", "orders/migrations/__pycache__/0001_initial.cpython-311.pyc")),
]


@pytest.mark.parametrize("tool, files, rows, caches", PYTHON_TOOLS, ids=[case[0] for case in PYTHON_TOOLS])
def test_a_bytecode_cache_beside_python_migrations_leaves_the_folder_the_commits(tmp_path, tool, files, rows, caches):
    """A checkout from which the deploy ran `alembic upgrade` or `manage.py migrate` holds (gitignored) __pycache__/
    folders: neither tool reads a migration from one, so the fully migrated target passes; any other file git ignores
    there (one the tool would read) still makes the folder not the commit's."""
    from opsverify_demo.components.repos import _git

    lay_out(tmp_path, {**files, ".gitignore": "__pycache__/\n*_local.py\n"})
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", "-A", date="2025-01-01T00:00:00+00:00")
    _git(tmp_path, "commit", "-q", "-m", "deployed", date="2025-01-01T00:00:00+00:00")
    for cache in caches:
        (tmp_path / cache).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / cache).write_bytes(b"\x00")
    outcome = judged(tmp_path, tool, rows)
    assert outcome.status is Status.PASSED, outcome.observed
    ignored = Path(caches[-1]).parent.parent / "zz_hotfix_local.py"  # ignored, and a module the tool would load
    (tmp_path / ignored).write_text("revision = 'zzz'\ndown_revision = 'aaa'\n")
    outcome = judged(tmp_path, tool, rows)
    assert outcome.status is Status.ERROR and "differs in the checkout from the commit" in outcome.observed, outcome


@pytest.mark.parametrize("cache, status", [
    ("__pycache__/aaa_init.cpython-311.pyc", Status.PASSED),  # the cache of the revision beside it
    ("__pycache__/zzz_gone.cpython-311.pyc", Status.ERROR),  # no source beside: `sourceless = true` reads it
    ("__pycache__/sub/bbb.py", Status.ERROR),  # alembic's walk enters a folder below __pycache__
])
def test_alembic_passes_over_only_the_cache_of_revisions_beside_it(tmp_path, cache, status):
    """With `sourceless = true` alembic reads a .pyc in __pycache__ whose source is not beside it (a revision deleted
    from the commit but still cached in the checkout), and its os.walk enters a folder below __pycache__: those
    still make the folder not the commit's."""
    from opsverify_demo.components.repos import _git

    lay_out(tmp_path, {"aaa_init.py": ALEMBIC_A, ".gitignore": "__pycache__/\n"})
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", "-A", date="2025-01-01T00:00:00+00:00")
    _git(tmp_path, "commit", "-q", "-m", "deployed", date="2025-01-01T00:00:00+00:00")
    (tmp_path / cache).parent.mkdir(parents=True, exist_ok=True)
    (tmp_path / cache).write_bytes(b"\x00")
    outcome = judged(tmp_path, "alembic", [{"version_num": "aaa"}])
    assert outcome.status is status, outcome.observed


def test_a_bytecode_cache_is_still_a_difference_to_a_tool_that_reads_every_folder(tmp_path):
    """To Prisma every folder is a migration (a __pycache__/ one it refuses): only alembic and django pass it over."""
    from opsverify_demo.components.repos import _git

    lay_out(tmp_path, {"20240101000000_init/migration.sql": "select 1;\n", ".gitignore": "__pycache__/\n"})
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", "-A", date="2025-01-01T00:00:00+00:00")
    _git(tmp_path, "commit", "-q", "-m", "deployed", date="2025-01-01T00:00:00+00:00")
    (tmp_path / "__pycache__").mkdir()
    (tmp_path / "__pycache__" / "x.pyc").write_bytes(b"\x00")
    outcome = judged(tmp_path, "prisma", [PRISMA_ROW])
    assert outcome.status is Status.ERROR and "(__pycache__/: changed" in outcome.observed, outcome


def test_a_migration_folder_that_is_a_symbolic_link_is_not_judged(tmp_path):
    """The commit holds db/migrations as a link to shared/migrations: git status of the link's name never looks at
    the files read through it, so one deleted there read as none to apply, and the item passed."""
    from opsverify_demo.components.repos import _git

    lay_out(tmp_path / "shared", {"20240101000000_init.sql": "select 1;\n", "20240201000000_orders.sql": "select 2;\n"})
    (tmp_path / "db").mkdir()
    (tmp_path / "db" / "migrations").symlink_to("../shared")
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", "-A", date="2025-01-01T00:00:00+00:00")
    _git(tmp_path, "commit", "-q", "-m", "deployed", date="2025-01-01T00:00:00+00:00")
    check = make_check("migrations", {"tool": "supabase", "from_repo": "db/migrations"})
    listing = migrations._list_folder(make_target({"repo": str(tmp_path)}), "supabase", "db/migrations")
    outcome = migrations.judge(check, {"history": {("supabase", check.params.history_table.label): {
        "history": [{"version": "20240101000000", "name": "init"}]}}, "repo": {("supabase", "db/migrations"): listing},
        "viewer": "checker"})
    assert outcome.status is Status.ERROR and "is a symbolic link in the checkout" in outcome.observed, outcome
