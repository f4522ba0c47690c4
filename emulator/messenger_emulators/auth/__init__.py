"""Auth emulator: custom-token sign-in, ID tokens, refresh tokens (Google's URL layout)."""

from .errors import AuthError
from .tokens import IdTokens, InvalidIdToken, check_custom_token

__all__ = ["AuthError", "IdTokens", "InvalidIdToken", "check_custom_token"]
