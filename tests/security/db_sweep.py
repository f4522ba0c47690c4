"""The database sweep's cases: seed data, protected locations (with data / without), every
request variant (method x parameter x header) and every kind of caller, and the check that
a refused caller learns nothing. Used by test_database_sweep.py (loopback) and
test_database_lan.py (a LAN peer, network namespaces)."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field

from tests.database.tokens import unsigned_token

from .db_support import PROJECT, Answer, Client, InProcessSuite, as_admin

EMPTY_NS = "secdbempty"      # a namespace with the same rules and no data
BIG = "x" * 300              # makes several nodes larger than writeSizeLimit=tiny (10 KB)


GROUP, NO_GROUP = "g-AAAAAAAAAAAAAAAAAAAA", "g-ZZZZZZZZZZZZZZZZZZZZ"


def seed_data() -> dict:
    credentials = {f"user{i:03d}": {"hash": f"pbkdf2_sha256$600000${i}${BIG}"}
                   for i in range(40)}
    credentials["alice"] = {"hash": "pbkdf2_sha256$600000$salt$alicehash"}
    credentials["bob"] = {"hash": "pbkdf2_sha256$600000$salt$bobhash"}
    messages = {f"m{i:03d}": {"sender": "alice", "text": f"secret {i} {BIG}", "ts": i}
                for i in range(40)}
    seeded = {
        "credentials": credentials,
        "emails": {"alice@example,com": "alice", "bob@example,com": "bob"},
        "users": {"alice": {"email": "alice@example.com", "displayName": "Alice"},
                  "bob": {"email": "bob@example.com", "displayName": "Bob"}},
        "status": {"alice": {"online": True, "lastSeen": 1}},
        "chats": {"alice_bob": {"members": {"alice": True, "bob": True}, "type": "direct",
                                "createdAt": 1}},
        "messages": {"alice_bob": messages},
        "userChats": {"alice": {"alice_bob": {"readAt": 1, "unreadIds": {"m001": True}}},
                      "bob": {"alice_bob": {"readAt": 1}}},
    }
    # a group neither alice nor mallory is in (a member's web page is not a refused caller)
    seeded["chats"][GROUP] = {"type": "group", "name": "g", "createdAt": 1, "createdBy": "bob",
                              "members": {"bob": "owner", "carol": "member"},
                              "joinedAt": {"bob": 1, "carol": 1}}
    seeded["messages"][GROUP] = messages
    seeded["receipts"] = {GROUP: {"bob": 5, "carol": 7}}
    return seeded


@dataclass(frozen=True)
class Location:
    path: str           # "" is the root
    ns: str = PROJECT

    @property
    def url(self) -> str:
        return f"/{self.path}.json" if self.path else "/.json"


# (holds data, holds none): the same rules apply to both
PAIRS: list[tuple[Location, Location]] = [
    (Location(""), Location("", EMPTY_NS)),
    (Location("credentials"), Location("loginThrottle")),
    (Location("credentials/alice"), Location("credentials/zed")),
    (Location("emails/alice@example,com"), Location("emails/zed@example,com")),
    (Location("userChats/alice"), Location("userChats/carol")),
    (Location("chats/alice_bob"), Location("chats/alice_carol")),
    (Location("messages/alice_bob"), Location("messages/alice_carol")),
    (Location("messages/alice_bob/m001"), Location("messages/alice_bob/m999")),
    (Location(f"chats/{GROUP}"), Location(f"chats/{NO_GROUP}")),
    (Location(f"messages/{GROUP}"), Location(f"messages/{NO_GROUP}")),
    (Location(f"receipts/{GROUP}"), Location(f"typing/{GROUP}")),
]
# readable by any signed-in user, refused to nobody
ANONYMOUS_PAIRS = [
    (Location("users/alice"), Location("users/zed")),
    (Location("status/alice"), Location("status/zed")),
]


@dataclass(frozen=True)
class Variant:
    name: str
    method: str
    params: dict = field(default_factory=dict)
    headers: dict = field(default_factory=dict)
    body: bytes | None = None
    strict: bool = True      # well-formed: must be exactly the caller's plain refusal


def _j(value: object) -> bytes:
    return json.dumps(value).encode()


def variants(etag: str) -> list[Variant]:
    """Every parameter and header the database accepts, on every method; `etag` is the
    current ETag of the location holding data (an attacker who guessed it)."""
    key = '"$key"'
    get = [
        Variant("get", "GET"),
        Variant("print=pretty", "GET", {"print": "pretty"}),
        Variant("print=silent", "GET", {"print": "silent"}),
        Variant("print=bogus", "GET", {"print": "bogus"}),
        Variant("format=export", "GET", {"format": "export"}),
        Variant("shallow", "GET", {"shallow": "true"}),
        Variant("shallow+orderBy", "GET", {"shallow": "true", "orderBy": key}),
        Variant("shallow key window", "GET", {"shallow": "true", "startAt": "a",
                                              "limitToFirst": "2"}),
        Variant("shallow+callback", "GET", {"shallow": "true", "callback": "cb"}),
        Variant("callback", "GET", {"callback": "cb"}),
        Variant("download", "GET", {"download": "x.json"}),
        Variant("timeout=1ms", "GET", {"timeout": "1ms"}),
        Variant("timeout=99min", "GET", {"timeout": "99min"}),
        Variant("unknown param", "GET", {"foo": "bar"}),
        Variant("orderBy key limitToFirst", "GET", {"orderBy": key, "limitToFirst": "1"}),
        Variant("orderBy key limitToLast", "GET", {"orderBy": key, "limitToLast": "2"}),
        Variant("orderBy key range", "GET", {"orderBy": key, "startAt": '"a"', "endAt": '"z"'}),
        Variant("orderBy key equalTo", "GET", {"orderBy": key, "equalTo": '"alice"'}),
        Variant("orderBy key startAfter/endBefore", "GET",
                {"orderBy": key, "startAfter": '"a"', "endBefore": '"z"'}),
        Variant("orderBy value", "GET", {"orderBy": '"$value"', "limitToFirst": "1"}),
        Variant("orderBy priority", "GET", {"orderBy": '"$priority"'}),
        Variant("orderBy child (no index)", "GET", {"orderBy": '"sender"', "equalTo": '"alice"'}),
        Variant("orderBy ts (index)", "GET", {"orderBy": '"ts"', "startAt": "0"}),
        Variant("X-Firebase-ETag", "GET", headers={"X-Firebase-ETag": "true"}),
        Variant("if-none-match", "GET", headers={"if-none-match": etag}),
        Variant("if-match on GET", "GET", headers={"if-match": etag}),
        Variant("X-Rules-Trace", "GET", headers={"X-Rules-Trace": "true"}),
        Variant("event-stream", "GET", headers={"Accept": "text/event-stream"}),
        Variant("event-stream query", "GET", {"orderBy": key, "limitToLast": "1"},
                {"Accept": "text/event-stream"}),
        Variant("override GET", "POST", headers={"X-HTTP-Method-Override": "GET"}),
    ]
    value = _j({"hash": "attacker"})
    put = [
        Variant("put", "PUT", body=value),
        Variant("put print=silent", "PUT", {"print": "silent"}, body=value),
        Variant("put print=pretty", "PUT", {"print": "pretty"}, body=value),
        Variant("put if-match wrong", "PUT", headers={"if-match": "x"}, body=value),
        Variant("put if-match null_etag", "PUT", headers={"if-match": "null_etag"}, body=value),
        Variant("put if-match current", "PUT", headers={"if-match": etag}, body=value),
        Variant("put writeSizeLimit=tiny", "PUT", {"writeSizeLimit": "tiny"}, body=value),
        Variant("put writeSizeLimit=bogus", "PUT", {"writeSizeLimit": "bogus"}, body=value),
        Variant("put X-Firebase-ETag", "PUT", headers={"X-Firebase-ETag": "true"}, body=value),
        Variant("put X-Rules-Trace", "PUT", headers={"X-Rules-Trace": "true"}, body=value),
        Variant("put timestamp", "PUT", body=_j({".sv": "timestamp"})),
        Variant("put increment", "PUT", body=_j({".sv": {"increment": 1}})),
        Variant("put null", "PUT", body=b"null"),
        Variant("put disableTriggers", "PUT", {"disableTriggers": "true"}, body=value),
        Variant("put callback", "PUT", {"callback": "cb"}, body=value),
        Variant("put orderBy", "PUT", {"orderBy": key}, body=value),
        Variant("put timeout", "PUT", {"timeout": "1ms"}, body=value),
        Variant("put bad JSON", "PUT", body=b"{", strict=False),
        Variant("put body over tiny", "PUT", {"writeSizeLimit": "tiny"},
                body=_j({"a": "y" * 20_000}), strict=False),
    ]
    post = [
        Variant("post", "POST", body=value),
        Variant("post print=silent", "POST", {"print": "silent"}, body=value),
        Variant("post writeSizeLimit=tiny", "POST", {"writeSizeLimit": "tiny"}, body=value),
        Variant("post X-Firebase-ETag", "POST", headers={"X-Firebase-ETag": "true"},
                body=value),
        Variant("post X-Rules-Trace", "POST", headers={"X-Rules-Trace": "true"}, body=value),
    ]
    patch = [
        Variant("patch", "PATCH", body=_j({"hash": "attacker"})),
        Variant("patch multi-path", "PATCH", body=_j({"a/b": 1, "hash": "attacker"})),
        Variant("patch print=silent", "PATCH", {"print": "silent"}, body=_j({"x": 1})),
        Variant("patch writeSizeLimit=tiny", "PATCH", {"writeSizeLimit": "tiny"},
                body=_j({"m001": None, "hash": None})),
        Variant("patch X-Rules-Trace", "PATCH", headers={"X-Rules-Trace": "true"},
                body=_j({"x": 1})),
        Variant("patch if-match", "PATCH", headers={"if-match": "x"}, body=_j({"x": 1})),
        Variant("patch null (deletes)", "PATCH", body=b"null"),
        Variant("patch empty", "PATCH", body=b"{}", strict=False),
    ]
    delete = [
        Variant("delete", "DELETE"),
        Variant("delete if-match wrong", "DELETE", headers={"if-match": "x"}),
        Variant("delete if-match null_etag", "DELETE", headers={"if-match": "null_etag"}),
        Variant("delete if-match current", "DELETE", headers={"if-match": etag}),
        Variant("delete writeSizeLimit=tiny", "DELETE", {"writeSizeLimit": "tiny"}),
        Variant("delete print=silent", "DELETE", {"print": "silent"}),
        Variant("delete X-Firebase-ETag", "DELETE", headers={"X-Firebase-ETag": "true"}),
        Variant("delete X-Rules-Trace", "DELETE", headers={"X-Rules-Trace": "true"}),
        Variant("delete disableTriggers", "DELETE", {"disableTriggers": "true"}),
    ]
    override = [
        Variant("override PUT if-match", "POST",
                headers={"X-HTTP-Method-Override": "PUT", "if-match": "x"}, body=value),
        Variant("override DELETE if-match", "POST",
                headers={"X-HTTP-Method-Override": "DELETE", "if-match": etag}),
        Variant("override PATCH tiny", "POST", {"writeSizeLimit": "tiny"},
                headers={"X-HTTP-Method-Override": "PATCH"}, body=_j({"x": None})),
        Variant("override bogus", "POST", headers={"X-HTTP-Method-Override": "FOO"},
                strict=False),
    ]
    other = [
        Variant("HEAD", "HEAD"),       # GET's answer without the body
        Variant("HEAD event-stream", "HEAD", headers={"Accept": "text/event-stream"}),
        Variant("OPTIONS", "OPTIONS", strict=False),
    ]
    return get + put + post + patch + delete + override + other


@dataclass(frozen=True)
class Caller:
    name: str
    params: dict = field(default_factory=dict)
    headers: dict = field(default_factory=dict)
    # "denied": a valid identity the rules refuse; "credential": not accepted at all
    expect: str = "credential"
    anonymous_paths: bool = False     # refused on the paths any signed-in user may read
    # with `callback` (JSONP: a <script> tag, so a web page): unsigned tokens are refused
    jsonp_expect: str | None = None

    def expected(self, jsonp: bool) -> str:
        return (self.jsonp_expect or self.expect) if jsonp else self.expect


ORIGIN = {"Origin": "https://evil.example"}


class NoTokens:
    """Stands in for the suite when only the callers' names are needed (test ids)."""

    def token(self, uid: str, expired: bool = False) -> str:
        return "-"

    def other_project_token(self, uid: str) -> str:
        return "-"


