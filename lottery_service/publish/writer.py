"""The static publication of an event (PROTOCOL.md §18.1), written after each checkpoint.

`publish_event` is the one entry point: it extends the event's tlog-tiles from
what is already published (O(new entries), `tiles.TileBuilder`), writes the
policy, keys, bundle, family shards, `state.json` and the pages' assets, and
writes `checkpoint` last, so that a reader sees the old checkpoint or the new
one, never one whose tiles are missing.

Durability. Every file is written to a temporary name beside it and renamed
(atomic for concurrent readers). Instead of an fsync per file (4 ms each on a
journalled disk: hours for a province's two million shards) one `syncfs`
barrier makes everything durable before the checkpoint that refers to it is
written with its own fsync and a directory fsync. After a crash the old
checkpoint stands; files of the unfinished attempt lie beyond it and are
rewritten by the next call (the `.attempt` file records how far an attempt
may have written).

Root kinds (§19). A publication root is official unless its `publication-kind`
file says `rehearsal`; a rehearsal (origin `<prefix>/rehearsal/<event>`) is
refused in an official root and an official event in a rehearsal root, so a
mock run can never appear where families read results (see docs/PUBLISHING.md).
"""

from __future__ import annotations

import contextlib
import ctypes
import fcntl
import json
import os
import re
import secrets
import shutil
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Final
from urllib.parse import quote

from ..core.errors import ProtocolError
from ..core.note import Checkpoint, NoteError, split_note
from ..core.policy import Policy, PolicyError
from ..core.records import EVENT_ID
from ..core.strict import ID
from .shards import FamilyReceipt, seal
from .tiles import Frontier, TileBuilder, TileConflictError, TileError, TileFile

KIND_FILE: Final = "publication-kind"
REHEARSAL_SEGMENT: Final = "rehearsal"
# Top-level names of an event directory that the assets must not take (§18.1).
RESERVED: Final = frozenset({"checkpoint", "tile", "policy", "keys", "bundle", "shards",
                             "state.json", "state", "context.tlog-proof",
                             "supervision.json"})
STATE_PAGE: Final = re.compile(rf"(?:{ID.pattern})/(?:admitted|waiting)/[1-9][0-9]{{0,5}}\.json")
_LOCK: Final = ".lock"
_ATTEMPT: Final = ".attempt"  # the largest size a publish started writing (crash recovery)


class PublishError(ProtocolError):
    """The publication cannot be written as asked; nothing newer than before is published."""

    section = "18"


class RootKind(Enum):
    """What a publication root serves (§19): real results or rehearsals only."""

    OFFICIAL = "official"
    REHEARSAL = "rehearsal"


def init_root(root: Path, kind: RootKind) -> None:
    """Create a publication root of `kind`; an existing root must be of that kind already."""
    root.mkdir(parents=True, exist_ok=True)
    marker = root / KIND_FILE
    if marker.exists():
        if root_kind(root) is not kind:
            raise PublishError(f"发布目录 {root} 已是 {root_kind(root).value}，不能改为 "
                               f"{kind.value}；publication root is {root_kind(root).value}, "
                               f"not {kind.value} (§19)")
        return
    _Files(root).commit(KIND_FILE, f"{kind.value}\n".encode("ascii"))


def root_kind(root: Path) -> RootKind:
    """The kind a root is marked with; unmarked roots are official."""
    try:
        text = (root / KIND_FILE).read_text(encoding="ascii")
    except FileNotFoundError:
        return RootKind.OFFICIAL
    for kind in RootKind:
        if text == f"{kind.value}\n":
            return kind
    raise PublishError(f"{root / KIND_FILE} is neither 'official\\n' nor 'rehearsal\\n'")


@dataclass(frozen=True)
class PublishReport:
    """What one `publish_event` call wrote."""

    event_id: str
    size: int
    previous_size: int
    tiles: int  # hash tiles and entry bundles written
    shards: int
    checkpoint_changed: bool
    paths: tuple[str, ...]  # every file written, relative to the event directory (for upload)


def published_checkpoint(root: Path, event_id: str) -> Checkpoint | None:
    """The checkpoint an event's publication serves now, or None before the first publish."""
    try:
        note = (root / event_id / "checkpoint").read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    try:
        return Checkpoint.parse(split_note(note)[0])
    except NoteError as e:
        raise PublishError(f"published checkpoint of {event_id} is unreadable: {e}") from None


