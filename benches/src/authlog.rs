//! Deterministic OpenSSH auth.log generator: every message kind the parser
//! knows, IPv4 and IPv6 sources, a few thousand brute-forcing sources, cron
//! and sudo noise. Same seed, same bytes.
//!
//! Dates follow a real calendar (that of a non-leap year such as 2026, the
//! year the tests and benchmarks pass with `--year`): time only goes
//! forward, about one second per line. The log starts on Nov 1 at
//! midnight, unless its lines would run past Dec 31: then it starts as many
//! days earlier as it takes to end on Dec 31 (found by a first, discarded
//! pass), so `--year` dates every line. Only a log longer than a year
//! (about 31 million lines) starts on Jan 1 and runs into the next year.

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

const USERS: &[&str] = &[
    "root", "admin", "ubuntu", "oracle", "test", "git", "postgres", "deploy", "pi", "guest",
];

fn ip(rng: &mut StdRng, attackers: u32) -> String {
    let n = rng.random_range(0..attackers);
    if n % 10 == 0 {
        format!("2001:db8:{:x}::{:x}", n / 256, n % 256 + 1)
    } else {
        format!(
            "{}.{}.{}.{}",
            [198, 203, 192, 100][(n % 4) as usize],
            n / 256 % 256,
            n % 256,
            n % 250 + 1
        )
    }
}

const MONTHS: [(&str, u64); 12] = [
    ("Jan", 31),
    ("Feb", 28),
    ("Mar", 31),
    ("Apr", 30),
    ("May", 31),
    ("Jun", 30),
    ("Jul", 31),
    ("Aug", 31),
    ("Sep", 30),
    ("Oct", 31),
    ("Nov", 30),
    ("Dec", 31),
];

/// Day of the year (0-based) of Nov 1.
const NOV_1: u64 = 304;

/// The month name and day of the month of day `doy` (0-based) of a
/// non-leap year; past Dec 31 the next year's days.
fn month_day(doy: u64) -> (&'static str, u64) {
    let mut d = doy % 365;
    for (name, len) in MONTHS {
        if d < len {
            return (name, d + 1);
        }
        d -= len;
    }
    ("Dec", 31)
}

/// Writes `lines` lines of auth.log text to `out` (see the module docs
/// for the dates).
pub fn generate(lines: usize, seed: u64, out: &mut impl std::io::Write) -> std::io::Result<()> {
    // Even at the most (2 s a line) these lines end within Nov and Dec.
    let start = if (lines as u64).saturating_mul(2) < (365 - NOV_1) * 86_400 {
        NOV_1
    } else {
        start_day(generate_from(lines, seed, NOV_1, &mut std::io::sink())?)
    };
    generate_from(lines, seed, start, out).map(|_| ())
}

/// The day of the year to start on for a log whose last line comes
/// `last_secs` after its first day's midnight: Nov 1, or earlier so that
/// it ends on Dec 31 (Jan 1 at the earliest).
fn start_day(last_secs: u64) -> u64 {
    NOV_1.min(364u64.saturating_sub(last_secs / 86_400))
}

