//! The alert-only line reader: the envelope and the `alert` object, with
//! the rule metadata kept as borrowed string lists.

use super::cursor::{Bail, Cur};
use crate::parse::suricata::eve_record::EveRecord;
use crate::parse::suricata::lenient::{Fields, Src};
use crate::parse::suricata::objects::EveAlert;
use crate::parse::suricata::record::TopWire;
use crate::parse::suricata::rule_meta::Meta;

/// Reads what an alert needs from a line into `rec` (an empty record),
/// like `read_into` with `full = false`, except that
/// the alert's rule metadata goes to `meta` (borrowed) instead of the
/// alert view; false when the line leaves the subset.
pub(in crate::parse::suricata) fn read_alert_into<'a>(
    line: &'a str,
    rec: &mut EveRecord,
    meta: &mut Meta<'a>,
) -> bool {
    let Some(mut c) = Cur::at_object(line) else {
        return false;
    };
    let mut top = TopWire::new(rec);
    let read = c.object(|c, k| {
        if k == "alert" {
            let a = c.alert(meta)?;
            top.set_alert(a);
            Ok(())
        } else {
            top.field(k, c, false)
        }
    });
    if read.is_err() {
        return false;
    }
    top.finish();
    c.ws().is_none()
}

impl<'a> Cur<'a> {
    /// An `alert` value: the object without its metadata, which goes to
    /// `meta` (`None` and no metadata when the value is not an object).
    fn alert(&mut self, meta: &mut Meta<'a>) -> Result<Option<Box<EveAlert>>, Bail> {
        meta.0.clear();
        if self.ws() != Some(b'{') {
            return self.skip().map(|()| None);
        }
        let mut a = EveAlert::default();
        self.object(|c, k| {
            if k == "metadata" {
                c.meta(meta)
            } else {
                a.field(k, c)
            }
        })?;
        Ok(Some(Box::new(a)))
    }

    /// Rule metadata: each key with its strings (an array's strings, or a
    /// single string); a value that is not an object gives none.
    fn meta(&mut self, meta: &mut Meta<'a>) -> Result<(), Bail> {
        meta.0.clear();
        if self.ws() != Some(b'{') {
            return self.skip();
        }
        self.object(|c, k| {
            let strs = match c.ws() {
                Some(b'[') => {
                    let mut v = Vec::new();
                    c.array(|c| {
                        if c.ws() == Some(b'"') {
                            v.push(c.string()?);
                            Ok(())
                        } else {
                            c.skip()
                        }
                    })?;
                    v
                }
                Some(b'"') => vec![c.string()?],
                _ => {
                    c.skip()?;
                    Vec::new()
                }
            };
            meta.0.push((k, strs));
            Ok(())
        })
    }
}
