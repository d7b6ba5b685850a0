//! Fuzz the verifier's time-stamp token check (the public
//! `verify_timestamp_token`): a report or a typed error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use saoy_signing::verify::{Status, VerifyOptions, verify_timestamp_token};

fuzz_target!(|data: &[u8]| {
    let opts = VerifyOptions::new(1_767_225_600);
    match verify_timestamp_token(data, Some(b"seed"), &opts) {
        // Without trust anchors a token is never fully trusted.
        Ok(r) => assert_ne!(r.status, Status::Valid),
        Err(e) => assert!(!e.code().is_empty()),
    }
});
