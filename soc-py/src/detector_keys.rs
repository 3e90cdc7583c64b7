//! `detector_keys`: the keys by which the SSH detectors group events, as
//! Arrow columns, so a distributed engine can partition `soc.events` by
//! them (Spark's `repartition(col)`, Dask's `shuffle`) without running
//! Python per row.
//!
//! The keys are those of `soc_core::detect`: the source (the address as
//! text, an IPv6 address as its network at `ipv6_prefix`, else the host
//! name) for brute force, slow brute force, spraying, scans and
//! success-after-failures; the user of each failed attempt for the
//! distributed attack.

use std::net::IpAddr;
use std::sync::Arc;

use arrow_array::builder::StringBuilder;
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema};
use ipnetwork::Ipv6Network;
use pyo3::prelude::*;
use pyo3_arrow::input::AnyRecordBatch;

use soc_core::columnar::{events_from_batch, SCHEMA_KEY};
use soc_core::detect::is_attempt;
use soc_core::model::Event;

use crate::columnar::{columnar_err, ArrowBatch};
use crate::errors::{config_error, type_error};

/// The source key of `ip`: its text, or for an IPv6 address (not
/// IPv4-mapped) below `/128` its network as `net/prefix`.
fn ip_key(ip: IpAddr, ipv6_prefix: u8) -> String {
    match ip {
        IpAddr::V6(v6) if ipv6_prefix < 128 && v6.to_ipv4_mapped().is_none() => {
            match Ipv6Network::new(v6, ipv6_prefix) {
                Ok(net) => format!("{}/{ipv6_prefix}", net.network()),
                Err(_) => ip.to_string(),
            }
        }
        _ => ip.to_string(),
    }
}

/// The detectors' source key of `e` (`None`: no source, no detector
/// keys it by source).
fn source_key(e: &Event, ipv6_prefix: u8) -> Option<String> {
    match (e.src_ip, e.src_host.as_deref()) {
        (Some(ip), _) => Some(ip_key(ip, ipv6_prefix)),
        (None, host) => host.map(str::to_string),
    }
}

/// The distributed-attack key of `e`: the user of a failed attempt
/// (`None` for other events and attempts without a user).
fn user_key(e: &Event) -> Option<&str> {
    e.user.as_deref().filter(|u| !u.is_empty() && is_attempt(e))
}

fn keys_batch(source: ArrayRef, user: ArrayRef) -> PyResult<ArrowBatch> {
    let schema = Schema::new(vec![
        Field::new("source_key", DataType::Utf8, true),
        Field::new("user_key", DataType::Utf8, true),
    ])
    .with_metadata([(SCHEMA_KEY.to_string(), "soc.detector_keys".to_string())].into());
    RecordBatch::try_new(Arc::new(schema), vec![source, user])
        .map(ArrowBatch::new)
        .map_err(|e| config_error(e.to_string()))
}

/// The detector keys of a `soc.events` batch or table, one row per event
/// in input order, as a `soc.detector_keys` batch of two string columns:
/// `source_key` (null when the event has no source) and `user_key` (the
/// user of a failed attempt, else null). `ipv6_prefix` is `DetectConfig`'s.
#[pyfunction]
#[pyo3(signature = (events, ipv6_prefix = 64))]
pub(crate) fn detector_keys(
    py: Python<'_>,
    events: &Bound<'_, PyAny>,
    ipv6_prefix: u8,
) -> PyResult<ArrowBatch> {
    if ipv6_prefix > 128 {
        return Err(config_error(format!(
            "detector_keys: ipv6_prefix must be 0..=128, not {ipv6_prefix}"
        )));
    }
    let input: AnyRecordBatch = events.extract().map_err(|_| {
        type_error("detector_keys: events must be an Arrow record batch or table (soc.events)")
    })?;
    let reader = input.into_reader()?;
    py.allow_threads(|| {
        let mut source = StringBuilder::new();
        let mut user = StringBuilder::new();
        for batch in reader {
            let batch = batch.map_err(|e| config_error(e.to_string()))?;
            for e in events_from_batch(&batch).map_err(columnar_err)? {
                source.append_option(source_key(&e, ipv6_prefix));
                user.append_option(user_key(&e));
            }
        }
        keys_batch(Arc::new(source.finish()), Arc::new(user.finish()))
    })
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_function(wrap_pyfunction!(detector_keys, m)?)
}
