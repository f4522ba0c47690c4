"""i18n/update.py puts back the plural entries pyside6-lupdate 6.11 flattens or drops (it
did to "read by %n" and "%n people are typing…": the Russian plurals were lost)."""

from __future__ import annotations

from messenger_desktop.i18n.update import keep_plurals

BEFORE = """<TS version="2.1" language="ru">
<context>
    <name>Typing</name>
    <message numerus="yes">
        <location filename="../models/typing.py" line="30"/>
        <source>%n people are typing…</source>
        <translation>
            <numerusform>%n человек печатает…</numerusform>
            <numerusform>%n человека печатают…</numerusform>
            <numerusform>%n человек печатают…</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <location filename="../models/typing.py" line="40"/>
        <source>%n gone from the code</source>
        <translation>
            <numerusform>a</numerusform>
            <numerusform>b</numerusform>
            <numerusform>c</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>Presence</name>
    <message numerus="yes">
        <location filename="../models/presence.py" line="59"/>
        <source>last seen %n min ago</source>
        <translation>
            <numerusform>был(а) %n минуту назад</numerusform>
            <numerusform>был(а) %n минуты назад</numerusform>
            <numerusform>был(а) %n минут назад</numerusform>
        </translation>
    </message>
</context>
</TS>
"""

AFTER = """<TS version="2.1" language="ru">
<context>
    <name>Typing</name>
    <message>
        <location filename="../models/typing.py" line="33"/>
        <source>{0} is typing…</source>
        <translation>{0} печатает…</translation>
    </message>
</context>
<context>
    <name>Presence</name>
    <message>
        <location filename="../models/presence.py" line="61"/>
        <source>last seen %n min ago</source>
        <translation type="unfinished">был(а) %n минуту назад</translation>
    </message>
</context>
</TS>
"""

CODE = 'translate("Typing", "%n people are typing…", None, n)\n' \
       'translate("Presence", "last seen %n min ago", None, n)'


def test_flattened_and_dropped_plurals_come_back() -> None:
    out = keep_plurals(BEFORE, AFTER, CODE)
    assert out.count('numerus="yes"') == 2
    assert "<numerusform>%n человека печатают…</numerusform>" in out  # dropped: back
    assert "<numerusform>был(а) %n минут назад</numerusform>" in out  # flattened: back
    assert 'line="61"' in out and 'line="59"' not in out  # lupdate's location kept
    assert 'type="unfinished"' not in out
    assert "{0} печатает…" in out  # the rest as lupdate wrote it
    assert "gone from the code" not in out
    assert keep_plurals(BEFORE, out, CODE) == out  # nothing to do twice
