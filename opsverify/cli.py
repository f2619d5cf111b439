"""The `opsverify` command: start a project, see what the checklists cover, list the demo's faults,
and the auditor's tools for run archives.

    opsverify init [DIR] [--system NAME]       a minimal working checklist, environment and secrets example
    opsverify coverage [--system S] [--json]   items automated / partly manual / manual (with reason)
    opsverify faults                            the demo's named faults: the item ids each fails, and leaves unchecked
    opsverify verify ARCHIVE|reports[/ENV] [--public-key FILE] [--expect SHA256]   files, signature, chain (0, 30-33)
    opsverify report ARCHIVE|reports/ENV [-o FILE] [--public-key FILE]   one offline HTML file next to the archive
    opsverify prune reports[/ENV] --keep N [--force] [--dry-run]   old clean archives go; the chain stays
    opsverify keygen --public-key FILE          a signing key pair (private half on stdout, for the CI secret store)
    opsverify setup                             install the pinned HTML renderer (needs the npm registry once)
    opsverify --version

The checks themselves run under pytest: `pytest -m postdeploy --env NAME`.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import errno
import os
import shlex
import sys
from pathlib import Path

from . import __version__, exitcodes
from .checklist import load_checklists
from .console import Stdout
from .coverage import coverage_report, format_coverage, sorted_ids
from .display import cannot_look, shown_path, spelled, visible
from .errors import ArchiveFailed, ConfigError, StopRun

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _looked_at(path: Path | str, flag: str, stop: type[StopRun], fix: str) -> None:
    """A path given that cannot even be looked at — a name too long for the file system, a loop of links, a file where
    one of its folders belongs, a folder on its way one may not search — is one line naming it (cut) and the fix, with
    the command's code for a bad path: `Path.is_dir()` raises some of these (a traceback) and reads others as a path
    that is not there. A path that is not there is the command's to judge (init and keygen make theirs)."""
    try:
        os.stat(path)
    except FileNotFoundError:
        return
    except OSError as exc:
        said = f"{flag} {shown_path(path)}" if flag else shown_path(path)
        raise stop(f"{said}: {cannot_look(exc)}; {fix}") from None


_ARCHIVE_PATH_FIX = "give the path of a run archive, a reports/<env> folder or reports/"


def default_checklists() -> Path:
    """./checklists, as --help says: never another project's (the demo's) in its place."""
    here = Path.cwd() / "checklists"
    if not here.is_dir():
        raise ConfigError(f"no checklists here ({here} is not a folder): run it in a project folder, give "
                          "--checklists DIR, or start one with opsverify init")
    return here


def coverage(args: argparse.Namespace) -> int:
    if args.checklists is not None:
        _looked_at(args.checklists, "--checklists", ConfigError, "give the checklists folder")
    checks = load_checklists(args.checklists or default_checklists(), runner="opsverify coverage",
                             flag="--checklists DIR")
    known = {c.system for c in checks}
    unknown = [s for s in args.system if s not in known]
    if unknown:
        raise ConfigError(f"--system {spelled(unknown[0])}: unknown system (known: {', '.join(sorted(known))})")
    report = coverage_report([c for c in checks if not args.system or c.system in args.system])
    print(json.dumps(report, indent=2) if args.json else format_coverage(report))
    return 0


def faults(args: argparse.Namespace) -> int:
    try:
        from opsverify_demo import FAULTS
        from opsverify_demo.components import FAULTS as COMPONENT_FAULTS
    except ImportError as exc:
        print(f"opsverify: the demo deployment needs {exc.name}: install the demo extra from the opsverify checkout:"
              ' pip install "<opsverify checkout>[demo]" (in the checkout, make demo does)', file=sys.stderr)
        return exitcodes.DEMO

    every = {**FAULTS, **COMPONENT_FAULTS}
    # what a fault fails, and apart from it what it leaves unchecked: an error proves the target stopped
    # answering, not that a check catches the fault
    fails = {name: ", ".join(sorted_ids(f.breaks)) or "-" for name, f in every.items()}
    unchecked = {name: f"unchecked {', '.join(sorted_ids(f.unchecked))}" if f.unchecked else ""
                 for name, f in every.items()}
    widths = [max(map(len, column)) for column in (every, fails.values(), unchecked.values())]
    for name in sorted(every):
        print(f"{name:<{widths[0]}}  fails {fails[name]:<{widths[1]}}  {unchecked[name]:<{widths[2]}}  "
              f"{every[name].description}")
    print(f"\n{len(every)} faults (fails: the items turn failed; unchecked: they end as error, not judged); "
          "switch one on with: python -m pytest --env demo --demo-fault NAME")
    return 0


