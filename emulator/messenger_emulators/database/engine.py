"""Namespaces, commits and commit listeners.

A write is applied in one synchronous step on the event loop (check rules against the tip,
assign the next seq, swap the root), so commit order is well-defined without a lock. Durability
is then awaited outside that step: many writers can wait on the persistence's group commit at
once. Listeners see commits strictly in seq order, each only once it is durable; reads and new
streams see `durable_root`, the root of the last delivered commit, so nothing is ever shown that
could still be lost, and no stream sees a change twice.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from messenger_emulators.persistence import Persistence
from messenger_emulators.rules import Decision, QueryInfo, RuleSet

from . import messages as msg
from . import tree
from .errors import DatabaseError, bad_request
from .etag import EtagMemo
from .identity import Identity
from .paths import Path, to_str
from .push_ids import PushIdGenerator

log = logging.getLogger("messenger_emulators.database")

OPEN_RULES = '{\n  "rules": {\n    ".read": true,\n    ".write": true\n  }\n}\n'
_NAMESPACE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,99}$")


@dataclass(frozen=True)
class Commit:
    namespace: str
    seq: int
    writes: list[tuple[Path, object]]
    old_root: object
    new_root: object
    timestamp_ms: int
    # extension (defaults keep the contract's shape): the location of a PATCH (multi-path
    # update), None for PUT/POST/DELETE. Streams send `patch` events for updates.
    update_base: Path | None = None
    # the request asked for no function triggers (?disableTriggers=true); streams still see it
    disable_triggers: bool = False


@dataclass
class _Pending:
    commit: Commit
    delivered: asyncio.Future
    durable: bool = False
    error: BaseException | None = None


@dataclass
class Namespace:
    name: str
    rules: RuleSet
    root: Any = None             # tip: every accepted write
    durable_root: Any = None     # the root of the last delivered (durable) commit
    seq: int = 0
    pending: deque = field(default_factory=deque)


# (commit, batch): batch is True when more commits are delivered in the same call (a group
# commit completing them together), so a listener may batch its own work (streams send once).
CommitListener = Callable[[Commit, bool], None]
RulesListener = Callable[[str], None]
TraceSink = Callable[[str, Decision], None]




def now_ms() -> int:
    return int(time.time() * 1000)


class DatabaseEngine:
    def __init__(self, project_id: str, rules_text: str | None = None,
                 persistence: Persistence | None = None,
                 initial_roots: dict[str, object] | None = None,
                 rules_trace: bool = False) -> None:
        self.project_id = project_id
        self.persistence = persistence
        self.rules_trace = rules_trace
        # every new namespace starts with these rules (open ones when none are configured)
        self.default_rules = RuleSet.from_text(rules_text if rules_text else OPEN_RULES)
        self.namespaces: dict[str, Namespace] = {}
        self._commit_listeners: list[CommitListener] = []
        self._rules_listeners: list[RulesListener] = []
        self.push_ids = PushIdGenerator()
        self.etags = EtagMemo()
        # True while _deliver hands a listener a commit with more commits in flight
        for name, root in (initial_roots or {}).items():
            ns = self.namespace(name)
            ns.root = ns.durable_root = root

    # --- namespaces and rules ---
    def namespace(self, name: str) -> Namespace:
        ns = self.namespaces.get(name)
        if ns is None:
            if not _NAMESPACE_RE.match(name):
                raise bad_request(msg.BAD_NAMESPACE.format(name=name))
            ns = self.namespaces[name] = Namespace(name=name, rules=self.default_rules)
        return ns

    def set_rules(self, name: str, rules: RuleSet) -> None:
        self.namespace(name).rules = rules
        for listener in list(self._rules_listeners):
            listener(name)

    def add_commit_listener(self, cb: CommitListener) -> None:
        self._commit_listeners.append(cb)

    def remove_commit_listener(self, cb: CommitListener) -> None:
        if cb in self._commit_listeners:
            self._commit_listeners.remove(cb)

    def add_rules_listener(self, cb: RulesListener) -> None:
        self._rules_listeners.append(cb)

    def roots(self) -> dict[str, object]:
        return {name: ns.durable_root for name, ns in self.namespaces.items()}

    # --- reads ---
    def check_read(self, ns: Namespace, path: Path, identity: Identity, root: Any,
                   query: QueryInfo | None = None, trace: TraceSink | None = None) -> None:
        if identity.admin:
            return
        decision = ns.rules.can_read(path, identity.auth, root, now_ms(), query)
        self._trace(f"read {ns.name}{to_str(path)}", decision, trace)
        if not decision.allowed:
            raise DatabaseError(401, msg.PERMISSION_DENIED)

    def _trace(self, what: str, decision: Decision, trace: TraceSink | None) -> None:
        if self.rules_trace:
            log.info("rules %s: %s\n  %s", what, "allowed" if decision.allowed else "denied",
                     "\n  ".join(decision.trace))
        if trace is not None:
            trace(what, decision)

    # --- writes ---
    async def write(self, ns: Namespace, writes: list[tuple[Path, Any]], identity: Identity,
                    *, has_server_values: bool = False, if_match: str | None = None,
                    size_limit: int | None = None, trace: TraceSink | None = None,
                    update_base: Path | None = None,
                    disable_triggers: bool = False,
                    invalid: DatabaseError | None = None) -> Commit | None:
        """Applies `writes` (normalised values, server-value markers unresolved) atomically.

        Access is decided first: nothing a refused caller gets back depends on the data.
        Then `invalid` (the request's own error, held back until access is granted), the
        if-match precondition (its 412 answers with the current value, so it needs read
        access too), the size limit against the data replaced.

        Returns the commit once durable and delivered to listeners, None for a no-op."""
        if not writes:          # an empty PATCH
            if invalid is not None:
                raise invalid
            return None
        now = now_ms()
        old = ns.root
        resolved: list[tuple[Path, Any]] = []
        new = old
        for path, value in writes:
            if has_server_values:
                value = tree.resolve_server_values(value, tree.get(old, path), now)
            resolved.append((path, value))
            new = tree.set_at(new, path, value)
        if not identity.admin:
            decision = ns.rules.can_write(resolved, identity.auth, old, new, now)
            self._trace(f"write {ns.name}{to_str(writes[0][0])}", decision, trace)
            if not decision.allowed:
                raise DatabaseError(401, msg.PERMISSION_DENIED)
        if invalid is not None:
            raise invalid
        if if_match is not None:
            location = writes[0][0]
            if not identity.admin:
                decision = ns.rules.can_read(location, identity.auth, old, now)
                self._trace(f"read {ns.name}{to_str(location)} (if-match)", decision, trace)
                if not decision.allowed:
                    raise DatabaseError(401, msg.PERMISSION_DENIED)
            current = tree.get(old, location)
            current_tag = self.etags.of(ns.name, location, current)
            if current_tag != if_match:
                raise DatabaseError(412, "ETag mismatch", headers={"ETag": current_tag},
                                    body=current, has_body=True)
        if size_limit is not None:
            replaced = sum(tree.json_size(tree.get(old, p)) for p, _ in writes)
            if replaced > size_limit:
                raise bad_request(msg.WRITE_TOO_BIG)
        if new is not old and all(tree.same(tree.get(old, p), v) for p, v in resolved):
            new = old
        if new is old:
            # nothing changes; still answer only after earlier writes are visible
            if ns.pending:
                await asyncio.shield(ns.pending[-1].delivered)
            return None
        ns.seq += 1
        commit = Commit(ns.name, ns.seq, resolved, old, new, now, update_base, disable_triggers)
        ns.root = new
        loop = asyncio.get_running_loop()
        entry = _Pending(commit, loop.create_future())
        ns.pending.append(entry)
        if self.persistence is None:
            entry.durable = True
            self._deliver(ns)
        else:
            # a callback, not a future: the commit completes in the loop iteration that
            # learns of the sync (awaiting a future would take one more)
            try:
                self.persistence.append_then(
                    ns.name, resolved, lambda error: self._durable(ns, entry, error))
            except Exception as exc:
                self._durable(ns, entry, exc)
        # only this writer awaits its own entry (no shield needed: if the writer is
        # cancelled, the commit still goes through and _deliver skips the done future)
        if not entry.delivered.done():
            await entry.delivered
        if entry.error is not None:
            raise DatabaseError(503, msg.NOT_DURABLE.format(reason=entry.error))
        return commit

    def _durable(self, ns: Namespace, entry: _Pending, error: BaseException | None) -> None:
        entry.durable = True
        if error is not None:
            entry.error = error
            log.error("database %s: commit %d not durable: %r", ns.name, entry.commit.seq,
                      entry.error)
        self._deliver(ns)

    def _deliver(self, ns: Namespace) -> None:
        batch = len(ns.pending) > 1
        while ns.pending and ns.pending[0].durable:
            entry = ns.pending.popleft()
            ns.durable_root = entry.commit.new_root
            for listener in list(self._commit_listeners):
                try:
                    listener(entry.commit, batch)
                except Exception:  # one faulty listener must not stop the others
                    log.exception("commit listener %r failed", listener)
            if not entry.delivered.done():
                entry.delivered.set_result(None)

    async def close(self) -> None:
        for ns in self.namespaces.values():
            while ns.pending:
                await asyncio.shield(ns.pending[-1].delivered)
