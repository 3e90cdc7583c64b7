//! Properties of the firewall's input handling: no input panics, only exact
//! IP addresses pass, and shell quoting always round-trips through `sh`.

use std::process::Command;

use proptest::prelude::*;
use soc_core::respond::firewall::exec::{find_program, shell_quote};
use soc_core::respond::firewall::{parse_duration, TargetPolicy};
use soc_core::RespondError;

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn check_accepts_only_exact_addresses(input in "\\PC{0,40}") {
        let policy = TargetPolicy::new(&[], true).unwrap();
        match policy.check(&input) {
            Ok(ip) => prop_assert_eq!(Some(ip), input.trim().parse::<std::net::IpAddr>().ok().map(|a| a.to_canonical())),
            Err(RespondError::InvalidTarget { input: i }) => {
                prop_assert_eq!(i, input.clone());
                prop_assert!(input.trim().parse::<std::net::IpAddr>().is_err());
            }
            Err(RespondError::Refused { .. }) => {}
            Err(other) => prop_assert!(false, "unexpected error {other}"),
        }
    }

    #[test]
    fn durations_never_panic(input in "\\PC{0,20}") {
        let _ = parse_duration(&input);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn shell_quote_round_trips_through_sh(word in "[^\\x00]{0,24}") {
        let Some(sh) = find_program("sh") else { return Ok(()) };
        let script = format!("printf %s {}", shell_quote(&word));
        let out = Command::new(sh).arg("-c").arg(&script).output().unwrap();
        prop_assert!(out.status.success(), "{script}");
        prop_assert_eq!(String::from_utf8_lossy(&out.stdout).into_owned(), word);
    }
}
