//! Model bytes → PRelu rewrite: the protobuf walker must return `None` on anything it does not
//! understand, never panic or loop; a rewrite of a rewrite finds nothing left to rewrite.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Some(out) = saoy_faceauth::fuzz_rewrite_prelu(data) {
        assert!(!out.is_empty());
        assert!(saoy_faceauth::fuzz_rewrite_prelu(&out).is_none());
    }
});
