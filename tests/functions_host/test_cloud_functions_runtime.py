"""Functions run as Cloud Functions runs them: each function's own FUNCTION_TARGET, K_SERVICE,
K_REVISION, PORT and TZ=UTC; the .env files Firebase loads; a timeout that ends the call with
Cloud Run's 504; and a standard `firebase_functions` project (no functions.json) discovered
through the SDK's own /__/functions.yaml and run: HTTP and a database trigger."""

from __future__ import annotations

import json
import time

import pytest
import requests

from .conftest import PROJECT, put, running_host


@pytest.fixture
def envs(tmp_path, monkeypatch):
    with running_host("envs", tmp_path, monkeypatch) as host:
        host.wait_ready()
        yield host


def test_each_function_sees_its_own_target_service_revision_port_and_utc(envs):
    seen = {name: requests.get(f"{envs.url}/{name}", timeout=10).json()
            for name in ("first", "second", "first")}
    assert seen["first"]["FUNCTION_TARGET"] == "first_entry"
    assert seen["first"]["K_SERVICE"] == seen["first"]["getenv"] == "first"
    assert seen["second"]["FUNCTION_TARGET"] == "second_entry"
    assert seen["second"]["K_SERVICE"] == "second"
    for env in seen.values():
        assert env["FUNCTION_SIGNATURE_TYPE"] == "http"
        assert env["K_REVISION"] == "1" and env["TZ"] == "UTC"
        assert env["PORT"] == str(envs.functions.worker.port)


def test_a_call_past_its_timeout_ends_with_cloud_runs_504(envs):
    started = time.monotonic()
    r = requests.get(f"{envs.url}/sleepy?s=4", timeout=30)
    took = time.monotonic() - started
    assert r.status_code == 504 and r.text == "upstream request timeout"
    assert 0.9 < took < 3.0, took  # timeoutSeconds 1, not the 4 s the function sleeps
    assert requests.get(f"{envs.url}/sleepy?s=0", timeout=30).text == "finished"


def test_timeout_seconds_is_checked_in_functions_json(tmp_path, monkeypatch):
    from messenger_emulators.suite.errors import ConfigError

    manifest = {"functions": [{"name": "x", "entryPoint": "first_entry",
                               "trigger": {"http": {}}, "timeoutSeconds": 4000}]}
    with pytest.raises(ConfigError, match="timeoutSeconds must be a number of seconds from 1 "
                                          "to 3600"):
        with running_host("envs", tmp_path, monkeypatch,
                          files={"functions.json": json.dumps(manifest)}):
            pass


DOTENV = {
    ".env": "GREETING=from-env\nPROJECT_ONLY=base\n# a comment\n",
    f".env.{PROJECT}": 'PROJECT_ONLY="for the project"\n',
    ".env.local": "LOCAL_ONLY=local # trailing comment\n",
}


@pytest.fixture
def sdk(tmp_path, monkeypatch):
    with running_host("sdk", tmp_path, monkeypatch, files=DOTENV) as host:
        host.wait_ready(60)
        yield host


def test_a_firebase_functions_project_is_discovered_and_runs(sdk):
    names = {f.name: f for f in sdk.functions.manifest.functions}
    assert set(names) == {"hello", "slow", "on_item_written"}
    assert names["slow"].timeout_s == 2
    assert names["on_item_written"].database.ref == "/items/{itemId}"
    answer = requests.get(f"{sdk.url}/hello/some/path", timeout=10).json()
    assert answer["path"] == "/some/path"
    env = answer["env"]
    assert env["FUNCTION_TARGET"] == "hello" and env["K_SERVICE"] == "hello"
    assert env["TZ"] == "UTC" and answer["tz"] == "UTC"
    # .env, then .env.<project>, then .env.local: a later file wins
    assert env["GREETING"] == "from-env" and env["PROJECT_ONLY"] == "for the project"
    assert env["LOCAL_ONLY"] == "local"
    assert env["GCLOUD_PROJECT"] == PROJECT
    # the SDK's timeout_sec is the function's timeout
    r = requests.get(f"{sdk.url}/slow?s=4", timeout=30)
    assert r.status_code == 504
    # the database trigger, through the SDK's own Event and Change
    put(sdk, "items/i1", {"n": 1})
    (record,) = sdk.wait_records("items", 1, timeout=30)
    assert record["params"] == {"itemId": "i1"}
    assert record["after"] == {"n": 1} and record["before"] is None
    assert record["env"]["FUNCTION_TARGET"] == "on_item_written"
    assert record["env"]["K_SERVICE"] == "on_item_written"
    assert record["env"]["FUNCTION_SIGNATURE_TYPE"] == "cloudevent"


def test_a_bad_dotenv_file_is_reported_and_not_loaded(tmp_path, monkeypatch, caplog):
    with running_host("envs", tmp_path, monkeypatch,
                      files={".env": "GOOD=1\nFIREBASE_CONFIG=mine\nnot a pair\n"}) as host:
        host.wait_ready()
    assert "The functions' dotenv files were not loaded" in caplog.text
    assert "error on lines: not a pair" in caplog.text


def test_dotenv_parsing_follows_firebase():
    from messenger_emulators.functions_host.dotenv import key_problem, parse

    envs, errors = parse('A=1\nexport B = "x\\ny" # c\nC=\'single # kept\'\nD="multi\nline"\n'
                         "E=\nbad line\n")
    assert envs == {"A": "1", "B": "x\ny", "C": "single # kept", "D": "multi\nline", "E": ""}
    assert errors == ["bad line"]
    assert key_problem("PORT") == "Key PORT is reserved for internal use."
    assert "reserved prefix" in key_problem("FIREBASE_X")
    assert key_problem("FIREBASE_SECRET_REF_X") is None
    assert "uppercase" in key_problem("lower")


def test_dotenv_files_by_project_id_or_alias_and_their_order(tmp_path):
    from messenger_emulators.functions_host.dotenv import DotenvError, load_user_envs

    (tmp_path / ".env").write_text("A=base\nB=base\nC=base\n")
    (tmp_path / ".env.staging").write_text("B=alias\n")
    (tmp_path / ".env.local").write_text("C=local\n")
    envs, files = load_user_envs(tmp_path, "demo-stage", "staging")
    assert envs == {"A": "base", "B": "alias", "C": "local"}
    assert [f.name for f in files] == [".env", ".env.staging", ".env.local"]
    assert load_user_envs(tmp_path, "demo-other")[0]["B"] == "base"  # no alias: not read
    (tmp_path / ".env.demo-stage").write_text("B=id\n")
    with pytest.raises(DotenvError, match="Can't have both dotenv files"):
        load_user_envs(tmp_path, "demo-stage", "staging")


@pytest.mark.slow  # it waits out the 60 s default
def test_the_default_timeout_is_60_seconds(envs):
    started = time.monotonic()
    r = requests.get(f"{envs.url}/sleepydefault?s=65", timeout=120)
    took = time.monotonic() - started
    assert r.status_code == 504 and r.text == "upstream request timeout"
    assert 59.5 < took < 64, took