def publish_event(
    root: Path,
    event_id: str,
    *,
    checkpoint: str,
    policy: str,
    entries_since: Callable[[int], Iterable[bytes]],
    state: bytes,
    state_pages: Iterable[tuple[str, bytes]] = (),
    supervision: bytes | None = None,
    receipts: Iterable[FamilyReceipt] = (),
    context: str | None = None,
    bundle: Path | None = None,
    assets: Path | None = None,
) -> PublishReport:
    """Publish `checkpoint` (a signed note with its cosignatures) for `event_id` under `root`.

    `entries_since(n)` yields the log's entry bytes from seq n on (the writer
    asks from the size it has already published and takes only what the
    checkpoint covers). `policy` is the tlog-policy text (§13.1): the
    checkpoint must carry a valid signature of its log, whose key name is the
    origin; `keys/` is written from it. `receipts` are the families whose
    receipts changed with this checkpoint (§18.3); `context` the event context (§14.1)
    under this very checkpoint, written as `context.tlog-proof`; `state` is `state.json`
    and `state_pages` the ceremony screen's name pages `(<school>/<list>/<page>.json,
    bytes)`, written under `state/`; `supervision` is `supervision.json`, the positions
    of the entries the supervisors' read-only page reads;
    `bundle` a §13 bundle directory to publish under `bundle/` (None keeps the
    current one: copying it is O(log), so pass it when it matters, e.g. after
    `published`); `assets` the pages' static files, copied into the event
    directory. Raises PublishError (or TileError) and publishes nothing new
    when anything does not fit; an equal checkpoint with new cosignatures is
    republished.
    """
    if not EVENT_ID.fullmatch(event_id):
        raise PublishError(f"活动编号 {event_id!r} 不合规则；event id does not match "
                           f"{EVENT_ID.pattern}")
    new, parsed = _check_checkpoint(event_id, checkpoint, policy)
    _check_kind(root, new.origin)
    key_files = _key_files(parsed)
    asset_files = _asset_files(assets) if assets is not None else []
    _check_state(state)
    if supervision is not None:
        _check_state(supervision, "supervision.json")
    if context is not None and context.partition("\n\n")[2] != checkpoint:
        raise PublishError("事件上下文不在这个检查点之下；the event context is not under "
                           "the checkpoint being published (§14.1, §18.1)")
    base = root / event_id
    base.mkdir(parents=True, exist_ok=True)
    files = _Files(base)
    with _locked(base):
        old = published_checkpoint(root, event_id)
        old_size = 0 if old is None else old.size
        if old is not None:
            _check_extends(old, new)
        frontier = _published_frontier(files, old)
        attempted = files.read_attempt()
        if new.size > attempted:
            files.commit(_ATTEMPT, f"{new.size}\n".encode("ascii"))
        builder = TileBuilder(frontier)
        written = 0
        for tile in _new_tiles(builder, entries_since, new.size):
            written += files.write_tile(tile, recoverable=tile.end <= attempted)
        if builder.frontier().root() != new.root_hash:
            raise TileError(f"the published tiles and entries {old_size}..{new.size} do not give "
                            "the checkpoint root: the entries are not this log's, or the log "
                            "forked from what is published")
        if bundle is not None:
            files.swap_directory("bundle", bundle)
        files.write("policy", policy.encode("utf-8"))
        for name, text in key_files.items():
            files.write(f"keys/{name}", text.encode("utf-8"))
        shards = files.write_shards(new.origin, receipts)
        for rel, path in asset_files:
            files.write(rel, path.read_bytes())
        for rel, page in state_pages:
            if not STATE_PAGE.fullmatch(rel):
                raise PublishError(f"name page {rel!r} is not <school>/<list>/<page>.json")
            files.write(f"state/{rel}", page)
        files.write("state.json", state)
        if supervision is not None:
            files.write("supervision.json", supervision)
        if context is not None:
            files.write("context.tlog-proof", context.encode("utf-8"))
        files.barrier()
        changed = files.commit("checkpoint", checkpoint.encode("utf-8"))
        files.remove_stale(key_files)
    return PublishReport(event_id, new.size, old_size, written, shards, changed,
                         tuple(files.written))


def _published_frontier(files: _Files, old: Checkpoint | None) -> Frontier:
    """The right edge of what is published, checked against the published root."""
    if old is None or old.size == 0:
        return Frontier.empty()
    try:
        frontier = Frontier.read(old.size, files.read)
    except TileError as e:
        raise TileError(f"the publication is damaged: {e}") from None
    if frontier.root() != old.root_hash:
        raise TileError(f"the publication is damaged: its partial tiles do not hash to the "
                        f"published checkpoint root at size {old.size}")
    return frontier


