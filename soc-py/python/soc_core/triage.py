"""Triage (scorers, model training) and the notify/ticket responders.

Rust: ``soc_core::score`` and ``soc_core::respond`` (``notify``, ``ticket``).

Any object with ``score(alert)`` can be used where a scorer is expected, and
any object with ``respond(alert, dry_run)`` where a responder is expected.
"""

import os
from typing import Any, Dict, Mapping, Union

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

from ._protocols import ActionRecordDict, ResponderLike, ScoreDict, ScorerLike  # noqa: F401 (plug-in types)

AlertLike = Union[Alert, Mapping[str, Any]]
PathLike = Union[str, "os.PathLike[str]"]


def _rebuild_responder(cls: Any, kwargs: Dict[str, Any]) -> Any:
    """Unpickling helper: rebuilds a responder from its keyword arguments."""
    return cls(**kwargs)
