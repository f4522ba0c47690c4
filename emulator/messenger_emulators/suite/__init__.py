"""The `messenger-emulators` command line: firebase.json, component registry, runner.

Kept import-light on purpose: `messenger-emulators start` must be ready in about a second,
so nothing here imports aiohttp or an emulator until it is asked for.
"""
