"""One account per mailbox: the canonical form of an email address, and look-alike refusal.

The key of an account (emails/{sha256(canonical)}) must be the same for every way of typing
one mailbox: `alice@ｅxample.com` (fullwidth e) is `alice@example.com`. So an address is
trimmed, NFKC-normalised (fullwidth, ligatures, compatibility forms), lowercased, and its domain
converted to IDNA's ASCII form (UTS #46), which is what mail actually goes to.

What NFKC cannot fold is refused at registration: a label that mixes scripts (`pаypal` with a
Cyrillic а), a label written wholly in letters that imitate Latin ones next to Latin labels
(`аррӏе@example.com`), Latin letters made to pass for others (small capitals `ᴀ`, script `ɡ`),
and invisible or control characters. Scripts are told apart by the
Unicode character names (the standard library has no script property); the mixtures UTS #39
allows as "highly restrictive" (Latin with Han and the Japanese kana, with Bopomofo, with Hangul)
pass.

Plain-ASCII addresses keep exactly the key they always had (trim + lowercase), so existing
accounts need no migration; accounts keyed the old way under a non-ASCII address are found by
`legacy_keys` and moved to their canonical key at their next sign-in.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata

import idna

from .errors import EMAIL_IMITATION, EMAIL_INVALID, EMAIL_INVISIBLE, EMAIL_LOOKALIKE

_INVISIBLE = {"Cc", "Cf", "Cn", "Co", "Cs", "Zs", "Zl", "Zp"}
_LABEL_SEPARATORS = re.compile(r"[.+_\-]")
# Script mixtures that are not confusable (UTS #39, "highly restrictive").
_ALLOWED_MIXES = (
    frozenset({"LATIN", "HAN", "HIRAGANA", "KATAKANA"}),
    frozenset({"LATIN", "HAN", "BOPOMOFO"}),
    frozenset({"LATIN", "HAN", "HANGUL"}),
)
_SCRIPT_OF_NAME = {"CJK": "HAN", "KATAKANA-HIRAGANA": "KATAKANA"}
# Lowercase letters of other scripts that look like Latin letters (after NFKC and lowercase):
# a label made only of these, in an address that also has Latin labels, imitates a Latin one.
_LATIN_LOOKALIKES = frozenset(
    "аеорсухіјѕԁԛԝһӏү"  # Cyrillic
    "οανιρυϲϳ"  # Greek
    "օսհո"  # Armenian
)
# Latin letters that NFKC keeps but that pass for ordinary ones (ᴀ for a, ɡ for g, ɑ for a).
_IMITATING_LATIN = re.compile(
    r"^LATIN (LETTER SMALL CAPITAL|SMALL LETTER (SCRIPT G|ALPHA|IOTA|DOTLESS J|UPSILON))"
)


def _fold(text: str) -> str:
    # Lowercasing can leave a non-NFKC string ("İ" -> "i̇"): normalise on both sides.
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).lower()).strip()


def _ascii_domain(domain: str) -> str:
    if domain.isascii():
        return domain  # exactly the old key for every plain-ASCII address
    try:
        return idna.encode(domain, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        raise ValueError(EMAIL_INVALID) from None


def canonical(email: str) -> str:
    """The form accounts are keyed by; ValueError(EMAIL_INVALID) when it has none."""
    text = _fold(email)
    local, at, domain = text.rpartition("@")
    if not at or not local or not domain:
        raise ValueError(EMAIL_INVALID)
    return f"{local}@{_ascii_domain(domain)}"


def lenient(email: str) -> str:
    """For sign-in, which never explains a refusal: the canonical form when there is one."""
    try:
        return canonical(email)
    except ValueError:
        return _fold(email)


def unicode_domain(address: str) -> str:
    """The canonical address with its domain shown in Unicode (what the user typed, folded)."""
    local, _, domain = address.rpartition("@")
    if "xn--" not in domain:
        return address
    try:
        return f"{local}@{idna.decode(domain)}"
    except (idna.IDNAError, UnicodeError):
        return address


def key(address: str) -> str:
    """emails/{key}: a hash is always a valid key, whatever characters the address holds."""
    return hashlib.sha256(address.encode("utf-8")).hexdigest()


def legacy_keys(typed: str, address: str) -> list[str]:
    """Keys an account of this mailbox may have from before canonical forms (trim + lowercase
    of what was typed, or of the Unicode form), other than its canonical key."""
    forms = dict.fromkeys((typed.strip().lower(), unicode_domain(address)))
    return [key(form) for form in forms if form != address]


def script(char: str) -> str | None:
    """The script of a letter, from its Unicode name (None for digits, marks, punctuation)."""
    if not unicodedata.category(char).startswith("L"):
        return None
    first = unicodedata.name(char, "UNKNOWN").split(" ", 1)[0]
    return _SCRIPT_OF_NAME.get(first, first)


def _labels(address: str) -> list[str]:
    local, _, domain = unicode_domain(address).rpartition("@")
    return [label for label in (*_LABEL_SEPARATORS.split(local), *domain.split(".")) if label]


def _mixed(scripts: set[str]) -> bool:
    return len(scripts) > 1 and not any(scripts <= allowed for allowed in _ALLOWED_MIXES)


def lookalike_problem(address: str) -> str | None:
    """Why a canonical address would pass for another one (a sentence), or None."""
    if any(unicodedata.category(char) in _INVISIBLE for char in unicode_domain(address)):
        return EMAIL_INVISIBLE
    shown = unicode_domain(address)
    imitations = sorted({char for char in shown if not char.isascii()
                         and _IMITATING_LATIN.match(unicodedata.name(char, ""))})
    if imitations:
        return EMAIL_IMITATION.format(chars=", ".join(imitations))
    labels = _labels(address)
    scripts_of = [{s for s in map(script, label) if s} for label in labels]
    for scripts in scripts_of:
        if _mixed(scripts):
            return EMAIL_LOOKALIKE.format(scripts=" and ".join(sorted(s.title() for s in scripts)))
    if any("LATIN" in scripts for scripts in scripts_of):
        for label, scripts in zip(labels, scripts_of, strict=True):
            letters = [char for char in label if script(char)]
            if letters and "LATIN" not in scripts and set(letters) <= _LATIN_LOOKALIKES:
                names = sorted({"Latin", *(s.title() for s in scripts)})
                return EMAIL_LOOKALIKE.format(scripts=" and ".join(names))
    return None
