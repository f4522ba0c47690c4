"""The worker's per-function `os.environ` view (function_env.py): the function's values on top
of the process environment, walked from a cached copy that follows every change."""

from __future__ import annotations

import os
import urllib.request

import pytest
from messenger_emulators.functions_host import function_env
from messenger_emulators.functions_host.function_env import FunctionEnviron

VALUES = function_env.function_values("fn", "entry", "cloudevent")


@pytest.fixture
def env():
    view = FunctionEnviron(os.environ)   # not installed: this test process keeps os.environ
    function_env.enter(VALUES)
    yield view
    function_env.enter(None)


def test_the_view_is_the_process_environment_with_the_functions_values_first(env):
    assert list(env)[:len(VALUES)] == list(VALUES)
    assert dict(env.items()) == {**dict(os.environ), **VALUES}
    assert env["K_SERVICE"] == "fn" and env.get("PATH") == os.environ["PATH"]
    assert len(env) == len(set(os.environ) | set(VALUES))
    assert env.copy() == dict(env.items()) and "FUNCTION_TARGET" in env
    function_env.enter(None)
    assert dict(env.items()) == dict(os.environ)


def test_a_change_made_any_way_shows_in_the_next_walk(env, monkeypatch):
    list(env.items())                                   # cached
    monkeypatch.setenv("MESSENGER_TEST_PROXY_A", "1")     # through the original os.environ
    assert env["MESSENGER_TEST_PROXY_A"] == "1" and ("MESSENGER_TEST_PROXY_A", "1") in env.items()
    os.environb[b"MESSENGER_TEST_PROXY_B"] = b"2"         # through the bytes view
    try:
        assert dict(env.items())["MESSENGER_TEST_PROXY_B"] == "2"
    finally:
        del os.environb[b"MESSENGER_TEST_PROXY_B"]
    assert "MESSENGER_TEST_PROXY_B" not in dict(env.items())
    env["MESSENGER_TEST_PROXY_A"] = "3"                   # through the view
    assert os.environ["MESSENGER_TEST_PROXY_A"] == "3"
    assert env.copy()["MESSENGER_TEST_PROXY_A"] == "3"


def test_proxy_lookup_walks_a_cached_dict_not_the_mapping(env, monkeypatch):
    """requests looks for proxies twice a request (urllib's getproxies_environment walks
    os.environ.items()); the generic Mapping walk decoded every variable each time."""
    assert type(env.items()) is type({}.items())
    assert env._view() is env._view()      # nothing changed: no rebuild, no decoding
    monkeypatch.setattr(os, "environ", env)
    monkeypatch.setenv("http_proxy", "http://proxy.invalid:1")
    assert urllib.request.getproxies_environment()["http"] == "http://proxy.invalid:1"
