//! Property tests: every fast path agrees with the general code it
//! shortcuts (header, IPv4, port, auth-line candidate, time-zone cache).

use chrono::{NaiveDate, NaiveTime, Utc};
use proptest::prelude::*;

use super::addr::{ipv4, port_digits};
use super::attrib::{auth_fast, auth_scan, Attribution};
use super::classify::classify_ref;
use super::clock::Clock;
use super::header::{bsd_fast, find_byte, hms_swar, month, parse_header_general, Stamp};

fn bsd_line() -> impl Strategy<Value = String> {
    (
        prop::sample::select(vec!["Jan", "Feb", "Nov", "Dec", "Foo"]),
        prop::sample::select(vec![" 1", "12", "  3", "1", "31", "x1"]),
        "[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]{1,6})?",
        prop::sample::select(vec![" ", "  "]),
        "(\\[?[a-z0-9.:]{0,8}\\]?:?)",
        "[a-zA-Z-]{0,8}(\\[[0-9+]{0,11}\\])?:?",
        "[ -~]{0,30}",
    )
        .prop_map(|(m, d, t, sp, h, p, msg)| format!("{m} {d} {t}{sp}{h} {p} {msg}"))
}

proptest! {
    #[test]
    fn bsd_fast_path_matches_general_header(line in bsd_line()) {
        if let Some(h) = bsd_fast(&line) {
            prop_assert_eq!(h, parse_header_general(&line));
        }
    }

    #[test]
    fn ipv4_and_port_match_std(s in "[0-9.]{0,18}", d in "[0-9]{0,12}", tail in "([ :a-z][ -~]{0,4})?") {
        prop_assert_eq!(ipv4(s.as_bytes()), s.parse().ok());
        let want = d.parse::<u16>().ok().map(|p| (p, d.len()));
        prop_assert_eq!(port_digits(format!("{d}{tail}").as_bytes()), want);
    }

    #[test]
    fn auth_fast_path_matches_the_scan(
        user in "(from|[a-z0-9:]{0,6})( from [0-9.:a-f]{1,12}( port [0-9]{1,6})?( ssh2)?:?)?",
        host in "[0-9.:a-f]{1,15}",
        tail in prop::sample::select(vec!["", " ssh2", " ssh2: RSA x", ": x", " x", " ssh2 from 1.2.3.4 port 5 ssh2", " ssh2: RSA x from 1.2.3.4 port 5 ssh2: RSA y"]),
        port in 0u32..70000,
        method in prop::sample::select(vec!["password", "publickey", "hostbased", "none", "gssapi-with-mic", "keyboard-interactive/pam"]),
    ) {
        let rest = format!("{user} from {host} port {port}{tail}");
        if let Some(f) = auth_fast(&rest, method) {
            prop_assert_eq!(Attribution::One(f), auth_scan(&rest, method));
        }
    }

    #[test]
    fn find_byte_matches_position(
        v in prop::collection::vec(prop::sample::select(vec![b' ', b'[', b'a', 0u8, 1, 0x7f, 0x80, 0x81, 0xff, 0x20 ^ 0x80]), 0..40),
        c in prop::sample::select(vec![b' ', b'[', 0u8, 0x80]),
    ) {
        prop_assert_eq!(find_byte(&v, c), v.iter().position(|&x| x == c));
    }

    #[test]
    fn hms_swar_matches_byte_parse(s in "[0-9:a /\\x80-\\xff]{8}|[0-9]{2}:[0-9]{2}:[0-9]{2}") {
        let b = s.as_bytes();
        let bytewise = (|| {
            let d = |c: u8| c.is_ascii_digit().then(|| u32::from(c - b'0'));
            let two = |i: usize| Some(d(b[i])? * 10 + d(b[i + 1])?);
            if b.len() < 8 || b[2] != b':' || b[5] != b':' {
                return None;
            }
            NaiveTime::from_hms_opt(two(0)?, two(3)?, two(6)?.min(59))
        })();
        prop_assert_eq!(hms_swar(b), bytewise);
    }

    #[test]
    fn classify_never_panics(s in "\\PC{0,120}") {
        let _ = classify_ref(&s);
    }

    #[test]
    fn bsd_day_cache_matches_resolve_bsd(
        zone in prop::sample::select(vec!["UTC", "Europe/Zurich", "America/New_York", "Australia/Lord_Howe", "Asia/Kolkata"]),
        year in prop::option::of(2019i32..2030),
        start in (1u32..=12, 1u32..=31),
        steps in prop::collection::vec((0u32..8, 0u32..6, 0u32..86_400), 1..80),
    ) {
        let tz: chrono_tz::Tz = zone.parse().unwrap();
        let reference = "2025-03-30T00:30:00Z".parse().unwrap();
        let mut fast = Clock::new(tz, reference, year);
        let mut slow = Clock::new(tz, reference, year);
        let (mut month, mut day) = start;
        for (dm, dd, secs) in steps {
            // Mostly the same day; sometimes the next month (Dec -> Jan),
            // a jump back (out of order) or another day.
            match dm {
                6 => month = month % 12 + 1,
                7 => month = (month + 5) % 12 + 1,
                _ => {}
            }
            if dd == 5 {
                day = day % 31 + 1;
            }
            let time = NaiveTime::from_num_seconds_from_midnight_opt(secs, 0).unwrap();
            let st = Stamp::Bsd { month, day, time };
            prop_assert_eq!(fast.resolve(st), slow.resolve_bsd(month, day, time), "{} {} {}", month, day, secs);
        }
    }

    #[test]
    fn day_offset_cache_matches_chrono_tz(
        zone in prop::sample::select(vec!["UTC", "Europe/Zurich", "America/New_York", "Australia/Lord_Howe", "America/Santiago"]),
        days in 0i64..800,
        secs in 0u32..86_400,
    ) {
        let tz: chrono_tz::Tz = zone.parse().unwrap();
        let mut c = Clock::new(tz, Utc::now(), Some(2024));
        let date = NaiveDate::from_ymd_opt(2024, 1, 1).unwrap() + chrono::Duration::days(days);
        let t = NaiveTime::from_num_seconds_from_midnight_opt(secs, 0).unwrap();
        let ndt = date.and_time(t);
        prop_assert_eq!(c.local(ndt), c.local_slow(ndt));
        // and again, from the cache
        prop_assert_eq!(c.local(ndt), c.local_slow(ndt));
    }
}

