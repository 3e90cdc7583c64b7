"""soc_core: fast, safe security-operations automation (Rust core).

IOC extraction, OpenSSH/Suricata parsing, detection, threat-intel
enrichment, triage and response, driven from Python.
"""

from . import _errors
from ._errors import *  # noqa: F401,F403
from ._native import __version__
from . import columnar as _columnar
from . import enrich as _enrich
from . import iocs as _iocs
from . import parse as _parse
from . import pipeline as _pipeline
from . import respond as _respond
from . import serve as _serve
from . import triage as _triage
from .columnar import *  # noqa: F401,F403
from .enrich import *  # noqa: F401,F403
from .iocs import *  # noqa: F401,F403
from .parse import *  # noqa: F401,F403
from .pipeline import *  # noqa: F401,F403
from .respond import *  # noqa: F401,F403
from .serve import *  # noqa: F401,F403
from .triage import *  # noqa: F401,F403

__all__ = [
    "__version__",
    *_errors.__all__,
    *_iocs.__all__,
    *_parse.__all__,
    *_enrich.__all__,
    *_triage.__all__,
    *_pipeline.__all__,
    *_respond.__all__,
    *_serve.__all__,
    *_columnar.__all__,
]
