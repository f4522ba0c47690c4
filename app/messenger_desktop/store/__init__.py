"""What the client remembers between runs: preferences (QSettings) and the sign-in token."""
