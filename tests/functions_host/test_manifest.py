"""functions.json parsing: clear errors for bad manifests."""

from __future__ import annotations

import json

import pytest
from messenger_emulators.functions_host.manifest import ManifestError, load_manifest, parse_ref


def write(tmp_path, doc, main=True):
    (tmp_path / "functions.json").write_text(doc if isinstance(doc, str) else json.dumps(doc))
    if main:
        (tmp_path / "main.py").write_text("")
    return tmp_path


def test_contract_example_parses(tmp_path) -> None:
    manifest = load_manifest(write(tmp_path, {
        "region": "us-central1", "runtime": "python311",
        "functions": [
            {"name": "api", "entryPoint": "api", "trigger": {"http": {}}},
            {"name": "onmessagewritten", "entryPoint": "on_message_written",
             "trigger": {"database": {"eventType": "google.firebase.database.ref.v1.written",
                                      "ref": "/messages/{chatId}/{messageId}",
                                      "instance": "*"}}}]}))
    assert list(manifest.http_functions) == ["api"]
    (trigger,) = manifest.triggers
    assert trigger.signature_type == "cloudevent"
    assert [s.param for s in trigger.database.segments] == [None, "chatId", "messageId"]


@pytest.mark.parametrize("doc, words", [
    ("{nope", "not valid JSON"),
    ({"functions": {}}, "\"functions\" list"),
    ({"functions": [{"name": "a b", "trigger": {"http": {}}}]}, "functions[0].name"),
    ({"functions": [{"name": "a", "entryPoint": "1x", "trigger": {"http": {}}}]}, "entryPoint"),
    ({"functions": [{"name": "a", "trigger": {"pubsub": {}}}]}, "unknown kind"),
    ({"functions": [{"name": "a", "trigger": {"database": {"ref": "/x",
                                                           "eventType": "bad"}}}]}, "eventType"),
    ({"functions": [{"name": "a", "trigger": {"database": {"ref": "/x/{a=**}"}}}]}, "**"),
    ({"functions": [{"name": "a", "trigger": {"http": {}}},
                    {"name": "a", "trigger": {"http": {}}}]}, "duplicate"),
])
def test_bad_manifests_say_what_is_wrong(tmp_path, doc, words) -> None:
    with pytest.raises(ManifestError) as info:
        load_manifest(write(tmp_path, doc))
    assert words in str(info.value) and "functions.json" in str(info.value)


def test_missing_manifest_and_main(tmp_path) -> None:
    with pytest.raises(ManifestError, match="does not exist"):
        load_manifest(tmp_path)
    with pytest.raises(ManifestError, match="no main.py"):
        load_manifest(write(tmp_path, {"functions": [{"name": "a", "trigger": {"http": {}}}]},
                            main=False))


def test_ref_wildcards() -> None:
    assert [s.literal for s in parse_ref("/a/*/{b=*}")] == ["a", None, None]
