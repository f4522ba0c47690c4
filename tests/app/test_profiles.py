"""Profiles (`messenger --profile NAME`): two people on one machine keep their own sign-in,
settings and unsent messages, share the one suite folder, and each profile runs once."""

from __future__ import annotations

from messenger_desktop import main as entry
from messenger_desktop.single_instance import SingleInstance
from messenger_desktop.store.paths import ProfileError, profile_dir, root_dir, suite_data_dir
from messenger_desktop.store.settings import Settings


def test_profiles_have_their_own_folders_and_share_the_suite(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("MESSENGER_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("MESSENGER_DATA_DIR", raising=False)
    root = root_dir()
    assert profile_dir("") == root  # the default profile: where its files always were
    anna, boris = profile_dir("anna"), profile_dir("boris")
    assert anna == root / "profiles" / "anna" and boris == root / "profiles" / "boris"
    assert suite_data_dir() == root / "emulator-data"  # one, whoever asks

    Settings(profile="anna").theme = "dark"
    assert Settings(profile="anna").theme == "dark"
    assert Settings(profile="boris").theme == "system"  # untouched by Anna's choice
    assert (anna / "settings.ini").is_file()

    for bad in ("../x", "a/b", "", " x", "x" * 41, ".hidden"):
        if bad:
            try:
                profile_dir(bad)
            except ProfileError as exc:
                assert "profile name" in str(exc)
            else:
                raise AssertionError(f"{bad!r} accepted")


def test_a_bad_profile_name_is_refused_with_a_sentence(tmp_path, monkeypatch, capsys) -> None:
    monkeypatch.setenv("MESSENGER_HOME", str(tmp_path / "home"))
    assert entry.main(["--profile", "../escape"]) == 2
    assert "profile name" in capsys.readouterr().err
    assert not (tmp_path / "escape").exists()


def test_one_instance_per_profile_and_the_second_raises_the_first(qtbot, tmp_path) -> None:
    folder = tmp_path / "anna"
    folder.mkdir()
    first = SingleInstance(folder)
    assert first.claim()
    other_profile = SingleInstance(tmp_path)  # another profile is another instance
    assert other_profile.claim()
    with qtbot.waitSignal(first.activated, timeout=5000):
        second = SingleInstance(folder)
        assert not second.claim()  # refused: the first one is asked to come to the front
    first.release()
    third = SingleInstance(folder)
    assert third.claim()  # free again once the first has quit
    third.release()
    other_profile.release()
