"""The plug-in protocols: what a Python enricher, scorer or responder needs
to take part in a Rust pipeline (``Pipeline.add_enricher``/``set_scorer``/
``add_responder``, ``score_alerts``, ``run_responders``). They are
structural: any object with the method will do, no base class needed.
"""

from typing import Any, Dict, Optional, Protocol, Union

ScoreDict = Dict[str, Any]
"""``{"scorer", "value" (0..100), "level" (low..critical), "factors": [...]}``."""
ActionRecordDict = Dict[str, Any]
"""``{"responder", "action", "target", "mode", "outcome", "commands", ...}``."""


class EnricherLike(Protocol):
    """A Python enricher: ``enrich(indicator_dict)`` returns ``Enrichment`` fields as a dict, or None."""

    def enrich(self, indicator: Dict[str, Any]) -> Optional[Dict[str, Any]]: ...


class ScorerLike(Protocol):
    """A Python scorer: ``score(alert_dict)`` returns a score dict or a number 0..100."""

    def score(self, alert: Dict[str, Any]) -> Union[ScoreDict, float]: ...


class ResponderLike(Protocol):
    """A Python responder: ``respond(alert_dict, dry_run)`` returns an action-record dict or None."""

    def respond(self, alert: Dict[str, Any], dry_run: bool) -> Optional[ActionRecordDict]: ...


__all__ = ["ActionRecordDict", "EnricherLike", "ResponderLike", "ScoreDict", "ScorerLike"]