def init(args: argparse.Namespace) -> int:
    """Write a minimal working project: one HTTP item, one database item, their environment. Everything is
    checked before anything is written, and a failure leaves nothing behind (see scaffold.write_project)."""
    from .scaffold import (GITIGNORE, GITIGNORE_LINES, gitignore_missing, gitignore_not_a_file, problems,
                           variable_prefix, write_project)

    root = Path(args.dir)
    _looked_at(root, "", ConfigError, "give a project folder (opsverify init [DIR])")
    if not args.system.isprintable():  # never a system name: scaffold's own words, naming it with every character seen
        raise ConfigError(problems(root, spelled(args.system))[0])  # (a line break as \x0a, not a line of its own)
    kept = os.path.lexists(root / GITIGNORE)
    for path in write_project(root, args.system):
        _say(f"wrote {path}")
    if kept:  # the repo's own .gitignore is never edited: what it should hold is said instead
        odd = gitignore_not_a_file(root)
        missing = [] if odd else gitignore_missing(root)
        if odd:  # git takes no rules from it: the secrets file the next line asks for would be committable
            _say(f"{root / GITIGNORE}: is {odd}, not a file, so git reads no ignore rules from it and "
                 f"environments/*.secrets.env is not ignored; make it a file holding these lines: "
                 f"{', '.join(GITIGNORE_LINES)}")
        elif missing:
            _say(f"kept {root / GITIGNORE} as it is; add these lines to it: {', '.join(missing)}")
    prefix = variable_prefix(args.system)
    here = os.path.abspath(root) == os.path.abspath(".")
    _say(f"\nnext: set {prefix}_DATABASE_URL and {prefix}_WEB_URL (see environments/local.secrets.env.example),"
         f"\nthen: {'' if here else f'cd {shlex.quote(str(root))} && '}{_pytest_command(root)} -m postdeploy --env local")
    return 0


def _pytest_command(root: Path) -> str:
    """The pytest installed beside this opsverify, as the project folder reaches it (`.venv/bin/pytest` of the
    README's venv, which is on no PATH); plain `pytest` where PATH finds that one."""
    import shutil

    beside = Path(sys.executable).parent / "pytest"
    if not beside.is_file() or shutil.which("pytest") == str(beside):
        return "pytest"
    project, where = Path(os.path.abspath(root)), Path(os.path.abspath(beside))
    return shlex.quote(str(where.relative_to(project) if where.is_relative_to(project) else where))


def _say(text: str, file=None) -> None:
    """A line that may hold names from outside (an archive's files, a manifest's words): shown, not obeyed."""
    print(visible(text), file=file)


def _tell(text: str, file=None) -> None:
    """A line of verify, prune or report. It names files and folders anyone who could write the reports folder
    named: every character is shown (a line break as \\x0a, a zero-width space as \\u200b), so that a name
    never prints a line of its own, nor reads as another name."""
    print(spelled(text), file=file)


KEY_FILE_LIMIT = 64 << 10  # a public key file: keygen writes some 110 bytes of PEM


