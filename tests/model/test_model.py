"""The shared model (model/messenger_model) and database.rules.json state the same limits."""

from __future__ import annotations

import json
import re
from pathlib import Path

from messenger_model import chats, limits, push_ids, unread

RULES = json.loads((Path(__file__).resolve().parents[2] / "database.rules.json").read_text())


def _validate(*path: str) -> str:
    node = RULES["rules"]
    for key in path:
        node = node[key]
    return node[".validate"]


def test_rules_limits_agree_with_the_model():
    text = _validate("messages", "$chatId", "$messageId", "text")
    assert re.search(r"length <= (\d+)", text).group(1) == str(limits.MESSAGE_MAX_CHARS)
    name = _validate("users", "$uid", "displayName")
    assert re.search(r"length <= (\d+)", name).group(1) == str(limits.DISPLAY_NAME_MAX)
    # the chat-id shape the rules accept is the one the model splits
    read = RULES["rules"]["messages"]["$chatId"][".read"]
    rule_pattern = re.search(r"\.matches\(/(.+?)/\)", read).group(1)
    assert rule_pattern == chats.CHAT_ID_PATTERN
    assert RULES["rules"]["chats"]["$chatId"][".read"].count(chats.CHAT_ID_PATTERN) == 1


def test_chat_ids():
    assert chats.direct_chat_id("b", "a") == "a_b" == chats.direct_chat_id("a", "b")
    assert chats.chat_members("a_b") == ("a", "b")
    assert chats.chat_members("b_a") is None and chats.chat_members("a_a") is None
    assert chats.chat_members("a_b_c") is None and chats.chat_members("ab") is None
    assert chats.other_member("a_b", "a") == "b" and chats.other_member("a_b", "z") is None


def test_unread_count_is_derived_and_capped():
    cap = limits.UNREAD_IDS_CAP
    assert unread.unread_count(None) == 0 and unread.unread_count({"unreadIds": "x"}) == 0
    entry = {"unreadIds": {"m1": 10, "m2": 20, "m3": "bad", "m4": True}, "readAt": 10}
    assert unread.counted_unread(entry) == {"m2": 20.0}
    assert unread.unread_count({"unreadIds": [5, None, 7]}) == 2  # keys like indexes: a list
    many = {"unreadIds": {f"m{i}": i for i in range(cap * 3)}}
    assert unread.unread_count(many) == cap and unread.unread_label(cap) == f"{cap - 1}+"
    assert unread.unread_label(cap - 1) == str(cap - 1)


def test_pruning_keeps_the_newest_by_ts_then_id():
    ids = {"a": 3, "b": 1, "c": 3, "d": 2, "e": "bad"}
    assert unread.ids_to_prune(ids, cap=5) == []
    assert unread.ids_to_prune(ids, cap=3) == ["b", "e"]  # a non-number ranks oldest
    assert unread.ids_to_prune(ids, cap=2) == ["d", "b", "e"]


def test_push_ids_sort_by_time_and_within_a_millisecond():
    made = [push_ids.new_push_id(1_700_000_000_000) for _ in range(50)]
    made += [push_ids.new_push_id(1_700_000_000_001)]
    assert made == sorted(made) and len(set(made)) == len(made)
    assert all(len(p) == 20 for p in made)


def test_a_preview_says_picture_or_file() -> None:
    from messenger_model.previews import preview_of

    base = {"sender": "a", "ts": 1}
    photo = {"path": "p", "name": "IMG_1.jpg", "size": 1, "contentType": "image/jpeg"}
    doc = {**photo, "name": "report.pdf", "contentType": "application/pdf"}
    assert preview_of({**base, "text": "", "attachment": photo})["text"] == "📷 Photo"
    assert preview_of({**base, "text": "look", "attachment": photo})["text"] == "📷 look"
    assert preview_of({**base, "text": "", "attachment": doc})["text"] == "📎 report.pdf"
    assert preview_of({**base, "text": "hi"})["text"] == "hi"
