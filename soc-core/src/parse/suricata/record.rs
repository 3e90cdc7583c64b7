//! Reading one EVE line into an [`EveRecord`] in a single pass over its
//! text: the envelope fields and the known event objects are read typed,
//! everything else is validated and skipped (kept only as the line text).
//! [`TopWire`] holds the field rules; the fast cursor (`fast`) and the
//! `serde_json` reader here ([`read_serde`]) both feed it.

use std::fmt;
use std::net::IpAddr;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use super::eve_record::{parse_eve_time, EveRecord};
use super::lenient::{Key, Lv, Ma, SkipVisitor, Src};
use super::objects::{EveAlert, EveAnomaly, EveFileinfo, EveFlow, EveHttp, EveTls};
use super::typed::{DnsWire, FlowWire};

pub(super) use super::scalars::ip_of;

fn ip(v: Lv<'_>) -> Option<IpAddr> {
    match v {
        Lv::Str(s) => ip_of(&s),
        _ => None,
    }
}

fn port(v: Lv<'_>) -> Option<u16> {
    v.uint().and_then(|p| u16::try_from(p).ok())
}

/// A record being read: the envelope and views read so far, and the
/// objects that are normalized at the end.
pub(super) struct TopWire<'r, 'de> {
    r: &'r mut EveRecord,
    flow: Option<FlowWire>,
    netflow: Option<FlowWire>,
    dns: Option<DnsWire<'de>>,
}

impl<'r, 'de> TopWire<'r, 'de> {
    /// Reads into `r` (an empty record).
    pub(super) fn new(r: &'r mut EveRecord) -> TopWire<'r, 'de> {
        TopWire {
            r,
            flow: None,
            netflow: None,
            dns: None,
        }
    }

    /// Reads the value of top-level `key` (`full = false`: only what an
    /// alert needs; the rest is validated and skipped).
    #[inline]
    pub(super) fn field<S: Src<'de>>(
        &mut self,
        key: &str,
        src: &mut S,
        full: bool,
    ) -> Result<(), S::Error> {
        let r = &mut *self.r;
        match key {
            "timestamp" => match src.lv()? {
                Lv::Str(s) => {
                    r.timestamp = parse_eve_time(&s);
                    r.ts_text = Some(s.into_owned());
                }
                _ => (r.timestamp, r.ts_text) = (None, None),
            },
            "event_type" => r.event_type = src.lv()?.text().unwrap_or_default(),
            "flow_id" => r.flow_id = src.lv()?.uint(),
            "src_ip" => r.src_ip = ip(src.lv()?),
            "src_port" => r.src_port = port(src.lv()?),
            "dest_ip" => r.dest_ip = ip(src.lv()?),
            "dest_port" => r.dest_port = port(src.lv()?),
            "proto" => r.proto = src.lv()?.text(),
            "app_proto" => r.app_proto = src.lv()?.text(),
            "host" => r.host = src.lv()?.text(),
            "alert" => r.views.alert = src.obj::<EveAlert>()?.map(Box::new),
            "in_iface" if full => r.in_iface = src.lv()?.text(),
            "community_id" if full => r.community_id = src.lv()?.text(),
            "vlan" if full => r.vlan = src.vlan()?,
            "tx_id" if full => r.tx_id = src.lv()?.uint(),
            "direction" if full => r.direction = src.lv()?.text(),
            "flow" if full => self.flow = src.obj()?,
            "netflow" if full => self.netflow = src.obj()?,
            "dns" if full => self.dns = src.obj()?,
            "http" if full => r.views.http = src.obj::<EveHttp>()?.map(Box::new),
            "tls" if full => r.views.tls = src.obj::<EveTls>()?.map(Box::new),
            "fileinfo" if full => r.views.fileinfo = src.obj::<EveFileinfo>()?.map(Box::new),
            "anomaly" if full => r.views.anomaly = src.obj::<EveAnomaly>()?.map(Box::new),
            _ => src.skip()?,
        }
        Ok(())
    }

    /// Sets the alert view (read by the caller).
    pub(super) fn set_alert(&mut self, a: Option<Box<EveAlert>>) {
        self.r.views.alert = a;
    }

    /// Normalizes the flow and DNS views into the record.
    pub(super) fn finish(self) {
        let r = self.r;
        r.views.flow = self
            .flow
            .or(self.netflow)
            .map(|f| Box::new(EveFlow::from(f)));
        r.views.dns = self.dns.map(|d| Box::new(d.normalize()));
    }
}

/// Reads a record; `full = false` reads only what an alert needs.
/// `Ok(None)`: valid JSON, but not an object.
struct Top {
    full: bool,
}

impl<'de> DeserializeSeed<'de> for Top {
    type Value = Option<EveRecord>;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Top {
    type Value = Option<EveRecord>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON object")
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut r = EveRecord::empty();
        let mut top = TopWire::new(&mut r);
        while let Some(k) = map.next_key::<Key<'de>>()? {
            top.field(&k.0, &mut Ma(&mut map), self.full)?;
        }
        top.finish();
        Ok(Some(r))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        SkipVisitor.visit_seq(seq).map(|_| None)
    }
    fn visit_bool<E>(self, _: bool) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_i64<E>(self, _: i64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_u64<E>(self, _: u64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_f64<E>(self, _: f64) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_str<E>(self, _: &str) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(None)
    }
}

/// Reads one line with `serde_json` (the path for lines the fast reader
/// leaves, and its reference): `Err` for invalid JSON (with trailing
/// characters checked as `serde_json::from_str` does), `Ok(None)` for
/// valid JSON that is not an object. The line text is not kept here.
pub(super) fn read_serde(line: &str, full: bool) -> Result<Option<EveRecord>, serde_json::Error> {
    let mut de = serde_json::Deserializer::from_str(line);
    let r = Top { full }.deserialize(&mut de)?;
    de.end()?;
    Ok(r)
}