def _public_key(args: argparse.Namespace):
    from . import seal

    if args.public_key is None:
        return None
    _looked_at(args.public_key, "--public-key", ConfigError, "give the file holding the ed25519 public key")
    try:  # a regular file of a key's size: a FIFO would be waited on for ever, /dev/zero read until memory ends
        data = seal.read_regular(args.public_key, KEY_FILE_LIMIT, "public key file", follow_symlinks=True)
    except seal.Malformed as exc:
        raise ConfigError(f"--public-key {shown_path(args.public_key)}: {exc}; give the file holding the ed25519"
                          " public key (PEM, or 32 bytes in base64)") from None
    except OSError as exc:
        raise ConfigError(f"--public-key {shown_path(args.public_key)}: {exc.strerror}") from None
    try:
        trusted = seal.parse_public_key(data.decode("utf-8"))
    except UnicodeDecodeError:  # a DER or raw key file: said as any other unreadable key
        trusted = None
    if trusted is None:
        raise ConfigError(f"--public-key {shown_path(args.public_key)}: not an ed25519 public key (PEM, or 32 bytes in"
                          " base64)")
    return trusted


def _manifest_hash(text: str) -> str:
    """--expect: a manifest's SHA-256 as a run prints it, or its first 16 hex digits or more. Read here, not by
    argparse: a bad option value ends with 20, as prune's --keep does (argparse's own mistakes are usage, 4)."""
    value = text.strip().lower().removeprefix("sha256:")
    if not 16 <= len(value) <= 64 or any(c not in "0123456789abcdef" for c in value):
        raise ConfigError(f"--expect {visible(text)!r}: give a manifest's sha256 as the run printed it "
                          "(16 to 64 hex digits)")
    return value


def _folder(text: str) -> Path:
    """The path as given, made absolute: `verify .` inside an archive names the archive, not ''."""
    return Path(os.path.abspath(text))


def verify(args: argparse.Namespace) -> int:
    from . import seal
    from .report import NotAnArchive

    _looked_at(args.path, "", NotAnArchive, _ARCHIVE_PATH_FIX)
    trusted = _public_key(args)
    verdict = seal.verify(args.path, trusted, tuple(map(_manifest_hash, args.expect)), pages=True)
    for finding in verdict.findings:
        _tell(f"{finding.kind:<14} {finding.where}: {finding.what}")
    for note in verdict.notes:
        _tell(f"note           {note}")
    checked = len(verdict.checked)
    if verdict.exit_code == 0:
        envs = f" of env {', '.join(sorted(verdict.envs))}" if verdict.envs else ""
        how = "signatures (with the given key)" if trusted is not None else "seals (no --public-key: not who sealed them)"
        _tell(f"OK: {checked} archive{'s' if checked != 1 else ''}{envs} verified under {args.path}: files, "
              f"{how} and chain hold")
    else:
        kinds = sorted({f.kind for f in verdict.findings})
        _tell(f"NOT OK: {len(verdict.findings)} finding{'s' if len(verdict.findings) != 1 else ''} "
              f"({', '.join(kinds)}) in {args.path}")
    return verdict.exit_code


def report(args: argparse.Namespace) -> int:
    from .report import NotAnArchive, RenderFailed, env_verdict, left_out_note, newest_archive, render
    from .seal import is_archive

    _looked_at(args.path, "", NotAnArchive, _ARCHIVE_PATH_FIX)
    if args.output is not None:
        _looked_at(args.output, "-o", RenderFailed, "give the report's file name")
    trusted = _public_key(args)
    if is_archive(args.path):
        archive = args.path
    else:  # "the newest" is only as good as the env's chain: it must verify as a whole
        env_verdict(args.path, trusted)
        archive = newest_archive(args.path)
    left_out: list[str] = []
    notes: list[str] = []
    _tell(f"report: {render(archive, out=args.output, left_out=left_out, trusted=trusted, notes=notes)}")
    for note in notes:
        _tell(f"note: {note}")
    for name in left_out:
        _tell(left_out_note(name))
    return 0


