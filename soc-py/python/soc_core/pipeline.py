"""The configured soc pipeline, driven from Python (Rust: ``soc_core::pipeline::Pipeline``).

>>> import soc_core
>>> p = soc_core.Pipeline.from_config("soc.toml")     # doctest: +SKIP
>>> p.run_once()["ok"]                                # doctest: +SKIP
True
"""

from typing import Any, Dict, Optional, Protocol, Union

from ._native import Pipeline


class EnricherLike(Protocol):
    """A Python enricher: ``enrich(indicator_dict)`` returns ``Enrichment`` fields as a dict, or None."""

    def enrich(self, indicator: Dict[str, Any]) -> Optional[Dict[str, Any]]: ...


class ScorerLike(Protocol):
    """A Python scorer: ``score(alert_dict)`` returns a score dict or a number 0..100."""

    def score(self, alert: Dict[str, Any]) -> Union[Dict[str, Any], float]: ...


class ResponderLike(Protocol):
    """A Python responder: ``respond(alert_dict, dry_run)`` returns an action-record dict or None."""

    def respond(self, alert: Dict[str, Any], dry_run: bool) -> Optional[Dict[str, Any]]: ...


def _rebuild_pipeline(config: Any, options: Dict[str, Any]) -> Pipeline:
    """Unpickling helper: builds the pipeline again from its config and options."""
    return Pipeline.from_config(config, **options)


__all__ = ["Pipeline"]
