"""Carrying out a plan on a target: under a lock, stage by stage, in parallel, manifest last."""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import getpass
import json
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Protocol, TextIO

from clgtv.errors import StorageError
from clgtv.storage.plan import (
    LOCK_KEY,
    MANIFEST_KEY,
    STAGES,
    LocalFile,
    Manifest,
    Plan,
    make_plan,
    manifest_bytes,
    needs_checksum,
    parse_manifest,
    scan,
)

Log = Callable[[str], None]
AfterFeeds = Callable[[tuple[LocalFile, ...]], None]
STALE_AFTER = dt.timedelta(minutes=3)  # a running publish refreshes its lock far more often than this
REFRESH_EVERY = 30.0  # seconds
HEARTBEAT = "clgtv lock heartbeat"  # the thread's name


class Target(Protocol):
    """What a publishing target offers; keys are relative to the target's root."""

    workers: int

    def objects(self) -> dict[str, int]: ...
    def checksum(self, key: str) -> str | None: ...
    def read(self, key: str) -> bytes | None: ...
    def write(self, key: str, data: bytes, only_if_absent: bool = False) -> bool: ...
    def put(self, local: LocalFile, progress: Callable[[int], None]) -> None: ...
    def delete(self, keys: Iterable[str]) -> None: ...
    def sweep(self) -> int: ...


def publish(
    site_dir: Path,
    target: Target,
    dry_run: bool = False,
    prune: bool = False,
    log: Log = lambda _: None,
    live: TextIO | None = None,
    after_feeds: AfterFeeds = lambda _: None,
) -> Plan:
    """Sync the built site to the target. A dry run reads the target, prints the plan and writes nothing.
    `after_feeds(uploads)` is called with the feeds stage's uploads once they are all up (not on a dry run)."""
    if dry_run:
        plan = make_target_plan(site_dir, target, prune)  # refuses a target clgtv does not own
        _show(plan, log, dry_run=True)
        return plan
    read_manifest(target, bool(target.objects()))  # refused before the lock is written, too
    with locked(target, log) as lock:
        if swept := target.sweep():
            log(f"removed {swept} half-written files that a publish cut off left in {target}")
        plan = make_target_plan(site_dir, target, prune)
        _show(plan, log, dry_run=False)
        if target.read(MANIFEST_KEY) is None:  # claim a fresh target first: a first publish cut off can be rerun
            target.write(MANIFEST_KEY, manifest_bytes({}))
        confirm = functools.partial(still_ours, target, lock)
        carry_out(plan, target, Progress(log, live), confirm=confirm, after_feeds=after_feeds)
    return plan


def make_target_plan(site_dir: Path, target: Target, prune: bool) -> Plan:
    built = scan(site_dir)
    present = target.objects()
    manifest = read_manifest(target, bool(present))
    unsure = needs_checksum(built, present, manifest, prune)
    with ThreadPoolExecutor(max_workers=target.workers) as pool:
        checksums = dict(zip(unsure, pool.map(target.checksum, unsure), strict=True))
    return make_plan(built, present, manifest, checksums, prune, where=f"{target}/")


def read_manifest(target: Target, occupied: bool) -> Manifest:
    """The target's manifest. clgtv writes only where it finds its own manifest, or nothing at all."""
    manifest = own_manifest(target, "clgtv publishes only where its own manifest is")
    if manifest is None:
        if occupied:
            raise StorageError(
                f"{target}: not empty, and not published by clgtv (there is no {MANIFEST_KEY}); "
                "publish to an empty folder or prefix, or to one clgtv published"
            )
        return {}
    return manifest


def own_manifest(target: Target, advice: str) -> Manifest | None:
    """The target's manifest, or None where it has none; a file of its name that clgtv did not write is
    no proof that clgtv published there, and is refused with `advice`."""
    data = target.read(MANIFEST_KEY)
    if data is None:
        return None
    try:
        return parse_manifest(data)
    except ValueError as exc:
        raise StorageError(f"{target}/{MANIFEST_KEY}: {exc}; {advice}") from None


