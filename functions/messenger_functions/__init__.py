"""The messenger's Cloud Functions: accounts, the HTTPS API, and the unread-counter trigger.

Import is cheap on purpose (a cold start pays for it): firebase-admin is initialised on the
first request, see backend.py.
"""
