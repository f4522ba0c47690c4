"""emails.py on any text: a clear refusal (ValueError) or a canonical form, never a crash."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from messenger_functions import emails

_text = st.text(min_size=0, max_size=80)
_addresses = st.builds(lambda local, domain: f"{local}@{domain}", _text, _text)


@settings(max_examples=400, deadline=None)
@given(st.one_of(_text, _addresses))
def test_any_text_is_refused_clearly_or_canonical(text):
    try:
        address = emails.canonical(text)
    except ValueError:
        address = None
    if address is not None:
        assert emails.canonical(address) == address  # idempotent: one key per mailbox
        problem = emails.lookalike_problem(address)
        assert problem is None or problem.endswith(".")
        assert emails.canonical(f"  {address}\t") == address  # typed with blanks around
    lenient = emails.lenient(text)  # sign-in never raises, whatever was typed
    assert isinstance(lenient, str)
    assert all(len(key) == 64 for key in emails.legacy_keys(text, lenient))
