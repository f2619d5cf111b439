"""repo family: a checkout is read as a stranger's — its own git config runs no command, nothing is written into it,
and neither its config nor its index can make a file read as the commit's when it is not."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from opsverify.errors import GatherError
from opsverify.families import repo
from opsverify.families.repo import Checkout, folder_as_committed
from opsverify_demo.components.repos import _git

POLL = ".github/workflows/poll.yml"
SCHEDULED = "on: {schedule: [{cron: '0 5 * * *'}]}\njobs: {a: {runs-on: x, steps: [{run: x}]}}\n"
MANUAL = "on: {workflow_dispatch: {}}\njobs: {a: {runs-on: x, steps: [{run: x}]}}\n"  # the schedule removed


def committed(folder: Path, files: dict[str, str] | None = None) -> Path:
    """A checkout whose deployed commit holds `files` (poll.yml with a schedule, unless told)."""
    for name, text in (files or {POLL: SCHEDULED}).items():
        (folder / name).parent.mkdir(parents=True, exist_ok=True)
        (folder / name).write_text(text)
    _git(folder, "init", "-q")
    _git(folder, "add", "-A")
    _git(folder, "commit", "-q", "-m", "deployed")
    return folder


def configure(checkout: Path, *pairs: tuple[str, str]) -> None:
    """The checkout's own .git/config, as a stranger left it."""
    for key, value in pairs:
        subprocess.run(["git", "-C", str(checkout), "config", key, value], check=True, env=repo.git_env())


def stat_changed(path: Path) -> None:
    """The file's stat no longer the index's (a CI cache restoring it): git status hashes it anew."""
    os.utime(path, (1_700_000_000, 1_700_000_000))


# -- no command a checkout's config names is run ----------------------------------------------------------------
def test_core_fsmonitor_is_never_run(tmp_path):
    checkout = committed(tmp_path / "co")
    marker = tmp_path / "RAN"
    configure(checkout, ("core.fsmonitor", f"touch {marker}; false"))
    read = Checkout(checkout).read_files([POLL])[POLL]
    assert read == SCHEDULED and not marker.exists(), read


@pytest.mark.parametrize("driver", ["evil", "e=v.il"], ids=["a-driver", "a-driver-named-with-=-and-a-dot"])
def test_a_clean_filter_a_gitattributes_line_picks_is_never_run(tmp_path, driver):
    """`*.yml filter=<driver>` (committed, or only on disk) with filter.<driver>.clean in the checkout's config: git
    status runs it on a file whose stat changed."""
    checkout = committed(tmp_path / "co", {POLL: SCHEDULED, ".gitattributes": f"*.yml filter={driver}\n"})
    marker = tmp_path / "RAN"
    configure(checkout, (f"filter.{driver}.clean", f"sh -c 'touch {marker}; cat'"),
              (f"filter.{driver}.process", f"sh -c 'touch {marker}'"), (f"filter.{driver}.required", "true"))
    stat_changed(checkout / POLL)
    read = Checkout(checkout).read_files([POLL])[POLL]
    listed = folder_as_committed(checkout, ".github")
    assert read == SCHEDULED and listed is None and not marker.exists(), (read, listed)


def test_gpg_program_is_never_run_for_a_signed_head(tmp_path):
    """log.showSignature with a signed HEAD: git log runs gpg.program to verify it, for the deploy's time and a
    report's commit time."""
    checkout = committed(tmp_path / "co", {POLL: SCHEDULED, ".pf/readthis/r.md": "report\n"})

    def git(*args, text=None):
        return subprocess.run(["git", "-C", str(checkout), *args], input=text, check=True, capture_output=True,
                              text=True, env=repo.git_env()).stdout.strip()

    tree, parent = git("rev-parse", "HEAD^{tree}"), git("rev-parse", "HEAD")
    signed = git("hash-object", "-t", "commit", "-w", "--stdin", text=(
        f"tree {tree}\nparent {parent}\nauthor a <a@b> 1735689600 +0000\ncommitter a <a@b> 1735689600 +0000\n"
        "gpgsig -----BEGIN PGP SIGNATURE-----\n \n iQEzBAABCAAdFiEE\n -----END PGP SIGNATURE-----\n\nsigned\n"))
    git("update-ref", "HEAD", signed)
    marker, gpg = tmp_path / "RAN", tmp_path / "gpg.sh"
    gpg.write_text(f"#!/bin/sh\ntouch {marker}\nexit 1\n")
    gpg.chmod(0o755)
    configure(checkout, ("log.showSignature", "true"), ("gpg.program", str(gpg)))
    source = Checkout(checkout)
    assert source.deployed().commit == signed
    assert not isinstance(source.list_folders([".pf/readthis"])[".pf/readthis"], GatherError)
    assert not marker.exists()


