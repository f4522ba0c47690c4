"""Firebase Security Rules as Cloud Storage uses them (`rules_version = '2'`,
`service firebase.storage`): a parser and evaluator of their own, compiled once per load.

    ruleset = StorageRules.from_text(text)       # RulesLoadError names the line and problem
    ruleset.allows("get", "/b/bkt/o/chats/a_b/x.png", request=..., resource=...)
"""

from .errors import RulesLoadError
from .ruleset import Decision, StorageRules

__all__ = ["Decision", "RulesLoadError", "StorageRules"]
