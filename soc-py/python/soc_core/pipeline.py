"""The configured soc pipeline, driven from Python.

>>> import soc_core
>>> p = soc_core.Pipeline.from_config("soc.toml")     # doctest: +SKIP
>>> p.run_once()["alerts"]                            # doctest: +SKIP
3
"""

from ._native import Pipeline

__all__ = ["Pipeline"]
