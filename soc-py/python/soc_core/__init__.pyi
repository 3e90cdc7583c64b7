"""soc_core: fast, safe security-operations automation (Rust core).

IOC extraction, OpenSSH/Suricata parsing, detection, threat-intel
enrichment, triage and response, driven from Python.
"""

from ._errors import *
from .columnar import *
from .enrich import *
from .iocs import *
from .parse import *
from .pipeline import *
from .respond import *
from .serve import *
from .triage import *

__version__: str

# The one list of the public API. The submodules declare none of their own
# (a stub's ``__all__`` must be a literal list for mypy); at run time
# ``soc_core.__all__`` is built from what the native module registers, and
# stubtest (``make py-test``) fails when the two differ.
__all__ = [
    "__version__",
    "SocError",
    "IocError",
    "ParseError",
    "SourceError",
    "ConfigError",
    "ArgumentTypeError",
    "EnrichError",
    "AuthError",
    "RateLimitError",
    "ScoreError",
    "RespondError",
    "RefusedError",
    "StoreError",
    "KINDS",
    "Indicator",
    "extract_iocs",
    "extract_iocs_from_file",
    "refang",
    "defang",
    "Alert",
    "Event",
    "EveEvents",
    "SshEvents",
    "detect_bruteforce",
    "parse_eve",
    "parse_ssh",
    "read_alerts",
    "ssh_summary",
    "Enrichment",
    "Enrichers",
    "VirusTotal",
    "AbuseIPDB",
    "GreyNoise",
    "InternetDB",
    "Rdap",
    "ReverseDns",
    "LocalLists",
    "Attack",
    "attack_for_kind",
    "FEATURE_NAMES",
    "WeightedScorer",
    "ModelScorer",
    "features",
    "score_alerts",
    "train",
    "EmailNotifier",
    "SlackNotifier",
    "WebhookNotifier",
    "TheHive",
    "Jira",
    "TicketFile",
    "run_responders",
    "Pipeline",
    "Firewall",
    "SshIsolator",
    "Dashboard",
    "serve",
    "ArrowBatch",
    "parse_ssh_batch",
    "parse_eve_batch",
    "eve_alerts_batch",
    "extract_iocs_batch",
    "detect_batch",
    "detector_keys",
    "to_arrow",
]