/// Writes the lines from day `start` of the year; returns the seconds
/// from its midnight to the last line.
fn generate_from(
    lines: usize,
    seed: u64,
    start: u64,
    out: &mut impl std::io::Write,
) -> std::io::Result<u64> {
    let mut rng = StdRng::seed_from_u64(seed);
    let mut secs: u64 = 0;
    for i in 0..lines {
        secs += u64::from(rng.random_range(0..3u32));
        let (h, m, s) = ((secs / 3600) % 24, (secs / 60) % 60, secs % 60);
        let (mon, day) = month_day(start + secs / 86_400);
        let pid = 1000 + rng.random_range(0..60_000u32);
        let src = ip(&mut rng, 3000);
        let port = rng.random_range(1024..65535u32);
        let user = USERS[rng.random_range(0..USERS.len())];
        let msg = match rng.random_range(0..100u32) {
            0..=34 => format!("Failed password for {user} from {src} port {port} ssh2"),
            35..=49 => format!("Failed password for invalid user {user}{i} from {src} port {port} ssh2"),
            50..=57 => format!("Invalid user {user}{i} from {src} port {port}"),
            58..=63 => format!("Connection closed by authenticating user {user} {src} port {port} [preauth]"),
            64..=67 => format!("pam_unix(sshd:auth): authentication failure; logname= uid=0 euid=0 tty=ssh ruser= rhost={src}  user={user}"),
            68..=70 => format!("Accepted publickey for {user} from 10.0.{}.{} port {port} ssh2: ED25519 SHA256:abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG", i % 200, i % 250),
            71..=72 => format!("Received disconnect from {src} port {port}:11: Bye Bye [preauth]"),
            73 => format!("Disconnected from invalid user {user} {src} port {port} [preauth]"),
            74 => format!("error: maximum authentication attempts exceeded for {user} from {src} port {port} ssh2 [preauth]"),
            75 => "Disconnecting: Too many authentication failures [preauth]".to_string(),
            76 => format!("Did not receive identification string from {src} port {port}"),
            77 => format!("Bad protocol version identification 'GET / HTTP/1.1' from {src} port {port}"),
            78 => "kex_exchange_identification: Connection closed by remote host".to_string(),
            79 => format!("banner exchange: Connection from {src} port {port}: invalid format"),
            80 => format!("Unable to negotiate with {src} port {port}: no matching key exchange method found. Their offer: diffie-hellman-group1-sha1 [preauth]"),
            81 => format!("ssh_dispatch_run_fatal: Connection from {src} port {port}: message authentication code incorrect [preauth]"),
            82 => format!("Timeout before authentication for {src} port {port}"),
            83 => format!("ROOT LOGIN REFUSED FROM {src} port {port}"),
            84 => format!("User {user} from {src} not allowed because not listed in AllowUsers"),
            85 => format!("error: PAM: Authentication failure for {user} from {src}"),
            86 => format!("Connection reset by {src} port {port} [preauth]"),
            87 => format!("pam_unix(sshd:session): session opened for user {user}(uid=1000) by (uid=0)"),
            88 => format!("pam_unix(sshd:session): session closed for user {user}"),
            89 => format!("Accepted password for {user} from {src} port {port} ssh2"),
            90 => format!("Failed publickey for {user} from {src} port {port} ssh2: RSA SHA256:abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"),
            91 => format!("Connection from {src} port {port} on 10.0.0.5 port 22 rdomain \"\""),
            92..=95 => {
                writeln!(out, "{mon} {day:>2} {h:02}:{m:02}:{s:02} web01 CRON[{pid}]: pam_unix(cron:session): session opened for user root(uid=0) by (uid=0)")?;
                continue;
            }
            96 => {
                writeln!(out, "{mon} {day:>2} {h:02}:{m:02}:{s:02} web01 sudo:    alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ; COMMAND=/usr/bin/id")?;
                continue;
            }
            _ => "Server listening on 0.0.0.0 port 22.".to_string(),
        };
        let prog = if i % 7 == 0 { "sshd-session" } else { "sshd" };
        writeln!(
            out,
            "{mon} {day:>2} {h:02}:{m:02}:{s:02} web01 {prog}[{pid}]: {msg}"
        )?;
    }
    Ok(secs)
}

/// `lines` lines in memory.
pub fn generate_string(lines: usize, seed: u64) -> String {
    let mut v = Vec::with_capacity(lines * 90);
    generate(lines, seed, &mut v).unwrap_or_else(|e| panic!("writing to memory: {e}"));
    String::from_utf8(v).unwrap_or_else(|e| panic!("generator wrote non-UTF-8: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_calendar_has_the_months_and_their_lengths() {
        assert_eq!(month_day(0), ("Jan", 1));
        assert_eq!(month_day(58), ("Feb", 28));
        assert_eq!(month_day(59), ("Mar", 1));
        assert_eq!(month_day(NOV_1), ("Nov", 1));
        assert_eq!(month_day(NOV_1 + 29), ("Nov", 30));
        assert_eq!(month_day(NOV_1 + 30), ("Dec", 1));
        assert_eq!(month_day(364), ("Dec", 31));
        assert_eq!(month_day(365), ("Jan", 1));
    }

    #[test]
    fn a_short_log_starts_on_nov_1_and_keeps_its_bytes() {
        let text = generate_string(2_000, 42);
        assert!(text.starts_with("Nov  1 00:00:0"));
        assert_eq!(text.lines().count(), 2_000);
    }

    #[test]
    fn a_long_log_starts_early_enough_to_end_on_dec_31() {
        let day = 86_400;
        assert_eq!(start_day(30 * day), NOV_1);
        assert_eq!(start_day(61 * day - 1), NOV_1); // ends on Dec 31
        assert_eq!(start_day(61 * day), NOV_1 - 1); // would end on Jan 1
        let ten_million = 10_000_000; // about one second a line
        let start = start_day(ten_million);
        assert_eq!(month_day(start), ("Sep", 7));
        assert_eq!(month_day(start + ten_million / day), ("Dec", 31));
        assert_eq!(start_day(400 * day), 0); // longer than a year: from Jan 1
    }
}
