"""Triage (scorers, model training) and the notify/ticket responders.

Any object with ``score(alert)`` can be used where a scorer is expected, and
any object with ``respond(alert, dry_run)`` where a responder is expected.
"""

from typing import Any, Dict

from ._native import (
    FEATURE_NAMES,
    EmailNotifier,
    Jira,
    ModelScorer,
    SlackNotifier,
    TheHive,
    TicketFile,
    WebhookNotifier,
    WeightedScorer,
    features,
    run_responders,
    score_alerts,
    train,
)


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
