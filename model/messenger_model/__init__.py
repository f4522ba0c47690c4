"""The messenger's data model, shared by the desktop app and the Cloud Functions.

One definition of what both sides must agree on (docs/data-model.md): database paths, limits
(the rules in database.rules.json enforce the same numbers: tests/model checks they agree),
direct chat ids, the unread count and push ids. Standard library only: it is installed with
the app (pyproject) and copied into the functions' deploy bundle (scripts/deploy_functions.py),
so neither side imports the other, nor the emulator.
"""
