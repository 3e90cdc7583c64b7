//! The EVE views read straight from the line text (no `Value` tree), with
//! the same lenient rules as their `from_map` constructors in `objects`.

use serde_json::{Map, Value};

use super::lenient::{Fields, RawObj, Src};
use super::objects::{
    DnsAnswer, DnsQuery, EveAlert, EveAnomaly, EveDns, EveFileinfo, EveFlow, EveHttp, EveTls,
};

fn object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

impl<'de> Fields<'de> for EveAlert {
    fn field<S: Src<'de>>(&mut self, key: &str, src: &mut S) -> Result<(), S::Error> {
        match key {
            "action" => self.action = src.lv()?.text_or_bool(),
            "gid" => self.gid = src.lv()?.uint(),
            "signature_id" => self.signature_id = src.lv()?.uint(),
            "rev" => self.rev = src.lv()?.uint(),
            "signature" => self.signature = src.lv()?.text_or_bool(),
            "category" => self.category = src.lv()?.text_or_bool(),
            "severity" => self.severity = src.lv()?.uint(),
            "metadata" => self.metadata = object(src.value()?),
            _ => {
                src.skip()?;
            }
        }
        Ok(())
    }
}

/// The `flow` / `netflow` object before the `pkts`/`bytes` fallbacks.
#[derive(Default)]
pub(super) struct FlowWire {
    pkts_toserver: Option<u64>,
    pkts: Option<u64>,
    pkts_toclient: Option<u64>,
    bytes_toserver: Option<u64>,
    bytes: Option<u64>,
    bytes_toclient: Option<u64>,
    start: Option<String>,
    end: Option<String>,
    age: Option<u64>,
    state: Option<String>,
    reason: Option<String>,
    alerted: Option<bool>,
}

impl<'de> Fields<'de> for FlowWire {
    fn field<S: Src<'de>>(&mut self, key: &str, src: &mut S) -> Result<(), S::Error> {
        match key {
            "pkts_toserver" => self.pkts_toserver = src.lv()?.uint(),
            "pkts" => self.pkts = src.lv()?.uint(),
            "pkts_toclient" => self.pkts_toclient = src.lv()?.uint(),
            "bytes_toserver" => self.bytes_toserver = src.lv()?.uint(),
            "bytes" => self.bytes = src.lv()?.uint(),
            "bytes_toclient" => self.bytes_toclient = src.lv()?.uint(),
            "start" => self.start = src.lv()?.text_or_bool(),
            "end" => self.end = src.lv()?.text_or_bool(),
            "age" => self.age = src.lv()?.uint(),
            "state" => self.state = src.lv()?.text_or_bool(),
            "reason" => self.reason = src.lv()?.text_or_bool(),
            "alerted" => self.alerted = src.lv()?.boolean(),
            _ => {
                src.skip()?;
            }
        }
        Ok(())
    }
}

impl From<FlowWire> for EveFlow {
    fn from(w: FlowWire) -> EveFlow {
        EveFlow {
            pkts_toserver: w.pkts_toserver.or(w.pkts),
            pkts_toclient: w.pkts_toclient,
            bytes_toserver: w.bytes_toserver.or(w.bytes),
            bytes_toclient: w.bytes_toclient,
            start: w.start,
            end: w.end,
            age: w.age,
            state: w.state,
            reason: w.reason,
            alerted: w.alerted,
        }
    }
}

impl<'de> Fields<'de> for EveHttp {
    fn field<S: Src<'de>>(&mut self, key: &str, src: &mut S) -> Result<(), S::Error> {
        match key {
            "hostname" => self.hostname = src.lv()?.text_or_bool(),
            "url" => self.url = src.lv()?.text_or_bool(),
            "http_user_agent" => self.http_user_agent = src.lv()?.text_or_bool(),
            "http_method" => self.http_method = src.lv()?.text_or_bool(),
            "protocol" => self.protocol = src.lv()?.text_or_bool(),
            "status" => self.status = src.lv()?.uint(),
            "length" => self.length = src.lv()?.uint(),
            "http_content_type" => self.http_content_type = src.lv()?.text_or_bool(),
            _ => {
                src.skip()?;
            }
        }
        Ok(())
    }
}

impl<'de> Fields<'de> for EveTls {
    fn field<S: Src<'de>>(&mut self, key: &str, src: &mut S) -> Result<(), S::Error> {
        match key {
            "sni" => self.sni = src.lv()?.text_or_bool(),
            "subject" => self.subject = src.lv()?.text_or_bool(),
            "issuerdn" => self.issuerdn = src.lv()?.text_or_bool(),
            "version" => self.version = src.lv()?.text_or_bool(),
            "fingerprint" => self.fingerprint = src.lv()?.text_or_bool(),
            "ja3" => self.ja3 = src.hash_of()?,
            "ja3s" => self.ja3s = src.hash_of()?,
            "ja4" => self.ja4 = src.hash_of()?,
            _ => {
                src.skip()?;
            }
        }
        Ok(())
    }
}

