"""Triage (scorers, model training) and the notify/ticket responders.

Rust: ``soc_core::score`` and ``soc_core::respond`` (``notify``, ``ticket``).

Any object with ``score(alert)`` can be used where a scorer is expected, and
any object with ``respond(alert, dry_run)`` where a responder is expected.
"""

import os
from typing import Any, Dict, Mapping, Optional, Protocol, Union

from ._native import (  # noqa: F401 (_Rust* are the stubs' base classes)
    FEATURE_NAMES,
    Alert,
    EmailNotifier,
    Jira,
    ModelScorer,
    SlackNotifier,
    TheHive,
    TicketFile,
    WebhookNotifier,
    WeightedScorer,
    _RustResponder,
    _RustScorer,
    features,
    run_responders,
    score_alerts,
    train,
)


AlertLike = Union[Alert, Mapping[str, Any]]
ScoreDict = Dict[str, Any]
ActionRecordDict = Dict[str, Any]
PathLike = Union[str, "os.PathLike[str]"]


class ScorerLike(Protocol):
    """A Python scorer: ``score(alert_dict)`` returns a score dict or a number 0..100."""

    def score(self, alert: Dict[str, Any]) -> Union[ScoreDict, float]: ...


class ResponderLike(Protocol):
    """A Python responder: ``respond(alert_dict, dry_run)`` returns an action-record dict or None."""

    def respond(self, alert: Dict[str, Any], dry_run: bool) -> Optional[ActionRecordDict]: ...


def _rebuild_responder(cls: Any, kwargs: Dict[str, Any]) -> Any:
    """Unpickling helper: rebuilds a responder from its keyword arguments."""
    return cls(**kwargs)


__all__ = [
    "FEATURE_NAMES",
    "WeightedScorer",
    "ModelScorer",
    "features",
    "score_alerts",
    "train",
    "EmailNotifier",
    "SlackNotifier",
    "WebhookNotifier",
    "TheHive",
    "Jira",
    "TicketFile",
    "run_responders",
]
