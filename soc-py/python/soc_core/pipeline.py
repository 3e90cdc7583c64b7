"""The configured soc pipeline, driven from Python (Rust: ``soc_core::pipeline::Pipeline``).

>>> import soc_core
>>> p = soc_core.Pipeline.from_config("soc.toml")     # doctest: +SKIP
>>> p.run_once()["ok"]                                # doctest: +SKIP
True
"""

from typing import Any, Dict

from ._native import Pipeline
from ._protocols import EnricherLike, ResponderLike, ScorerLike  # noqa: F401 (the plug-in types)


def _rebuild_pipeline(config: Any, options: Dict[str, Any]) -> Pipeline:
    """Unpickling helper: builds the pipeline again from its config and options."""
    return Pipeline.from_config(config, **options)