def test_a_partial_clones_missing_objects_are_never_fetched_through_its_remote(tmp_path):
    """A clone without its trees (--filter=tree:0) fetches them when asked: a remote `ext::<command>` the checkout's
    config allows runs that command."""
    origin = committed(tmp_path / "origin")
    _git(origin, "config", "uploadpack.allowFilter", "true")
    checkout = tmp_path / "co"
    subprocess.run(["git", "clone", "-q", "--no-checkout", "--filter=tree:0", f"file://{origin}", str(checkout)],
                   check=True, capture_output=True, timeout=30, env=repo.git_env())
    marker = tmp_path / "RAN"
    configure(checkout, ("protocol.ext.allow", "always"), ("remote.origin.url", f"ext::sh -c touch% {marker}"))
    read = Checkout(checkout).read_files([POLL])[POLL]
    assert isinstance(read, GatherError) and not marker.exists(), read


# -- nothing is written into the checkout ------------------------------------------------------------------------
def test_reading_a_checkout_leaves_its_index_as_it_is(tmp_path):
    """git status refreshes the index of a file whose stat changed and writes it (taking index.lock) unless told
    GIT_OPTIONAL_LOCKS=0."""
    checkout = committed(tmp_path / "co")
    stat_changed(checkout / POLL)
    before = hashlib.sha256((checkout / ".git" / "index").read_bytes()).hexdigest()
    assert Checkout(checkout).read_files([POLL])[POLL] == SCHEDULED
    assert hashlib.sha256((checkout / ".git" / "index").read_bytes()).hexdigest() == before


# -- neither the config nor the index makes a file the commit's ----------------------------------------------------
def test_core_worktree_pointing_at_another_folder_is_an_error(tmp_path):
    """git status judged the clean folder core.worktree names, while the edited file was read from the checkout."""
    checkout = committed(tmp_path / "co")
    shutil.copytree(checkout, tmp_path / "pristine", ignore=shutil.ignore_patterns(".git"))
    (checkout / POLL).write_text(MANUAL)
    configure(checkout, ("core.worktree", str(tmp_path / "pristine")))
    read = Checkout(checkout).read_files([POLL])[POLL]
    assert isinstance(read, GatherError) and "core.worktree" in str(read), read
    assert str(tmp_path / "pristine") in str(read)


def test_a_submodules_and_a_linked_worktrees_own_checkout_is_read(tmp_path):
    """Their `.git` is a file naming a git folder elsewhere (a submodule's sets core.worktree back to it): the work
    tree is still the folder holding the `.git`."""
    app = committed(tmp_path / "app")
    top = committed(tmp_path / "top", {"README.md": "top\n"})
    _git(top, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(app), "app")
    _git(top, "commit", "-q", "-m", "with the app")
    _git(app, "worktree", "add", "-q", str(tmp_path / "linked"))
    for checkout in (top / "app", tmp_path / "linked"):
        assert (checkout / ".git").is_file()
        assert Checkout(checkout).read_files([POLL])[POLL] == SCHEDULED, checkout


def _same_size(text: str, like: str) -> str:
    assert len(text) <= len(like)
    return text.replace("}\n", "}" + " " * (len(like) - len(text)) + "\n", 1)


def test_an_edit_of_the_same_size_with_its_mtime_put_back_is_not_the_commits(tmp_path):
    """core.checkStat=minimal and core.trustctime=false in the checkout's config: git status compares the size and
    the mtime's seconds only, so the edit read clean."""
    checkout = committed(tmp_path / "co")
    os.utime(checkout / POLL, (1_600_000_000, 1_600_000_000))  # long before the index was written: not racy
    _git(checkout, "add", "-A")
    configure(checkout, ("core.checkStat", "minimal"), ("core.trustctime", "false"))
    (checkout / POLL).write_text(_same_size(MANUAL, SCHEDULED))
    os.utime(checkout / POLL, (1_600_000_000, 1_600_000_000))
    read = Checkout(checkout).read_files([POLL])[POLL]
    assert isinstance(read, GatherError) and "differs in the checkout from the commit" in str(read), read
    assert isinstance(folder_as_committed(checkout, ".github"), GatherError)


