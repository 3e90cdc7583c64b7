//! A custom [`Enricher`]: your own threat-intelligence (here, an internal
//! list of known-bad networks) next to the configured providers. Its
//! verdicts land on the alerts and feed the scorer.

use std::io::Write;
use std::net::IpAddr;
use std::path::Path;

use async_trait::async_trait;
use soc_core::model::{Enrichment, Indicator, Verdict};
use soc_core::pipeline::{BuildOptions, Pipeline, PipelineConfig, RunOptions};
use soc_core::store::StoredAlert;
use soc_core::{EnrichError, Enricher};

/// Flags addresses inside known-bad networks.
pub struct InternalIntel {
    bad: Vec<(IpAddr, u8)>,
}

impl InternalIntel {
    /// Intel over `(network, prefix length)` pairs (IPv4).
    pub fn new(bad: Vec<(IpAddr, u8)>) -> Self {
        InternalIntel { bad }
    }

    fn listed(&self, ip: IpAddr) -> bool {
        self.bad.iter().any(|(net, len)| match (net, ip) {
            (IpAddr::V4(n), IpAddr::V4(a)) => {
                let mask = if *len == 0 {
                    0
                } else {
                    u32::MAX << (32 - u32::from((*len).min(32)))
                };
                u32::from(*n) & mask == u32::from(a) & mask
            }
            _ => false,
        })
    }
}

#[async_trait]
impl Enricher for InternalIntel {
    fn name(&self) -> &str {
        "internal_intel"
    }

    fn supports(&self, indicator: &Indicator) -> bool {
        indicator.ip().is_some()
    }

    async fn enrich(&self, indicator: &Indicator) -> Result<Enrichment, EnrichError> {
        let mut e = Enrichment::unknown("internal_intel", indicator).with_ttl(3600);
        if indicator.ip().is_some_and(|ip| self.listed(ip)) {
            e.verdict = Verdict::Malicious;
            e.score = 90;
            e.summary = "in the internal known-bad list".into();
        }
        Ok(e)
    }
}

/// Runs the example in `dir`, writing to `out`; returns the stored alerts.
pub fn run(
    dir: &Path,
    out: &mut dyn Write,
) -> Result<Vec<StoredAlert>, Box<dyn std::error::Error>> {
    let log = crate::write_sample_authlog(dir, "203.0.113.50")?;
    let toml = crate::ssh_config_for(dir, &log);
    let cfg = PipelineConfig::from_toml_str(&toml, "custom-enricher.toml")?;
    let mut pipeline = Pipeline::from_config(&cfg, &BuildOptions::default())?;
    pipeline.add_enricher(Box::new(InternalIntel::new(vec![(
        "203.0.113.0".parse()?,
        24,
    )])));
    let rt = tokio::runtime::Runtime::new()?;
    rt.block_on(pipeline.run(RunOptions::default()))?;
    let alerts = pipeline
        .store()
        .alerts_since(chrono::DateTime::<chrono::Utc>::MIN_UTC)?;
    for a in &alerts {
        for e in a
            .alert
            .enrichments
            .iter()
            .filter(|e| e.provider == "internal_intel")
        {
            writeln!(
                out,
                "{} {}: {} ({})",
                a.alert.kind, e.indicator, e.verdict, e.summary
            )?;
        }
    }
    Ok(alerts)
}
