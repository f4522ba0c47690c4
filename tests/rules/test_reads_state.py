"""Which read decisions a commit can change: the rules seam's `read_reads_state`."""

from __future__ import annotations

from pathlib import Path

from messenger_emulators.rules import RuleSet

REPO_RULES = Path(__file__).resolve().parents[2] / "database.rules.json"


def rules(doc: dict) -> RuleSet:
    return RuleSet.from_document({"rules": doc})


def test_auth_and_wildcard_rules_do_not_read_state():
    rs = rules({"a": {"$uid": {".read": "auth != null && auth.uid === $uid"}},
                "b": {".read": True}, "c": {".read": "query.limitToFirst <= 10"}})
    assert not rs.read_reads_state(("a", "alice"))
    assert not rs.read_reads_state(("a", "alice", "deeper", "still"))
    assert not rs.read_reads_state(("b",))
    assert not rs.read_reads_state(("c",))
    assert not rs.read_reads_state(("nowhere",))


def test_rules_reading_root_data_or_now_read_state():
    rs = rules({"m": {"$c": {".read": "root.child('members/' + $c + '/' + auth.uid).exists()"}},
                "d": {".read": "data.child('public').val() === true"},
                "t": {".read": "now < 4102444800000"},
                "deep": {"$x": {"y": {".read": "auth != null"}}, ".read": "data.exists()"}})
    assert rs.read_reads_state(("m", "chat"))
    assert rs.read_reads_state(("d",))
    assert rs.read_reads_state(("t",))
    # a state-reading rule anywhere on the way counts, even above a static one
    assert rs.read_reads_state(("deep", "x", "y"))
    # a rule below the read location is not on its way
    assert not rs.read_reads_state(("m",))


def test_the_repository_rules_stream_paths_are_static():
    rs = RuleSet.from_text(REPO_RULES.read_text())
    for path in (("userChats", "alice"), ("messages", "alice_bob"), ("status",), ("users",)):
        assert not rs.read_reads_state(path), path


def test_a_wildcard_pattern_folds_away_branches_that_read_state():
    # the messenger's chat read: a direct id decides on auth alone, a group id reads the
    # group's record; folding `$c.matches(...)` for the stream's own path tells them apart
    rs = rules({"m": {"$c": {".read": "auth != null && (($c.matches(/^[a-z]+_[a-z]+$/) && "
                                      "$c.beginsWith(auth.uid + '_')) || ($c.matches(/^g-/) && "
                                      "root.child('chats/' + $c + '/members/' + auth.uid)"
                                      ".exists()))"}},
                "t": {"$c": {".read": "!$c.matches(/^x/) ? auth != null : now > 0"}},
                "u": {"$c": {".read": "$c.matches(/^x/) || data.exists()"}}})
    assert not rs.read_reads_state(("m", "alice_bob"))
    assert rs.read_reads_state(("m", "g-123"))
    assert not rs.read_reads_state(("t", "abc"))
    assert rs.read_reads_state(("t", "xyz"))
    assert not rs.read_reads_state(("u", "xyz"))  # || short-circuits on a true pattern
    assert rs.read_reads_state(("u", "abc"))


def test_the_repository_rules_group_streams_read_state():
    rs = RuleSet.from_text(REPO_RULES.read_text())
    for path in (("messages", "g-AAAAAAAAAAAAAAAAAAAA"), ("chats", "g-AAAAAAAAAAAAAAAAAAAA"),
                 ("receipts", "g-AAAAAAAAAAAAAAAAAAAA"), ("typing", "g-AAAAAAAAAAAAAAAAAAAA")):
        assert rs.read_reads_state(path), path
    for path in (("receipts", "alice_bob"), ("typing", "alice_bob"), ("chats", "alice_bob")):
        assert not rs.read_reads_state(path), path


def test_read_state_prefixes_name_the_data_read_rules_read():
    assert RuleSet.from_text(REPO_RULES.read_text()).read_state_prefixes() == {"chats"}
    rs = rules({"m": {"$c": {".read": "root.child('members/' + $c).exists() || "
                                      "root.child('bans').child(auth.uid).exists()"}},
                "d": {"$x": {".read": "data.child('open').val() === true"}},
                "t": {".read": "now > 0"}, "u": {".read": "auth != null"}})
    assert rs.read_state_prefixes() == {"members", "bans", "d"}
    deep = rules({"m": {"$c": {".read": "root.child('x/' + $c + '/' + auth.uid).exists()"}}})
    assert deep.read_state_prefixes() == {"x"}
    assert rules({"m": {"$c": {".read": "root.child('x' + $c).exists()"}}}) \
        .read_state_prefixes() is None  # 'x' + $c may be 'xy': any top-level key
    # reads that cannot be placed: unknown, so commits fall back to the batched re-check
    assert rules({"a": {".read": "root.child(auth.uid).exists()"}}).read_state_prefixes() is None
    assert rules({"$a": {".read": "data.exists()"}}).read_state_prefixes() is None
    assert rules({"a": {".read": "root.hasChild('x')"}}).read_state_prefixes() is None


def test_a_multi_path_update_runs_a_shared_write_rule_once_per_location(monkeypatch):
    """The unread trigger writes ~400 paths under 200 members' entries: each member's
    `.write` runs once, with the same decision and the same trace as evaluating it per path."""
    from messenger_emulators.rules import evaluator

    rs = rules({"u": {"$uid": {".write": "newData.child('ok').val() === true || "
                                         "root.child('open').val() === $uid"}}})
    writes = [(("u", f"m{i % 5}", "k", str(i)), i) for i in range(50)]
    new = {"u": {f"m{j}": {"ok": True, "k": {str(i): i for i in range(j, 50, 5)}}
                 for j in range(5)}}
    calls = []
    real = evaluator.run
    monkeypatch.setattr(evaluator, "run", lambda rule, *a: calls.append(rule) or real(rule, *a))
    decision = rs.can_write(writes, None, new, new, 0)
    assert decision.allowed and len(calls) == 5
    assert sum("allowed by" in line for line in decision.trace) == 50
    # refused for one member: still refused, and every path of that member says why
    new["u"]["m3"]["ok"] = False
    calls.clear()
    denied = rs.can_write(writes, None, new, new, 0)
    assert not denied.allowed and len(calls) <= 5