def test_an_index_holding_an_edits_stat_under_the_commits_blob_is_not_the_commits(tmp_path):
    """The index is the checkout's own file too: one recording the edited file's stat data under HEAD's blob id
    makes git status read the edit clean; the file's contents are compared with HEAD's."""
    checkout = committed(tmp_path / "co")

    def blob(spec: str) -> bytes:
        return bytes.fromhex(subprocess.run(["git", "-C", str(checkout), "rev-parse", spec], capture_output=True,
                                            text=True, check=True, env=repo.git_env()).stdout.strip())

    (checkout / POLL).write_text(MANUAL)
    os.utime(checkout / POLL, (1_600_000_000, 1_600_000_000))  # older than the index: its stat is trusted
    _git(checkout, "add", "-A")  # the edit's stat and blob recorded ...
    index = checkout / ".git" / "index"
    body = index.read_bytes()[:-20].replace(blob(f":{POLL}"), blob(f"HEAD:{POLL}"))  # ... then HEAD's blob id
    index.write_bytes(body + hashlib.sha1(body).digest())
    assert subprocess.run(["git", "-C", str(checkout), "status", "--porcelain"], capture_output=True, text=True,
                          env=repo.git_env()).stdout == ""  # git itself reads it clean
    read = Checkout(checkout).read_files([POLL])[POLL]
    assert isinstance(read, GatherError) and "differs in the checkout from the commit" in str(read), read


# -- a .git git cannot open is a broken checkout, not a plain folder -------------------------------------------------
def _dangling(checkout: Path) -> None:
    shutil.move(str(checkout / ".git"), str(checkout.parent / "moved.git"))
    (checkout / ".git").write_text(f"gitdir: {checkout.parent / 'gone' / '.git'}\n")


@pytest.mark.parametrize("break_it", [_dangling, lambda checkout: (checkout / ".git" / "HEAD").unlink()],
                         ids=["a-gitdir-file-pointing-where-nothing-is", "a-git-folder-without-head"])
def test_a_dot_git_git_cannot_open_is_an_error_naming_it(tmp_path, break_it):
    """git says "not a git repository" for both, which had read as a folder of no checkout: an edit was judged."""
    checkout = committed(tmp_path / "co")
    (checkout / POLL).write_text(MANUAL)
    (checkout / ".pf").mkdir()
    (checkout / ".pf" / "r.md").write_text("report\n")
    break_it(checkout)
    source = Checkout(checkout)
    said = f"{checkout / '.git'} is there, but git cannot open it"
    read = source.read_files([POLL])[POLL]
    assert isinstance(read, GatherError) and said in str(read), read
    listed = source.list_folders([".pf"])[".pf"]
    assert isinstance(listed, GatherError) and said in str(listed), listed
    assert said in str(folder_as_committed(checkout, ".github"))
    with pytest.raises(GatherError, match="cannot open it"):
        source.deployed()


def test_a_folder_with_no_dot_git_at_or_above_it_is_still_read_as_it_is(tmp_path):
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / POLL).write_text(MANUAL)
    assert Checkout(tmp_path).read_files([POLL])[POLL] == MANUAL


def test_a_submodule_inside_a_folder_read_is_no_file_of_the_commit_and_git_is_never_run_in_it(tmp_path):
    """git status ran `git status` inside each submodule, under the submodule's own config (whose filter drivers
    are none of the checkout's); a clean submodule's files passed as the commit's, though they are another
    repository's."""
    vendor = committed(tmp_path / "vendor", {"V1__init.sql": "select 1;\n", ".gitattributes": "*.sql filter=evil\n"})
    top = committed(tmp_path / "top", {"db/V0__base.sql": "select 0;\n"})
    _git(top, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(vendor), "db/vendor")
    _git(top, "commit", "-q", "-m", "vendored migrations")
    marker = tmp_path / "RAN"
    configure(top / "db" / "vendor", ("filter.evil.clean", f"sh -c 'touch {marker}; cat'"))
    stat_changed(top / "db" / "vendor" / "V1__init.sql")
    differs = folder_as_committed(top, "db")
    assert isinstance(differs, GatherError) and "db/vendor/" in str(differs), differs
    assert not marker.exists()


# -- the checkout's HEAD is the deployed commit ---------------------------------------------------------------------
def _head(checkout: Path) -> str:
    return subprocess.run(["git", "-C", str(checkout), "rev-parse", "HEAD"], capture_output=True, text=True,
                          check=True, env=repo.git_env()).stdout.strip()


