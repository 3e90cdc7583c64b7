"""The soc exception hierarchy (raised by the native module; see ``soc_core``).

Defined in Python so that argument errors can be both a ``SocError`` and the
built-in exception a Python caller expects (``ValueError``/``TypeError``)::

    SocError
    ├── IocError (also ValueError): an unknown kind, a value that is no indicator
    ├── ParseError
    ├── SourceError
    ├── ConfigError (also ValueError): bad configuration or argument value
    │   └── ArgumentTypeError (also TypeError): an argument of the wrong type
    ├── EnrichError
    │   ├── AuthError
    │   └── RateLimitError
    ├── ScoreError
    ├── RespondError
    │   └── RefusedError
    └── StoreError

A missing file raises the built-in ``FileNotFoundError``. The module defines
nothing else public: ``soc_core`` exports every public name of it.
"""

class SocError(Exception):
    """Base class of every soc error."""


class IocError(SocError, ValueError):
    """IOC error: an unknown indicator kind, a value that is not a valid indicator."""


class ParseError(SocError):
    """Log or alert parsing error (file and line in the message)."""


class SourceError(SocError):
    """Log source error (unreadable file, Splunk search failure, ...)."""


class ConfigError(SocError, ValueError):
    """Invalid configuration or argument value (unknown keyword, bad name, bad range)."""


class ArgumentTypeError(ConfigError, TypeError):
    """An argument of the wrong type (e.g. an int where a path or lines were expected)."""


class EnrichError(SocError):
    """Enrichment provider error."""


class AuthError(EnrichError):
    """The provider rejected the credentials, or no API key is set."""


class RateLimitError(EnrichError):
    """The provider's rate limit or daily quota was hit."""


class ScoreError(SocError):
    """Scorer error (bad model file, bad thresholds)."""


class RespondError(SocError):
    """Responder error (a command or API call failed)."""


class RefusedError(RespondError):
    """The target is protected (allow-list, private, loopback) or invalid."""


class StoreError(SocError):
    """State store (SQLite) error."""


# Shown as ``soc_core.ConfigError`` (where users import them from) in tracebacks and reprs.
for _cls in [c for c in list(globals().values()) if isinstance(c, type) and issubclass(c, SocError)]:
    _cls.__module__ = "soc_core"
del _cls
