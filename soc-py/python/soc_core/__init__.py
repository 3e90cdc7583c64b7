"""soc_core: fast, safe security-operations automation (Rust core).

IOC extraction, OpenSSH/Suricata parsing, detection, threat-intel
enrichment, triage and response, driven from Python.
"""

from types import FunctionType as _FunctionType
from types import ModuleType as _ModuleType

from . import _errors, _native
from . import columnar as _columnar
from . import enrich as _enrich
from . import iocs as _iocs
from . import parse as _parse
from . import pipeline as _pipeline
from . import respond as _respond
from . import serve as _serve
from . import triage as _triage
from ._errors import *  # noqa: F401,F403 (the exception classes: all that _errors defines)
from ._native import *  # noqa: F401,F403 (what Rust registers; PyO3 keeps _native.__all__)


def _written_in_python(module: _ModuleType) -> dict:
    """The public functions ``module`` defines in Python (``enrich.VirusTotal``, ...)."""
    return {
        name: obj
        for name, obj in vars(module).items()
        if not name.startswith("_") and isinstance(obj, _FunctionType) and obj.__module__ == module.__name__
    }


_python_api: dict = {}
for _module in (_columnar, _enrich, _iocs, _parse, _pipeline, _respond, _serve, _triage):
    _python_api.update(_written_in_python(_module))
globals().update(_python_api)
del _module

#: The public API: the names the native module registers, the exception
#: classes and the functions written in Python. The stub ``__init__.pyi``
#: declares the same names for type checkers; stubtest (``make py-test``)
#: fails when the two differ.
__all__ = [
    *(name for name in _native.__all__ if name == "__version__" or not name.startswith("_")),
    *(name for name in vars(_errors) if not name.startswith("_")),
    *_python_api,
]
