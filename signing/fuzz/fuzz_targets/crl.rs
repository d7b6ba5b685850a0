//! Fuzz the CRL parser (`/DSS` CRLs, downloaded CRLs): Ok or an error,
//! never a panic; the entry count stays within what the input can hold.
#![no_main]

use libfuzzer_sys::fuzz_target;
use saoy_signing::verify::fuzzing::parse_crl;

fuzz_target!(|data: &[u8]| {
    match parse_crl(data) {
        // Each revoked entry takes at least 4 bytes (SEQUENCE + INTEGER headers).
        Ok(n) => assert!(n <= data.len() / 4),
        Err(e) => assert!(!e.is_empty()),
    }
});