def prune(args: argparse.Namespace) -> int:
    from .report import NotAnArchive
    from .retention import env_dirs, linked_env_dirs, prune_env
    from .seal import not_in_reports

    keep = _keep_count(args.keep)
    _looked_at(args.path, "", NotAnArchive, "give reports/ or a reports/<env> folder")
    envs = env_dirs(args.path) if args.path.is_dir() else []
    linked = linked_env_dirs(args.path) if args.path.is_dir() else []
    if not envs and not linked:
        raise NotAnArchive(f"{args.path}: neither reports/ nor a reports/<env> folder holding archives")
    for env_dir in linked:
        _tell(f"{env_dir.name}: left the env folder alone: a symlink, to a folder outside {args.path} (prune it by "
              "its own path if it is yours: opsverify prune <that folder>)")
    if envs != [args.path]:  # reports/: what stands in it that belongs in an env folder is no env to prune
        for entry, what in not_in_reports(args.path):
            _tell(f"{entry.name}: left alone: {what}, in {args.path.name}/ itself beside its env folders (it belongs"
                  f" in an env folder; opsverify verify {args.path} names it)")
    failed = 0
    for env_dir in envs:
        result = prune_env(env_dir, keep, force=args.force, dry_run=args.dry_run)
        verb = "would remove" if args.dry_run else "removed"
        for name in result.removed:
            _tell(f"{env_dir.name}: {verb} {name} (its manifest hash stays in {env_dir.name}/chain.jsonl)")
        for name, why in result.kept_for_evidence:
            _tell(f"{env_dir.name}: kept {name}: {why} (evidence; --force removes it)")
        for name, why in result.left_alone:
            _tell(f"{env_dir.name}: left {name} alone: {why}")
        failed += len(result.failed)
        for note in result.notes:
            _tell(f"{env_dir.name}: {note}")
        _tell(f"{env_dir.name}: {len(result.removed)} {verb}, {len(result.kept_for_evidence)} kept as evidence, "
              f"the newest {keep} kept")
    if failed:  # asked to remove them, it could not (a read-only reports folder): not a success. 26 is the
        # table's code for a reports folder that cannot be written
        _tell(f"opsverify: {failed} archive{'s' if failed != 1 else ''} could not be removed (see above)",
              file=sys.stderr)
        return exitcodes.ARCHIVE
    return 0


def _keep_count(text: str) -> int:
    """--keep N: read here, not by argparse, so that a count below 0 and one that is no number are one mistake with one
    exit code (20, a bad option value)."""
    if not text.isascii() or not text.isdigit():
        raise ConfigError(f"--keep {text!r}: give a whole number, 0 or more, of archives to keep per env")
    return int(text)


def keygen(args: argparse.Namespace) -> int:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from . import seal

    target = _new_key_file(args.public_key)
    key = Ed25519PrivateKey.generate()
    try:  # a new file (O_EXCL), never through a symlink: a public key already there is never replaced
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    except OSError as exc:
        raise ConfigError(f"--public-key {target}: cannot be written ({exc.strerror or exc})") from None
    try:
        with open(fd, "w", encoding="utf-8") as handle:
            handle.write(seal.public_pem(key.public_key()))
    except OSError as exc:
        with contextlib.suppress(OSError):
            target.unlink()
        raise ConfigError(f"--public-key {target}: cannot be written ({exc.strerror or exc}); nothing was written") \
            from None
    print(seal.private_pem(key), end="")
    sys.stdout.flush()
    lost = getattr(sys.stdout, "lost", None)
    if lost is not None:  # the private half is saved nowhere else: a public key without it is of no use
        with contextlib.suppress(OSError):
            target.unlink()
        raise ArchiveFailed(f"the private key could not be written to standard output ({lost.strerror or lost}): "
                            f"no key pair made, {target} removed; run keygen again where its output can be read")
    print(f"opsverify: public key {seal.key_id(key.public_key())} written to {shown_path(args.public_key)}; the private"
          f" key above is saved nowhere: put it in the CI secret store as {seal.SIGNING_KEY_ENV}", file=sys.stderr)
    return 0