def _lagging(tmp_path: Path) -> tuple[Path, str, str]:
    """A checkout left at an older commit than the deployed one: (the checkout, the deployed SHA, HEAD's)."""
    checkout = committed(tmp_path / "co", {POLL: MANUAL, "db/V1__init.sql": "select 1;\n", ".env.example": "A=\n"})
    stale = _head(checkout)
    (checkout / POLL).write_text(SCHEDULED)
    _git(checkout, "commit", "-q", "-a", "-m", "deployed: the poller on a schedule again")
    deployed = _head(checkout)
    _git(checkout, "checkout", "-q", stale)
    return checkout, deployed, stale


def _outcome(checkout: Path, ref: str, **params):
    from opsverify.families import env as env_family, migrations
    from .kit import make_check, make_target

    target = make_target({"repo": str(checkout), "providers": {"github": {"repo": "acme/app", "ref": ref}}})
    check = make_check("repo", params or {"file": POLL, "triggers_absent": ["schedule"]})
    example = env_family.read_examples(target, [".env.example"])[".env.example"]
    listing = migrations._list_folder(target, "flyway", "db")
    return repo.judge(check, repo.gather(target, [check])), example, listing


def test_a_checkout_at_another_commit_than_the_deployed_ref_is_an_error_naming_both(tmp_path):
    """The checkout's HEAD was never compared with providers.github.ref: a stale commit's workflow, without the
    schedule the deployed one has, passed triggers_absent."""
    checkout, deployed, stale = _lagging(tmp_path)
    outcome, example, listing = _outcome(checkout, deployed)
    assert outcome.status.name == "ERROR", outcome
    assert f"HEAD is commit {stale}, not {deployed}, the deployed commit" in outcome.observed, outcome
    assert outcome.evidence["checkout_head"] == stale
    for read in (example, listing):  # the env family's placeholders and the migrations folder alike
        assert isinstance(read, GatherError) and f"HEAD is commit {stale}" in str(read), read


def test_a_checkout_at_the_deployed_ref_names_its_head(tmp_path):
    checkout, deployed, _ = _lagging(tmp_path)
    _git(checkout, "checkout", "-q", deployed)
    outcome, example, listing = _outcome(checkout, deployed.upper(), file=POLL, triggers_present=["schedule"])
    assert outcome.status.name == "PASSED" and outcome.evidence["checkout_head"] == deployed, outcome
    assert not isinstance(example, GatherError) and not isinstance(listing, GatherError), (example, listing)
    named, *_ = _outcome(checkout, "main", file=POLL, triggers_present=["schedule"])
    assert named.status.name == "PASSED", named  # a branch name: said not compared, never guessed
    assert "providers.github.ref main is no commit SHA" in named.evidence["deployed_ref_not_compared"]
    short, *_ = _outcome(checkout, deployed[:7], file=POLL, triggers_present=["schedule"])
    assert short.status.name == "PASSED" and "deployed_ref_not_compared" not in short.evidence, short


def test_a_ref_of_hex_digits_naming_heads_commit_is_read_as_git_reads_it(tmp_path):
    """A release tag `20241207` at HEAD was taken for an abbreviated SHA HEAD does not begin with: an ERROR on a
    checkout of the deployed commit (git reads a ref's name before an abbreviation)."""
    checkout, deployed, stale = _lagging(tmp_path)
    _git(checkout, "tag", "20241207", stale)
    outcome, *_ = _outcome(checkout, "20241207", file=POLL, triggers_absent=["schedule"])
    assert outcome.status.name == "PASSED", outcome
    _git(checkout, "tag", "20241208", deployed)  # a tag of another commit: HEAD is not it
    outcome, *_ = _outcome(checkout, "20241208")
    assert outcome.status.name == "ERROR" and "not 20241208, the deployed commit" in outcome.observed, outcome


def test_an_abbreviated_deployed_sha_is_compared_with_head(tmp_path):
    """A short SHA (`git rev-parse --short`, as CI passes one) was "not compared": a stale checkout passed."""
    checkout, deployed, stale = _lagging(tmp_path)
    for ref in (deployed[:7], deployed[:12].upper()):
        outcome, *_ = _outcome(checkout, ref)
        assert outcome.status.name == "ERROR", outcome
        assert f"HEAD is commit {stale}, not {ref}, the deployed commit" in outcome.observed, outcome


