//! IOC extraction from arbitrary text: never panics, and every indicator
//! has a non-empty value.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    for ioc in soc_core::ioc::extract(&text) {
        assert!(!ioc.value.is_empty(), "empty indicator from {text:?}");
    }
});