def _new_key_file(text: str) -> Path:
    """Where keygen may write the public key: a new file in a folder that exists, outside every archive and every
    env's evidence (a file added there breaks a seal, or stands for a pruned manifest). ConfigError otherwise."""
    from .report import evidence_of

    if not text.strip():
        raise ConfigError("--public-key: give the public key's file name (e.g. --public-key opsverify.pub)")
    target = Path(text)
    _looked_at(target, "--public-key", ConfigError, "give a new file name in a folder that exists (e.g. --public-key "
                                                     "opsverify.pub)")
    shown = visible(text)
    if target.is_dir():
        raise ConfigError(f"--public-key {shown}: is a folder; give a file name (e.g. {visible(str(target / 'opsverify.pub'))})")
    if not target.parent.is_dir():
        raise ConfigError(f"--public-key {shown}: its folder {visible(str(target.parent))} does not exist")
    if os.path.lexists(target):
        raise ConfigError(f"--public-key {shown}: already exists; keygen never replaces a key file (archives sealed "
                          "with that key verify only against it): give a new file name, or move the old one away")
    evidence = evidence_of(target)
    if evidence:
        raise ConfigError(f"--public-key {shown}: {evidence}; write the key elsewhere")
    return target


def setup(args: argparse.Namespace) -> int:
    from .report import install_renderer

    where = install_renderer()
    _say(f"renderer installed in {where} (from package-lock.json); rendering needs no network from now on")
    return 0


class _Parser(argparse.ArgumentParser):
    """argparse ends a bad command line with 2, which is "interrupted" here: it is a usage error, 4."""

    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(exitcodes.USAGE, f"{self.prog}: error: {message}\n")

    def parse_args(self, args=None, namespace=None):
        """As argparse's, but words a subcommand does not take are reported by that subcommand, with its usage line
        (argparse's own reports them with the top level's `COMMAND ...`, which says nothing of what it takes)."""
        parsed, extra = self.parse_known_args(args, namespace)
        if extra:
            getattr(parsed, "command_parser", self).error(f"unrecognized arguments: {' '.join(extra)}")
        return parsed


