//! The typed event objects of an EVE record, read once.

use serde_json::{Map, Value};

use super::objects::{EveAlert, EveAnomaly, EveDns, EveFileinfo, EveFlow, EveHttp, EveTls};

/// The typed event objects of a record, read once.
#[derive(Debug, Clone, Default, PartialEq)]
pub(super) struct Views {
    pub(super) alert: Option<Box<EveAlert>>,
    pub(super) flow: Option<Box<EveFlow>>,
    pub(super) dns: Option<Box<EveDns>>,
    pub(super) http: Option<Box<EveHttp>>,
    pub(super) tls: Option<Box<EveTls>>,
    pub(super) fileinfo: Option<Box<EveFileinfo>>,
    pub(super) anomaly: Option<Box<EveAnomaly>>,
}

impl Views {
    /// The views of a parsed object (the reference behaviour).
    pub(super) fn from_map(raw: &Map<String, Value>) -> Views {
        let obj = |k: &str| raw.get(k).and_then(Value::as_object);
        Views {
            alert: obj("alert").map(|m| Box::new(EveAlert::from_map(m))),
            flow: obj("flow")
                .or_else(|| obj("netflow"))
                .map(|m| Box::new(EveFlow::from_map(m))),
            dns: obj("dns").map(|m| Box::new(EveDns::from_map(m))),
            http: obj("http").map(|m| Box::new(EveHttp::from_map(m))),
            tls: obj("tls").map(|m| Box::new(EveTls::from_map(m))),
            fileinfo: obj("fileinfo").map(|m| Box::new(EveFileinfo::from_map(m))),
            anomaly: obj("anomaly").map(|m| Box::new(EveAnomaly::from_map(m))),
        }
    }
}
