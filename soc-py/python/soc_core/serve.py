"""The live dashboard (``soc serve``) from Python.

``serve(config)`` serves until Ctrl-C; ``serve(config, block=False)`` returns
a :class:`Dashboard` serving in the background (``.url``, ``.stop()``, usable
as a context manager).
"""

from ._native import Dashboard, serve  # noqa: F401 (re-exported)
