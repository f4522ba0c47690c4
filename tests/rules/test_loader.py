"""Loading rules: what Firebase's deploy refuses is refused with the rule's path and why."""

from __future__ import annotations

import json

import pytest
from messenger_emulators.rules import RulesError, RuleSet


def load(rules: object) -> RuleSet:
    return RuleSet.from_document({"rules": rules})


# (rules, words the message must contain: the path first, then the problem)
BAD = [
    ({".read": "auth != null &&"}, ["/rules/.read", "Syntax error", "end of the expression"]),
    ({".read": "auth.uid = 'x'"}, ["/rules/.read", "'=='"]),
    ({".read": "'unterminated"}, ["/rules/.read", "unterminated string"]),
    ({"a": {".read": "foo == 1"}}, ["/rules/a/.read", "Unknown variable 'foo'"]),
    ({"a": {".read": "newData.exists()"}}, ["/rules/a/.read", "newData"]),
    ({"a": {".read": "$id == 'x'"}}, ["/rules/a/.read", "Unknown variable '$id'"]),
    ({"a": {"$x": {}, "b": {".read": "$x == 'y'"}}}, ["/rules/a/b/.read", "'$x'"]),
    ({".read": "1"}, ["/rules/.read", "must evaluate to a boolean", "number"]),
    ({".read": "data.val()"}, ["/rules/.read", "must evaluate to a boolean", "primitive"]),
    ({".read": "'yes'"}, ["/rules/.read", "boolean"]),
    ({".read": "auth.token.admin && true"}, ["/rules/.read", "left operand of &&", "boolean"]),
    ({".read": "!auth.uid"}, ["/rules/.read", "operand of !"]),
    ({".read": "data.val() ? true : false"}, ["/rules/.read", "condition operand of ?:"]),
    ({".read": "data == null"}, ["/rules/.read", "left operand of ==", "snapshot"]),
    ({".read": "data.foo()"}, ["/rules/.read", "No such method/property 'foo'"]),
    ({".read": "data.exists"}, ["/rules/.read", "exists is a method"]),
    ({".read": "data.child()"}, ["/rules/.read", "child() expects 1"]),
    ({".read": "data.child(1).exists()"}, ["/rules/.read", "argument 1 of child()"]),
    ({".read": "data.hasChildren([])"}, ["/rules/.read", "hasChildren()"]),
    ({".read": "data.hasChildren('a')"}, ["/rules/.read", "hasChildren()"]),
    ({".read": "'a'.matches('a')"}, ["/rules/.read", "argument 1 of matches()"]),
    ({".read": "'a'.matches(/a/g)"}, ["/rules/.read", "only 'i'"]),
    ({".read": "'a'.matches(/a^b/)"}, ["/rules/.read", "'^' is only allowed"]),
    ({".read": "'a'.matches(/a$b/)"}, ["/rules/.read", "'$' is only allowed"]),
    ({".read": "'a'.matches(/(?=a)/)"}, ["/rules/.read", "'(?'"]),
    ({".read": "'a'.matches(/[a/)"}, ["/rules/.read", "unterminated"]),
    ({".read": "'a' - 1 == 0"}, ["/rules/.read", "left operand of -"]),
    ({".read": "'a' < 1"}, ["/rules/.read", "same type"]),
    ({".read": "now.foo == 1"}, ["/rules/.read", "No such method/property 'foo'"]),
    ({".read": "query.foo == 1"}, ["/rules/.read", "'foo'"]),
    ({".read": "[1] == 1"}, ["/rules/.read", "Array"]),
    ({".read": "typeof auth == 'x'"}, ["/rules/.read", "not part of the rules language"]),
    ({".read": ""}, ["/rules/.read", "empty expression"]),
    ({".read": 1}, ["/rules/.read", "string or a boolean", "number"]),
    ({".read": None}, ["/rules/.read", "null"]),
    ({".indexOn": 5}, ["/rules/.indexOn", "string or an array of strings"]),
    ({".indexOn": ["a", 1]}, ["/rules/.indexOn"]),
    ({".raed": True}, ["/rules", "'.raed'"]),
    ({"a": {"$x": {}, "$y": {}}}, ["/rules/a", "only be one $wildcard", "$x, $y"]),
    ({"$x": {"$x": {}}}, ["/rules/$x", "already used"]),
    ({"a.b": {}}, ["/rules", "'a.b'"]),
    ({"a": True}, ["/rules/a", "expected an object", "boolean"]),
    ({"$": {}}, ["/rules", "'$'"]),
]


@pytest.mark.parametrize(("rules", "words"), BAD, ids=[json.dumps(b[0])[:60] for b in BAD])
def test_bad_rules_are_refused_with_path_and_reason(rules: object, words: list[str]) -> None:
    with pytest.raises(RulesError) as info:
        load(rules)
    message = str(info.value)
    assert message.startswith(words[0]), message
    for word in words[1:]:
        assert word in message, message


@pytest.mark.parametrize("text", [
    "", "not json", "[]", '{"rules": {}, "other": 1}', '{"rulez": {}}', "{\"rules\": {} /* x",
    '{"rules": {".read": true,}}', '{"rules": {"a": {".read": true}, "a": {}}}',
])
def test_bad_documents(text: str) -> None:
    with pytest.raises(RulesError):
        RuleSet.from_text(text)


def test_comments_are_stripped_outside_strings() -> None:
    text = """
    // a line comment
    {
      /* a block
         comment */
      "rules": {
        ".read": "'//not a comment' == '//not a comment' && '/*' != '*/'", // trailing
        "a\\"b": {".write": "'/*' != '//'"}
      }
    }
    """
    rules = RuleSet.from_text(text)
    assert rules.source == text
    assert rules.can_read((), None, None, 0).allowed
    assert rules.can_write([(('a"b',), 1)], None, None, {'a"b': 1}, 0).allowed


def test_duplicate_keys_are_named() -> None:
    with pytest.raises(RulesError, match="duplicate key '.write'"):
        RuleSet.from_text('{"rules": {"a": {".write": true, ".write": false}}}')


def test_comment_error_names_the_line() -> None:
    with pytest.raises(RulesError, match="line 3"):
        RuleSet.from_text('{\n"rules": {}\n/* never closed')


def test_json_error_position_survives_comment_stripping() -> None:
    with pytest.raises(RulesError, match="line 3"):
        RuleSet.from_text('// one\n/* two */ {"rules":\n {,}}')


@pytest.mark.parametrize("doc", [[], None, {"rules": {1: {}}}, {"rules": {"a": {(1,): 2}}},
                                 {"rules": {".read": {"nested": True}}}, {"rules": set()}])
def test_bad_python_documents(doc: object) -> None:
    with pytest.raises(RulesError):
        RuleSet.from_document(doc)  # type: ignore[arg-type]


def test_good_rules_load() -> None:
    rules = load({
        ".read": "auth != null && (auth.token.admin == true || now > 0)",
        "users": {"$uid": {".write": "$uid === auth.uid", ".indexOn": ["name", ".value"]}},
        "x": {".validate": "newData.isString() ? newData.val().length < 3 : newData.isNumber()"},
        "y": {".read": "data.child('a')['exists']()", ".indexOn": "z"},
    })
    assert rules.index_on(("users", "bob")) == ["name", ".value"]
    assert rules.index_on(("y",)) == ["z"]
    assert rules.index_on(("users",)) == []
    assert rules.index_on(("nowhere", "deep")) == []


def test_from_document_keeps_a_source_that_reloads() -> None:
    rules = load({".read": True})
    again = RuleSet.from_text(rules.source)
    assert again.can_read(("a",), None, None, 0).allowed
