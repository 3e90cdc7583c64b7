"""The configured soc pipeline, driven from Python (Rust: ``soc_core::pipeline::Pipeline``)."""

from os import PathLike
from typing import Any, Dict, Optional, Union, final

from ._protocols import EnricherLike as EnricherLike
from ._protocols import ResponderLike as ResponderLike
from ._protocols import ScorerLike as ScorerLike

@final
class Pipeline:
    """The configured soc pipeline: source → parse → detect → enrich → score → respond."""

    @staticmethod
    def from_config(
        config: Union[str, PathLike[str], Dict[str, Any]],
        *,
        state: Union[str, PathLike[str], None] = None,
        dry_run: Optional[bool] = None,
        offline: bool = False,
    ) -> "Pipeline":
        """Builds the pipeline from a ``soc.toml`` path or a dict of the same shape.

        Relative paths in a config file are relative to the file's folder.
        ``state`` overrides ``[store] path``. ``dry_run``: None keeps the
        config's ``[response] dry_run`` (dry-run unless it says otherwise);
        True or False mean what they mean for ``Firewall(dry_run=...)``.
        ``offline`` forbids network enrichment. Invalid config: ``ConfigError``.
        """
    def run_once(self) -> Dict[str, Any]:
        """Processes what is new since the last checkpoint and acts.

        Returns the run's metrics with ``ok`` (False when a plugged-in scorer
        or responder raised or an action failed), ``failed_actions`` and
        ``errors``. An alert whose Python scorer raised is kept, scored by
        severity, with a ``scorer_error`` factor.
        """
    def alerts(self, since: Optional[str] = None) -> list[Dict[str, Any]]:
        """Stored alerts with their ``score``; ``since`` as in ``soc report --since`` (``24h``, ``7d``, RFC 3339, ``all``)."""
    def actions(self, since: Optional[str] = None) -> list[Dict[str, Any]]:
        """Audited actions; ``since`` as in ``alerts``."""
    def metrics(self) -> Dict[str, Any]:
        """Cumulative metrics over every recorded run."""
    @property
    def last_run(self) -> Optional[Dict[str, Any]]:
        """What the last ``run_once()`` returned, or None."""
    @property
    def mode(self) -> str:
        """``dry_run`` or ``live``."""
    def report(self, format: str = "md", since: Optional[str] = None) -> str:
        """A report: ``md``, ``html``, ``json`` or ``csv``."""
    def summary(self) -> str:
        """The plain-text triage summary of the last run (with a FAILED section when something failed)."""
    def add_enricher(self, obj: EnricherLike) -> None:
        """Adds a Python enricher."""
    def set_scorer(self, obj: ScorerLike) -> None:
        """Replaces the scorer: a ``WeightedScorer``/``ModelScorer`` or any ``ScorerLike``."""
    def add_responder(self, obj: ResponderLike) -> None:
        """Adds a responder, called once per alert."""
    def __reduce__(self) -> Any:
        """Pickles as "build again from the same config and options" (plugged-in steps are not kept)."""