#[test]
fn month_names() {
    let names = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    for (i, n) in names.iter().enumerate() {
        assert_eq!(month(format!("{n} 1").as_bytes()), Some(i as u32 + 1));
        assert_eq!(month(n.to_lowercase().as_bytes()), None);
    }
    assert_eq!(month(b"Ja"), None);
    assert_eq!(month(b"Jax"), None);
}

#[test]
fn injection_shapes_take_the_real_source() {
    // (auth line after "Failed password for ", expected user, host, port)
    let cases = [
        // user name holding "from X" (fail2ban sshd.log:143)
        (
            "invalid user from 10.10.1.1 from 127.0.0.1 port 58946 ssh2",
            "from 10.10.1.1",
            "127.0.0.1",
            58946,
        ),
        // user name holding a whole "from X port N ssh2" (sshd.log:145)
        (
            "invalid user test from 10.10.1.2 port 55555 ssh2 from 127.0.0.1 port 58946 ssh2",
            "test from 10.10.1.2 port 55555 ssh2",
            "127.0.0.1",
            58946,
        ),
        // fail2ban reads sshd.log:147 as an auth-info suffix holding "from X
        // port N"; OpenSSH writes no info after a password failure, so the
        // user name holds the first part (issue #14.1).
        (
            "invalid user test from 127.0.0.1 port 58946 ssh2: from 10.10.1.2 port 55555 ssh2",
            "test from 127.0.0.1 port 58946 ssh2:",
            "10.10.1.2",
            55555,
        ),
    ];
    for (rest, user, host, port) in cases {
        let line = format!("Failed password for {rest}");
        let m = classify_ref(&line).unwrap();
        assert_eq!(m.user.as_deref(), Some(user), "{rest}");
        assert_eq!(m.remote.and_then(|r| r.ip()), host.parse().ok(), "{rest}");
        assert_eq!(m.port, Some(port), "{rest}");
        assert!(m.invalid_user);
    }
    // A user with spaces before an auth-info-like suffix: the last candidate.
    let m = classify_ref(
        "Failed password for a b from 10.0.0.1 port 1 ssh2: from 10.0.0.2 port 2 ssh2",
    )
    .unwrap();
    assert_eq!(m.remote.and_then(|r| r.ip()), "10.0.0.2".parse().ok());
}
