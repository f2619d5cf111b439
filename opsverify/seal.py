"""Tamper evidence for run archives: a signature, and a chain per env.

* **Files**: `manifest.json` lists the SHA-256 of every other file of the archive.
* **Signature**: with a signing key configured (`OPSVERIFY_SIGNING_KEY`, from the CI secret store: an
  ed25519 private key as PEM, or its 32 raw bytes in base64), `manifest.sig` holds an ed25519 signature
  of the exact bytes of `manifest.json` (and nothing else: its fields are read as they are written). Re-hashing
  an edited file into the manifest breaks it; an auditor checks it with the public key alone (`opsverify verify
  --public-key FILE`). An env's unsigned archives from before signing began are vouched for by the first signed
  archive's link (before_signing); an unsigned archive after a signed one is not.
* **Chain**: each manifest carries the SHA-256 of the previous archive's manifest of the same env, so
  removing, replacing, renaming or re-hashing an earlier archive breaks the next one's link. Archives
  removed by `opsverify prune` leave their manifest hashes in `reports/<env>/chain.jsonl`, and the manifest
  itself, its signature and what `verify` found in it in `reports/<env>/.pruned/`, so each entry is checked as
  the archive was, and why it was forced out (if it was) against what was found. The
  newest archive is linked by none: the hash a run prints is the anchor that finds it removed (`verify --expect`).

`verify` never trusts what it checks: every finding names the file or archive and what is wrong.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import datetime as dt
import errno
import fcntl
import hashlib
import heapq
import json
import os
import re
import stat
import time
from collections import Counter
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Iterator

from . import exitcodes, lazy
from .archive_writer import FILE_LIMIT
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
    if any("\udc80" <= c <= "\udcff" for c in value):  # bytes that are not UTF-8 reach os.environ so
        raise ConfigError(f"{SIGNING_KEY_ENV}: holds bytes that are not UTF-8 text; set it to the ed25519 private "
                          "key as PEM, or its 32 bytes in base64")
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
        except (ValueError, TypeError, lazy.load("cryptography.exceptions").UnsupportedAlgorithm):
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
    return _signature_text(key_id(key.public_key()), base64.b64encode(key.sign(manifest_bytes)).decode())


def _signature_text(signer_id: str, signature: str) -> bytes:
    """manifest.sig's bytes, as opsverify writes them (and, to verify, reads them: see _signature_of)."""
    return (json.dumps({"algorithm": "ed25519", "signed": MANIFEST, "key_id": signer_id, "signature": signature},
                       indent=2) + "\n").encode()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: Path, limit: int | None = None) -> str:
    """Of the file itself: never of what a symlink points at (see open_regular). With a `limit`, Malformed for a
    larger file, known from its size before anything is hashed, and never hashing more (it may grow meanwhile)."""
    digest = hashlib.sha256()
    with open_regular(path) as handle:
        if limit is not None and os.fstat(handle.fileno()).st_size > limit:
            raise _not_hashed(limit)
        hashed = 0
        for block in iter(lambda: handle.read(1 << 16), b""):
            hashed += len(block)
            if limit is not None and hashed > limit:
                raise _not_hashed(limit)
            digest.update(block)
    return digest.hexdigest()


def _not_hashed(limit: int) -> Malformed:
    return Malformed(f"is larger than any file opsverify writes into an archive ({_size(limit)}): not hashed")


# -- reading what an archive (or chain.jsonl) holds ----------------------------------------------
# Everything read back from an archive may have been written by whoever edited it: it is read through
# these few functions, which hand back either the shape opsverify writes or Malformed, never a crash.
class Malformed(ValueError):
    """Content that is not as opsverify writes it; the message says how ("is a symlink", "its "seal" is a
    string, not an object"), to follow the file's name."""


def open_regular(path: Path, *, follow_symlinks: bool = False) -> IO[bytes]:
    """A regular file, opened without following a symlink (O_NOFOLLOW): a sealed archive holds none, and
    one could point anywhere. Malformed for a symlink, folder, FIFO or device; OSError if missing or unreadable.
    `follow_symlinks`: a file the user names (a key file mounted as a link), not one of an archive."""
    nofollow = 0 if follow_symlinks else os.O_NOFOLLOW
    try:
        fd = os.open(path, os.O_RDONLY | nofollow | os.O_NONBLOCK | os.O_CLOEXEC)  # NONBLOCK: a FIFO never hangs us
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise Malformed("is a symlink (a sealed archive holds none)") from None
        raise
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise Malformed("is a folder, not a file" if stat.S_ISDIR(mode) else "is not a regular file")
    except BaseException:
        os.close(fd)
        raise
    return open(fd, "rb")


# What opsverify writes is far below these: a bigger file is not one of its own, and is never read whole (a
# "manifest" of a terabyte would otherwise stop every verify, prune, report and run of the env)
MANIFEST_LIMIT = 64 << 20  # manifest.json, and what prune keeps in .pruned/
CHAIN_LIMIT = 256 << 20  # chain.jsonl: an entry is under 1 KiB, so some 250,000 pruned archives
SIGNATURE_LIMIT = 64 << 10  # manifest.sig: some 250 bytes


def read_regular(path: Path, limit: int | None = None, what: str = "file", *, follow_symlinks: bool = False) -> bytes:
    """Its bytes; with a `limit`, Malformed for a larger file (`what` it is, for the message), known from its size
    and never reading more than the limit (it may grow while it is read)."""
    with open_regular(path, follow_symlinks=follow_symlinks) as handle:
        if limit is None:
            return handle.read()
        too_large = Malformed(f"is larger than any {what} opsverify writes ({_size(limit)})")
        if os.fstat(handle.fileno()).st_size > limit:
            raise too_large
        data = handle.read(limit + 1)  # it may have grown since
        if len(data) > limit:
            raise too_large
        return data


def _size(limit: int) -> str:
    if limit >= 1 << 30:
        return f"{limit >> 30} GiB"
    return f"{limit >> 20} MiB" if limit >= 1 << 20 else f"{limit >> 10} KiB"


def read_manifest_bytes(path: Path) -> bytes:
    return read_regular(path, MANIFEST_LIMIT, "manifest")


def read_signature_bytes(path: Path) -> bytes:
    return read_regular(path, SIGNATURE_LIMIT, SIGNATURE)


def parse_json(data: bytes, *, unique_names: bool = False) -> Any:
    """`unique_names`: an object naming a field twice is Malformed (JSON readers differ on which value they take)."""
    try:
        return json.loads(data, object_pairs_hook=_unique_names if unique_names else None)
    except Malformed:
        raise
    except RecursionError:
        raise Malformed("is nested too deeply to be JSON opsverify wrote") from None
    except ValueError as exc:  # UnicodeDecodeError included
        reason = "is not UTF-8" if isinstance(exc, UnicodeDecodeError) else "is not JSON"
        raise Malformed(reason) from None