def _check_checkpoint(event_id: str, note: str, policy: str) -> tuple[Checkpoint, Policy]:
    """The checkpoint body, after its log signature verified under the policy (§12, §13.1)."""
    try:
        parsed = Policy.parse(policy)
        result = parsed.check(note)
        checkpoint = Checkpoint.parse(split_note(note)[0])
    except (NoteError, PolicyError) as e:
        raise PublishError(f"检查点签名或策略无效；checkpoint or policy rejected: {e}") from None
    if checkpoint.origin != result.log:
        raise PublishError(f"checkpoint origin {checkpoint.origin!r} is not the policy's log "
                           f"key name {result.log!r} (§12.1)")
    if checkpoint.extensions:
        raise PublishError("checkpoint has extension lines; v2 checkpoints carry none (§12.2)")
    if not checkpoint.origin.endswith(f"/{event_id}"):
        raise PublishError(f"checkpoint origin {checkpoint.origin!r} is not of event "
                           f"{event_id} (§12.1)")
    return checkpoint, parsed


def _is_rehearsal(origin: str) -> bool:
    """§12.1: the origin is `<prefix>/rehearsal/<event>` exactly for a rehearsal."""
    return origin.split("/")[-2] == REHEARSAL_SEGMENT


def _check_kind(root: Path, origin: str) -> None:
    kind = root_kind(root)
    if _is_rehearsal(origin) and kind is RootKind.OFFICIAL:
        raise PublishError(f"演练不能发布到正式发布目录 {root}；a rehearsal ({origin}) is never "
                           "published into an official root: mark a separate root with "
                           "init_root(root, RootKind.REHEARSAL) (§19)")
    if not _is_rehearsal(origin) and kind is RootKind.REHEARSAL:
        raise PublishError(f"正式活动不能发布到演练发布目录 {root}；an official event "
                           f"({origin}) is never published into a rehearsal root (§19)")


def _check_extends(old: Checkpoint, new: Checkpoint) -> None:
    if new.origin != old.origin:
        raise PublishError(f"checkpoint origin {new.origin!r} differs from the published "
                           f"{old.origin!r}")
    if new.size < old.size:
        raise PublishError(f"checkpoint of size {new.size} is older than the published size "
                           f"{old.size}: a publication never rolls back (§12.2)")
    if new.size == old.size and new.root_hash != old.root_hash:
        raise TileConflictError(f"checkpoint of size {new.size} has another root than the "
                                "published one: the log forked")


def _new_tiles(builder: TileBuilder, entries_since: Callable[[int], Iterable[bytes]],
               size: int) -> Iterator[TileFile]:
    """Full tiles as the entries complete them, then the new size's partial tiles."""
    if builder.size < size:
        for entry in entries_since(builder.size):
            yield from builder.append(entry)
            if builder.size == size:
                break
    if builder.size != size:
        raise PublishError(f"the log yielded entries up to {builder.size}, the checkpoint "
                           f"covers {size}")
    yield from builder.partial_tiles()


def _key_files(policy: Policy) -> dict[str, str]:
    """keys/ as §13 names them, from the policy's one log and its witnesses."""
    if len(policy.logs) != 1:
        raise PublishError(f"policy lists {len(policy.logs)} logs, expected the event's one")
    files = {"log.vkey": policy.logs[0].key.to_text() + "\n"}
    for witness in policy.witnesses:
        files[f"witness-{quote(witness.name, safe='')}.vkey"] = witness.key.to_text() + "\n"
    return files


def _check_state(state: bytes, name: str = "state.json") -> None:
    try:
        value = json.loads(state)
    except (UnicodeDecodeError, ValueError) as e:
        raise PublishError(f"{name} is not JSON: {e}") from None
    if not isinstance(value, dict):
        raise PublishError(f"{name} is not a JSON object")


def _asset_files(source: Path) -> list[tuple[str, Path]]:
    """The pages' files by their path in the event directory, checked before any write."""
    files = []
    for path in sorted(source.rglob("*")):
        if path.is_dir():
            continue
        rel = path.relative_to(source).as_posix()
        top = rel.split("/", 1)[0]
        if top in RESERVED or any(part.startswith(".") for part in rel.split("/")):
            raise PublishError(f"asset {rel!r} would shadow a publication file or is hidden")
        files.append((rel, path))
    return files


@contextlib.contextmanager
def _locked(base: Path) -> Iterator[None]:
    """One writer per event at a time, across processes (several app workers)."""
    with open(base / _LOCK, "a+b") as handle:
        fcntl.flock(handle.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle.fileno(), fcntl.LOCK_UN)


