//! The enrichment providers' usage today, shared by the overview and the
//! health page: lookups used against the daily quota, what is left, the
//! lookups deferred for want of quota, and errors by kind (all from the
//! state store, so every run and process on the file is counted).

use maud::{html, Markup};

use soc_core::store::usage::ProviderUsage;

/// The providers' usage table (`id="providers"`).
pub(crate) fn providers(usage: &[ProviderUsage]) -> Markup {
    html! {
        @if usage.is_empty() { p.muted { "No provider lookups recorded today." } }
        @else {
            table #providers {
                thead { tr { th { "provider" } th { "lookups today" } th { "daily quota" } th { "left" } th { "deferred" } th { "errors" } } }
                tbody { @for u in usage { tr {
                    td { (u.provider) }
                    td.num { (u.used) }
                    td.num { @match u.quota { Some(q) => { (q) } None => { span.muted { "none" } } } }
                    td.num { @match u.left() { Some(l) => { (l) } None => { span.muted { "n/a" } } } }
                    td.num { (u.refused) }
                    td { @if u.errors.is_empty() { span.muted { "none" } }
                         @for (kind, n) in &u.errors { (kind) " " (n) " " } }
                } } }
            }
        }
    }
}