def carry_out(
    plan: Plan,
    target: Target,
    progress: Progress,
    confirm: Callable[[str], None] = lambda _: None,
    after_feeds: AfterFeeds = lambda _: None,
) -> None:
    """Media and side files, then pages, then feeds; each stage completes before the next starts.
    `after_feeds` hears of the feeds uploaded (notifications), also of those that went up before a failure
    stopped the stage: a rerun finds them unchanged and would never tell of them. Deletions (--prune) come
    after the feeds no longer point at them; the manifest is written last. `confirm(what)` raises if the
    lock is no longer ours, before each stage goes up and before anything is deleted or recorded."""
    *first, (name, feeds) = zip(STAGES, plan.stages, strict=True)
    for stage, files in first:
        if files:
            confirm(f"uploading the {stage}")
            _transfer(stage, files, target, progress)
    up: list[LocalFile] = []
    try:
        if feeds:
            confirm(f"uploading the {name}")
            _transfer(name, feeds, target, progress, up)
    finally:
        after_feeds(tuple(local for local in feeds if local in up))  # in the plan's order
    if plan.deletions:
        confirm("deleting anything")
        target.delete(plan.deletions)
    if plan.manifest_changed:
        confirm("writing the manifest")
        target.write(MANIFEST_KEY, manifest_bytes(plan.manifest))


def _transfer(
    name: str, files: tuple[LocalFile, ...], target: Target, progress: Progress, up: list[LocalFile] | None = None
) -> None:
    """Upload `files` at once; `up` collects each one that is wholly up."""
    progress.start(name, files)
    with ThreadPoolExecutor(max_workers=target.workers) as pool:
        futures = {pool.submit(target.put, local, progress.add): local for local in files}
        try:
            for future in as_completed(futures):
                future.result()
                progress.file_done()
                if up is not None:
                    up.append(futures[future])
        except BaseException:
            for future in futures:
                future.cancel()
            raise
    progress.finish()


def _show(plan: Plan, log: Log, dry_run: bool) -> None:
    upload, delete = ("would upload", "would delete") if dry_run else ("upload", "delete")
    for local in plan.uploads:
        log(f"{upload} {local.key} ({human_bytes(local.size)})")
    for key in plan.deletions:
        log(f"{delete} {key}")
    if dry_run:
        for key in plan.kept:
            log(f"keep {key} (no longer built; --prune would delete it)")


# --- the lock ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Lock:
    """The `.clgtv/lock` object: who is publishing, since when."""

    owner: str
    host: str
    pid: int
    created: str  # ISO 8601, UTC
    token: str
    refreshed: str = ""  # ISO 8601, UTC: the holder's last sign of life (locks before 0.2 have none)

    @classmethod
    def mine(cls, now: dt.datetime) -> Lock:
        host = socket.gethostname()
        owner = f"{_user()}@{host}"
        stamp = now.isoformat(timespec="seconds")
        return cls(owner, host, os.getpid(), stamp, uuid.uuid4().hex, refreshed=stamp)

    @classmethod
    def parse(cls, data: bytes | None) -> Lock | None:
        """The lock, or None for anything else (garbage, another tool's file, a half-written lock)."""
        try:
            body = json.loads(data) if data is not None else None
            known = {f.name for f in fields(cls)}  # a newer clgtv's extra fields are no reason to take over
            lock = cls(**{k: v for k, v in body.items() if k in known}) if body is not None else None
        except (ValueError, TypeError, AttributeError):
            return None
        return lock if lock and lock._well_formed() else None

    def _well_formed(self) -> bool:
        texts = (self.owner, self.host, self.created, self.token, self.refreshed)
        if not all(isinstance(t, str) for t in texts) or type(self.pid) is not int:
            return False
        return all(_utc(stamp) is not None for stamp in (self.created, self.refreshed or self.created))

    def encode(self) -> bytes:
        return (json.dumps(asdict(self), indent=1) + "\n").encode()

    def refresh(self, now: dt.datetime) -> Lock:
        return replace(self, refreshed=now.isoformat(timespec="seconds"))

    def stale_because(self, now: dt.datetime) -> str | None:
        """Why a crashed run's lock may be taken over, from any machine: not refreshed for STALE_AFTER
        (or stamped further ahead than that: a clock gone wrong), or its process on this machine has ended."""
        age = now - _utc(self.refreshed or self.created)
        if age > STALE_AFTER:
            return f"not refreshed for {_minutes(STALE_AFTER)}"
        if -age > STALE_AFTER:
            return f"refreshed {_minutes(-age)} in the future"
        if self.host == socket.gethostname() and not _running(self.pid):
            return f"its process {self.pid} on this machine has ended"
        return None


