//! Fuzz the verification-code parser: never panics; whatever parses re-parses to itself from its
//! display and compact forms, and the packed form round-trips.
#![no_main]

use libfuzzer_sys::fuzz_target;
use saoy_core::VerificationCode;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = std::str::from_utf8(data)
        && let Ok(code) = VerificationCode::parse(s)
    {
        assert_eq!(VerificationCode::parse(&code.to_string()), Ok(code));
        assert_eq!(VerificationCode::parse(&code.compact()), Ok(code));
        assert_eq!(VerificationCode::from_packed(&code.to_packed()), Ok(code));
    }
    if let Ok(packed) = <[u8; 13]>::try_from(data) {
        let _ = VerificationCode::from_packed(&packed);
    }
});
