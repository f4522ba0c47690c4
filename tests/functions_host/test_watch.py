"""--watch: a change under the source restarts the worker with the new code."""

from __future__ import annotations

import os

import requests
from messenger_emulators.functions_host.process import changed_file, snapshot_mtimes

from .conftest import running_host, wait_for


def test_editing_main_py_reloads(tmp_path, monkeypatch) -> None:
    with running_host("basic", tmp_path, monkeypatch, watch=True) as host:
        host.wait_ready()
        assert requests.get(f"{host.url}/api/x", timeout=30).json()["path"] == "/x"
        main = host.functions.source / "main.py"
        main.write_text(main.read_text().replace('"path": request.path',
                                                 '"path": "edited" + request.path'))

        def reloaded() -> bool:
            try:
                r = requests.get(f"{host.url}/api/x", timeout=30)
            except requests.ConnectionError:
                return False
            return r.status_code == 200 and r.json()["path"] == "edited/x"
        wait_for(reloaded, 30, "the edited code to serve")
        assert host.functions.worker.starts == 2


def test_broken_edit_then_fix(tmp_path, monkeypatch) -> None:
    with running_host("basic", tmp_path, monkeypatch, watch=True) as host:
        host.wait_ready()
        main = host.functions.source / "main.py"
        good = main.read_text()
        main.write_text(good + "\ndef broken(:\n")
        wait_for(lambda: "SyntaxError" in requests.get(f"{host.url}/api", timeout=30).text, 30,
                 "the load failure to show")
        r = requests.get(f"{host.url}/api", timeout=30)
        assert r.status_code == 503 and "could not be loaded" in r.json()["error"]
        main.write_text(good)
        wait_for(lambda: requests.get(f"{host.url}/api", timeout=30).status_code == 200, 30,
                 "the fixed code to serve")


def test_a_rewrite_within_one_clock_tick_is_a_change(tmp_path) -> None:
    """write_text truncates, then writes: a poll between the two, inside one tick of the file
    system's clock, saw the empty file with the full file's mtime and never reloaded again
    (the flake of test_editing_main_py_reloads on a busy machine)."""
    main = tmp_path / "main.py"
    main.write_text("")
    caught_empty = snapshot_mtimes(tmp_path)
    stamp = main.stat()
    main.write_text("def api(request):\n    return 'edited'\n")
    os.utime(main, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    assert changed_file(caught_empty, snapshot_mtimes(tmp_path)) == str(main)