@contextlib.contextmanager
def locked(
    target: Target, log: Log, now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)
) -> Iterator[Lock]:
    """Hold `.clgtv/lock` for the whole publish, refreshing it every REFRESH_EVERY seconds; take over a
    stale one with a warning; release it in any case."""
    lock = Lock.mine(now())
    if not target.write(LOCK_KEY, lock.encode(), only_if_absent=True):
        held = Lock.parse(target.read(LOCK_KEY))
        why = held.stale_because(now()) if held else "unreadable"
        if why is None:
            raise StorageError(
                f"{target}: another publish is running ({held.owner}, pid {held.pid}, since {held.created}); "
                f"wait for it, or delete {target}/{LOCK_KEY} if it has crashed"
            )
        who = f" from {held.owner}, pid {held.pid}, since {held.created}" if held else ""
        log(f"warning: {target}: taking over a stale lock{who} ({why})")
        target.write(LOCK_KEY, lock.encode())
    stop = threading.Event()
    beat = threading.Thread(target=_heartbeat, args=(target, lock, now, stop, log), name=HEARTBEAT, daemon=True)
    beat.start()
    try:
        yield lock
    finally:
        stop.set()
        beat.join()
        _release(target, lock, log)


def _heartbeat(target: Target, lock: Lock, now: Callable[[], dt.datetime], stop: threading.Event, log: Log) -> None:
    """Rewrite the lock with a fresh time while it is still ours, so others know this publish lives."""
    while not stop.wait(REFRESH_EVERY):
        try:
            if _ours(Lock.parse(target.read(LOCK_KEY)), lock):
                target.write(LOCK_KEY, lock.refresh(now()).encode())
        except StorageError as exc:  # an outage: the publish itself will fail and say why
            log(f"warning: the lock could not be refreshed: {exc}")


def _ours(held: Lock | None, lock: Lock) -> bool:
    return held is not None and held.token == lock.token


def still_ours(target: Target, lock: Lock, what: str, run: str = "this publish") -> None:
    """Raise unless the lock is still ours: a `run` (a publish) stalled for minutes (a laptop asleep) may
    have had it taken over, and must not then delete or write anything under the new holder."""
    held = Lock.parse(target.read(LOCK_KEY))
    if not _ours(held, lock):
        who = f" by {held.owner}, pid {held.pid}, since {held.created}" if held else ""
        raise StorageError(
            f"{target}: {run} stalled and its lock was taken over{who}; it stopped before {what}. Run it again"
        )


def _release(target: Target, lock: Lock, log: Log) -> None:
    try:
        if _ours(Lock.parse(target.read(LOCK_KEY)), lock):  # never remove a lock someone else took over
            target.delete([LOCK_KEY])
    except StorageError as exc:
        log(f"warning: the lock stays until it goes stale: {exc}")


def _utc(stamp: str) -> dt.datetime | None:
    try:
        moment = dt.datetime.fromisoformat(stamp)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _minutes(span: dt.timedelta) -> str:
    minutes = span.total_seconds() / 60
    return f"{minutes:.0f} minutes" if minutes >= 1.5 else f"{span.total_seconds():.0f} seconds"


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


# --- progress ------------------------------------------------------------------------------------


class Progress:
    """Bytes and rate of each stage: a live line on a terminal (`live`), and a summary line per stage."""

    def __init__(self, log: Log, live: TextIO | None = None, clock: Callable[[], float] = time.monotonic):
        self.log, self.live, self.clock = log, live, clock
        self._lock = threading.Lock()
        self.start("", ())

    def start(self, name: str, files: tuple[LocalFile, ...]) -> None:
        self.name, self.files, self.total = name, len(files), sum(f.size for f in files)
        self.done_files, self.done_bytes = 0, 0
        self.began = self.last_drawn = self.clock()

    def add(self, count: int) -> None:
        with self._lock:
            self.done_bytes += count
            if self.live and self.clock() - self.last_drawn >= 0.2:
                self.last_drawn = self.clock()
                self.live.write(f"\r\033[K{self.line()}")
                self.live.flush()

    def file_done(self) -> None:
        with self._lock:
            self.done_files += 1

    def finish(self) -> None:
        if self.live:
            self.live.write("\r\033[K")
            self.live.flush()
        self.log(self.line())

    def line(self) -> str:
        elapsed = max(self.clock() - self.began, 1e-6)
        return (
            f"  {self.name}: {self.done_files}/{self.files} files, "
            f"{human_bytes(self.done_bytes)}/{human_bytes(self.total)} in {elapsed:.1f} s "
            f"({human_bytes(self.done_bytes / elapsed)}/s)"
        )


def human_bytes(count: float) -> str:
    for unit in ("B", "kB", "MB"):
        if abs(count) < 1000:
            return f"{count:.0f} {unit}" if unit == "B" else f"{count:.1f} {unit}"
        count /= 1000
    return f"{count:.1f} GB"
