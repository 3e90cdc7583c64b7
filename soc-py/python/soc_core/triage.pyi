"""Triage (scorers, model training) and the notify/ticket responders.

Any object with ``score(alert)`` can be used where a scorer is expected, and
any object with ``respond(alert, dry_run)`` where a responder is expected.
Rust: ``soc_core::score`` (``Scorer``, ``WeightedScorer``, ``ModelScorer``)
and ``soc_core::respond`` (``Responder``, ``notify``, ``ticket``).
"""

import os
from typing import Any, Dict, Iterable, List, Literal, Mapping, Optional, Union, final

from typing_extensions import Self, disjoint_base

from ._protocols import ActionRecordDict as ActionRecordDict
from ._protocols import ResponderLike as ResponderLike
from ._protocols import ScoreDict as ScoreDict
from ._protocols import ScorerLike as ScorerLike
from .parse import Alert

AlertLike = Union[Alert, Mapping[str, Any]]
"""An ``Alert`` or a dict in its ``to_dict()`` form (only ``kind`` is required)."""
PathLike = Union[str, os.PathLike[str]]

FEATURE_NAMES: List[str]
"""The model features, in the order ``features()`` returns them."""

@disjoint_base
class _RustScorer:
    """Base of the Rust scorers."""

    def score(self, alert: AlertLike) -> ScoreDict:
        """Scores an alert: ``value``, ``level`` and the ``factors`` that explain it."""
    @property
    def name(self) -> str:
        """The scorer's name."""

@final
class WeightedScorer(_RustScorer):
    """The weighted, explainable scorer (``[score] scorer = "weighted"``)."""

    def __new__(
        cls, config: Optional[Mapping[str, Any]] = None, thresholds: Optional[Mapping[str, float]] = None
    ) -> Self:
        """Weights as in ``[score.weighted]``; thresholds ``{"medium", "high", "critical"}`` (``ConfigError`` when invalid)."""
    def to_dict(self) -> Dict[str, Any]:
        """The weights and thresholds."""
    def __reduce__(self) -> Any: ...

@final
class ModelScorer(_RustScorer):
    """The logistic-regression scorer trained by ``train()`` / ``soc triage train``."""

    def __new__(cls, path: PathLike) -> Self:
        """Loads a model file (``FileNotFoundError``, ``ScoreError``)."""
    @classmethod
    def from_dict(cls, model: Mapping[str, Any]) -> "ModelScorer":
        """A scorer from a model dict (as ``to_dict()`` returns)."""
    def to_dict(self) -> Dict[str, Any]:
        """The model: features, standardization, weights, bias."""
    def __reduce__(self) -> Any: ...

def features(alert: AlertLike) -> List[float]:
    """The model features of an alert, in ``FEATURE_NAMES`` order."""

def score_alerts(
    alerts: Iterable[AlertLike], scorer: Optional[Union[_RustScorer, ScorerLike]] = None
) -> List[ScoreDict]:
    """Scores alerts (default: ``WeightedScorer()``); an exception from a Python scorer propagates."""

def train(
    csv: PathLike,
    output: Optional[PathLike] = None,
    epochs: int = 2000,
    learning_rate: float = 0.1,
    l2: float = 0.01,
    test_fraction: float = 0.25,
    seed: int = 42,
) -> Dict[str, Any]:
    """Trains the triage model on a labelled CSV; writes it to ``output`` when given.

    Returns the report: accuracy, precision, recall, baseline and the model.
    """

@disjoint_base
class _RustResponder:
    """Base of the Rust responders; keyword arguments are the ``soc.toml`` section's keys.

    Unknown keywords raise ``ConfigError`` naming the valid ones; secrets may be
    ``"${VAR}"`` references (resolved from the environment, never shown).
    """

    @property
    def name(self) -> str:
        """The responder name."""
    def respond(self, alert: AlertLike, dry_run: bool = True) -> ActionRecordDict:
        """Acts on an alert, or with ``dry_run=True`` (the default) only describes the action."""
    def to_dict(self) -> Dict[str, Any]:
        """The configuration, secrets redacted."""
    def __reduce__(self) -> Any: ...

@final
class EmailNotifier(_RustResponder):
    """E-mail over SMTP (``[response.email]``)."""

    def __new__(
        cls,
        *,
        host: str = ...,
        port: Optional[int] = ...,
        security: Literal["starttls", "tls", "plain"] = ...,
        username: Optional[str] = ...,
        password: Optional[str] = ...,
        to: List[str] = ...,
        timeout_secs: int = ...,
        **kwargs: str,
    ) -> Self:
        """``from`` (a Python keyword) is passed as ``**{"from": "soc@example.org"}``."""

@final
class SlackNotifier(_RustResponder):
    """A Slack incoming webhook (``[response.slack]``)."""

    def __new__(
        cls, *, url: str = ..., timeout_secs: int = ..., max_retries: int = ..., retry_backoff_ms: int = ...
    ) -> Self: ...

@final
class WebhookNotifier(_RustResponder):
    """A generic JSON webhook (``[response.webhook]``)."""

    def __new__(
        cls,
        *,
        url: str = ...,
        bearer_token: Optional[str] = ...,
        timeout_secs: int = ...,
        max_retries: int = ...,
        retry_backoff_ms: int = ...,
    ) -> Self: ...

@final
class TheHive(_RustResponder):
    """TheHive 5 alerts (``[response.thehive]``)."""

    def __new__(
        cls,
        *,
        url: str = ...,
        api_key: str = ...,
        organisation: Optional[str] = ...,
        alert_type: str = ...,
        source: str = ...,
        tlp: int = ...,
        pap: int = ...,
        timeout_secs: int = ...,
        max_retries: int = ...,
        retry_backoff_ms: int = ...,
    ) -> Self: ...

@final
class Jira(_RustResponder):
    """Jira issues, one per alert (``[response.jira]``)."""

    def __new__(
        cls,
        *,
        url: str = ...,
        project: str = ...,
        issue_type: str = ...,
        email: Optional[str] = ...,
        token: str = ...,
        labels: List[str] = ...,
        search_existing: bool = ...,
        timeout_secs: int = ...,
        max_retries: int = ...,
        retry_backoff_ms: int = ...,
    ) -> Self: ...

@final
class TicketFile(_RustResponder):
    """Tickets appended as JSON lines to a file (``[response.ticket_file]``)."""

    def __new__(cls, *, path: PathLike = ...) -> Self: ...

def run_responders(
    alert: AlertLike, responders: Iterable[Union[_RustResponder, ResponderLike]], dry_run: bool = True
) -> List[ActionRecordDict]:
    """Runs responders on an alert; a failure is a record with outcome ``failed``, not an exception."""
