"""The native (Rust) module; import from ``soc_core`` instead. Its names are typed in the submodule stubs."""

from .iocs import (
    KINDS as KINDS,
    Indicator as Indicator,
    extract_iocs as extract_iocs,
    extract_iocs_from_file as extract_iocs_from_file,
    refang as refang,
    defang as defang,
)
from .parse import (
    Event as Event,
    Alert as Alert,
    SshEvents as SshEvents,
    EveEvents as EveEvents,
    parse_ssh as parse_ssh,
    parse_eve as parse_eve,
    read_alerts as read_alerts,
    detect_bruteforce as detect_bruteforce,
    ssh_summary as ssh_summary,
)
from .columnar import (
    ArrowBatch as ArrowBatch,
    parse_ssh_batch as parse_ssh_batch,
    parse_eve_batch as parse_eve_batch,
    eve_alerts_batch as eve_alerts_batch,
    extract_iocs_batch as extract_iocs_batch,
    detect_batch as detect_batch,
    to_arrow as to_arrow,
)
from .enrich import (
    Enrichment as Enrichment,
    Enrichers as Enrichers,
    attack_for_kind as attack_for_kind,
)
from .triage import (
    _RustScorer as _RustScorer,
    WeightedScorer as WeightedScorer,
    ModelScorer as ModelScorer,
    _RustResponder as _RustResponder,
    EmailNotifier as EmailNotifier,
    SlackNotifier as SlackNotifier,
    WebhookNotifier as WebhookNotifier,
    TheHive as TheHive,
    Jira as Jira,
    TicketFile as TicketFile,
    score_alerts as score_alerts,
    features as features,
    train as train,
    run_responders as run_responders,
    FEATURE_NAMES as FEATURE_NAMES,
)
from .pipeline import (
    Pipeline as Pipeline,
)
from .respond import (
    Firewall as Firewall,
    SshIsolator as SshIsolator,
)
from .serve import (
    Dashboard as Dashboard,
    serve as serve,
)

__version__: str
__all__ = [
    "__version__",
    "KINDS",
    "Indicator",
    "extract_iocs",
    "extract_iocs_from_file",
    "refang",
    "defang",
    "Event",
    "Alert",
    "SshEvents",
    "EveEvents",
    "parse_ssh",
    "parse_eve",
    "read_alerts",
    "detect_bruteforce",
    "ssh_summary",
    "Enrichment",
    "Enrichers",
    "attack_for_kind",
    "_RustScorer",
    "WeightedScorer",
    "ModelScorer",
    "_RustResponder",
    "EmailNotifier",
    "SlackNotifier",
    "WebhookNotifier",
    "TheHive",
    "Jira",
    "TicketFile",
    "score_alerts",
    "features",
    "train",
    "run_responders",
    "FEATURE_NAMES",
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
    "to_arrow",
]
