//! A dashboard on a temporary state store, served on a free loopback port.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use soc_core::model::{Event, Origin, RiskLevel, Score, ScoreFactor};
use soc_core::{Alert, Severity, StateStore};
use soc_serve::{AuthConfig, ServeConfig};

/// The hostile user name from an auth.log.
pub const EVIL_USER: &str = "<img src=x onerror=alert(1)>";
/// A hostile signature.
pub const EVIL_SIG: &str = "<script>alert('sig')</script>";

pub struct Server {
    pub base: String,
    pub addr: SocketAddr,
    pub store_path: PathBuf,
    pub _dir: tempfile::TempDir,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Server {
    /// Asks for a graceful shutdown and waits for the server to finish.
    pub async fn shutdown(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.task.take() {
            t.await.unwrap();
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
    }
}

pub fn alert(key: &str, src: &str, user: &str, score: f64) -> (Alert, Score) {
    let mut a = Alert::new(
        "ssh.brute_force",
        key,
        format!("SSH brute force on {user}"),
        Severity::High,
    );
    a.src_ip = src.parse().ok();
    a.user = Some(user.to_string());
    a.count = 1;
    let mut e = Event::new("ssh", "ssh.failed_password");
    e.raw = format!("sshd[1]: Failed password for invalid user {user} from {src} port 22 ssh2");
    e.origin = Some(Origin {
        file: "/var/log/auth.log".into(),
        line: 42,
    });
    a.events.push(e);
    let level = if score >= 80.0 {
        RiskLevel::Critical
    } else {
        RiskLevel::Medium
    };
    let s = Score {
        scorer: "weighted".into(),
        value: score,
        level,
        factors: vec![ScoreFactor {
            name: "failures".into(),
            contribution: score,
            detail: "many failures".into(),
        }],
    };
    (a, s)
}

/// Seeds `n` ordinary alert groups plus one hostile alert; returns the hostile alert's id.
pub fn seed(store: &StateStore, n: usize) -> String {
    for i in 0..n {
        let (a, s) = alert(
            &format!("k{i}"),
            &format!("198.51.100.{}", i % 250 + 1),
            &format!("user{i}"),
            40.0,
        );
        store.save_alert(&a, Some(&s)).unwrap();
    }
    let (mut a, s) = alert("evil", "203.0.113.66", EVIL_USER, 90.0);
    a.fields.insert("signature_id".into(), 1.into());
    a.title = EVIL_SIG.to_string();
    store.save_alert(&a, Some(&s)).unwrap();
    a.id
}

pub async fn start(auth: AuthConfig, seed_n: usize) -> (Server, String) {
    start_with(auth, seed_n, |_| {}).await
}

/// [`start`], with `configure` changing the server's configuration first.
#[allow(dead_code)]
pub async fn start_with(
    auth: AuthConfig,
    seed_n: usize,
    configure: impl FnOnce(&mut ServeConfig),
) -> (Server, String) {
    let dir = tempfile::tempdir().unwrap();
    let store_path = dir.path().join("state.db");
    let evil = {
        let store = StateStore::open(&store_path).unwrap();
        seed(&store, seed_n)
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let mut cfg = ServeConfig::new(&store_path, addr, auth);
    cfg.actor = "tester".into();
    cfg.live_poll = Duration::from_millis(100);
    configure(&mut cfg);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        soc_serve::serve_on(listener, &cfg, async {
            let _ = rx.await;
        })
        .await
        .unwrap();
    });
    let server = Server {
        base: format!("http://{addr}"),
        addr,
        store_path,
        _dir: dir,
        stop: Some(tx),
        task: Some(task),
    };
    (server, evil)
}

pub fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The CSRF token in a page's forms.
pub fn csrf_of(html: &str) -> String {
    let at = html
        .find("name=\"csrf\" value=\"")
        .expect("a form with a CSRF token");
    let rest = &html[at + "name=\"csrf\" value=\"".len()..];
    rest[..rest.find('"').unwrap()].to_string()
}

pub fn enc(id: &str) -> String {
    url::form_urlencoded::byte_serialize(id.as_bytes()).collect()
}

/// The body of `GET url`, with the session `cookie` when given.
pub async fn get_page(c: &reqwest::Client, url: &str, cookie: Option<&str>) -> String {
    let mut req = c.get(url);
    if let Some(cookie) = cookie {
        req = req.header("cookie", cookie);
    }
    req.send().await.unwrap().text().await.unwrap()
}

/// `POST url` with `form`, with the session `cookie` when given.
pub async fn post_form(
    c: &reqwest::Client,
    url: &str,
    cookie: Option<&str>,
    form: &[(&str, &str)],
) -> reqwest::Response {
    let mut req = c.post(url).form(form);
    if let Some(cookie) = cookie {
        req = req.header("cookie", cookie);
    }
    req.send().await.unwrap()
}

/// Adds a block of `ip` on `backend` to the server's state store.
pub fn add_block(srv: &Server, ip: &str, backend: &str, reason: &str, for_hours: Option<i64>) {
    let now = chrono::Utc::now();
    StateStore::open(&srv.store_path)
        .unwrap()
        .add_block(&soc_core::store::BlockEntry {
            ip: ip.into(),
            backend: backend.into(),
            created_at: now,
            expires_at: for_hours.map(|h| now + chrono::Duration::hours(h)),
            reason: reason.into(),
        })
        .unwrap();
}
