import re

import soc_core


def test_version_matches_semver():
    assert re.fullmatch(r"\d+\.\d+\.\d+", soc_core.__version__)


def test_exception_hierarchy():
    assert issubclass(soc_core.SocError, Exception)
    for name in ["IocError", "ParseError", "SourceError", "ConfigError", "EnrichError",
                 "ScoreError", "RespondError", "StoreError"]:
        assert issubclass(getattr(soc_core, name), soc_core.SocError), name
    assert issubclass(soc_core.RateLimitError, soc_core.EnrichError)
    assert issubclass(soc_core.AuthError, soc_core.EnrichError)
    assert issubclass(soc_core.RefusedError, soc_core.RespondError)


def test_all_names_exist():
    for name in soc_core.__all__:
        assert hasattr(soc_core, name), name
