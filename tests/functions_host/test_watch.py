"""--watch: a change under the source restarts the worker with the new code."""

from __future__ import annotations

import requests

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
