//! The blocks page unblocks a remote firewall's block (stored as
//! `backend@host`) on that host, through the same fleet code as
//! `soc unblock --host` (dry-run: the exact ssh command is shown), and
//! refuses hosts that are not configured.

mod common;

use common::{add_block, client, csrf_of, get_page, post_form, start_with};
use soc_core::StateStore;
use soc_serve::AuthConfig;

#[tokio::test]
async fn unblock_of_a_remote_block_goes_to_that_host() {
    let (srv, _) = start_with(AuthConfig::none(), 1, |cfg| {
        cfg.remote_firewalls = toml::from_str(
            r#"
            [[remote]]
            name = "web1"
            host = "192.0.2.21"
            user = "soc"
            "#,
        )
        .unwrap();
    })
    .await;
    add_block(&srv, "198.51.100.44", "nftables@web1", "remote", None);
    let c = client();
    let page = get_page(&c, &format!("{}/blocks", srv.base), None).await;
    assert!(page.contains("nftables@web1"), "{page}");
    let token = csrf_of(&page);
    let url = format!("{}/blocks/unblock", srv.base);
    let unblock = |backend: &'static str| {
        let form = [
            ("csrf", token.as_str()),
            ("ip", "198.51.100.44"),
            ("backend", backend),
        ];
        let (c, url) = (&c, &url);
        async move { post_form(c, url, None, &form).await.text().await.unwrap() }
    };
    let body = unblock("nftables@web1").await;
    assert!(body.contains("Dry-run unblock 198.51.100.44"), "{body}");
    let ssh_line = body
        .split("<pre class=\"command\">")
        .find(|l| l.starts_with("ssh ") && l.contains("-l soc -- 192.0.2.21 "))
        .unwrap_or_else(|| panic!("no ssh command to web1 in {body}"));
    assert!(ssh_line.contains("198.51.100.44"), "{ssh_line}");
    let body = unblock("nftables@elsewhere.example").await;
    assert!(
        body.contains("Refused:") && body.contains("not a configured remote firewall"),
        "{body}"
    );
    let store = StateStore::open(&srv.store_path).unwrap();
    assert_eq!(store.blocks().unwrap().len(), 1, "dry-run changed nothing");
}