def callers(suite: InProcessSuite | NoTokens, secure: bool) -> list[Caller]:
    alice, mallory = suite.token("alice"), suite.token("mallory")
    other_project = suite.other_project_token("mallory")
    found = [
        Caller("nobody", expect="denied", anonymous_paths=True),
        Caller("garbage ?auth", {"auth": "garbage"}),
        Caller("garbage Bearer", headers={"Authorization": "Bearer not.a.jwt"}),
        Caller("expired", {"auth": suite.token("mallory", expired=True)}),
        Caller("another user", {"auth": mallory}, expect="denied",
               jsonp_expect=None if secure else "credential"),
        Caller("another user (Bearer)", headers={"Authorization": f"Bearer {mallory}"},
               expect="denied", jsonp_expect=None if secure else "credential"),
        Caller("another project", {"auth": other_project}),
        Caller("web page, ?auth=owner", {"auth": "owner"}, ORIGIN),
        Caller("web page, Bearer owner", headers={**ORIGIN, "Authorization": "Bearer owner"}),
        Caller("web page, access_token=owner", {"access_token": "owner"}, {"Origin": "null"}),
        Caller("web page, auth_variable_override",
               {"auth": "owner", "auth_variable_override": json.dumps({"uid": "alice"})},
               ORIGIN),
        Caller("DNS rebinding page, owner", {"auth": "owner"},
               {"Sec-Fetch-Site": "same-origin", "Sec-Fetch-Mode": "cors"}),
        Caller("script tag (JSONP), owner", {"auth": "owner", "callback": "steal"}),
        # an older browser (no Fetch Metadata) after DNS rebinding: only its Host tells
        Caller("DNS rebinding, old browser, owner", {"auth": "owner"},
               {"Host": "rebind.evil.example:9000"}),
        Caller("DNS rebinding, old browser, unsigned token", {"auth": unsigned_token("alice")},
               {"Host": "rebind.evil.example:9000"}),
        Caller("web page, alice's unsigned token", {"auth": unsigned_token("alice")}, ORIGIN),
    ]
    if secure:
        found += [
            Caller("unsigned token", {"auth": unsigned_token("alice")}),
            Caller("unsigned token (Bearer)",
                   headers={"Authorization": f"Bearer {unsigned_token('alice')}"}),
            # CORS keeps working for signed tokens: the page acts as that user, rules apply
            Caller("web page, mallory's signed token", {"auth": mallory}, ORIGIN,
                   expect="denied"),
        ]
    else:
        found.append(Caller("web page, alice's token", {"auth": alice}, ORIGIN))
    return found