def _unique_names(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    document = dict(pairs)
    if len(document) == len(pairs):  # the common case, at C speed: a manifest's files are thousands of pairs
        return document
    named = Counter(name for name, _ in pairs)
    twice = next((name for name, count in named.items() if count > 1), None)
    if twice is not None:
        raise Malformed(f'holds "{twice}" twice')
    return dict(pairs)


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    return {str: "a string", int: "a number", float: "a number", list: "a list", dict: "an object"}.get(type(value), "?")


_EXPECTED = {str: "a string", int: "a whole number", dict: "an object", list: "a list", bool: "true/false"}


def field_of(document: dict[str, Any], name: str, kind: type, *, required: bool = False) -> Any:
    """`document[name]` when it is a `kind` (or absent/null, unless required); else Malformed naming the field."""
    value = document.get(name)
    if value is None and not required:
        return None
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise Malformed(f'its "{name}" is {_kind(value)}, not {_EXPECTED[kind]}')
    return value


def object_of(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise Malformed(f"is {_kind(value)}, not an object")
    return value


def _link_shape(document: dict[str, Any]) -> dict[str, Any]:
    field_of(document, "archive", str)
    previous = field_of(document, "previous", dict)
    if previous is not None:
        field_of(previous, "archive", str, required=True)
        field_of(previous, "manifest_sha256", str, required=True)
    return document


def manifest_shape(value: Any) -> dict[str, Any]:
    """A manifest with every field opsverify reads back of the type it writes."""
    document = _link_shape(object_of(value))
    for name in ("env", "deploy_id", "started", "ended"):
        field_of(document, name, str)
    field_of(document, "interrupted", bool)
    field_of(document, "waived", list)
    seal = field_of(document, "seal", dict)
    if seal is not None:
        field_of(seal, "public_key", str, required=True)
    files = field_of(document, "files", dict, required=True)
    if not all(isinstance(digest, str) for digest in files.values()):
        raise Malformed('its "files" holds a hash that is not a string')
    counts = field_of(document, "counts", dict) or {}
    for name in counts:
        field_of(counts, name, int)
    return document


def parse_manifest(data: bytes) -> dict[str, Any]:
    """A manifest's bytes, as every reader of manifests reads them: JSON that names no field twice (of `"previous"`
    twice, one reader would follow the first and another the last), of the shape opsverify writes."""
    return manifest_shape(parse_json(data, unique_names=True))


def read_manifest(folder: Path) -> tuple[bytes, dict[str, Any]]:
    """(its exact bytes, the manifest). OSError when there is none to read; Malformed when it is not a manifest."""
    data = read_manifest_bytes(folder / MANIFEST)
    return data, parse_manifest(data)


_SHA256 = re.compile(r"[0-9a-f]{64}")  # as sha256_bytes writes one


def chain_entry_shape(value: Any) -> dict[str, Any]:
    entry = object_of(value)
    field_of(entry, "archive", str, required=True)
    field_of(entry, "manifest_sha256", str, required=True)
    field_of(entry, "previous_archive", str)
    field_of(entry, "previous_sha256", str)
    field_of(entry, "forced", str)  # why it would have stayed without --force
    field_of(entry, "manifest", str)  # base64, inline: where an earlier opsverify kept it
    field_of(entry, "signature", str)
    return entry


def _why(exc: OSError | ValueError) -> str:
    return str(exc) if isinstance(exc, Malformed) else f"cannot be read ({exc.strerror or exc})"


# -- the chain of one env -----------------------------------------------------------------------
@contextlib.contextmanager
def env_lock(env_dir: Path) -> Iterator[None]:
    """One archive at a time joins the chain of an env (runs may finish together), and one run at a time makes
    its partial folder. The lock is on the folder itself, so `reports/<env>/` holds nothing but archives (and,
    after a prune, chain.jsonl and .pruned/; while runs write, their hidden .partial-* folders)."""
    fd = os.open(env_dir, os.O_RDONLY | os.O_DIRECTORY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)  # released when the descriptor closes, even if the run dies
        yield
    finally:
        os.close(fd)


# How long verify waits for the env lock. A run holds it only to sweep stale partials and make its own, and to link
# and rename its sealed archive — well under this; a prune holds it for all its work (it verifies each archive it
# removes), which may take minutes: verify then goes on without it, and says so, rather than wait on it unbounded.
ENV_LOCK_WAIT = 5.0
LOCK_POLL = 0.05  # s between tries while it waits


@contextlib.contextmanager
def env_read_lock(env_dir: Path) -> Iterator[str]:
    """The env lock, shared (verifies side by side; a run or a prune waits for them), for verify to wait until no run
    is sealing into the env nor prune moving archives out. Yields '' when held, or when no lock can be had there
    (a copy on a file system that takes none, a folder not opened: read as it is, as before); else a note that it was
    read without it."""
    try:
        fd = os.open(env_dir, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    except OSError:
        yield ""
        return
    try:
        held = _shared_lock(fd, ENV_LOCK_WAIT)
        yield "" if held is not False else (
            f"{env_dir.name}: verified without the env lock: a run or a prune of the env held it past "
            f"{ENV_LOCK_WAIT:g} s, so what it changed meanwhile may show as findings: verify again once it is done")
    finally:
        os.close(fd)  # lets go of the lock


def _shared_lock(fd: int, seconds: float) -> bool | None:
    """A shared lock on `fd` within `seconds`: True; False when still held by another; None where none can be had."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(LOCK_POLL)
        except OSError:  # ENOLCK, EOPNOTSUPP: a file system without locks
            return None


@dataclass(frozen=True)
class ChainHead:
    """The archive a new one links to (None: the env's first), and the heads it does not extend (`left`: each the
    tip of a chain beside the one extended, or an archive the signing key did not sign), with why. `unread`: what
    of chain.jsonl is no entry (each `<where>: <what>`), so no archive it may name was a head to choose."""
    link: dict[str, str] | None
    left: tuple[str, ...] = ()
    why: str = ""
    unread: tuple[str, ...] = ()

    @property
    def warning(self) -> str:
        said = []
        if self.left:
            said.append(f"the chain was not extended from {', '.join(self.left)}: {self.why}; this archive links to "
                        f"{(self.link or {}).get('archive')} (`opsverify verify` on the env says what is wrong)")
        if self.unread:  # the run's evidence is kept all the same; the env's chain needs a person
            more = f" (and {len(self.unread) - 1} more)" if len(self.unread) > 1 else ""
            said.append(f"{self.unread[0]}{more} — an archive it names was none this archive could link to; fix: "
                        f"`opsverify verify` on the env lists each such line: restore {CHAIN} from a backup, or remove "
                        "a line prune did not write")
        return "; ".join(said)


def chain_head(env_dir: Path, trusted: Ed25519PublicKey | None = None) -> dict[str, str] | None:
    """The archive a new one links to (see choose_head)."""
    return choose_head(env_dir, trusted).link


def choose_head(env_dir: Path, trusted: Ed25519PublicKey | None = None) -> ChainHead:
    """The archive a new one links to: the one no other archive (or pruned entry) links to. A run signing with
    `trusted`'s key never extends an archive the key did not sign once the key signed any: an unsigned archive
    after the last one it signed (a seal stripped, or a forged chain start) would otherwise be vouched for by
    the new signature. It links to the end of the chain the key signed (see _signed_end), and names the heads it
    left. Without such an archive, several heads (two chain starts, a fork): the chain with the most archives is
    extended (a chain start copied or forged beside it is shorter), the newest of equals."""
    unread: list[Finding] = []  # what of chain.jsonl is no entry: said in the new archive, never the run's crash
    nodes = [n for n in chain_nodes(env_dir, unread) if n.readable]
    return replace(_choose_head(env_dir, nodes, trusted), unread=tuple(f"{f.where}: {f.what}" for f in unread))


def _choose_head(env_dir: Path, nodes: list[Node], trusted: Ed25519PublicKey | None) -> ChainHead:
    if not nodes:
        return ChainHead(None)
    linked = {n.previous_sha256 for n in nodes if n.previous_sha256}
    heads = [n for n in nodes if n.manifest_sha256 not in linked] or nodes
    if len(heads) > 1:  # one head (every run of an honest env) needs no order: no second pass over the manifests
        rank = {folder.name: place for place, folder in enumerate(archives_oldest_first(env_dir))}
        heads.sort(key=lambda n: (n.folder is not None, rank.get(n.folder or "", -1), _natural(n.archive)))
    if trusted is not None:
        seals = _Seals(env_dir, trusted)  # each manifest read once, whichever way the archive is found
        signed = _signed_end(env_dir, nodes, heads, seals) or _newest_verified(env_dir, nodes, seals)
        if signed is not None:
            if len(heads) == 1 and heads[0] is signed:
                return ChainHead(_as_link(signed))
            return ChainHead(_as_link(signed), tuple(_label(n) for n in heads if n is not signed),
                             "the signing key did not sign it, or the chain forks there; the end of the chain the "
                             f"key signed is {_label(signed)}")
    if len(heads) == 1:
        return ChainHead(_as_link(heads[0]))
    by_hash = {n.manifest_sha256: n for n in nodes}
    longest = max(reversed(heads), key=lambda n: _chain_length(n, by_hash))  # reversed: the newest of equals
    return ChainHead(_as_link(longest), tuple(_label(n) for n in heads if n is not longest),
                     "more than one chain (two chain starts, or a fork); the longest is extended")


def _as_link(node: Node) -> dict[str, str]:
    return {"archive": node.archive, "manifest_sha256": node.manifest_sha256}


def _label(node: Node) -> str:
    return node.folder or f"{node.archive} (pruned)"


def _chain_length(node: Node | None, by_hash: dict[str, Node]) -> int:
    seen: set[str] = set()
    while node is not None and node.manifest_sha256 not in seen:
        seen.add(node.manifest_sha256)
        node = by_hash.get(node.previous_sha256 or "")
    return len(seen)


def _signed_end(env_dir: Path, nodes: list[Node], heads: list[Node], seals: _Seals) -> Node | None:
    """The end of the chain the key signed: from each head back along its links, the first archive that verifies
    under the key (an unsigned or edited archive at the end is passed, never vouched for). The chain's order, not
    the starts: a run that overlapped a longer one, or ran on a clock stepped back, started after the archive that
    links to it. Of several (a fork, or a forged head beside the chain's end), one on the way back from another is
    older; the newest (by signed start) of the rest. None: no head's chain holds one."""
    by_hash = {n.manifest_sha256: n for n in nodes}
    end_of: dict[int, Node | None] = {}  # each archive walked (and verified) once: the first that verifies back from it
    ends: dict[int, Node] = {}  # by identity, in the heads' order
    for head in heads:
        walked, end = [], None
        for node in _back_from(head, by_hash):
            if id(node) in end_of:  # walked from another head: the same way back from here
                end = end_of[id(node)]
                break
            walked.append(node)
            if _verifies(env_dir, node, seals):
                end = node
                break
        end_of.update((id(node), end) for node in walked)
        if end is not None:
            ends.setdefault(id(end), end)
    if len(ends) > 1:  # the archives before any end, each walked once (a loop chain.jsonl made: its ends too)
        before: set[int] = set()
        for end in ends.values():
            node = by_hash.get(end.previous_sha256 or "")
            while node is not None and id(node) not in before:
                before.add(id(node))
                node = by_hash.get(node.previous_sha256 or "")
        ends = {key: n for key, n in ends.items() if key not in before} or ends  # none left: a loop chain.jsonl made
    return _newest_first(list(ends.values()), seals)[0] if ends else None


def _back_from(node: Node | None, by_hash: dict[str, Node]) -> Iterator[Node]:
    """`node`, then the archive it links to, and so on back to the chain's start (once each: a loop ends it)."""
    seen: set[int] = set()
    while node is not None and id(node) not in seen:
        seen.add(id(node))
        yield node
        node = by_hash.get(node.previous_sha256 or "")


def _verifies(env_dir: Path, node: Node, seals: _Seals) -> bool:
    """Signed by `seals`' key, and every file and link of it as sealed."""
    if not seals.signed_by_key(node):
        return False
    check = Verdict()
    if node.folder is not None:
        verify_archive(env_dir / node.folder, seals.trusted, check, leftover_of(env_dir / node.folder))
    else:
        verify_pruned(env_dir, seals.trusted, check, only={node.manifest_sha256})
    return not check.findings


def _newest_first(signed: list[Node], seals: _Seals) -> list[Node]:
    """Signed archives, the newest start first (what each one's signed manifest says)."""
    # a start is in whole seconds: of two runs started in one second, the one another links to came first (by name,
    # `_first` sorts after `_failing`, and a run linked to it: a fork of an honest chain)
    linked_to = {seals.previous(n) for n in signed}
    return sorted(signed, key=lambda n: (seals.started(n)[:2], n.manifest_sha256 not in linked_to, seals.started(n)),
                  reverse=True)


def _newest_verified(env_dir: Path, nodes: list[Node], seals: _Seals) -> Node | None:
    """The newest archive (by the start its signed manifest says) that verifies under the key, or None: one no
    head's chain reaches (a loop chain.jsonl made) still keeps a signing run from extending an unsigned head."""
    return next((n for n in _newest_first([n for n in nodes if seals.signed_by_key(n)], seals)
                 if _verifies(env_dir, n, seals)), None)


def _linked(data: bytes) -> dict[str, Any]:
    """A manifest read as parse_manifest reads it (no field named twice: the link followed is the one verify
    checks), judged on its link alone: an archive whose other fields are not as written keeps its place in the
    chain (verify_archive says what is wrong with it). Malformed when it is not JSON naming each field once, or its
    link is not of the shape opsverify writes."""
    return _link_shape(object_of(parse_json(data, unique_names=True)))


_LINKS: dict[str, dict[str, Any] | str] = {}  # the fields of a manifest the chain reads, or why not, by its sha256
_LINK_FIELDS = ("archive", "previous", "started", "seal")


def _link_fields(data: bytes, digest: str) -> dict[str, Any]:
    """`_linked(data)`'s fields that place an archive in its chain, read once per process for each manifest (by
    `digest`, its sha256: the same bytes): a run's end placed every archive of its env twice, reading each whole
    manifest each time, and the history grows with every run."""
    known = _LINKS.get(digest)
    if known is None:
        try:
            manifest = _linked(data)
            known = {name: manifest[name] for name in _LINK_FIELDS if name in manifest}
        except Malformed as exc:
            known = str(exc)
        if len(_LINKS) >= 20_000:  # a bound, not a policy: a long-lived process reading many envs
            _LINKS.clear()
        _LINKS[digest] = known
    if isinstance(known, str):
        raise Malformed(known)
    return known


@dataclass(frozen=True)
class Node:
    archive: str  # the name it was sealed under
    manifest_sha256: str
    previous_sha256: str | None
    previous_archive: str | None
    folder: str | None  # where it is now (None: pruned, known from chain.jsonl)
    readable: bool = True  # False: its manifest is not as opsverify writes it, so its own link is unknown
    sealed_by: str | None = None  # the key id its manifest's seal names, "" unsigned; None: not read (pruned)


def subfolders(path: Path) -> list[Path]:
    """Visible folders (not `.partial-*`, `.pruned`), a symlink to one too, sorted by name: under `reports/`, the
    env folders."""
    return sorted(p for p in path.iterdir() if p.is_dir() and not p.name.startswith("."))


def archive_named(name: str) -> bool:
    """Named as a run names its archive (`<UTC start>_<deploy id>`, archive.py): only such an entry of an env folder
    is one of its archives. A `latest` link, a README, a folder of notes are not; an archive renamed out of such a
    name has left the chain as a deleted one has (the next archive's link finds it gone, --expect the newest)."""
    return _NAMED_TIME.match(name) is not None


def archive_dirs(env_dir: Path) -> list[Path]:
    """The archives of an env: its folders under an archive's name, sorted by name — a listing, not an age:
    which archive is older is `archives_oldest_first`'s to say. A symlink to a folder under such a name is listed
    too: `verify` reports it, `prune` leaves it alone."""
    return [p for p in subfolders(env_dir) if archive_named(p.name)]


def not_archives(env_dir: Path) -> list[Path]:
    """What else is in an env folder, visible and not under an archive's name (nor chain.jsonl), sorted by name: a
    `latest` link, a README, a folder of notes. Not verified, not in the chain; prune leaves it."""
    try:
        entries = list(env_dir.iterdir())
    except OSError:
        return []
    return sorted(p for p in entries if not p.name.startswith(".") and not archive_named(p.name) and p.name != CHAIN)


# a run's working folders (archive.py): its partial holds a manifest only as it seals
RUN_WORK = (".partial-", ".making-")


def other_folders(env_dir: Path) -> list[Path]:
    """The folders (not links) of an env that are none of its archives, sorted by name: a folder of notes, a hidden
    one (a dot-name is no way out of the chain), a run's working folder, `.pruned/`. A prune's leftover
    (`.pruning-<name>-<pid>`) is none: verified where it is (verify_leftover)."""
    try:
        entries = list(env_dir.iterdir())
    except OSError:
        return []
    return sorted(p for p in entries if not archive_named(p.name) and leftover_of(p) is None and not p.is_symlink()
                  and p.is_dir())


# An archive moved down into another folder of its env is looked for so far below it, among so many folders at most:
# what a hostile tree costs verify (and a run's sweep) is bounded
SEARCH_DEPTH = 3
SEARCH_FOLDERS = 1000


def sealed_within(folder: Path) -> tuple[list[tuple[str, list[str]]], bool, list[tuple[str, str]], list[str]]:
    """The folders at or below `folder` (SEARCH_DEPTH levels down, never through a link, nor into a folder holding
    them) holding an archive's seal files: (its path from `folder`, '' for itself; those files), breadth first;
    whether every folder within the bound was looked in (False: more than SEARCH_FOLDERS of them); those that could
    not be listed (its path; why): an archive may be in one, unseen; and the folders SEARCH_DEPTH down that hold
    folders of their own, never looked in."""
    found: list[tuple[str, list[str]]] = []
    unlisted: list[tuple[str, str]] = []
    deeper: list[str] = []
    level, looked = [folder], 0
    for depth in range(SEARCH_DEPTH + 1):
        below: list[Path] = []
        for current in level:
            looked += 1
            if looked > SEARCH_FOLDERS:
                return found, False, unlisted, deeper
            where = "" if current == folder else current.relative_to(folder).as_posix()
            try:
                names, folders = _listing(current)
            except OSError as exc:  # one may enter a folder one cannot list: its seal files are still found by name
                names, folders = set(), []
                if not sealed_files(current):
                    unlisted.append((where, exc.strerror or str(exc)))
            files = sealed_files(current, names)
            if files:
                found.append((where, files))
            elif depth < SEARCH_DEPTH:
                below += folders
            elif folders:
                deeper.append(where)
        level = below
    return found, True, unlisted, deeper


def _listing(folder: Path) -> tuple[set[str], list[Path]]:
    """The names in `folder` and its folders (not links), sorted. Gone (or no folder now: a run renamed its working
    folder, a prune removed one) is nothing in it; OSError when it is there but cannot be listed."""
    try:
        with os.scandir(folder) as entries:
            listed = list(entries)
    except (FileNotFoundError, NotADirectoryError):
        return set(), []
    return {e.name for e in listed}, sorted(Path(e.path) for e in listed if e.is_dir(follow_symlinks=False))


def _folders_in(folder: Path) -> list[Path]:
    """Its folders (not links), sorted; none where it cannot be listed (its search says so: sealed_within)."""
    try:
        return _listing(folder)[1]
    except OSError:
        return []


def sealed_files(folder: Path, names: set[str] = frozenset()) -> list[str]:
    """Which of an archive's seal files (manifest.json, manifest.sig) `folder` holds: among `names` (its listing:
    a folder one may list but not enter shows them only so), or found by name."""
    return [name for name in (MANIFEST, SIGNATURE) if name in names or os.path.lexists(folder / name)]


def held_by_a_run(folder: Path) -> bool:
    """A live run holds its working folder locked (archive.hold_partial); a shared lock, tried and let go at once,
    tells without waiting."""
    try:
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError as exc:
        return isinstance(exc, BlockingIOError)
    finally:
        os.close(fd)
    return False


def _strays(env_dir: Path) -> list[Path]:
    """What stands in an env under an archive's name (`<UTC start>_<deploy id>`) and is no folder: a symlink that
    leads to none, a file, a FIFO. `archive_dirs` lists none of them; a run names its archive around each. A report
    rendered beside an archive (`<archive>.html`) is none."""
    try:
        entries = list(env_dir.iterdir())
    except OSError:
        return []
    return sorted(p for p in entries if _NAMED_TIME.match(p.name) and not p.name.endswith(".html") and not p.is_dir())


# What `opsverify report` writes first in a page's <head> (report.marked): that opsverify rendered it, and the sha256 of
# the manifest it rendered, by which verify tells the page beside an archive (`<archive>.html`) from another's
PAGE_MARK = '<meta name="generator" content="opsverify report">'
PAGE_MANIFEST = '<meta name="opsverify-manifest-sha256" content="{}">'
_PAGE_MANIFEST = re.compile(r'<meta name="opsverify-manifest-sha256" content="([0-9a-f]{64})">')
PAGE_HEAD = 8192  # bytes of a page read to find them


PRUNING = ".pruning-"  # prune moves an archive aside as `.pruning-<name>-<pid>`, remembers it, then deletes it


def leftover_of(folder: Path) -> str | None:
    """The archive's name, when `folder` is named as an interrupted prune leaves one (`.pruning-<name>-<pid>`)."""
    if not folder.name.startswith(PRUNING):
        return None
    name, dash, pid = folder.name.removeprefix(PRUNING).rpartition("-")
    return name if dash and name and pid.isascii() and pid.isdigit() else None


def prune_leftovers(env_dir: Path) -> list[Path]:
    """What prunes killed mid-way left in an env (named `.pruning-<name>-<pid>`; whatever each really is: a
    folder, or a symlink or file that only has the name), sorted by name. The next prune finishes or undoes
    each; until then `verify` checks the archive where it is."""
    try:
        return sorted(p for p in env_dir.iterdir() if leftover_of(p) is not None)
    except OSError:
        return []


def leftover_manifest(folder: Path) -> bytes | None:
    """The manifest a leftover of a prune holds, if it is a real folder (never a symlink) with a readable one."""
    if folder.is_symlink() or not folder.is_dir():
        return None
    try:
        return read_manifest_bytes(folder / MANIFEST)
    except (OSError, Malformed):
        return None


_NAMED_TIME = re.compile(r"^(\d{8}T\d{6}Z)_")


def _moment(text: Any) -> float | None:
    """Seconds since the epoch of a manifest's ISO 8601 time (UTC when it names no zone), else None."""
    if not isinstance(text, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=dt.timezone.utc)
        return moment.timestamp()
    except (ValueError, OverflowError, OSError):
        return None


def _named_moment(name: str) -> float | None:
    """The UTC start an archive's folder name begins with (`20261125T104622Z_<deploy>`), else None."""
    match = _NAMED_TIME.match(name)
    if match is None:
        return None
    try:
        return dt.datetime.strptime(match.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=dt.timezone.utc).timestamp()
    except (ValueError, OverflowError):
        return None


def _natural(name: str) -> tuple:
    """A name in natural order: `..._local-2` before `..._local-10`."""
    # ASCII digits only: `²` is a digit to str.isdigit, not to int()
    return tuple((0, int(part), "") if part.isascii() and part.isdigit() else (1, 0, part)
                 for part in re.split(r"([0-9]+)", name) if part)


@dataclass
class _Placed:
    """One archive as archives_oldest_first sees it."""
    key: tuple  # where the chain cannot say: (has a time, the time, the name in natural order)
    names: tuple[str, ...]  # its folder's name and the name it was sealed under
    digest: str | None  # its manifest's hash (None: no manifest to hash)
    previous: str | None  # the hash its manifest links to
    previous_archive: str | None  # and the name
    folder: Path | None  # None: pruned, known from chain.jsonl


def _key(started: Any, name: str) -> tuple:
    when = _moment(started)
    if when is None:
        when = _named_moment(name)
    return (when is not None, when or 0.0, _natural(name))


def _placed(folder: Path) -> _Placed:
    """What its manifest says of its place, as far as it can be read: never raises."""
    digest = previous = previous_archive = started = sealed_as = None
    if not folder.is_symlink():  # never followed: its place is its name's
        try:
            data: bytes | None = read_manifest_bytes(folder / MANIFEST)
        except (OSError, Malformed):
            data = None
        if data is not None:
            digest = sha256_bytes(data)
            with contextlib.suppress(Malformed):
                manifest = _link_fields(data, digest)
                link = manifest.get("previous") or {}
                sealed_as, started = manifest.get("archive"), manifest.get("started")
                previous, previous_archive = link.get("manifest_sha256"), link.get("archive")
    names = (folder.name, sealed_as) if isinstance(sealed_as, str) else (folder.name,)
    return _Placed(_key(started, leftover_of(folder) or folder.name), names, digest, previous, previous_archive, folder)


def archives_oldest_first(env_dir: Path, *, moved_aside: bool = False) -> list[Path]:
    """The archives of an env (every folder `archive_dirs` lists), oldest first, as the hash chain says: an archive
    comes after the one its manifest's `previous` links to (there, or pruned into chain.jsonl) — by its hash, or,
    when no manifest has that hash any more (changed since), by its name. Where the chain cannot say (two chains,
    a fork, a manifest that cannot be read, a symlinked folder), the manifest's start time decides, then the time
    in the folder's name, then the name in natural order (`-2` before `-10`); an archive with no time at all
    counts as the oldest. The one order for "the newest" and the history (`report`) and for what `prune` keeps.
    `moved_aside`: with the archives an interrupted prune moved aside that are still of the chain (chain_nodes), as
    verify counts them — for `report`, whose newest or history may be one; never for what prune removes.
    Never raises for what an archive or chain.jsonl holds."""
    entries = read_pruned(env_dir)
    nodes = [_Placed(_key(e.get("started"), e["archive"]), (e["archive"],), e["manifest_sha256"],
                     e.get("previous_sha256"), e.get("previous_archive"), None) for e in entries]
    nodes += [_placed(folder) for folder in archive_dirs(env_dir)]
    if moved_aside:
        remembered = {e["manifest_sha256"] for e in entries}  # one chain.jsonl names is pruned: not here
        nodes += [_placed(folder) for folder in prune_leftovers(env_dir)
                  if (data := leftover_manifest(folder)) is not None and sha256_bytes(data) not in remembered]
    by_hash: dict[str, list[int]] = {}
    by_name: dict[str, list[int]] = {}
    for index, node in enumerate(nodes):
        if node.digest is not None:
            by_hash.setdefault(node.digest, []).append(index)
        for name in set(node.names):
            by_name.setdefault(name, []).append(index)
    # Kahn's order over the links: among the archives whose previous one is placed, the earliest key first
    followers: list[list[int]] = [[] for _ in nodes]
    waiting = [0] * len(nodes)  # previous ones not yet placed
    for index, node in enumerate(nodes):
        before = by_hash.get(node.previous or "") or by_name.get(node.previous_archive or "") or []
        for other in set(before) - {index}:
            followers[other].append(index)
            waiting[index] += 1
    ready = [(node.key, index) for index, node in enumerate(nodes) if not waiting[index]]
    heapq.heapify(ready)
    by_key = sorted(range(len(nodes)), key=lambda i: (nodes[i].key, i))  # for a knot the links cannot untie
    placed = [False] * len(nodes)
    order: list[int] = []
    cursor = 0
    while len(order) < len(nodes):
        if not ready:  # a loop of links (forged): its earliest archive goes first
            while placed[by_key[cursor]]:
                cursor += 1
            heapq.heappush(ready, (nodes[by_key[cursor]].key, by_key[cursor]))
        _, index = heapq.heappop(ready)
        if placed[index]:
            continue
        placed[index] = True
        order.append(index)
        for follower in followers[index]:
            waiting[follower] -= 1
            if waiting[follower] == 0 and not placed[follower]:
                heapq.heappush(ready, (nodes[follower].key, follower))
    return [folder for index in order if (folder := nodes[index].folder) is not None]


def read_pruned(env_dir: Path, findings: list[Finding] | None = None) -> list[dict[str, Any]]:
    """The entries of chain.jsonl; a line that is not one (nor the file a file) is a broken-chain finding, one whose
    manifest hash is not a SHA-256 a tampered one (prune writes nothing else there). Each entry's hash is a SHA-256."""
    path = env_dir / CHAIN
    if not os.path.lexists(path):
        return []
    where = f"{env_dir.name}/{CHAIN}"
    try:
        data = read_regular(path, CHAIN_LIMIT, CHAIN)
    except (OSError, Malformed) as exc:
        _found(findings, Finding("broken-chain", where, _why(exc)))
        return []
    entries, lines = [], {}  # manifest hash -> the line that first named it
    for number, line in enumerate(data.split(b"\n"), 1):
        if not line.strip():
            continue
        try:
            entry = chain_entry_shape(parse_json(line, unique_names=True))  # one reading, as manifests
        except Malformed as exc:
            _found(findings, Finding("broken-chain", f"{where} line {number}", f"not a chain entry: {exc}"))
            continue
        digest = entry["manifest_sha256"]
        if not _SHA256.fullmatch(digest):  # it names the entry's files in .pruned/: a NUL, a `../`, is no path to follow
            shown = json.dumps(digest[:80]) + ("…" if len(digest) > 80 else "")  # escaped: a NUL, half a UTF-16 pair
            _found(findings, Finding("tampered", f"{where} line {number}", f'its "manifest_sha256" is {shown}, not a '
                                     "SHA-256 (64 lowercase hex digits, as prune writes it): the entry was edited, or "
                                     "written by hand; not read"))
            continue
        first = lines.setdefault(entry["manifest_sha256"], number)
        if first != number:  # one archive is pruned once: a second line for it was not written by prune
            _found(findings, Finding("broken-chain", f"{where} line {number}",
                                     f"repeats the entry of line {first} ({entry['archive']})"))
            continue
        entries.append(entry)
    return entries


def _found(findings: list[Finding] | None, finding: Finding) -> None:
    if findings is not None:
        findings.append(finding)


def chain_nodes(env_dir: Path, findings: list[Finding] | None = None) -> list[Node]:
    """Every archive of the env, pruned or there; what chain.jsonl holds that is not an entry goes to `findings`.
    An archive a prune killed mid-way moved aside (`.pruning-<name>-<pid>`) before chain.jsonl named it is still
    one of the chain, where it is (its folder is the leftover's name): it links, and is linked, by its manifest's
    hash as it did — a folder made by hand under that name holds no manifest with the hash the next one names."""
    nodes = [Node(e["archive"], e["manifest_sha256"], e.get("previous_sha256"), e.get("previous_archive"), None)
             for e in read_pruned(env_dir, findings)]
    remembered = {node.manifest_sha256 for node in nodes}  # a leftover chain.jsonl names is pruned: not here

    def add(folder: Path, data: bytes, name: str) -> None:
        digest = sha256_bytes(data)
        try:
            manifest = _link_fields(data, digest)
        except Malformed:  # its hash is known, its link is not (verify_archive says why)
            nodes.append(Node(name, digest, None, None, folder.name, readable=False))
            return
        previous = manifest.get("previous") or {}
        nodes.append(Node(manifest.get("archive") or name, digest, previous.get("manifest_sha256"),
                          previous.get("archive"), folder.name, sealed_by=_sealed_by(manifest)))

    for folder in archive_dirs(env_dir):
        if folder.is_symlink():
            continue  # not an archive of this env (verify_archive says so)
        try:
            data = read_manifest_bytes(folder / MANIFEST)
        except (OSError, Malformed):
            continue  # no manifest to link to (verify_archive says why)
        add(folder, data, folder.name)
    for folder in prune_leftovers(env_dir):
        data = leftover_manifest(folder)
        if data is not None and sha256_bytes(data) not in remembered:
            add(folder, data, leftover_of(folder) or folder.name)
    return nodes


def _sealed_by(manifest: dict[str, Any]) -> str | None:
    """The id of the key a manifest's seal names (what its signature is checked with), "" when it has no seal; None
    when its seal is not as opsverify writes it (verify_archive says why)."""
    seal = manifest.get("seal")
    if seal is None:
        return ""
    text = seal.get("public_key") if isinstance(seal, dict) else None
    if not isinstance(text, str):
        return None
    raw = _b64(text)  # as seal_record writes it: no need to load cryptography for its id
    if raw is not None and len(raw) == 32:
        return "ed25519:" + sha256_bytes(raw)[:16]
    key = parse_public_key(text)
    return key_id(key) if key is not None else None


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
    envs: set[str] = field(default_factory=set)  # the envs the verified archives record

    @property
    def exit_code(self) -> int:
        return min((KINDS[f.kind] for f in self.findings), default=exitcodes.OK)


def archive_contents(folder: Path) -> tuple[dict[str, str], list[Finding]]:
    """Every entry of an archive by its relative name: "file", "folder", "symlink" or "special"; no symlink is
    followed. A folder that cannot be listed is a finding."""
    kinds: dict[str, str] = {}
    findings: list[Finding] = []
    pending = [""]
    while pending:  # a loop, not recursion: a folder nested thousands deep is no crash
        relative = pending.pop()
        try:
            with os.scandir(folder / relative) as listing:
                entries = list(listing)
        except OSError as exc:
            findings.append(Finding("tampered", f"{folder.name}/{relative}".rstrip("/"), _why(exc)))
            continue
        for entry in entries:
            name = f"{relative}/{entry.name}" if relative else entry.name
            if entry.is_symlink():
                kinds[name] = "symlink"
            elif entry.is_dir(follow_symlinks=False):
                kinds[name] = "folder"
                pending.append(name)
            else:
                kinds[name] = "file" if entry.is_file(follow_symlinks=False) else "special"
    return kinds, findings


def _parents(name: str) -> set[str]:
    parts = name.split("/")[:-1]
    return {"/".join(parts[:i]) for i in range(1, len(parts) + 1)}


def verify_files(folder: Path, manifest: dict[str, Any]) -> list[Finding]:
    """Every file listed is there with its hash; nothing else is (but the manifest and its signature): no
    symlink (never followed), FIFO or device, and no folder but those of its files."""
    listed = manifest["files"]
    kinds, findings = archive_contents(folder)
    odd = {name for name, kind in kinds.items() if kind in ("symlink", "special")}  # said once, as what they are
    for name in sorted(odd):
        what = ("a symlink (a sealed archive holds none; not followed)" if kinds[name] == "symlink"
                else "not a regular file (a FIFO, socket or device)")
        findings.append(Finding("tampered", f"{folder.name}/{name}", what))
    present = {name for name, kind in kinds.items() if kind == "file"} - {MANIFEST, SIGNATURE}
    needed = {parent for name in listed for parent in _parents(name)}  # the folders of the files it lists
    extra = {name for name, kind in kinds.items() if kind == "folder" and name not in needed}
    added = sorted(name for name in extra if not _parents(name) & extra)  # the outermost: a nest is one finding,
    inside = tuple(f"{name}/" for name in added)  # whatever it holds (a run's archive written into it: 440 files)
    findings = [f for f in findings if not f.where.startswith(tuple(f"{folder.name}/{i}" for i in inside))]
    findings += [Finding("tampered", f"{folder.name}/{name}", "a folder added after sealing (an archive holds no "
                                                              "folder but those of its files)") for name in added]
    findings += [Finding("tampered", f"{folder.name}/{name}", "added after sealing (not in the manifest)")
                 for name in sorted(present - set(listed)) if not name.startswith(inside)]
    findings += [Finding("tampered", f"{folder.name}/{name}", "removed (listed in the manifest)")
                 for name in sorted(set(listed) - present - odd)]
    for name in sorted(present & set(listed)):
        try:
            digest = sha256_file(folder / name, FILE_LIMIT)  # a larger one would hold the env's lock for minutes
        except (OSError, Malformed) as exc:  # changed under us since it was listed, or larger than opsverify writes
            findings.append(Finding("tampered", f"{folder.name}/{name}", _why(exc)))
            continue
        if digest != listed[name]:
            findings.append(Finding("tampered", f"{folder.name}/{name}", "changed (its SHA-256 differs from the manifest's)"))
    return findings


SIGNATURE_FIELDS = ("algorithm", "signed", "key_id", "signature")  # what signature_file writes, and all it writes


def _signature_of(document: bytes, key: Ed25519PublicKey, whose: str) -> bytes:
    """The signature a manifest.sig holds, read as signature_file writes it: those fields and no other, each as it
    writes it — ed25519, of manifest.json, by `key` (`whose`: which key that is, for the message) — and the
    signature in canonical base64 — and in the very bytes signature_file writes for them, so that one signature has
    one text. Malformed naming the field that is not so, or saying the layout is not."""
    fields = object_of(parse_json(document, unique_names=True))
    for name in fields:
        if name not in SIGNATURE_FIELDS:
            raise Malformed(f"holds {json.dumps(name)}, a field opsverify does not write")
    for name in SIGNATURE_FIELDS:
        if name not in fields:
            raise Malformed(f'holds no "{name}"')
        field_of(fields, name, str, required=True)
    for name, expected, why in (("algorithm", "ed25519", "the only algorithm opsverify signs with"),
                                ("signed", MANIFEST, "the file it signs"), ("key_id", key_id(key), whose)):
        if fields[name] != expected:
            raise Malformed(f'its "{name}" is {json.dumps(fields[name])}, expected "{expected}" ({why})')
    text = fields["signature"]
    raw = _b64(text)
    if raw is None or base64.b64encode(raw).decode() != text:  # another text for the same bytes is not ours either
        raise Malformed('its "signature" is not base64 as opsverify writes it (canonical: no whitespace, padding '
                        'bits zero)')
    if len(raw) != 64:
        raise Malformed(f'its "signature" is {len(raw)} bytes, expected 64 (an ed25519 signature)')
    written = _signature_text(fields["key_id"], text)  # the same values in other bytes are not what opsverify wrote
    if document != written:
        raise Malformed(f"not laid out as opsverify writes it: its values are, but its {len(document)} bytes are not "
                        f"the {len(written)} opsverify writes for them (an escape, whitespace or the fields' order)")
    return raw


def verify_signature(folder: Path, manifest_bytes: bytes, manifest: dict[str, Any],
                     trusted: Ed25519PublicKey | None, covered_by: str | None = None) -> tuple[list[Finding], str]:
    """(findings, a note on how it was sealed); `covered_by`: as for check_seal."""
    present = os.path.lexists(folder / SIGNATURE)
    signature = None
    if present and manifest.get("seal") is not None:
        try:
            signature = read_signature_bytes(folder / SIGNATURE)
        except (OSError, Malformed) as exc:  # a symlink, a folder ...
            return [Finding("bad-signature", folder.name, f"manifest.sig {_why(exc)}")], ""
    return check_seal(folder.name, manifest_bytes, manifest, trusted, signature, present, covered_by=covered_by)


UNSIGNED = "not signed: whoever can write here could have changed it unseen (runs sign with OPSVERIFY_SIGNING_KEY)"
BEFORE_SIGNING = "unsigned, before signing began"


def check_seal(where: str, manifest_bytes: bytes, manifest: dict[str, Any], trusted: Ed25519PublicKey | None,
               signature: bytes | None, present: bool, label: str = SIGNATURE,
               covered_by: str | None = None) -> tuple[list[Finding], str]:
    """The seal of a manifest (an archive's, or a pruned one's kept in .pruned/), given its manifest.sig's bytes
    (`present`: there is one, readable or not; `label`: the file, for messages): (findings, a note on how it was
    sealed). `covered_by`: the first archive the given key signed, when this unsigned one came before it in the
    chain (before_signing)."""
    seal = manifest.get("seal")
    if seal is None:
        if present:
            return [Finding("bad-signature", where, f"{label} present but the manifest names no signing key")], ""
        if trusted is not None and covered_by:
            return [], (f"{BEFORE_SIGNING}; covered by {covered_by}'s link (the signature of the first archive the "
                        "given key signed fixes the manifest hash of each archive before it)")
        if trusted is not None:
            return [Finding("bad-signature", where, "not signed, but a public key was given: the seal was removed, or "
                                                    "no signing key was configured (an unsigned archive is accepted "
                                                    "only from before signing began: one an archive the key signed "
                                                    "links back to through unsigned ones alone)")], ""
        return [], UNSIGNED
    embedded = parse_public_key(seal["public_key"])
    if embedded is None:
        return [Finding("bad-signature", where, "the manifest's public key is unreadable")], ""
    key = trusted or embedded
    if trusted is not None and public_raw(trusted) != public_raw(embedded):
        return [Finding("bad-signature", where, f"signed by {key_id(embedded)}, not by the given public key "
                                                f"{key_id(trusted)}")], ""
    named = _seal_differs(seal, embedded)
    if named:
        return [Finding("bad-signature", where, named)], ""
    if signature is None:
        return [Finding("bad-signature", where, f"{label} is missing")], ""
    whose = "the given public key's id" if trusted is not None else "the id of the key the manifest names"
    try:
        key.verify(_signature_of(signature, key, whose), manifest_bytes)
    except Malformed as exc:  # not JSON, a field not as signature_file writes it ...
        return [Finding("bad-signature", where, f"{label}: {exc}")], ""
    except lazy.load("cryptography.exceptions").InvalidSignature:
        return [Finding("bad-signature", where, "the signature does not match manifest.json "
                                                "(the manifest was changed after sealing)")], ""
    how = "the given public key" if trusted is not None else "the key named in the manifest (pass --public-key to pin it)"
    return [], f"signature valid: {key_id(key)}, checked with {how}"


def _seal_differs(seal: dict[str, Any], embedded: Ed25519PublicKey) -> str:
    """What the manifest's seal says of its key that its public key is not ('' when it agrees)."""
    if seal.get("algorithm") not in (None, "ed25519"):
        return (f'the manifest\'s seal says "algorithm" is {json.dumps(seal["algorithm"])}, expected "ed25519" (the '
                "only algorithm opsverify signs with)")
    if seal.get("key_id") not in (None, key_id(embedded)):
        return (f'the manifest\'s seal says "key_id" is {json.dumps(seal["key_id"])}, expected "{key_id(embedded)}" '
                "(the id of the public key it holds)")
    return ""


def verify_archive(folder: Path, trusted: Ed25519PublicKey | None, verdict: Verdict,
                   name: str | None = None, covered: dict[str, str] | None = None) -> dict[str, Any] | None:
    """Its files and seal, and that it is the archive sealed under its folder's name (`name`: the name it must
    have been sealed under, when its folder is not named so: an interrupted prune's leftover). `covered`: the
    env's archives from before signing began (before_signing)."""
    if folder.is_symlink():  # whatever it points at, it is not the archive that was sealed here
        verdict.findings.append(Finding("tampered", folder.name, "a symlink, not an archive folder (an archive is "
                                                                 "never a link to one)"))
        return None
    try:
        manifest_bytes, manifest = read_manifest(folder)
    except Malformed as exc:
        verdict.findings.append(Finding("tampered", f"{folder.name}/{MANIFEST}", f"not a manifest as opsverify "
                                                                                  f"writes it: {exc}"))
        return None
    except OSError as exc:  # under an archive's name (archive_dirs): destroyed evidence, not "no archive"
        claimant = _claimed_by(folder) if isinstance(exc, FileNotFoundError) else None
        if claimant is not None:
            verdict.notes.append(f"{folder.name}: an empty folder under an archive's name, claimed by the run whose "
                                 f"sealed archive is in {claimant} (a run claims its archive's name so, then renames "
                                 "its folder onto it; killed in between, it leaves both): nothing in it to verify; "
                                 f"see {claimant}")
            return None
        verdict.findings.append(Finding("tampered", f"{folder.name}/{MANIFEST}", _manifest_lost(exc, IN_ENV)))
        return None
    verdict.checked.append(folder.name)
    verdict.findings += verify_files(folder, manifest)
    covered_by = (covered or {}).get(sha256_bytes(manifest_bytes))
    findings, note = verify_signature(folder, manifest_bytes, manifest, trusted, covered_by)
    verdict.findings += findings
    if note:
        verdict.notes.append(f"{folder.name}: {note}")
    sealed_as, expected = manifest.get("archive"), name or folder.name
    if sealed_as and sealed_as != expected:
        verdict.findings.append(Finding("broken-chain", folder.name, f"holds the archive sealed as {sealed_as}, not "
                                                                     f"{expected} (renamed, or swapped with another)"))
    return manifest


IN_ENV = "the folder stands under an archive's name in an env folder"


def _claimed_by(folder: Path) -> str | None:
    """The run's working folder beside `folder` whose sealed manifest names it, when `folder` holds nothing at all:
    the name a run claims (archive.Archive._moved_to) before renaming its partial onto it — its run killed in between.
    An emptied archive no partial claims is none: its deleted manifest stays a finding."""
    try:
        if os.listdir(folder):
            return None
        partials = sorted(p for p in folder.parent.iterdir() if p.name.startswith(RUN_WORK))
    except OSError:
        return None
    for partial in partials:
        try:
            if not partial.is_symlink() and read_manifest(partial)[1].get("archive") == folder.name:
                return partial.name
        except (OSError, ValueError):
            continue
    return None


def _manifest_lost(exc: OSError, where: str) -> str:
    if isinstance(exc, FileNotFoundError):
        return f"missing (deleted: {where}, and none of its files can be checked without it)"
    return f"{_why(exc)}: {where}, and none of its files can be checked without it"


def verify_chain(env_dir: Path, verdict: Verdict, only: str | None = None, nodes: list[Node] | None = None,
                 forks: bool = True, later: list[Node] | None = None) -> None:
    """Each link points at a manifest that is there (or was pruned) with that hash; one start; no forks.
    With `only`, the links into and out of that one archive, and (`forks`) whether the chain forks there
    (`nodes`: the env's, read once for many); `later`: where the later archives whose link into `only` does not
    hold go, for the caller to judge, instead of a finding."""
    if nodes is None:
        nodes = chain_nodes(env_dir, verdict.findings if only is None else None)
    by_hash = {n.manifest_sha256: n for n in nodes}
    by_name = {n.folder: n for n in nodes if n.folder}
    aside: dict[str, str] | None = None  # archive name -> the leftover folder an interrupted prune named after it
    for node in nodes:
        if only is not None and node.folder != only and node.previous_archive != only:
            continue
        label = node.folder or f"{node.archive} (pruned)"
        if node.previous_sha256 is None:
            continue
        if node.previous_sha256 in by_hash:
            continue
        previous = node.previous_archive
        if only is not None and node.folder != only and later is not None:
            later.append(node)
            continue
        if by_name.get(previous or "") is not None:  # neither can tell which of the two changed: say both
            what = (f"its previous archive {previous} does not have the manifest hash this one names: {previous} "
                    "was changed after this one was sealed, or this one's link was")
        elif previous and _plain_name(previous) and os.path.lexists(env_dir / previous):
            what = (f"its previous archive {previous} is there, but not as an archive with a manifest to read (a "
                    "symlink, or its manifest missing or not a file): it was changed after this one was sealed")
        else:
            if aside is None:
                aside = {leftover_of(p) or "": p.name for p in prune_leftovers(env_dir)}
            if previous in aside:
                what = (f"its previous archive {previous} is missing: {aside[previous]}, named as an interrupted "
                        "prune leaves it, does not hold the manifest this one names (changed since, or not left by "
                        "a prune)")
            else:
                what = f"its previous archive {previous} is missing (removed without opsverify prune)"
        verdict.findings.append(Finding("broken-chain", label, what))
    if only is not None:
        if forks:
            _forks_at(only, nodes, verdict)
        return
    pruned = {n.manifest_sha256: n for n in nodes if n.folder is None}
    for node in nodes:
        if node.folder is not None and node.manifest_sha256 in pruned:
            verdict.findings.append(Finding("broken-chain", node.folder, _reappeared(pruned[node.manifest_sha256])))
    nodes = _once_each(nodes)
    starts = [n for n in nodes if n.previous_sha256 is None and n.readable]
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


def _reappeared(entry: Node) -> str:
    return (f"a pruned archive reappeared: {CHAIN} names {entry.archive} as pruned, with the manifest hash this "
            "folder's manifest has (put back from a copy, or a prune's deletion undone): delete the folder, or find "
            "out why it is back")


def _once_each(nodes: list[Node]) -> list[Node]:
    """One node per manifest hash (a pruned archive's folder put back is one archive twice, not a fork); the
    folder, where there is one."""
    kept: dict[str, Node] = {}
    for node in nodes:
        if node.manifest_sha256 not in kept or node.folder is not None:
            kept[node.manifest_sha256] = node
    return list(kept.values())


def _plain_name(name: str) -> bool:
    """A folder's own name (as a manifest may name anything): no path, no NUL."""
    return name not in ("", ".", "..") and "/" not in name and "\0" not in name


def _forks_at(name: str, nodes: list[Node], verdict: Verdict) -> None:
    """For one archive: the chain forks where it is, if another archive claims its previous one (or also starts
    a chain), or two claim it as theirs — one of them was made beside the chain, not in it."""
    node = next((n for n in nodes if n.folder == name), None)
    if node is None or not node.readable:
        return
    entry = next((n for n in nodes if n.folder is None and n.manifest_sha256 == node.manifest_sha256), None)
    if entry is not None:
        verdict.findings.append(Finding("broken-chain", name, _reappeared(entry)))
    nodes = _once_each(nodes)
    rivals = [n for n in nodes if n is not node and n.readable and n.previous_sha256 == node.previous_sha256]
    if rivals:
        what = ("more than one archive starts the chain: " if node.previous_sha256 is None
                else "two archives claim the same previous one: ")
        verdict.findings.append(Finding("broken-chain", name, what + ", ".join(n.folder or n.archive
                                                                               for n in [node, *rivals])))
    followers = [n for n in nodes if n.previous_sha256 == node.manifest_sha256]
    if len(followers) > 1:
        verdict.findings.append(Finding("broken-chain", name, "two archives claim it as their previous one: "
                                        + ", ".join(n.folder or n.archive for n in followers)))


PRUNED = ".pruned"  # beside chain.jsonl: each pruned archive's manifest, manifest.sig and FOUND, named by its hash
FOUND = ".found.json"  # what `verify` found in an archive when prune removed it: its entry's "forced" is checked by it


def kept_manifest(env_dir: Path, digest: str, suffix: str = ".json") -> Path:
    """Where prune keeps a pruned archive's manifest (`.json`), its signature (`.sig`) and what verify found (FOUND).
    Malformed for a `digest` that is no SHA-256: read from disk, it would lead anywhere (`../`) or nowhere (a NUL)."""
    if not _SHA256.fullmatch(digest):
        raise Malformed(f"names no file of {PRUNED}/: its manifest hash is not a SHA-256")
    return env_dir / PRUNED / f"{digest}{suffix}"


def _kept(env_dir: Path, entry: dict[str, Any], digest: str) -> bytes:
    """The manifest prune kept for an entry: in .pruned/, or (as an earlier opsverify kept it) inline in the
    entry, as base64. FileNotFoundError when there is none."""
    path = kept_manifest(env_dir, digest)
    if not os.path.lexists(path) and isinstance(entry.get("manifest"), str):
        inline = _b64(entry["manifest"])
        if inline is None:
            raise Malformed(f"is not base64 (its manifest inline in {CHAIN})")
        return inline
    return read_manifest_bytes(path)


def _kept_signature(env_dir: Path, entry: dict[str, Any], digest: str) -> bytes | None:
    """The manifest.sig prune kept for an entry: in .pruned/, or (as an earlier opsverify kept it) inline in the
    entry; None when there is none."""
    path = kept_manifest(env_dir, digest, ".sig")
    if os.path.lexists(path):
        return read_signature_bytes(path)
    return _b64(entry["signature"]) if isinstance(entry.get("signature"), str) else None


# what prune keeps unless --force (an opsverify before "ended-not-ok" kept the rest)
EVIDENCE = ("failed", "waived", "could-not-check", "interrupted", "partial", "ended-not-ok")
EARLIER_EVIDENCE = ("failed", "waived")  # all an opsverify kept before FOUND named what it keeps


def evidence(manifest: dict[str, Any], kinds: tuple[str, ...] = EVIDENCE) -> list[str]:
    """What an archive records that is no clean release, of these `kinds` (as the manifest says it: a manifest
    edited since says what the edit says; prune's verify finds the edit)."""
    return [said for kind, said in _unclean(manifest) if kind in kinds]


def _unclean(manifest: dict[str, Any]) -> Iterator[tuple[str, str]]:
    said = list(_unclean_records(manifest))
    yield from said
    code = manifest.get("exit_code")
    if not said and _whole(code) and code != exitcodes.OK:  # clean records, a red CI job all the same: a lapsed
        # waiver (27), an error after every item ran (3)
        name = next((e.name for e in exitcodes.TABLE if e.code == code), "unknown")
        yield "ended-not-ok", f"a run that ended {code} ({name})"


def _unclean_records(manifest: dict[str, Any]) -> Iterator[tuple[str, str]]:
    counts = manifest.get("counts") or {}
    if counts.get("failed"):
        yield "failed", f"{counts['failed']} failed"
    if counts.get("waived") or manifest.get("waived"):
        yield "waived", f"{counts.get('waived') or len(manifest['waived'])} waived"
    uncollected = manifest.get("collection_errors")
    uncollected = uncollected if isinstance(uncollected, list) else []
    # the counts list a module that could not be collected as an error too: said once, as what it is
    errors = counts.get("error") if _whole(counts.get("error")) else 0
    if errors > len(uncollected):
        yield "could-not-check", f"{errors - len(uncollected)} could not be checked"
    if uncollected:
        yield "could-not-check", f"{len(uncollected)} could not be collected"
    if manifest.get("interrupted") is True:
        ran, selected = manifest.get("ran"), manifest.get("selected")
        told = f" ({ran} of {selected} selected items ran)" if _whole(ran) and _whole(selected) else ""
        yield "interrupted", f"an interrupted run{told}"
    selection = manifest.get("selection")
    left_out = selection.get("left_out") if isinstance(selection, dict) else None
    if isinstance(left_out, list) and left_out:
        in_scope = selection.get("in_scope")
        of = f" of {in_scope}" if _whole(in_scope) else ""
        yield "partial", f"a partial run ({len(left_out)}{of} items in scope left out)"
    unmet = selection.get("items_not_selected") if isinstance(selection, dict) else None
    if isinstance(unmet, list) and unmet:  # an item asked for by name and not checked: no clean release
        yield "partial", f"{len(unmet)} item{'s' * (len(unmet) != 1)} named by --item not selected"


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def keeps_evidence(manifest: dict[str, Any], kinds: tuple[str, ...] = EVIDENCE) -> str:
    """Why an archive must not be pruned without --force for what it records ('' when it may): it records no
    clean release — an item failed, was waived or could not be checked, or the run did not check every item in
    its scope (interrupted, or narrowed: partial), or it ended with another code than 0 all the same."""
    return next(iter(evidence(manifest, kinds)), "")


def did_not_verify(findings: list[Finding]) -> str:
    """Why an archive with these findings must not be pruned without --force ('' when it verifies)."""
    if not findings:
        return ""
    return f"does not verify ({findings[0].where}: {findings[0].what}; opsverify verify says more)"


def forced_reason(manifest: dict[str, Any], findings: list[Finding], kinds: tuple[str, ...] = EVIDENCE) -> str:
    """The `forced` of a pruned archive's chain.jsonl entry: why it would have stayed without --force, from its
    manifest and what verify found in it ('' when nothing). prune writes it; verify derives it again from what
    prune kept, so an entry that leaves it out, or says another, is found."""
    return keeps_evidence(manifest, kinds) or did_not_verify(findings)


def found_record(digest: str, findings: list[Finding]) -> bytes:
    """FOUND, as prune keeps it: what `verify <archive>` found when the archive was removed (nothing: it verified),
    and what this prune kept unless --force (an earlier prune kept less: its entries are judged by its rule)."""
    record = {"manifest_sha256": digest, "findings": [asdict(f) for f in findings],
              "kept_unless_forced": list(EVIDENCE)}
    return (json.dumps(record, indent=2) + "\n").encode()


def _found_when_pruned(env_dir: Path, digest: str) -> tuple[list[Finding], tuple[str, ...]] | None:
    """The findings FOUND holds, and what the prune that wrote it kept unless --force (EARLIER_EVIDENCE when it
    does not say); None when there is none (pruned by an opsverify that kept none, or deleted since). Malformed
    when it is not as found_record writes it."""
    path = kept_manifest(env_dir, digest, FOUND)
    if not os.path.lexists(path):
        return None
    record = object_of(parse_json(read_manifest_bytes(path), unique_names=True))
    if field_of(record, "manifest_sha256", str, required=True) != digest:
        raise Malformed("names another manifest's hash than its file name")
    kinds = field_of(record, "kept_unless_forced", list)
    unknown = next((kind for kind in kinds or () if kind not in EVIDENCE), None)
    if unknown is not None:
        raise Malformed(f'its "kept_unless_forced" holds {json.dumps(unknown)}, not one of {", ".join(EVIDENCE)}')
    missing = [kind for kind in EARLIER_EVIDENCE if kinds is not None and kind not in kinds]
    if missing:  # every opsverify kept these: a record listing fewer would let an entry drop its "forced"
        raise Malformed(f'its "kept_unless_forced" leaves out {", ".join(missing)} (every opsverify keeps '
                        f'{", ".join(EARLIER_EVIDENCE)} unless --force)')
    found = []
    for item in field_of(record, "findings", list, required=True):
        if not isinstance(item, dict):
            raise Malformed(f'its "findings" holds {_kind(item)}, not an object')
        kind = field_of(item, "kind", str, required=True)
        if kind not in KINDS:
            raise Malformed(f"its \"findings\" holds one of kind {json.dumps(kind)}, not one verify reports")
        where, what = (field_of(item, name, str, required=True) for name in ("where", "what"))
        found.append(Finding(kind, where, what))
    return found, EARLIER_EVIDENCE if kinds is None else tuple(kinds)


def _entry_differs(entry: dict[str, Any], manifest: dict[str, Any]) -> str:
    """The first field of a chain.jsonl entry that is not what prune wrote from the kept manifest ('' when none).
    A manifest of the first opsverify names no archive: the entry names its folder, which nothing sealed there either."""
    previous = manifest.get("previous") or {}
    written = {"archive": manifest.get("archive") or entry.get("archive"), "previous_archive": previous.get("archive"),
               "previous_sha256": previous.get("manifest_sha256"), "deploy_id": manifest.get("deploy_id"),
               "started": manifest.get("started"), "counts": manifest.get("counts")}
    for name, value in written.items():
        seen, expected = json.dumps(entry.get(name), sort_keys=True), json.dumps(value, sort_keys=True)
        if name not in entry or seen != expected:  # as JSON: 2.0 is not 2, true is not 1
            return (f'its {CHAIN} entry\'s "{name}" is {seen if name in entry else "absent"}, expected {expected} (as '
                    "its kept manifest says)")
    return ""


def _forced_differs(entry: dict[str, Any], manifest: dict[str, Any], found: list[Finding] | None,
                    kinds: tuple[str, ...], digest: str) -> str:
    """How the entry's "forced" differs from what prune wrote, as its kept manifest and FOUND say ('' when it
    agrees; `kinds`: what that prune kept unless --force). Without FOUND only the manifest's part is known: a
    failed or waived release was forced out."""
    said = entry.get("forced") or ""
    expected = forced_reason(manifest, found, kinds) if found is not None else keeps_evidence(manifest, kinds)
    if not said and not expected:  # a run that records no clean release leaves only with --force, said in "forced"
        expected = keeps_evidence(manifest)
    if said == expected or (found is None and not expected):
        return ""
    source = (f"its kept manifest and {PRUNED}/{digest}{FOUND}, what verify found in it then" if found is not None
              else "its kept manifest's counts")
    return (f'its {CHAIN} entry\'s "forced" is {json.dumps(said) if said else "absent"}, expected '
            f'{json.dumps(expected) if expected else "absent"} (prune writes it from {source})')


def verify_pruned(env_dir: Path, trusted: Ed25519PublicKey | None, verdict: Verdict,
                  only: set[str] | None = None, covered: dict[str, str] | None = None,
                  entries: list[dict[str, Any]] | None = None) -> tuple[list[dict[str, Any]], set[str]]:
    """Each pruned entry of chain.jsonl against what prune kept for it in .pruned/: its manifest (<hash>.json) has
    the entry's hash and every field the entry copies from it, and its seal holds (with the given key); FOUND, what
    verify found in the archive then, and the manifest give the entry's "forced". What it recorded as failed or
    waived, or why it was forced out, is said in a note. An entry with no manifest kept cannot be checked: with a
    key, that is a finding; one with no FOUND (an earlier opsverify kept none), or kept inline in chain.jsonl, is
    named in a note. `only`: the entries with these manifest hashes; `covered`: the env's archives from before
    signing began (before_signing); `entries`: chain.jsonl's, when already read. Returns the manifests read, and
    the hashes of the entries that hold (with no finding)."""
    entries = [e for e in (read_pruned(env_dir) if entries is None else entries)
               if only is None or e["manifest_sha256"] in only]
    manifests, accepted, unchecked, unrecorded = [], set(), [], []
    if entries and os.path.islink(env_dir / PRUNED):  # what it points at was not kept here
        verdict.findings.append(Finding("tampered", f"{env_dir.name}/{PRUNED}", "a symlink, not the folder prune keeps"))
        return manifests, accepted
    for entry in entries:
        where, digest = f"{entry['archive']} (pruned)", entry["manifest_sha256"]  # a SHA-256: read_pruned reads no other
        try:
            kept = _kept(env_dir, entry, digest)
        except FileNotFoundError:
            if trusted is not None:
                verdict.findings.append(Finding("bad-signature", where, f"no manifest kept for it ({PRUNED}/), so the "
                                                "key cannot vouch for it (a line written by hand, or an older prune)"))
            else:
                accepted.add(digest)
            unchecked.append(entry["archive"])
            continue
        except (OSError, Malformed) as exc:
            verdict.findings.append(Finding("tampered", where, f"its kept manifest {_why(exc)}"))
            continue
        try:
            if sha256_bytes(kept) != digest:
                raise Malformed(f"its kept manifest does not have the hash the {CHAIN} entry names")
            manifest = parse_manifest(kept)
            differs = _entry_differs(entry, manifest)
            if differs:
                raise Malformed(differs)
        except Malformed as exc:
            verdict.findings.append(Finding("tampered", where, str(exc)))
            continue
        sig_path = kept_manifest(env_dir, digest, ".sig")
        try:
            signature = _kept_signature(env_dir, entry, digest)
        except (OSError, Malformed) as exc:
            verdict.findings.append(Finding("bad-signature", where, f"its kept manifest.sig {_why(exc)}"))
            continue
        inline_sig = not os.path.lexists(sig_path) and isinstance(entry.get("signature"), str)
        label = f"its manifest.sig inline in {CHAIN}" if inline_sig else f"{PRUNED}/{digest}.sig"
        covered_by = (covered or {}).get(digest)
        findings, note = check_seal(where, kept, manifest, trusted, signature, signature is not None, label, covered_by)
        if covered_by and note:
            verdict.notes.append(f"{where}: {note}")
        found, kinds = None, EARLIER_EVIDENCE  # without FOUND: what an earlier prune kept
        inline = not os.path.lexists(kept_manifest(env_dir, digest))  # such an entry predates "forced" and FOUND
        if not inline:
            try:
                found, kinds = _found_when_pruned(env_dir, digest) or (None, EARLIER_EVIDENCE)
            except (OSError, Malformed) as exc:
                findings.append(Finding("tampered", where, f"its {PRUNED}/{digest}{FOUND} (what verify found when it "
                                                           f"was pruned) {_why(exc)}"))
            else:
                forced = _forced_differs(entry, manifest, found, kinds, digest)
                if forced:
                    findings.append(Finding("tampered", where, forced))
        if found is None and not os.path.lexists(kept_manifest(env_dir, digest, FOUND)):
            unrecorded.append(entry["archive"])
        verdict.findings += findings
        manifests.append(manifest)
        if not findings:
            accepted.add(digest)
        _say_why_forced(where, entry, manifest, found, kinds, verdict)
    if only is None and entries:
        verdict.notes.append(f"{env_dir.name}: {len(entries)} pruned archive{'s' if len(entries) != 1 else ''} in "
                             f"{CHAIN}" + (f", {len(unchecked)} with no manifest kept: "
                                           f"{', '.join(unchecked)}" if unchecked else "")
                             + (f", {len(unrecorded)} with no record of what verify found when it was pruned: "
                                f"{', '.join(unrecorded)} (pruned by an earlier opsverify, or the record deleted: "
                                f"whether it verified then is {CHAIN}'s word)" if unrecorded else ""))
    return manifests, accepted


def _say_why_forced(where: str, entry: dict[str, Any], manifest: dict[str, Any], found: list[Finding] | None,
                    kinds: tuple[str, ...], verdict: Verdict) -> None:
    """A note for a pruned archive that recorded what its prune kept unless --force (`kinds`: failed or waived
    items, ones that could not be checked, an interrupted or partial run), or did not verify when it was pruned:
    from its kept manifest and FOUND; with no FOUND, the entry's own "forced" (the summary note says it is only
    that). When it was pruned is the entry's word: nothing seals it."""
    kept_evidence = evidence(manifest, kinds)
    reasons = [f"recorded {', '.join(kept_evidence)}"] if kept_evidence else []
    if found:
        reasons.append(did_not_verify(found))
    elif found is None and entry.get("forced") and not kept_evidence:
        reasons.append(entry["forced"])
    if reasons:
        verdict.notes.append(f"{where}: {'; '.join(reasons)} (deploy {manifest.get('deploy_id')}, started "
                             f"{manifest.get('started')}); pruned with --force at {entry.get('pruned_at')} (as {CHAIN} "
                             "says)")


# -- signing adopted part-way through an env's chain ---------------------------------------------------------
def before_signing(env_dir: Path, trusted: Ed25519PublicKey | None, nodes: list[Node] | None = None) -> dict[str, str]:
    """Under a key: the env's unsigned archives (there, or pruned) from before signing began, by manifest hash,
    each with the first archive the key signed. A team that sets OPSVERIFY_SIGNING_KEY later keeps its earlier
    archives: that first signed archive's signature fixes the manifest hash of the one before it, whose manifest
    fixes the hash of the one before, back to the chain's start — so each is as it was when signing began. Only
    an unbroken run of unsigned archives from the chain's start up to an archive the key signed is covered: an
    unsigned archive after a signed one (signing stopped, or a seal stripped), one whose link does not hold, one
    beside the chain, any in an env the key signed nothing of, or one before a later signed archive, is not: only
    the first archive the key signed (pruned ones included) began signing — along a chain, the first from its
    start; of several chains' (a forged chain start a signing run extended), the one whose signed start is earliest."""
    if trusted is None:
        return {}
    nodes = chain_nodes(env_dir) if nodes is None else nodes
    by_hash = {n.manifest_sha256: n for n in nodes}
    seals = _Seals(env_dir, trusted)
    signed = [n for n in nodes if seals.signed_by_key(n)]
    if not signed:
        return {}
    # only the first: a later signed archive linking to an unsigned one (a chain start forged after signing began,
    # then extended by a signing run) must not make it "before signing"; its start is signed, so cannot be moved.
    # Starts are compared only between chains: along one, the chain's order says which came first (a run that
    # overlapped the first signing run, or ran on a clock stepped back, started before the archive it links to)
    signed_hashes = {n.manifest_sha256 for n in signed}
    firsts = [n for n in signed if not _signed_before(n, by_hash, signed_hashes, seals)]
    if not firsts:
        return {}  # every signed archive has one before it: a loop of links
    first = min(firsts, key=seals.started)
    previous = by_hash.get(seals.previous(first) or "")
    if previous is None or seals.unsigned(previous) is None:
        return {}
    return dict.fromkeys(_unsigned_to_start(previous, by_hash, seals), first.folder or first.archive)


def _signed_before(node: Node, by_hash: dict[str, Node], signed: set[str], seals: _Seals) -> bool:
    """An archive the key signed (`signed`: their manifest hashes) is before `node` in its chain, through the links
    the sealed manifests say (a loop ends the way)."""
    seen = {node.manifest_sha256}
    node = by_hash.get(seals.previous(node) or "")
    while node is not None and node.manifest_sha256 not in seen:
        if node.manifest_sha256 in signed:
            return True
        seen.add(node.manifest_sha256)
        node = by_hash.get(seals.previous(node) or "")
    return False


def _unsigned_to_start(node: Node | None, by_hash: dict[str, Node], seals: _Seals) -> list[str]:
    """The manifest hashes from `node` back to the chain's start, when every archive on the way is unsigned and each
    link holds; else none (a signed archive before them, a link to a manifest not there, a loop)."""
    run: dict[str, None] = {}
    while node is not None and node.manifest_sha256 not in run:
        manifest = seals.unsigned(node)
        if manifest is None:
            return []
        run[node.manifest_sha256] = None
        previous = (manifest.get("previous") or {}).get("manifest_sha256")
        if previous is None:
            return list(run)
        node = by_hash.get(previous)
    return []


class SigningHistory:
    """Without a key: what the chain itself says of its seals. A seal proves no author then, but the chain shows
    where signing stopped (an unsigned archive after a signed one: a seal stripped, or an archive forged after the
    chain): a bad-signature finding, named on that archive; unsigned archives before the first signed one (signing
    switched on later) are none. Where the signing key changed (a rotation, or an archive re-signed with a key of
    someone else's) is a note on that archive: an honest rotation must still verify, and only a key the user trusts
    can tell the two apart (--public-key finds the other key's archives). Read once for an env (prune verifies many
    of its archives)."""

    def __init__(self, env_dir: Path, nodes: list[Node]) -> None:
        self.nodes = _once_each(nodes)
        self.by_hash = {n.manifest_sha256: n for n in self.nodes}
        self._seals = _Seals(env_dir, None)  # a pruned archive's seal: from the manifest kept for it
        self._last: dict[str, tuple[str, Node] | None] = {}  # hash -> the newest signed archive up to it, and its key

    def _sealed_by(self, node: Node) -> str | None:
        if node.folder is not None:
            return node.sealed_by
        read = self._seals.manifest(node)
        return _sealed_by(read[1]) if read is not None else None

    def _last_signed(self, node: Node | None) -> tuple[str, Node] | None:
        """(key id, archive) of the newest signed archive from `node` back through the links that hold."""
        walked: list[Node] = []
        seen: set[str] = set()
        while node is not None and node.manifest_sha256 not in self._last and node.manifest_sha256 not in seen:
            seen.add(node.manifest_sha256)
            walked.append(node)
            node = self.by_hash.get(node.previous_sha256 or "")
        last = self._last.get(node.manifest_sha256) if node is not None else None  # a loop of links: none
        for step in reversed(walked):
            sealed_by = self._sealed_by(step)
            if sealed_by:
                last = (sealed_by, step)
            self._last[step.manifest_sha256] = last
        return last

    def judge(self, verdict: Verdict, only: str | None = None) -> None:
        """For every archive of the chain (pruned ones too), or only the one in folder `only`."""
        for node in self.nodes:
            if only is not None and node.folder != only:
                continue
            sealed_by = self._sealed_by(node)
            before = self._last_signed(self.by_hash.get(node.previous_sha256 or ""))
            if sealed_by is None or before is None or sealed_by == before[0]:
                continue
            key, signed = before
            where, up_to = _label(node), _label(signed)
            if sealed_by == "":
                verdict.findings.append(Finding("bad-signature", where, (
                    f"not signed, but the chain was signed by {key} up to {up_to}: signing stopped, this archive's "
                    "seal was stripped, or it was added after the chain by whoever can write here; pass "
                    "--public-key with the key you trust")))
            else:
                verdict.notes.append(
                    f"{where}: signed by {sealed_by}, but the chain was signed by {key} up to {up_to}: the signing key "
                    "changed here — a key rotation, or an archive re-signed with someone else's key; only a key you "
                    "trust tells them apart: verify the archives up to it each alone with the old key and those from "
                    "here on with the new one (`opsverify verify <archive> --public-key <its key file>`)")


class _Seals:
    """How each archive of an env is sealed, from its manifest (there, or kept for it in .pruned/) read once, and
    only as it hashes to the archive's manifest hash: links are followed through what was sealed, nothing else.
    `trusted`: the key signed_by_key checks with (None: only the manifests are read)."""

    def __init__(self, env_dir: Path, trusted: Ed25519PublicKey | None) -> None:
        self.env_dir, self.trusted = env_dir, trusted
        self._read: dict[str, tuple[bytes, dict[str, Any]] | None] = {}
        self._entries: dict[str, dict[str, Any]] | None = None

    def _entry(self, digest: str) -> dict[str, Any]:
        if self._entries is None:
            self._entries = {e["manifest_sha256"]: e for e in read_pruned(self.env_dir)}
        return self._entries.get(digest, {})

    def manifest(self, node: Node) -> tuple[bytes, dict[str, Any]] | None:
        digest = node.manifest_sha256
        if digest not in self._read:
            self._read[digest] = None
            try:
                data = (read_manifest_bytes(self.env_dir / node.folder / MANIFEST) if node.folder is not None
                        else _kept(self.env_dir, self._entry(digest), digest))
                if sha256_bytes(data) == digest:
                    self._read[digest] = data, parse_manifest(data)
            except (OSError, Malformed):
                pass
        return self._read[digest]

    def started(self, node: Node) -> tuple:
        """Its manifest's start (what a signature fixes), for the earliest and newest of the signed archives."""
        read = self.manifest(node)
        return _key(read[1].get("started") if read else None, node.archive)

    def previous(self, node: Node) -> str | None:
        read = self.manifest(node)
        return ((read[1].get("previous") or {}).get("manifest_sha256")) if read else None

    def unsigned(self, node: Node) -> dict[str, Any] | None:
        """Its manifest, when it is one with no seal."""
        read = self.manifest(node)
        return read[1] if read is not None and read[1].get("seal") is None else None

    def signed_by_key(self, node: Node) -> bool:
        read = self.manifest(node)
        if read is None or read[1].get("seal") is None:
            return False
        data, manifest = read
        if node.folder is not None:
            return not verify_signature(self.env_dir / node.folder, data, manifest, self.trusted)[0]
        try:
            signature = _kept_signature(self.env_dir, self._entry(node.manifest_sha256), node.manifest_sha256)
        except (OSError, Malformed):
            return False
        return not check_seal(node.archive, data, manifest, self.trusted, signature, signature is not None)[0]


def is_archive(path: Path) -> bool:
    """It says it is one (holds a manifest.json, of whatever kind): verify_archive judges the claim."""
    return os.path.lexists(path / MANIFEST)


def _holds_archives(folder: Path) -> bool:
    return (not unlisted(folder) and any(is_archive(p) for p in archive_dirs(folder))
            or os.path.lexists(folder / CHAIN) or bool(prune_leftovers(folder)))


def unlisted(folder: Path) -> str:
    """Why `folder` cannot be listed ('' when it can, or is gone): one of mode 0700 and another owner, or 0711 (its
    entries are found by name, never listed). What it holds is unseen, so verify says so (`tampered`)."""
    try:
        with os.scandir(folder):
            return ""
    except (FileNotFoundError, NotADirectoryError):
        return ""
    except OSError as exc:
        return exc.strerror or str(exc)


def _env_like(folder: Path) -> bool:
    """It holds what only an env folder holds: a folder under an archive's name (an archive, or one that lost its
    manifest.json), chain.jsonl, .pruned/, or what an interrupted prune left."""
    return (bool(archive_dirs(folder)) or any(os.path.lexists(folder / name) for name in (CHAIN, PRUNED))
            or bool(prune_leftovers(folder)))


def _env_folders(path: Path) -> list[Path]:
    """The env folders of `reports/`: each folder in it that is not itself an archive (nor under an archive's name)
    and holds what an env folder holds — every archive in it lost its manifest.json, say."""
    return [p for p in subfolders(path) if not archive_named(p.name) and not is_archive(p) and not unlisted(p)
            and _env_like(p)]


def not_in_reports(path: Path) -> list[tuple[Path, str]]:
    """What stands in `reports/` itself that belongs in an env folder, and what it is."""
    try:
        entries = sorted(path.iterdir())
    except OSError:
        return []
    found = []
    for entry in entries:
        what = (f"an env's {CHAIN}" if entry.name == CHAIN else f"an env's {PRUNED}/" if entry.name == PRUNED
                else "named as an interrupted prune leaves an archive" if leftover_of(entry) is not None
                else "under an archive's name" if archive_named(entry.name) and not entry.name.endswith(".html")
                else "an archive under another name" if entry.is_dir() and is_archive(entry) and not entry.is_symlink()
                # an env folder behind a link, made to look like an archive: _env_folders passes it by
                else "a link to a folder holding a manifest.json" if entry.is_dir() and is_archive(entry)
                else "")
        if what:
            found.append((entry, what))
    return found


def _say_not_in_reports(path: Path, envs: list[Path], verdict: Verdict) -> None:
    """`tampered`: what belongs in an env folder, standing in `reports/` beside them — an empty chain.jsonl there
    once made verify take reports/ for the env folder, and pass without verifying one of them. Every env folder is
    verified all the same; nothing in the entry is."""
    shown = ", ".join(p.name for p in envs[:NOT_ARCHIVES_SHOWN])
    shown += f", … {len(envs) - NOT_ARCHIVES_SHOWN} more" if len(envs) > NOT_ARCHIVES_SHOWN else ""
    for entry, what in not_in_reports(path):
        verdict.findings.append(Finding("tampered", entry.name, f"{what} ({_entry_kind(entry)}) in {path.name}/ "
                                        f"itself, beside its env folders {shown}: it belongs in an env folder, and "
                                        f"nothing in it is verified; move it into its env's folder, or out of "
                                        f"{path.name}/ (or, were {path.name}/ an env folder, those folders out of it)"))


def _say_hidden_envs(path: Path, verdict: Verdict) -> None:
    """`tampered`: a dot-named folder in `reports/` holding what an env folder holds — `verify reports` passes over
    hidden folders, so an env folder renamed to one (`.prod`) would drop out of it unsaid. A `.pruned/` or a prune's
    leftover standing in reports/ itself is `_say_not_in_reports`'s to say."""
    try:
        entries = sorted(path.iterdir())
    except OSError:
        return
    for entry in entries:
        if (entry.name.startswith(".") and entry.name != PRUNED and leftover_of(entry) is None
                and not entry.is_symlink() and entry.is_dir() and not unlisted(entry) and _env_like(entry)):
            verdict.findings.append(Finding("tampered", entry.name, f"a hidden folder holding an env's archives in "
                                            f"{path.name}/: an env folder renamed out of sight, whose archives "
                                            f"`verify {path.name}` does not verify; rename it back (or verify it by "
                                            "its own path)"))


def _say_unlisted_in_reports(path: Path, verdict: Verdict) -> None:
    """`tampered`: a folder of `reports/` that cannot be listed (another env's, of mode 0700 and another owner): an
    env folder may be it or in it, and `verify reports` would pass over its archives unsaid. (In an env folder, such
    a folder is `_say_moved_archives`' to say.)"""
    try:
        entries = sorted(path.iterdir())
    except OSError:
        return
    for entry in entries:
        if entry.name == PRUNED or leftover_of(entry) is not None or not entry.is_dir():  # said as not in reports/
            continue
        why = unlisted(entry)
        if why:
            verdict.findings.append(Finding("tampered", entry.name, f"could not be listed ({why}), in {path.name}/: "
                                            "it may be (or hold) an env folder, whose archives are not verified; run "
                                            f"verify as a user who can read the whole of {path.name}/"))


def _say_empty(path: Path, empty: list[str], nothing: bool, verdict: Verdict) -> None:
    """The env folders in which nothing was verified nor found (an empty chain.jsonl, say): a note, and no OK when
    `nothing` was verified at all — evidence emptied out of every folder is no pass."""
    if not empty:
        return
    what = f"{', '.join(empty)}: nothing verified: no archive, and no pruned archive's entry in {CHAIN}"
    if nothing:
        verdict.findings.append(Finding("not-an-archive", str(path), what))
    else:
        verdict.notes.append(what)


# What a run writes beside its manifest: a folder under an archive's name holding one lost its manifest
RUN_FILES = ("results.json", "allure-results", SIGNATURE, "junit.xml", "coverage.json")


def _lost_manifest(path: Path) -> str:
    """Why `path`, holding no manifest.json, is an archive that lost it ('' when it is not one): under an archive's
    name, in an env folder or holding a run's files."""
    if not archive_named(path.name):
        return ""
    if _holds_archives(path.parent):
        where = IN_ENV
    elif any(os.path.lexists(path / name) for name in RUN_FILES):
        where = "the folder, under an archive's name, holds a run's files"
    else:
        return ""
    try:
        os.lstat(path / MANIFEST)
    except OSError as exc:
        return _manifest_lost(exc, where)
    return ""


def verify(path: Path, trusted: Ed25519PublicKey | None = None, expect: tuple[str, ...] = (), *,
           pages: bool = False) -> Verdict:
    """An archive, `reports/<env>` (every archive of it and the whole chain), or `reports/` (every env).
    `expect`: manifest hashes (or their first 16+ hex digits) a run printed; each archive must still be in the
    chain — there, or pruned — so removing the newest archives (which nothing links to yet) is found too. `pages`:
    the pages rendered beside the archives too (`_say_pages`; not when rendering one again, which replaces it)."""
    verdict = Verdict()
    if not path.is_dir():
        what = ("is a file, not an archive folder nor a reports/<env> folder" if path.is_file()
                else "not a folder: neither an archive folder nor a reports/<env> folder" if os.path.lexists(path)
                else "no such folder")
        verdict.findings.append(Finding("not-an-archive", str(path), what))
        return verdict
    why = unlisted(path)
    if why:  # read as holding nothing, it passed for no archive, or crashed on what it may hold
        verdict.findings.append(Finding("tampered", str(path), f"could not be listed ({why}): nothing in it can be "
                                                               "verified; run verify as a user who can read it"))
        return verdict
    if is_archive(path):
        why = unlisted(path.parent)
        if why:  # the env's other archives, by which its links are checked, cannot be seen
            verdict.findings.append(Finding("tampered", str(path.parent), f"could not be listed ({why}): "
                                            f"{path.name}'s place in its env's chain cannot be verified; run verify "
                                            "as a user who can read it"))
            return verdict
        verdict = EnvChain(path.parent, trusted).verify(path, expect)
        if verdict.findings:  # read again once a run sealing beside it, or a prune, let go of the env lock
            with env_read_lock(path.parent) as unlocked:
                pass
            verdict = EnvChain(path.parent, trusted).verify(path, expect)
            verdict.notes += [unlocked] if unlocked else []
        if pages:
            _say_pages(path.parent, verdict, only=path.name)
        return verdict
    lost = _lost_manifest(path)
    if lost:
        verdict.findings.append(Finding("tampered", f"{path.name}/{MANIFEST}", lost))
        return verdict
    envs = _env_folders(path)
    if envs:  # reports/: what else stands in it may not make it pass for an env folder, dropping theirs
        _say_not_in_reports(path, envs, verdict)
        _say_hidden_envs(path, verdict)
        _say_unlisted_in_reports(path, verdict)
    elif _env_like(path):
        envs = [path]
    else:
        _say_hidden_envs(path, verdict)
        _say_unlisted_in_reports(path, verdict)
        verdict.findings.append(Finding("not-an-archive", str(path), "neither an archive (no manifest.json) "
                                                                     "nor a reports/<env> folder holding archives"))
        return verdict
    hashes: set[str] = set()
    empty: list[str] = []  # env folders in which nothing was verified, nor found
    for env_dir in envs:
        found = len(verdict.findings)
        env_hashes = _verify_env_confirmed(env_dir, trusted, expect, verdict, pages)
        if not env_hashes and len(verdict.findings) == found:
            empty.append(env_dir.name)
        hashes |= env_hashes
    _say_empty(path, empty, not hashes and not verdict.findings, verdict)
    _expected(path, expect, hashes, verdict)
    return verdict


def _verify_env(env_dir: Path, trusted: Ed25519PublicKey | None, expect: tuple[str, ...], verdict: Verdict,
                pages: bool) -> set[str]:
    """Every archive of the env, its chain and its pruned entries; the manifest hashes in its chain."""
    in_chain: list[Finding] = []  # what chain.jsonl holds that is not an entry: said after the archives
    nodes = chain_nodes(env_dir, in_chain)
    covered = before_signing(env_dir, trusted, nodes)
    manifests = [verify_archive(folder, trusted, verdict, covered=covered) for folder in archive_dirs(env_dir)]
    remembered = {entry["manifest_sha256"] for entry in read_pruned(env_dir)}
    manifests += [verify_leftover(folder, trusted, verdict, remembered, covered) for folder in prune_leftovers(env_dir)]
    _say_strays(env_dir, verdict)
    _say_not_archives(env_dir, verdict)
    if pages:
        _say_pages(env_dir, verdict)
    verdict.findings += in_chain
    verify_chain(env_dir, verdict, nodes=nodes)
    if trusted is None:  # with a key, check_seal already finds both, as not signed by it
        SigningHistory(env_dir, nodes).judge(verdict)
    manifests += verify_pruned(env_dir, trusted, verdict, covered=covered)[0]
    env_hashes = {n.manifest_sha256 for n in nodes}
    asked = any(digest.startswith(prefix) for prefix in expect for digest in env_hashes)
    _one_env(env_dir, [m for m in manifests if m is not None], verdict, asked)
    return env_hashes


class EnvChain:
    """An env's chain as read once — its archives' links, its pruned entries, which of its archives came before
    signing began — for verifying its archives one at a time: prune verifies each it would remove, and each then
    costs its own files, not every manifest of the env again. It is the env as it was when read."""

    def __init__(self, env_dir: Path, trusted: Ed25519PublicKey | None = None) -> None:
        self.env_dir, self.trusted = env_dir, trusted
        self.entries = read_pruned(env_dir)
        self.nodes = chain_nodes(env_dir)
        self.covered = before_signing(env_dir, trusted, self.nodes)
        self._envs: dict[str, str | None] = {}  # folder -> the env its manifest records, read once
        self._signing: SigningHistory | None = None  # without a key, read at the first archive verified

    def verify(self, path: Path, expect: tuple[str, ...] = ()) -> Verdict:
        """One archive of the env (see `verify`): its files and seal, its links into and out of the chain, and the
        pruned entry it links to."""
        verdict = Verdict()
        env_dir, trusted, nodes, covered = self.env_dir, self.trusted, self.nodes, self.covered
        name = leftover_of(path)
        manifest = verify_archive(path, trusted, verdict, name, covered)
        if name:
            verdict.notes.append(f"{path.name}: holds {name}, {_MOVED_ASIDE}")
        if trusted is None and manifest is not None:
            if self._signing is None:
                self._signing = SigningHistory(env_dir, nodes)
            self._signing.judge(verdict, only=path.name)
        own_ok = not verdict.findings
        later: list[Node] = []
        verify_chain(env_dir, verdict, only=path.name, nodes=nodes, later=later)
        for node in later:
            _later_link(path, node, trusted, own_ok, (manifest or {}).get("seal") is not None, verdict, covered)
        previous = ((manifest or {}).get("previous") or {}).get("manifest_sha256")
        pruned: list[dict[str, Any]] = []
        if previous:  # pruned: the entry it links to is checked as the archive would be
            pruned = verify_pruned(env_dir, trusted, verdict, only={previous}, covered=covered, entries=self.entries)[0]
            aside = next((n for n in nodes if n.manifest_sha256 == previous and (n.folder or "").startswith(PRUNING)),
                         None)
            if aside is not None:
                verdict.notes.append(f"{path.name}: its previous archive {aside.archive} is in {aside.folder} (its "
                                     f"manifest has the hash this one names), moved aside by a prune interrupted "
                                     f"before {CHAIN} named it; run `opsverify prune` again to finish it")
        if manifest is not None:
            self._same_env(path, manifest, pruned, verdict)
        if expect:  # a pruned archive counts only if its entry holds
            _, accepted = verify_pruned(env_dir, trusted, Verdict(), covered=covered, entries=self.entries)
            _expected(path, expect, {n.manifest_sha256 for n in nodes if n.folder is not None} | accepted, verdict)
        return verdict


    def _same_env(self, path: Path, manifest: dict[str, Any], pruned: list[dict[str, Any]], verdict: Verdict) -> None:
        """One chain is one env's (`_one_env`), as far as one archive can see it: its previous archive (`pruned`: its
        kept manifest, when pruned) and the next ones record its env, or one of them was moved or copied in. Of an
        env whose archives are all in a folder named for another, the same note as the env's verify."""
        env = str(manifest.get("env"))
        previous = (manifest.get("previous") or {}).get("manifest_sha256")
        own = next((node.manifest_sha256 for node in self.nodes if node.folder == path.name), None)
        neighbours = [("previous", node.folder or f"{node.archive} (pruned)", self._env_of(node, pruned))
                      for node in self.nodes if previous and node.manifest_sha256 == previous]
        neighbours += [("next", node.folder, self._env_of(node, [])) for node in self.nodes
                       if own and node.previous_sha256 == own and node.folder is not None]
        differing = [(which, name, other) for which, name, other in neighbours if other not in (None, env)]
        for which, name, other in differing:
            verdict.findings.append(Finding("broken-chain", path.name, f"of env {env}, but its {which} archive {name} "
                                            f"is of env {other}: archives of more than one env in one chain"))
        if not differing and env != self.env_dir.name:
            verdict.notes.append(f"{path.name}: of env {env}, not {self.env_dir.name} (the folder it is in)")

    def _env_of(self, node: Node, pruned: list[dict[str, Any]]) -> str | None:
        """The env a neighbour records; None where it cannot be read (its own verify says why)."""
        if node.folder is None:  # `pruned` holds its kept manifest, if that could be read
            return str(pruned[0].get("env")) if pruned else None
        if node.folder not in self._envs:
            try:
                self._envs[node.folder] = str(read_manifest(self.env_dir / node.folder)[1].get("env"))
            except (OSError, ValueError):
                self._envs[node.folder] = None
        return self._envs[node.folder]


def _say_strays(env_dir: Path, verdict: Verdict) -> None:
    """A symlink under an archive's name is tampered, whatever it leads to (one to a folder is judged as an archive):
    opsverify makes none, and once a folder is made where it leads, it stands for an archive. A file there is said
    in a note: it changes no sealed evidence (a removed archive is found by the chain, or `--expect`)."""
    for stray in _strays(env_dir):
        if stray.is_symlink():
            verdict.findings.append(Finding("tampered", stray.name, "a symlink under an archive's name, leading to no "
                                            "archive folder (opsverify makes none; a folder made where it leads would "
                                            "stand for an archive): remove it"))
        else:
            verdict.notes.append(f"{stray.name}: under an archive's name, but {_not_a_folder(stray)}, not an archive "
                                 "folder: nothing in it is verified (opsverify writes none; runs name their archives "
                                 "around it)")


NOT_ARCHIVES_SHOWN = 12  # the note names this many, then counts the rest


def _verify_env_confirmed(env_dir: Path, trusted: Ed25519PublicKey | None, expect: tuple[str, ...],
                          verdict: Verdict, pages: bool) -> set[str]:
    """_verify_env, read without the env lock; where that found anything, read again once no run seals into the env
    and no prune moves archives out: the env lock is taken (shared, waited for ENV_LOCK_WAIT at most) and let go at
    once — so a run claiming its name or a prune met midway is no finding. The lock is never held for a read: a verify
    holding it while it hashes a large env would keep a run from sealing (and a CI job's prune) that long, and verifies
    in a loop could keep it waiting for good (flock lets new shared holders in past a waiting exclusive one)."""
    before = (len(verdict.checked), len(verdict.findings), len(verdict.notes), set(verdict.envs))
    env_hashes = _verify_env(env_dir, trusted, expect, verdict, pages)
    if len(verdict.findings) == before[1]:
        return env_hashes
    del verdict.checked[before[0]:], verdict.findings[before[1]:], verdict.notes[before[2]:]
    verdict.envs = before[3]
    with env_read_lock(env_dir) as unlocked:  # what held it is done: its archive sealed, its prune over
        pass
    verdict.notes += [unlocked] if unlocked else []
    return _verify_env(env_dir, trusted, expect, verdict, pages)


def _say_not_archives(env_dir: Path, verdict: Verdict) -> None:
    """What is in an env folder not under an archive's name, in one note: not a finding, nothing in it verified — but
    an archive moved out of its name there is `tampered` (_say_moved_archives)."""
    _say_moved_archives(env_dir, verdict)
    _say_leftovers_holding_archives(env_dir, verdict)
    others = not_archives(env_dir)
    if not others:
        return
    shown = [f"{p.name} ({_entry_kind(p)})" for p in others[:NOT_ARCHIVES_SHOWN]]
    more = f", … {len(others) - NOT_ARCHIVES_SHOWN} more" if len(others) > NOT_ARCHIVES_SHOWN else ""
    verdict.notes.append(f"{env_dir.name}: not under an archive's name (<UTC start>_<deploy id>), so not verified as "
                         f"archives: {', '.join(shown)}{more}")


_RENAMED_OUT = "holds an archive's {} under a name that is not an archive's (<UTC start>_<deploy id>): an archive " \
               "renamed out of the chain"


def _say_moved_archives(env_dir: Path, verdict: Verdict) -> None:
    """A folder of the env that is no archive (under a dot-name too) holding an archive's seal, or holding a folder
    that does (SEARCH_DEPTH down), is an archive renamed or moved out of the chain, the newest one too (which nothing
    links to yet): `tampered` — but for a live run's working folder, which holds its manifest for the moment it takes
    to rename it, and whose files are its own: a note."""
    for holder in other_folders(env_dir):
        working = holder.name.startswith(RUN_WORK)
        if working and held_by_a_run(holder):
            if sealed_files(holder):
                verdict.notes.append(f"{holder.name}: a live run's working folder, sealing its archive (renamed to "
                                     "the archive's name next): not verified; verify again once the run ends")
            _say_sealed_below(holder, verdict, working)  # its own files hold no seal below its top
            continue
        if not os.path.isdir(holder):  # a live run renamed it into place since the listing (with the lock, none can)
            verdict.notes.append(f"{holder.name}: gone while verify read the env (a run renamed its working folder "
                                 "into place, most likely): verify again")
            continue
        _say_sealed_in(holder, holder, verdict, working)


def _say_leftovers_holding_archives(env_dir: Path, verdict: Verdict) -> None:
    """A prune's leftover (`.pruning-<name>-<pid>`: an archive moved aside) is verified where it is by its own top
    manifest (verify_leftover); below its top an archive holds no seal file, so one there is an archive moved out of
    the chain (`.pruning-zz-1/<archive>` verified OK, and the leftover's note said to delete it by hand)."""
    try:
        entries = sorted(env_dir.iterdir())
    except OSError:
        return
    for holder in entries:
        if leftover_of(holder) is not None and not holder.is_symlink() and holder.is_dir():
            _say_sealed_below(holder, verdict, False)


def _say_sealed_below(holder: Path, verdict: Verdict, working: bool) -> None:
    """What of `holder`'s folders (not itself) holds an archive's seal, SEARCH_DEPTH down: each `tampered`."""
    for sub in _folders_in(holder):
        _say_sealed_in(holder, sub, verdict, working)


def _say_sealed_in(holder: Path, searched: Path, verdict: Verdict, working: bool) -> None:
    """What of `searched` (`holder` or a folder of it) holds an archive's seal, SEARCH_DEPTH down: each `tampered`,
    named from `holder`; and a note where there were more folders than were looked in."""
    prefix = "" if searched == holder else searched.name
    found, whole, unlisted, deeper = sealed_within(searched)
    for where, files in found:
        verdict.findings.append(_moved_out(holder, "/".join(part for part in (prefix, where) if part), files, working))
    for where, why in unlisted:  # as a folder inside an archive that cannot be listed (archive_contents)
        named = "/".join(part for part in (holder.name, prefix, where) if part)
        verdict.findings.append(Finding("tampered", named, f"could not be listed ({why}): an archive may have been "
                                                           "moved there"))
    if not whole:
        verdict.notes.append(f"{'/'.join(part for part in (holder.name, prefix) if part)}: holds more than "
                             f"{SEARCH_FOLDERS} folders: only the first {SEARCH_FOLDERS} were looked in for an archive"
                             " moved there")
    if deeper:  # an archive moved further down is not found: the auditor is told where the search stopped
        more = f" and {len(deeper) - 1} more" if len(deeper) > 1 else ""
        verdict.notes.append(f"{'/'.join(part for part in (holder.name, prefix, deeper[0]) if part)}{more}: hold"
                             f"{'s' if not more else ''} folders more than {SEARCH_DEPTH} levels below"
                             f" {'/'.join(part for part in (holder.name, prefix) if part)}, never looked in for an"
                             " archive moved there: look in them by hand")


def _moved_out(holder: Path, where: str, files: list[str], working: bool) -> Finding:
    seal_file = MANIFEST if MANIFEST in files else f"{SIGNATURE} (its {MANIFEST} gone)"
    if where:
        return Finding("tampered", f"{holder.name}/{where}", f"holds an archive's {seal_file} inside {holder.name}/, "
                                                             "not under an archive's name in the env folder: an "
                                                             "archive moved out of the chain")
    what = _RENAMED_OUT.format(seal_file)
    if working:
        what += (" (named as a run's working folder, but no live run holds it; a run killed as it sealed leaves one "
                 "so too: look at it)")
    return Finding("tampered", holder.name, what)


def _entry_kind(path: Path) -> str:
    if path.is_symlink():
        return "a symlink"
    if path.is_dir():
        return "a folder holding a manifest.json" if is_archive(path) else "a folder"
    return _not_a_folder(path)


def _not_a_folder(path: Path) -> str:
    """What an entry that is no folder nor symlink is: a FIFO or a socket is no file one could read as evidence."""
    try:
        mode = os.lstat(path).st_mode
    except OSError:  # gone since its listing: it was none of the others
        return "a file"
    return ("a FIFO" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode)
            else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a file")


def _say_pages(env_dir: Path, verdict: Verdict, only: str | None = None) -> None:
    """The pages rendered beside the env's archives (`only`: beside that one). A page is a view, not part of a seal;
    it is what an auditor opens first, so one that shows another archive's results is a finding: it names the
    manifest it was rendered from, and that is not the manifest of the archive it stands beside (copied, renamed,
    or written there with -o). A page naming the right manifest was rendered from that archive as far as verify can
    tell — a copy of a true page edited by hand would name it too: `opsverify report` renders it again from the
    verified archive."""
    try:
        pages = sorted(p for p in env_dir.iterdir() if p.name.endswith(".html") and _NAMED_TIME.match(p.name)
                       and (only is None or p.name == f"{only}.html"))
    except OSError:
        return
    placed = 0
    for page in pages:
        archive = env_dir / page.name.removesuffix(".html")
        again = f"`opsverify report {archive}` renders the archive's"
        if page.is_symlink():
            verdict.findings.append(Finding("tampered", page.name, "a symlink in place of an archive's page (opsverify "
                                            f"writes its pages as files; this one shows whatever it leads to): remove "
                                            f"it; {again}"))
            continue
        if not is_archive(archive):
            verdict.notes.append(f"{page.name}: a page with no archive of its name here: nothing it shows is verified")
            continue
        try:
            with open_regular(page) as handle:
                head = handle.read(PAGE_HEAD).decode("utf-8", "replace")
            shown = sha256_file(archive / MANIFEST, MANIFEST_LIMIT)
        except (OSError, Malformed) as exc:  # the archive's own manifest: its verify says what is wrong with it
            verdict.notes.append(f"{page.name}: could not be checked ({_why(exc)})")
            continue
        named = _PAGE_MANIFEST.search(head)
        if PAGE_MARK not in head:
            verdict.notes.append(f"{page.name}: not a page opsverify rendered: nothing it shows is verified ({again})")
        elif named is None:
            verdict.notes.append(f"{page.name}: rendered by an opsverify whose pages did not name their manifest: "
                                 f"which archive it shows cannot be told ({again})")
        elif named.group(1) != shown:
            verdict.findings.append(Finding("tampered", page.name, f"the page of another archive: rendered from the "
                                            f"manifest {named.group(1)[:16]}…, and {archive.name}'s is {shown[:16]}…, "
                                            f"so it shows other results than the archive beside it: remove it; "
                                            f"{again}"))
        else:
            placed += 1
    if placed:
        pages_word = "page names its archive's manifest" if placed == 1 else "pages name their archive's manifest"
        verdict.notes.append(f"{env_dir.name}: {placed} rendered {pages_word}: a page is a view made when it was "
                             "rendered, not part of the seal, and what it shows is not checked here (its own "
                             "'verified at render' line included): trust the archive, or render the page again "
                             "(`opsverify report <archive>`)")


_MOVED_ASIDE = (f"moved aside by a prune interrupted before {CHAIN} named it: checked where it is, as one of the "
                "chain; run `opsverify prune` again to finish it")


def verify_leftover(folder: Path, trusted: Ed25519PublicKey | None, verdict: Verdict,
                    remembered: set[str], covered: dict[str, str] | None = None) -> dict[str, Any] | None:
    """What a prune killed mid-way left (`.pruning-<name>-<pid>`). Killed before chain.jsonl named it, the archive
    is whole (a rename moved it): it is verified where it is, as one of the chain (chain_nodes) — its files, its
    seal, its name, and, through the next archive's link, its manifest's hash; a folder made by hand under such a
    name holds no manifest with that hash, so a removal stays a finding. Killed after (`remembered`: the hashes
    chain.jsonl names), the archive is pruned and what is left of its folder is no evidence (it was being deleted)."""
    name = leftover_of(folder)
    if folder.is_symlink() or not folder.is_dir():
        verdict.notes.append(f"{folder.name}: named as an interrupted prune leaves an archive, but a symlink or not a "
                             "folder (prune makes neither): nothing is read from it; delete it by hand")
        return None
    data = leftover_manifest(folder)
    if data is None:
        verdict.notes.append(f"{folder.name}: left by an interrupted prune, without a readable {MANIFEST}: not read as "
                             "an archive; look at it, then delete it by hand")
        return None
    if sha256_bytes(data) in remembered:
        verdict.notes.append(f"{folder.name}: {name} is pruned (named in {CHAIN}), but an interrupted prune left "
                             "what remains of its folder: run `opsverify prune` again to delete it")
        return None
    manifest = verify_archive(folder, trusted, verdict, name, covered)
    verdict.notes.append(f"{folder.name}: holds {name}, {_MOVED_ASIDE}")
    return manifest


def _later_link(archive: Path, node: Node, trusted: Ed25519PublicKey | None, own_ok: bool, signed: bool,
                verdict: Verdict, covered: dict[str, str] | None = None) -> None:
    """`verify <archive>`: a later archive's link into it names another manifest hash. Which of the two changed,
    only a key can say: when the archive verified is as the given key signed it (`own_ok`) and the later one
    does not verify itself (its files or seal), the later one's link is what changed — said in a note, and found
    when that one (or the env) is verified. Else either may have changed: a finding, named on the later one."""
    env_dir = archive.parent
    label = node.folder or f"{node.archive} (pruned)"
    check = Verdict()
    if node.folder is not None:
        folder = env_dir / node.folder
        verify_archive(folder, trusted, check, leftover_of(folder), covered)
    else:
        verify_pruned(env_dir, trusted, check, only={node.manifest_sha256}, covered=covered)
    own = check.findings[0] if check.findings else None
    if trusted is not None and own_ok and own is not None:
        verdict.notes.append(f"{label}, the next archive, links to {archive.name} by a manifest hash it does not "
                             f"have, and does not verify itself ({own.where}: {own.what}): {label} was changed after "
                             f"sealing, not {archive.name}, which is as the given key signed it (`opsverify verify "
                             f"{env_dir}` lists every finding)")
        return
    what = (f"its link to {archive.name} (the archive verified) names a manifest hash {archive.name} does not have: "
            f"{label}'s link was changed after sealing, or {archive.name} was")
    if own is not None:
        what += f"; {label} does not verify itself either ({own.where}: {own.what})"
    elif trusted is None:
        unsigned = any(note.endswith(UNSIGNED) for note in check.notes)
        hint = f"{label} is not signed, {archive.name} is: " if own_ok and signed and unsigned else ""
        what += f" ({hint}with --public-key, a seal the key did not make tells which)"
    verdict.findings.append(Finding("broken-chain", label, what))


def _one_env(env_dir: Path, manifests: list[dict[str, Any]], verdict: Verdict, asked: bool = False) -> None:
    """One chain is one env's: archives of another env in it were moved or copied in. An env folder is named for its
    env (a run writes reports/<env>): one holding another env's archives would pass that env's evidence off as its
    own to whoever checks the exit code — unless the user asked for those archives (`asked`: an --expect hash is in
    this chain), which names the env they expect."""
    counted = Counter(str(manifest.get("env")) for manifest in manifests)
    if len(counted) > 1:
        verdict.findings.append(Finding("broken-chain", env_dir.name, "archives of more than one env in one chain: "
                                        + ", ".join(f"{env} ({n})" for env, n in sorted(counted.items()))))
    elif counted and env_dir.name not in counted:
        env = next(iter(counted))
        said = f"its archives are of env {env}, not {env_dir.name}"
        if asked:
            verdict.notes.append(f"{env_dir.name}: {said}")
        else:
            verdict.findings.append(Finding("broken-chain", env_dir.name, f"{said} (the folder's name): moved or copied "
                                            f"in from env {env}'s folder; to verify them where they are, pass --expect "
                                            "with the manifest hash of one of them (a run prints it), or put them in "
                                            f"a folder named {env}"))
    verdict.envs.update(counted)


def _expected(path: Path, expect: tuple[str, ...], hashes: set[str], verdict: Verdict) -> None:
    for prefix in expect:
        if not any(digest.startswith(prefix) for digest in hashes):
            verdict.findings.append(Finding("broken-chain", str(path), f"no archive in the chain has manifest sha256 "
                                            f"{prefix} (given with --expect): that archive was removed (not by "
                                            "opsverify prune), or changed after sealing (its manifest rewritten) — "
                                            "the chain cannot tell which"))
