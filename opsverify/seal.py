"""Tamper evidence for run archives: a signature, and a chain per env.

* **Files**: `manifest.json` lists the SHA-256 of every other file of the archive.
* **Signature**: with a signing key configured (`OPSVERIFY_SIGNING_KEY`, from the CI secret store: an
  ed25519 private key as PEM, or its 32 raw bytes in base64), `manifest.sig` holds an ed25519 signature
  of the exact bytes of `manifest.json`. Re-hashing an edited file into the manifest breaks it; an
  auditor checks it with the public key alone (`opsverify verify --public-key FILE`).
* **Chain**: each manifest carries the SHA-256 of the previous archive's manifest of the same env, so
  removing, replacing, renaming or re-hashing an earlier archive breaks the next one's link. Archives
  removed by `opsverify prune` leave their manifest hashes in `reports/<env>/chain.jsonl`.

`verify` never trusts what it checks: every finding names the file or archive and what is wrong.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import fcntl
import hashlib
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterator

from . import exitcodes, lazy
from .errors import ConfigError

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey


def _ed25519():
    """cryptography loads only when a key is read or a signature checked, not for every run."""
    return lazy.load("cryptography.hazmat.primitives.asymmetric.ed25519")


def _serialization():
    return lazy.load("cryptography.hazmat.primitives.serialization")

SIGNING_KEY_ENV = "OPSVERIFY_SIGNING_KEY"
MANIFEST = "manifest.json"
SIGNATURE = "manifest.sig"
CHAIN = "chain.jsonl"  # manifest hashes of pruned archives, oldest first


# -- keys ----------------------------------------------------------------------------------------
def signing_key_from_env(environ: dict[str, str] | os._Environ = os.environ) -> Ed25519PrivateKey | None:
    value = (environ.get(SIGNING_KEY_ENV) or "").strip()
    return parse_private_key(value) if value else None


def parse_private_key(value: str) -> Ed25519PrivateKey:
    """PEM (PKCS#8), or the 32-byte raw key in base64. Never echoes the value in an error."""
    if value.startswith("-----BEGIN"):
        try:
            key = _serialization().load_pem_private_key(value.encode(), password=None)
        except (ValueError, TypeError):
            raise ConfigError(f"{SIGNING_KEY_ENV}: not a readable unencrypted PEM private key") from None
        if not isinstance(key, _ed25519().Ed25519PrivateKey):
            raise ConfigError(f"{SIGNING_KEY_ENV}: the PEM key is not an ed25519 key")
        return key
    raw = _b64(value)
    if raw is None or len(raw) != 32:
        raise ConfigError(f"{SIGNING_KEY_ENV}: expected an ed25519 private key as PEM, or 32 bytes in base64")
    return _ed25519().Ed25519PrivateKey.from_private_bytes(raw)


def parse_public_key(text: str) -> Ed25519PublicKey | None:
    text = text.strip()
    if text.startswith("-----BEGIN"):
        try:
            key = _serialization().load_pem_public_key(text.encode())
        except (ValueError, TypeError):
            return None
        return key if isinstance(key, _ed25519().Ed25519PublicKey) else None
    raw = _b64(text)
    return _ed25519().Ed25519PublicKey.from_public_bytes(raw) if raw is not None and len(raw) == 32 else None


def _b64(value: str) -> bytes | None:
    try:
        return base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        return None


def public_raw(key: Ed25519PublicKey) -> bytes:
    serialization = _serialization()
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(key: Ed25519PublicKey) -> str:
    return "ed25519:" + hashlib.sha256(public_raw(key)).hexdigest()[:16]


def public_pem(key: Ed25519PublicKey) -> str:
    serialization = _serialization()
    return key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo).decode()


def private_pem(key: Ed25519PrivateKey) -> str:
    serialization = _serialization()
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode()


def seal_record(key: Ed25519PrivateKey | None) -> dict[str, str] | None:
    """What the manifest says about its seal: the public half only."""
    if key is None:
        return None
    public = key.public_key()
    return {"algorithm": "ed25519", "public_key": base64.b64encode(public_raw(public)).decode(),
            "key_id": key_id(public)}


def signature_file(manifest_bytes: bytes, key: Ed25519PrivateKey) -> bytes:
    signature = key.sign(manifest_bytes)
    return (json.dumps({"algorithm": "ed25519", "signed": MANIFEST, "key_id": key_id(key.public_key()),
                        "signature": base64.b64encode(signature).decode()}, indent=2) + "\n").encode()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