# -- what a second probe of the hardening found ----------------------------------------------------------------------
def test_an_empty_named_filter_driver_is_never_run(tmp_path):
    """`[filter ""]` with a clean command, picked by `*.yml filter=`: the drivers emptied were found by a pattern
    that wanted a name of one character at least."""
    checkout = committed(tmp_path / "co", {POLL: SCHEDULED, ".gitattributes": "*.yml filter=\n"})
    marker = tmp_path / "RAN"
    with open(checkout / ".git" / "config", "a", encoding="utf-8") as config:
        config.write(f'[filter ""]\n\tclean = "sh -c \'touch {marker}; cat\'"\n')
    stat_changed(checkout / POLL)
    read = Checkout(checkout).read_files([POLL])[POLL]
    assert read == SCHEDULED and folder_as_committed(checkout, ".github") is None and not marker.exists(), read


def test_a_working_tree_encoding_in_the_checkouts_attributes_makes_no_edit_the_commits(tmp_path):
    """.git/info/attributes (no file of the commit) giving `working-tree-encoding`: the edited file's converted bytes
    hashed as HEAD's blob, while the family reads its raw bytes, another document. Hashed as its bytes are now."""
    checkout = committed(tmp_path / "co", {POLL: MANUAL})
    (checkout / ".git" / "info").mkdir(exist_ok=True)
    (checkout / ".git" / "info" / "attributes").write_text("*.yml working-tree-encoding=UTF-16LE\n")
    (checkout / POLL).write_bytes(MANUAL.encode("utf-16-le"))  # converted, HEAD's bytes: git reads it clean
    _git(checkout, "add", POLL)  # the index's blob is HEAD's, its stat the edit's: git status says nothing
    read = Checkout(checkout).read_files([POLL])[POLL]
    assert isinstance(read, GatherError) and "differs in the checkout from the commit" in str(read), read


def test_a_replace_ref_standing_another_tree_in_for_head_is_not_the_commit(tmp_path):
    """refs/replace/<HEAD>: rev-parse HEAD still names the deployed commit, ls-tree and status read the stand-in."""
    checkout = committed(tmp_path / "co", {POLL: MANUAL, "db/V1__init.sql": "select 1;\n"})
    head = _head(checkout)
    (checkout / POLL).write_text(SCHEDULED)
    (checkout / "db" / "V2__extra.sql").write_text("select 2;\n")
    _git(checkout, "add", "-A")
    identity = {**repo.git_env(), "GIT_AUTHOR_NAME": "a", "GIT_AUTHOR_EMAIL": "a@b.invalid",
                "GIT_COMMITTER_NAME": "a", "GIT_COMMITTER_EMAIL": "a@b.invalid"}

    def said(*args: str) -> str:
        return subprocess.run(["git", "-C", str(checkout), *args], capture_output=True, text=True, check=True,
                              env=identity).stdout.strip()

    said("replace", head, said("commit-tree", said("write-tree"), "-m", "stand-in"))
    assert said("rev-parse", "HEAD") == head
    read = Checkout(checkout, head).read_files([POLL])[POLL]
    assert isinstance(read, GatherError), read
    assert isinstance(folder_as_committed(checkout, "db", ref=head), GatherError)


def test_core_ignorecase_hides_no_untracked_file_named_as_a_tracked_one_but_for_case(tmp_path):
    migrations = "prisma/migrations"
    checkout = committed(tmp_path / "co", {f"{migrations}/20240101000000_init/migration.sql": "create table a();\n"})
    (checkout / migrations / "20240101000000_INIT").mkdir()
    (checkout / migrations / "20240101000000_INIT" / "migration.sql").write_text("drop table a;\n")
    configure(checkout, ("core.ignorecase", "true"))
    assert isinstance(folder_as_committed(checkout, migrations), GatherError)


def test_a_folder_of_more_files_than_a_command_line_holds_is_read(tmp_path):
    """Every committed file's name went on git hash-object's command line: E2BIG made every repo item of the system
    an internal error. They are hashed here now."""
    deep = "reports/" + "/".join(["d" * 240] * 15)  # 700 names of 3,600 characters: 2.5 MB
    files = {f"{deep}/report-{n:04d}.md": "ok\n" for n in range(700)}
    checkout = committed(tmp_path / "co", files)
    assert folder_as_committed(checkout, "reports") is None
    (checkout / next(iter(files))).write_text("edited\n")
    assert isinstance(folder_as_committed(checkout, "reports"), GatherError)