# --- the sweep ---
def _etag(client: Client, loc: Location) -> str:
    answer = as_admin(client, "GET", loc.url, params={"ns": loc.ns},
                      headers={"X-Firebase-ETag": "true"})
    assert answer.status == 200, answer.short()
    etag = answer.header("etag")
    assert etag and etag != "null_etag", f"{loc} holds no data: {answer.short()}"
    return etag


def _send(client: Client, caller: Caller, variant: Variant, loc: Location) -> Answer:
    params = {"ns": loc.ns, **variant.params, **caller.params}
    headers = {**variant.headers, **caller.headers}
    if variant.body is not None:
        headers.setdefault("Content-Type", "application/json")
    return client.request(variant.method, loc.url, params, headers, variant.body)


@dataclass
class SweepResult:
    requests: int = 0
    failures: list[str] = field(default_factory=list)

    def fail(self, text: str) -> None:
        self.failures.append(text)

    def report(self) -> str:
        head = "\n".join(self.failures[:25])
        more = f"\n... and {len(self.failures) - 25} more" if len(self.failures) > 25 else ""
        return f"{len(self.failures)} findings in {self.requests} requests:\n{head}{more}"


def check_refusal(answer: Answer, expect: str) -> str | None:
    """Is this a plain refusal, exactly as Firebase answers it? `expect`: "denied" (a valid
    identity the rules refuse) or "credential" (a credential that is not accepted)."""
    if answer.status != 401:
        return f"expected 401, got {answer.short()}"
    try:
        body = json.loads(answer.body)
    except ValueError:
        return f"not JSON: {answer.short()}"
    if not isinstance(body, dict) or list(body) != ["error"]:
        return f"not an error object: {answer.short()}"
    if expect == "denied" and body["error"] != "Permission denied":
        return f"expected Permission denied, got {answer.short()}"
    if expect == "credential" and body["error"] == "Permission denied":
        return f"a credential that must not be accepted was: {answer.short()}"
    for name in ("etag", "x-rules-trace", "content-disposition"):
        if answer.header(name) is not None:
            return f"{name} on a refusal: {answer.short()}"
    return None