# -- the chain of one env -----------------------------------------------------------------------
@contextlib.contextmanager
def env_lock(env_dir: Path) -> Iterator[None]:
    """One archive at a time joins the chain of an env (runs may finish together). The lock is on the
    folder itself, so `reports/<env>/` holds nothing but archives (and, after a prune, chain.jsonl)."""
    fd = os.open(env_dir, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # released when the descriptor closes, even if the run dies
        yield
    finally:
        os.close(fd)


def chain_head(env_dir: Path) -> dict[str, str] | None:
    """The archive a new one links to: the one no other archive (or pruned entry) links to; the newest
    by name if several (a fork is `verify`'s to report, not ours to extend)."""
    nodes = chain_nodes(env_dir)
    if not nodes:
        return None
    linked = {n.previous_sha256 for n in nodes if n.previous_sha256}
    heads = [n for n in nodes if n.manifest_sha256 not in linked] or nodes
    newest = max(heads, key=lambda n: (n.folder is not None, n.archive))
    return {"archive": newest.archive, "manifest_sha256": newest.manifest_sha256}


_PREVIOUS = re.compile(rb'^\{\s*"archive":\s*("[^"]*"),\s*"previous":\s*(null|\{[^{}]*\})', re.S)


def _link(data: bytes) -> tuple[str | None, dict[str, Any]]:
    """(archive, previous) of a manifest: read from its first lines (written first for this), else parsed."""
    match = _PREVIOUS.match(data[:4096])
    if match:
        return json.loads(match.group(1)), json.loads(match.group(2)) or {}
    parsed = json.loads(data)
    return parsed.get("archive"), parsed.get("previous") or {}


@dataclass(frozen=True)
class Node:
    archive: str  # the name it was sealed under
    manifest_sha256: str
    previous_sha256: str | None
    previous_archive: str | None
    folder: str | None  # where it is now (None: pruned, known from chain.jsonl)


def archive_dirs(env_dir: Path) -> list[Path]:
    """The archives of an env: visible folders (not `.partial-*`), oldest first by name."""
    return sorted(p for p in env_dir.iterdir() if p.is_dir() and not p.name.startswith("."))


def read_pruned(env_dir: Path) -> list[dict[str, Any]]:
    path = env_dir / CHAIN
    if not path.is_file():
        return []
    entries = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            with contextlib.suppress(ValueError):
                entries.append(json.loads(line))
    return entries


def chain_nodes(env_dir: Path) -> list[Node]:
    nodes = []
    for entry in read_pruned(env_dir):
        nodes.append(Node(str(entry.get("archive")), str(entry.get("manifest_sha256")),
                          entry.get("previous_sha256"), entry.get("previous_archive"), None))
    for folder in archive_dirs(env_dir):
        manifest = folder / MANIFEST
        if not manifest.is_file():
            continue
        data = manifest.read_bytes()
        with contextlib.suppress(ValueError, AttributeError):
            archive, previous = _link(data)
            nodes.append(Node(str(archive or folder.name), sha256_bytes(data), previous.get("manifest_sha256"),
                              previous.get("archive"), folder.name))
    return nodes


# -- verification --------------------------------------------------------------------------------
KINDS = {"tampered": exitcodes.TAMPERED, "bad-signature": exitcodes.BAD_SIGNATURE,
         "broken-chain": exitcodes.BROKEN_CHAIN, "not-an-archive": exitcodes.NOT_AN_ARCHIVE}


@dataclass(frozen=True)
class Finding:
    kind: str  # one of KINDS
    where: str  # the archive (and file) it concerns
    what: str


@dataclass
class Verdict:
    checked: list[str] = field(default_factory=list)  # archives verified
    findings: list[Finding] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return min((KINDS[f.kind] for f in self.findings), default=exitcodes.OK)


def verify_files(folder: Path, manifest: dict[str, Any]) -> list[Finding]:
    """Every file listed is there with its hash; nothing else is (but the manifest and its signature)."""
    listed = manifest.get("files")
    if not isinstance(listed, dict):
        return [Finding("not-an-archive", folder.name, "manifest.json lists no files")]
    present = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()} - {MANIFEST, SIGNATURE}
    findings = [Finding("tampered", f"{folder.name}/{name}", "added after sealing (not in the manifest)")
                for name in sorted(present - set(listed))]
    findings += [Finding("tampered", f"{folder.name}/{name}", "removed (listed in the manifest)")
                 for name in sorted(set(listed) - present)]
    for name in sorted(present & set(listed)):
        if sha256_file(folder / name) != listed[name]:
            findings.append(Finding("tampered", f"{folder.name}/{name}", "changed (its SHA-256 differs from the manifest's)"))
    return findings


def verify_signature(folder: Path, manifest_bytes: bytes, manifest: dict[str, Any],
                     trusted: Ed25519PublicKey | None) -> tuple[list[Finding], str]:
    """(findings, a note on how it was sealed)."""
    seal = manifest.get("seal")
    signature_path = folder / SIGNATURE
    if not seal:
        if signature_path.exists():
            return [Finding("bad-signature", folder.name, "manifest.sig present but the manifest names no signing key")], ""
        if trusted is not None:
            return [Finding("bad-signature", folder.name, "not signed, but a public key was given: "
                                                          "the seal was removed, or no signing key was configured")], ""
        return [], "not signed (no signing key was configured for this run)"
    embedded = parse_public_key(str(seal.get("public_key", "")))
    if embedded is None:
        return [Finding("bad-signature", folder.name, "the manifest's public key is unreadable")], ""
    key = trusted or embedded
    if trusted is not None and public_raw(trusted) != public_raw(embedded):
        return [Finding("bad-signature", folder.name, f"signed by {key_id(embedded)}, not by the given public key "
                                                      f"{key_id(trusted)}")], ""
    try:
        signature = base64.b64decode(json.loads(signature_path.read_text(encoding="utf-8"))["signature"], validate=True)
        key.verify(signature, manifest_bytes)
    except FileNotFoundError:
        return [Finding("bad-signature", folder.name, "manifest.sig is missing")], ""
    except (lazy.load("cryptography.exceptions").InvalidSignature, ValueError, KeyError, TypeError, binascii.Error):
        return [Finding("bad-signature", folder.name, "the signature does not match manifest.json "
                                                      "(the manifest was changed after sealing)")], ""
    how = "the given public key" if trusted is not None else "the key named in the manifest (pass --public-key to pin it)"
    return [], f"signature valid: {key_id(key)}, checked with {how}"