def _syncfs(path: Path) -> None:
    """Flush the file system holding `path`: syncfs(2) on Linux, sync(2) elsewhere."""
    libc = ctypes.CDLL(None, use_errno=True)
    syncfs = getattr(libc, "syncfs", None)
    if syncfs is None:
        os.sync()
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        if syncfs(fd) != 0:
            errno = ctypes.get_errno()
            raise OSError(errno, f"syncfs failed: {os.strerror(errno)}")
    finally:
        os.close(fd)


class _Files:
    """Atomic file writes under one directory (temporary name, rename)."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self._dirs: set[str] = set()  # directories known to exist (a mkdir per file costs)
        self.written: list[str] = []  # public files written, in order

    def read(self, rel: str) -> bytes:
        try:
            return (self.base / rel).read_bytes()
        except FileNotFoundError:
            raise TileError(f"{rel} is missing from the publication") from None

    def read_attempt(self) -> int:
        try:
            text = (self.base / _ATTEMPT).read_text(encoding="ascii")
        except FileNotFoundError:
            return 0
        if not text.endswith("\n") or not text[:-1].isdigit():
            raise PublishError(f"{self.base / _ATTEMPT} is damaged")
        return int(text)

    def _replace(self, target: Path, data: bytes, *, fsync: bool) -> None:
        parent = os.path.dirname(target)
        if parent not in self._dirs:
            os.makedirs(parent, exist_ok=True)
            self._dirs.add(parent)
        temp = f"{parent}/.{target.name}.tmp-{secrets.token_hex(6)}"
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            try:
                view = memoryview(data)
                while view:
                    view = view[os.write(fd, view):]
                if fsync:
                    os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(temp, target)
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(temp)
            raise

    def write(self, rel: str, data: bytes, *, compare: bool = True) -> bool:
        """Write `rel` unless it already holds `data`; True when written."""
        target = self.base / rel
        if compare:
            with contextlib.suppress(FileNotFoundError):
                if target.read_bytes() == data:
                    return False
        self._replace(target, data, fsync=False)
        self.written.append(rel)
        return True

    def write_shards(self, origin: str, receipts: Iterable[FamilyReceipt]) -> int:
        """Seal and write each family's shard (rewritten in place: new nonce, §18.3)."""
        count = 0
        for family in receipts:
            shard = seal(origin, family)
            self.write(shard.path, shard.data, compare=False)
            count += 1
        return count

    def write_tile(self, tile: TileFile, *, recoverable: bool) -> int:
        """Write a new tile; an existing one must be identical unless an unfinished
        attempt may have left it (`recoverable`): tiles never change (§18.1)."""
        target = self.base / tile.path
        try:
            existing = target.read_bytes()
        except FileNotFoundError:
            existing = None
        if existing == tile.data:
            return 0
        if existing is not None and not recoverable:
            raise TileConflictError(f"{tile.path} exists with other content: refusing to "
                                    "change a tile (the log or the publication forked)")
        self._replace(target, tile.data, fsync=False)
        self.written.append(tile.path)
        return 1

    def barrier(self) -> None:
        """Make every file written so far durable before the checkpoint names it."""
        _syncfs(self.base)

    def commit(self, rel: str, data: bytes) -> bool:
        """Write `rel` durably now (fsync, rename, fsync of the directory)."""
        target = self.base / rel
        with contextlib.suppress(FileNotFoundError):
            if target.read_bytes() == data:
                return False
        self._replace(target, data, fsync=True)
        fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
        if not rel.startswith("."):
            self.written.append(rel)
        return True

    def swap_directory(self, name: str, source: Path) -> None:
        """Publish a copy of `source` at `name` by replacing a symlink (§13: atomic)."""
        link = self.base / name
        staging = self.base / f".{name}-{secrets.token_hex(6)}"
        shutil.copytree(source, staging, symlinks=False)
        temp = self.base / f".{name}.link-{secrets.token_hex(4)}"
        os.symlink(staging.name, temp)
        if link.exists() and not link.is_symlink():
            raise PublishError(f"{link} is a directory, not the symlink the writer made")
        os.replace(temp, link)
        self.written += sorted(f"{name}/{p.relative_to(staging).as_posix()}"
                               for p in staging.rglob("*") if p.is_file())

    def remove_stale(self, key_files: dict[str, str]) -> None:
        """After the commit: drop old bundle copies and keys the policy no longer lists."""
        current = (self.base / "bundle").resolve() if (self.base / "bundle").is_symlink() \
            else None
        for stale in self.base.glob(".bundle-*"):
            if stale.resolve() != current:
                shutil.rmtree(stale, ignore_errors=True)
        keys = self.base / "keys"
        for path in keys.glob("*.vkey"):
            if path.name not in key_files:
                path.unlink(missing_ok=True)