impl<'de> Fields<'de> for EveFileinfo {
    fn field<S: Src<'de>>(&mut self, key: &str, src: &mut S) -> Result<(), S::Error> {
        match key {
            "filename" => self.filename = src.lv()?.text_or_bool(),
            "magic" => self.magic = src.lv()?.text_or_bool(),
            "md5" => self.md5 = src.lv()?.text_or_bool(),
            "sha1" => self.sha1 = src.lv()?.text_or_bool(),
            "sha256" => self.sha256 = src.lv()?.text_or_bool(),
            "size" => self.size = src.lv()?.uint(),
            "state" => self.state = src.lv()?.text_or_bool(),
            "stored" => self.stored = src.lv()?.boolean(),
            _ => {
                src.skip()?;
            }
        }
        Ok(())
    }
}

impl<'de> Fields<'de> for EveAnomaly {
    fn field<S: Src<'de>>(&mut self, key: &str, src: &mut S) -> Result<(), S::Error> {
        match key {
            "type" => self.kind = src.lv()?.text_or_bool(),
            "event" => self.event = src.lv()?.text_or_bool(),
            "code" => self.code = src.lv()?.uint(),
            "layer" => self.layer = src.lv()?.text_or_bool(),
            _ => {
                src.skip()?;
            }
        }
        Ok(())
    }
}

/// A `dns` object (or one of its nested query / answer objects) before
/// normalization.
#[derive(Default)]
pub(super) struct DnsWire<'de> {
    kind: Option<String>,
    id: Option<u64>,
    rcode: Option<String>,
    version: Option<u64>,
    rrname: Option<String>,
    rrtype: Option<String>,
    ttl: Option<u64>,
    rdata: Option<String>,
    has_rdata: bool,
    query: Option<Vec<Option<DnsWire<'de>>>>,
    queries: Option<Vec<Option<DnsWire<'de>>>>,
    answer: Option<Box<DnsWire<'de>>>,
    answers: Option<Vec<Option<DnsWire<'de>>>>,
    /// Read only when no other answers are given.
    grouped: Option<RawObj<'de>>,
}

impl<'de> Fields<'de> for DnsWire<'de> {
    fn field<S: Src<'de>>(&mut self, key: &str, src: &mut S) -> Result<(), S::Error> {
        match key {
            "type" => self.kind = src.lv()?.text_or_bool(),
            "id" => self.id = src.lv()?.uint(),
            "rcode" => self.rcode = src.lv()?.text_or_bool(),
            "version" => self.version = src.lv()?.uint(),
            "rrname" => self.rrname = src.lv()?.text_or_bool(),
            "rrtype" => self.rrtype = src.lv()?.text_or_bool(),
            "ttl" => self.ttl = src.lv()?.uint(),
            "rdata" => {
                self.has_rdata = true;
                self.rdata = src.lv()?.text_or_bool();
            }
            "query" => self.query = src.objs()?,
            "queries" => self.queries = src.objs()?,
            "answer" => self.answer = src.obj()?.map(Box::new),
            "answers" => self.answers = src.objs()?,
            "grouped" => self.grouped = src.raw_obj()?,
            _ => {
                src.skip()?;
            }
        }
        Ok(())
    }
}

/// The objects of an optional array (other elements dropped).
fn objects<'de>(v: Option<Vec<Option<DnsWire<'de>>>>) -> impl Iterator<Item = DnsWire<'de>> {
    v.into_iter().flatten().flatten()
}

/// A question of `rrname` and `rrtype`, when there is a name.
fn question(rrname: Option<String>, rrtype: Option<String>) -> Option<DnsQuery> {
    Some(DnsQuery {
        rrname: rrname?,
        rrtype,
    })
}

impl DnsWire<'_> {
    fn into_query(self) -> Option<DnsQuery> {
        question(self.rrname, self.rrtype)
    }

    fn into_answer(self) -> DnsAnswer {
        DnsAnswer {
            rrname: self.rrname,
            rrtype: self.rrtype,
            ttl: self.ttl,
            rdata: self.rdata,
        }
    }

    /// The same normalization as `EveDns::from_map` (strings moved, not
    /// copied, where they serve once).
    pub(super) fn normalize(self) -> EveDns {
        let mut d = EveDns {
            kind: self.kind,
            id: self.id,
            rcode: self.rcode,
            version: self.version,
            queries: Vec::new(),
            answers: Vec::new(),
        };
        for q in objects(self.query) {
            let id = q.id;
            d.queries.extend(q.into_query());
            if d.id.is_none() {
                d.id = id;
            }
        }
        d.queries
            .extend(objects(self.queries).filter_map(DnsWire::into_query));
        if let Some(a) = self.answer {
            let q = if d.queries.is_empty() {
                question(a.rrname.clone(), a.rrtype.clone())
            } else {
                None
            };
            d.answers.extend(a.normalize().answers);
            d.queries.extend(q);
        }
        d.answers
            .extend(objects(self.answers).map(DnsWire::into_answer));
        let (rrname, rrtype) = (self.rrname, self.rrtype);
        if !d.answers.is_empty() {
            // The object's own names serve only as the question.
            if d.queries.is_empty() {
                d.queries.extend(question(rrname, rrtype));
            }
            return d;
        }
        if d.queries.is_empty() {
            d.queries.extend(question(rrname.clone(), rrtype.clone()));
        }
        if self.has_rdata {
            d.answers.push(DnsAnswer {
                rrname,
                rrtype,
                ttl: self.ttl,
                rdata: self.rdata,
            });
        } else if let Some(g) = self.grouped {
            for (rrtype, vals) in g.into_map() {
                DnsAnswer::push_grouped(&mut d.answers, rrname.as_deref(), &rrtype, &vals);
            }
        }
        d
    }
}