def verify_archive(folder: Path, trusted: Ed25519PublicKey | None, verdict: Verdict) -> dict[str, Any] | None:
    manifest_path = folder / MANIFEST
    try:
        manifest_bytes = manifest_path.read_bytes()
        manifest = json.loads(manifest_bytes)
        if not isinstance(manifest, dict):
            raise ValueError
    except (OSError, ValueError):
        verdict.findings.append(Finding("not-an-archive", folder.name, "no readable manifest.json"))
        return None
    verdict.checked.append(folder.name)
    verdict.findings += verify_files(folder, manifest)
    findings, note = verify_signature(folder, manifest_bytes, manifest, trusted)
    verdict.findings += findings
    if note:
        verdict.notes.append(f"{folder.name}: {note}")
    sealed_as = manifest.get("archive")
    if sealed_as and sealed_as != folder.name:
        verdict.findings.append(Finding("broken-chain", folder.name, f"holds the archive sealed as {sealed_as} "
                                                                     "(renamed, or swapped with another)"))
    return manifest


def verify_chain(env_dir: Path, verdict: Verdict, only: str | None = None) -> None:
    """Each link points at a manifest that is there (or was pruned) with that hash; one start; no forks.
    With `only`, the links into and out of that one archive."""
    nodes = chain_nodes(env_dir)
    by_hash = {n.manifest_sha256: n for n in nodes}
    by_name = {n.folder: n for n in nodes if n.folder}
    for node in nodes:
        if only is not None and node.folder != only and node.previous_archive != only:
            continue
        label = node.folder or f"{node.archive} (pruned)"
        if node.previous_sha256 is None:
            continue
        if node.previous_sha256 in by_hash:
            continue
        named = by_name.get(node.previous_archive or "")
        if named is not None:
            verdict.findings.append(Finding("broken-chain", label, f"its previous archive {node.previous_archive} was "
                                                                   "changed after this one was sealed (its manifest hash differs)"))
        else:
            verdict.findings.append(Finding("broken-chain", label, f"its previous archive {node.previous_archive} "
                                                                   "is missing (removed without opsverify prune)"))
    if only is not None:
        return
    starts = [n for n in nodes if n.previous_sha256 is None]
    if len(starts) > 1:
        verdict.findings.append(Finding("broken-chain", env_dir.name, "more than one archive starts the chain: "
                                        + ", ".join(n.folder or n.archive for n in starts)))
    followers: dict[str, list[Node]] = {}
    for node in nodes:
        if node.previous_sha256:
            followers.setdefault(node.previous_sha256, []).append(node)
    for previous, group in followers.items():
        if len(group) > 1:
            verdict.findings.append(Finding("broken-chain", env_dir.name, "two archives claim the same previous one: "
                                            + ", ".join(n.folder or n.archive for n in group)))


def is_archive(path: Path) -> bool:
    return (path / MANIFEST).is_file()


def _holds_archives(folder: Path) -> bool:
    return any(is_archive(p) for p in archive_dirs(folder)) or (folder / CHAIN).is_file()


def verify(path: Path, trusted: Ed25519PublicKey | None = None) -> Verdict:
    """An archive, `reports/<env>` (every archive of it and the whole chain), or `reports/` (every env)."""
    verdict = Verdict()
    if not path.is_dir():
        verdict.findings.append(Finding("not-an-archive", str(path), "no such folder"))
        return verdict
    if is_archive(path):
        verify_archive(path, trusted, verdict)
        verify_chain(path.parent, verdict, only=path.name)
        return verdict
    envs = [p for p in archive_dirs(path) if not is_archive(p) and _holds_archives(p)]
    if envs and not _holds_archives(path):
        for env_dir in envs:
            for folder in archive_dirs(env_dir):
                verify_archive(folder, trusted, verdict)
            verify_chain(env_dir, verdict)
        return verdict
    folders = archive_dirs(path)
    if not folders and not read_pruned(path):
        verdict.findings.append(Finding("not-an-archive", str(path), "neither an archive (no manifest.json) "
                                                                     "nor a reports/<env> folder holding archives"))
        return verdict
    for folder in folders:
        verify_archive(folder, trusted, verdict)
    verify_chain(path, verdict)
    return verdict
