//! A custom threat-intelligence provider plugged into soc's enrichment
//! service, using only the `soc-core` crate.
//!
//! Run: `cargo run --manifest-path examples/sdk-consumer/Cargo.toml`.

use std::collections::HashSet;
use std::process::ExitCode;

use soc_core::enrich::EnrichConfig;
use soc_core::{
    async_trait, EnrichError, Enricher, Enrichment, EnrichmentService, Indicator, Verdict,
};

/// An in-house watchlist of addresses.
struct Watchlist {
    listed: HashSet<String>,
}

#[async_trait]
impl Enricher for Watchlist {
    fn name(&self) -> &str {
        "watchlist"
    }

    fn supports(&self, indicator: &Indicator) -> bool {
        indicator.kind.is_ip()
    }

    async fn enrich(&self, indicator: &Indicator) -> Result<Enrichment, EnrichError> {
        let value = indicator.value.clone();
        let listed = self.listed.contains(&value);
        // Blocking work (a file, a synchronous client) goes off the async threads.
        let checked = soc_core::rt::spawn_blocking(move || value.len())
            .await
            .unwrap_or(0);
        Ok(if listed {
            Enrichment::new(
                self.name(),
                indicator,
                Verdict::Malicious,
                90,
                format!("on the in-house watchlist ({checked} chars checked)"),
            )
        } else {
            Enrichment::unknown(self.name(), indicator)
        })
    }
}

fn main() -> ExitCode {
    let service = match EnrichmentService::from_config(&EnrichConfig::default(), None, true) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("sdk-consumer: {e}");
            return ExitCode::FAILURE;
        }
    };
    let watchlist = Watchlist {
        listed: HashSet::from(["198.51.100.23".to_string()]),
    };
    let ip = match Indicator::parse(None, "198.51.100.23") {
        Ok(i) => i,
        Err(e) => {
            eprintln!("sdk-consumer: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mine = soc_core::rt::block_on(watchlist.enrich(&ip));
    let builtin = soc_core::rt::block_on(
        service.enrich(&Indicator::parse(None, "T1110.001").expect("a valid ATT&CK id")),
    );
    match (mine, builtin.first()) {
        (Ok(e), Some(Ok(attack))) if e.verdict == Verdict::Malicious => {
            println!(
                "{} {}: {} ({})",
                e.provider, e.indicator, e.verdict, e.summary
            );
            println!(
                "{} {}: {}",
                attack.provider, attack.indicator, attack.summary
            );
            ExitCode::SUCCESS
        }
        other => {
            eprintln!("sdk-consumer: unexpected results: {other:?}");
            ExitCode::FAILURE
        }
    }
}