def parser() -> argparse.ArgumentParser:
    top = _Parser(
        prog="opsverify", description="production verification suite (checks run under pytest)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="exit codes (of `pytest --env ...` and of these commands):\n" + exitcodes.plain())
    top.add_argument("--version", action="version", version=f"opsverify {__version__}")
    commands = top.add_subparsers(dest="command", required=True, metavar="COMMAND")
    ini = commands.add_parser("init", help="write a minimal working checklist, environment and secrets example")
    ini.add_argument("dir", nargs="?", default=".", help="project folder (default: here)")
    ini.add_argument("--system", default="my-app", help="the system's name (default: my-app)")
    ini.set_defaults(run=init)
    cov = commands.add_parser("coverage", help="per system and in total: items automated / partly manual / manual / not yet built")
    cov.add_argument("--checklists", type=Path, metavar="DIR", help="checklist folder (default: ./checklists)")
    cov.add_argument("--system", action="append", default=[], metavar="SYSTEM", help="only this system (repeatable)")
    cov.add_argument("--json", action="store_true", help="the report as JSON (as in a run archive's coverage.json)")
    cov.set_defaults(run=coverage)
    flt = commands.add_parser("faults", help="the demo deployment's named faults: the item ids each fails, and those it"
                                              " leaves unchecked")
    flt.set_defaults(run=faults)
    ver = commands.add_parser("verify", help="check an archive, reports/ENV or reports/: files, signature, chain; "
                                             "exit 0 or 30-33")
    ver.add_argument("path", type=_folder, metavar="ARCHIVE|reports/ENV|reports")
    ver.add_argument("--public-key", type=Path, metavar="FILE",
                     help="the ed25519 public key the archives must be signed with (PEM, or base64 of 32 bytes)")
    ver.add_argument("--expect", action="append", default=[], metavar="SHA256",
                     help="a manifest hash a run printed (its 'archive:' line): that archive must still be in the "
                          "chain, there or pruned (repeatable)")
    ver.set_defaults(run=verify)
    rep = commands.add_parser("report", help="render an archive (or the newest of reports/ENV) as one offline HTML file; "
                                                    "only an archive that verifies")
    rep.add_argument("path", type=_folder, metavar="ARCHIVE|reports/ENV")
    rep.add_argument("-o", "--output", type=Path, metavar="FILE", help="where to write it (default: <archive>.html beside it)")
    rep.add_argument("--public-key", type=Path, metavar="FILE",
                     help="render only what this ed25519 public key signed (the archive and its history)")
    rep.set_defaults(run=report)
    prn = commands.add_parser("prune", help="remove old clean archives per env, keeping the chain verifiable")
    prn.add_argument("path", type=_folder, metavar="reports[/ENV]")
    prn.add_argument("--keep", required=True, metavar="N", help="archives to keep per env (the newest)")
    prn.add_argument("--force", action="store_true", help="also remove archives of failed or waived releases")
    prn.add_argument("--dry-run", action="store_true", help="say what would go, remove nothing")
    prn.set_defaults(run=prune)
    key = commands.add_parser("keygen", help="make an ed25519 signing key pair for sealing archives")
    key.add_argument("--public-key", required=True, metavar="FILE",
                     help="where to write the public key (PEM): a new file, never one that exists")
    key.set_defaults(run=keygen)
    where = ("install the pinned HTML renderer (once, from the npm registry) into $OPSVERIFY_RENDERER_DIR, else "
             "renderer/ of a checkout, else ~/.cache/opsverify/renderer-<version> ($XDG_CACHE_HOME if set); a "
             "failed install keeps the previous one")
    stp = commands.add_parser("setup", help=where, description=where)
    stp.set_defaults(run=setup)
    for command in (ini, cov, flt, ver, rep, prn, key, stp):
        command.set_defaults(command_parser=command)
    return top


def _interrupted_words() -> dict:
    return {prune: "the next `opsverify prune` finishes or undoes what this one began (verify checks the chain as "
                   "it is meanwhile)",
            report: "no report was written (a previous one is replaced only by a complete one)",
            verify: "the archives were not all checked: run `opsverify verify` again",
            keygen: "no key pair was written, or only part of one: run `opsverify keygen` again",
            setup: "the renderer installed before, if any, is kept",
            init: "some of its files may have been written: look at them before running `opsverify init` again"}


def main(argv: list[str] | None = None) -> int:
    real = sys.stdout
    out = sys.stdout = Stdout(real)
    stopped = False
    try:
        args = parser().parse_args(argv)  # --help too: `opsverify --help | head`
        try:
            code = args.run(args)
        except StopRun as exc:  # names from a tampered archive too
            (_tell if args.run in (verify, report, prune) else _say)(f"opsverify: {exc.message}", file=sys.stderr)
            code, stopped = exc.exit_code, True
        except Exception as exc:  # a failure no one foresaw in rendering (an opsverify bug): one line, not a traceback
            if args.run is not report:
                raise
            from .display import cut

            _tell(f"opsverify: report not rendered: {type(exc).__name__}: {cut(str(exc), 300)} (an opsverify bug: "
                  "please report it; the archive is as it was)", file=sys.stderr)
            code, stopped = exitcodes.REPORT, True
        except KeyboardInterrupt:  # Ctrl-C: one line, as every other stop says itself, never a traceback
            _say(f"opsverify: interrupted: {_interrupted_words().get(args.run, 'nothing was changed')}", file=sys.stderr)
            code, stopped = exitcodes.INTERRUPTED, True
    finally:
        out.flush()
        sys.stdout = real
    if out.lost is not None and out.lost.errno != errno.EPIPE and not stopped:
        # Not a reader that stopped on purpose (`| head`: its code stands): what the command printed is lost
        # (ENOSPC, EIO). The exit code says so: the command's own when it is one already, else 26, the table's
        # code for output that could not be written (a full or read-only disk; no other code means that).
        _say(f"opsverify: the output could not be written ({out.lost.strerror or out.lost}): what this command "
             "printed is incomplete; send it where it can be written", file=sys.stderr)
        return code or exitcodes.ARCHIVE
    return code


if __name__ == "__main__":
    sys.exit(main())
