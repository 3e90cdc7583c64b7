//! Quota left and errors by provider on the overview and health pages,
//! read from the usage every run records in the state store.

mod common;

use chrono::Utc;
use common::*;
use soc_core::StateStore;
use soc_serve::AuthConfig;

async fn get(url: &str) -> String {
    let r = client().get(url).send().await.unwrap();
    assert_eq!(r.status(), 200);
    r.text().await.unwrap()
}

#[tokio::test]
async fn overview_and_health_show_quota_left_and_errors_by_provider() {
    let (srv, _) = start(AuthConfig::none(), 2).await;
    let before = get(&format!("{}/health", srv.base)).await;
    assert!(before.contains("No provider lookups recorded today."));
    {
        // What two cron runs of `soc run` leave behind.
        let store = StateStore::open(&srv.store_path).unwrap();
        let today = Utc::now().date_naive();
        for _ in 0..4 {
            store.take_daily_slot("virustotal", today, Some(5)).unwrap();
        }
        for _ in 0..3 {
            store.take_daily_slot("virustotal", today, Some(5)).unwrap();
        }
        store
            .record_provider_error("virustotal", today, "server")
            .unwrap();
        store
            .record_provider_error("abuseipdb", today, "auth")
            .unwrap();
    }
    for page in ["/", "/health"] {
        let body = get(&format!("{}{page}", srv.base)).await;
        let table = &body[body.find("id=\"providers\"").expect(page)..];
        let table = &table[..table.find("</table>").unwrap()];
        // virustotal: 5 used of 5, 0 left, 2 deferred, one server error.
        assert!(
            table.contains(
                "<td>virustotal</td><td class=\"num\">5</td><td class=\"num\">5</td><td class=\"num\">0</td><td class=\"num\">2</td><td>server 1 </td>"
            ),
            "{page}: {table}"
        );
        assert!(
            table.contains("<td>abuseipdb</td>") && table.contains("auth 1"),
            "{table}"
        );
    }
}
