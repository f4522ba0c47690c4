"""The suite's data folder holds password hashes (`credentials`) and every chat: another local
account on the machine must not read it. The folder is created 0700 and every file the journal
writes (logs, the snapshot, the locks) is 0600, whatever the umask."""

from __future__ import annotations

import asyncio
import os
import stat

from messenger_emulators.persistence import Journal

from tests.persistence.test_journal import _write_messages


def _modes(folder) -> dict[str, int]:
    return {str(p.relative_to(folder)): stat.S_IMODE(p.stat().st_mode)
            for p in [folder, *folder.rglob("*")]}


def test_the_journal_keeps_its_files_to_the_user(tmp_path) -> None:
    folder = tmp_path / "data"
    old_umask = os.umask(0o022)  # the usual one: files 0644, folders 0755 unless asked
    try:
        journal = Journal(folder, compact_bytes=4096)
        journal.load()

        async def main() -> None:
            await _write_messages(journal, writers=4, per_writer=60)  # past one compaction
            if journal._compaction is not None:
                await journal._compaction
            assert journal.stats["compactions"] >= 1
            await journal.close()

        asyncio.run(main())
    finally:
        os.umask(old_umask)
    modes = _modes(folder)
    assert len(modes) > 1, modes
    readable_by_others = {name: oct(mode) for name, mode in modes.items()
                          if mode & (stat.S_IRWXG | stat.S_IRWXO)}
    assert readable_by_others == {}