def expected(variant: Variant, plain: Answer, jsonp: Answer) -> Answer:
    """The plain refusal this variant must get (HEAD: its headers, no body)."""
    answer = jsonp if "callback" in variant.params else plain
    if variant.method == "HEAD":
        return Answer(answer.status, answer.headers, b"")
    return answer


def sweep(client: Client, caller: Caller, pairs: list[tuple[Location, Location]],
          etags: dict[Location, str], result: SweepResult,
          only: Callable[[Variant], bool] = lambda v: True) -> None:
    plain = _send(client, caller, Variant("get", "GET"), pairs[0][1])
    jsonp = _send(client, caller, Variant("get", "GET", {"callback": "cb"}), pairs[0][1])
    for answer, is_jsonp in ((plain, False), (jsonp, True)):
        problem = check_refusal(answer, caller.expected(is_jsonp))
        if problem:
            result.fail(f"[{caller.name}] plain GET {pairs[0][1].url} "
                        f"{'(JSONP)' if is_jsonp else ''}: {problem}")
            return
    for full, empty in pairs:
        for variant in variants(etags[full]):
            if not only(variant):
                continue
            a = _send(client, caller, variant, full)
            b = _send(client, caller, variant, empty)
            result.requests += 2
            where = f"[{caller.name}] {variant.name} {full.url}"
            if a != b:
                result.fail(f"{where}: data {a.short()} != no data {b.short()}")
            elif variant.strict and a != expected(variant, plain, jsonp):
                result.fail(f"{where}: {a.short()} is not the plain refusal {plain.short()}")
            elif not variant.strict and (a.header("etag") or a.header("x-rules-trace")):
                result.fail(f"{where}: {a.short()}")


class Target:
    """A seeded suite and a client of it (made in the calling thread: a thread inside a
    network namespace connects from there)."""

    def __init__(self, suite: InProcessSuite, secure: bool, host: str = "127.0.0.1") -> None:
        self.suite = suite
        self.secure = secure
        self.client = Client(host, suite.db_port)
        self.callers = {c.name: c for c in callers(suite, secure)}
        answer = as_admin(self.client, "PUT", "/.json", seed_data(), {"ns": PROJECT})
        assert answer.status == 200, answer.short()
        self.etags = {full: _etag(self.client, full) for full, _ in PAIRS + ANONYMOUS_PAIRS}

    def pairs_for(self, caller: Caller) -> list[tuple[Location, Location]]:
        return PAIRS + (ANONYMOUS_PAIRS if caller.anonymous_paths or
                        caller.expect == "credential" else [])


def run_sweep(client: Client, target: Target, caller: Caller) -> SweepResult:
    result = SweepResult()
    sweep(client, caller, target.pairs_for(caller), target.etags, result)
    return result
