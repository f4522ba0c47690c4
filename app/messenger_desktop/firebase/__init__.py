"""Talking to Firebase: sign-in session, database REST, streaming listeners, emulator launcher."""
