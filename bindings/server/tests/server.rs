//! Integration tests of `saoy serve` over real sockets, against SQLite and (when
//! SAOY_TEST_PG_URL is set) PostgreSQL: lookups (JSON + HTML), seal checks, uploads, revocation,
//! audit, metrics, rate limits, slow clients, graceful shutdown, two instances on one database,
//! and a database outage behind a TCP proxy.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use saoy_core::registry::Registry;
use saoy_core::registry::postgres::PgRegistry;
use saoy_server::fixture::{Kit, TrustFiles, unknown_code};
use saoy_server::load::{HttpConn, HttpResponse};
use saoy_server::{AppState, ServerConfig};
use sha2::{Digest, Sha256};
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

struct Running {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Running {
    fn get(&self, path: &str, json: bool) -> HttpResponse {
        let mut c = HttpConn::connect(self.addr).unwrap();
        let accept = if json {
            "application/json"
        } else {
            "text/html"
        };
        c.request("GET", path, &[("accept", accept)], b"").unwrap()
    }

    fn post(&self, path: &str, ctype: &str, body: &[u8]) -> HttpResponse {
        let mut c = HttpConn::connect(self.addr).unwrap();
        c.request("POST", path, &[("content-type", ctype)], body)
            .unwrap()
    }

    fn stop(mut self) {
        self.shutdown();
    }

    fn shutdown(&mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        if let Some(t) = self.thread.take() {
            t.join().unwrap();
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        self.shutdown();
    }
}

fn config(trust: &TrustFiles) -> ServerConfig {
    let mut c = ServerConfig::default();
    c.trust_anchors = vec![trust.root_pem.clone()];
    c.seal_keys = vec![trust.seal_pub_pem.clone()];
    c.web_dir = None;
    c.rate_per_sec = 0.0;
    c.lookup_audit_batch = 1;
    c.max_upload_bytes = 2 * 1024 * 1024;
    c
}

fn start(cfg: ServerConfig, registry: Arc<dyn Registry>) -> Running {
    let (anchors, keys) = saoy_server::app::load_trust(&cfg).unwrap();
    run_state(AppState::new(cfg, registry, &anchors, keys).unwrap())
}

/// A service on PostgreSQL as `saoy serve` runs it: lookups on async connections to `url`
/// (schema `schema`), everything else through `registry`.
fn start_pg(mut cfg: ServerConfig, registry: Arc<PgRegistry>, url: &str, schema: &str) -> Running {
    cfg.database = url.to_string();
    cfg.pg_schema = Some(schema.to_string());
    cfg.lookup_connections = cfg.lookup_connections.min(2);
    let (anchors, keys) = saoy_server::app::load_trust(&cfg).unwrap();
    let state = AppState::new_postgres(cfg, registry, &anchors, keys).unwrap();
    assert!(state.pg_lookups.is_some());
    run_state(state)
}

fn run_state(state: AppState) -> Running {
    let state = Arc::new(state);
    let (addr_tx, addr_rx) = std::sync::mpsc::channel();
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            addr_tx.send(l.local_addr().unwrap()).unwrap();
            saoy_server::serve(l, state, async {
                let _ = stop_rx.await;
            })
            .await
            .unwrap();
        });
    });
    let addr = addr_rx.recv_timeout(Duration::from_secs(10)).unwrap();
    Running {
        addr,
        stop: Some(stop_tx),
        thread: Some(thread),
    }
}

fn seal_fragment(pdf: &[u8]) -> String {
    let url = saoy_core::workflow::adapters::seal_from_pdf(pdf).expect("seal url in the PDF");
    url.split_once('#').unwrap().1.to_string()
}

fn multipart(pdf: &[u8], code: Option<&str>) -> (String, Vec<u8>) {
    let b = "saoyboundary7d1";
    let mut body = Vec::new();
    if let Some(c) = code {
        body.extend_from_slice(
            format!("--{b}\r\ncontent-disposition: form-data; name=\"code\"\r\n\r\n{c}\r\n")
                .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!("--{b}\r\ncontent-disposition: form-data; name=\"file\"; filename=\"copy.pdf\"\r\ncontent-type: application/pdf\r\n\r\n").as_bytes(),
    );
    body.extend_from_slice(pdf);
    body.extend_from_slice(format!("\r\n--{b}--\r\n").as_bytes());
    (format!("multipart/form-data; boundary={b}"), body)
}

/// The whole lookup/verify/revoke/audit story against one registry, served by `start`.
fn suite(
    registry: Arc<dyn Registry>,
    dir: &std::path::Path,
    tag: &str,
    start: &dyn Fn(ServerConfig) -> Running,
) {
    let kit = Kit::new(registry.clone(), &dir.join("pki"), &dir.join("out")).unwrap();
    let bundle = kit.issue(&format!("{tag}-1"), 30_000).unwrap();
    let code = bundle.code;
    let srv = start(config(&kit.trust));

    // JSON lookup of a valid code.
    let r = srv.get(&format!("/v/{}", code.compact()), true);
    assert_eq!(r.status, 200, "{}", r.text());
    assert_eq!(r.header("cache-control"), Some("no-store"));
    assert!(r.header("x-request-id").is_some_and(|v| !v.is_empty()));
    let j = r.json();
    assert_eq!(j["status"], "valid", "{j}");
    assert_eq!(j["code"], code.to_string());
    assert_eq!(j["kind"]["slug"], "birth_certificate");
    assert_eq!(j["kind"]["name_vi"], "giấy khai sinh");
    assert_eq!(j["office_id"], "HN-HK-01");
    assert_eq!(
        j["document_digest"],
        hex::encode(Sha256::digest(&bundle.pdf))
    );
    assert_eq!(j["issued_at"], bundle.receipt.issued_at);
    assert!(j["seal"].is_null());
    assert!(
        j.get("officer_id").is_none(),
        "no officer id on the public API"
    );

    // Typed forms: lower case, hyphens, O for 0 are all the same code.
    let typed = code.to_string().to_lowercase();
    let r = srv.get(&format!("/v/{typed}"), true);
    assert_eq!(r.json()["status"], "valid");

    // HTML page in Vietnamese, English on request, not-built notice for the web verifier.
    let r = srv.get(&format!("/v/{}", code.compact()), false);
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").unwrap().starts_with("text/html"));
    assert!(
        r.header("content-security-policy")
            .unwrap()
            .contains("script-src 'self'")
    );
    let html = r.text();
    assert!(
        html.contains("<html lang=\"vi\" class=\"show-vi\""),
        "{html}"
    );
    assert!(html.contains("HỢP LỆ") && html.contains("VALID"));
    assert!(html.contains("giấy khai sinh") && html.contains("HN-HK-01"));
    assert!(html.contains("id=\"web-not-built\""));
    let html = srv
        .get(&format!("/v/{}?lang=en", code.compact()), false)
        .text();
    assert!(html.contains("<html lang=\"en\" class=\"show-en\""));
    let r = srv.get("/web/index.html", false);
    assert_eq!(r.status, 404);
    assert!(r.text().contains("Not built"));

    // The QR seal from the link's fragment.
    let frag = seal_fragment(&bundle.pdf);
    let j = srv
        .get(&format!("/v/{}?seal={frag}", code.compact()), true)
        .json();
    assert_eq!(j["seal"]["status"], "valid", "{j}");
    let mut forged = frag.clone().into_bytes();
    let i = forged.len() - 5;
    forged[i] = if forged[i] == b'A' { b'B' } else { b'A' };
    let forged = String::from_utf8(forged).unwrap();
    let j = srv
        .get(&format!("/v/{}?seal={forged}", code.compact()), true)
        .json();
    assert_eq!(j["seal"]["status"], "invalid", "{j}");
    // A seal for another code is refused even though its signature is fine.
    let other = unknown_code(9, 9);
    let j = srv
        .get(&format!("/v/{}?seal={frag}", other.compact()), true)
        .json();
    assert_eq!(j["seal"]["status"], "invalid");

    // The seal keys the portal page hands to the in-browser verifier: the configured key's public
    // half, with the key id the issued seal names.
    let r = srv.get("/seal-keys", true);
    assert_eq!(r.status, 200, "{}", r.text());
    assert!(
        r.header("content-type")
            .unwrap()
            .starts_with("application/json")
    );
    let j = r.json();
    let keys = j["keys"].as_array().unwrap();
    assert_eq!(keys.len(), 1, "{j}");
    assert_eq!(
        keys[0]["pem"].as_str().unwrap().trim(),
        std::fs::read_to_string(&kit.trust.seal_pub_pem)
            .unwrap()
            .trim()
    );
    let looked_up = srv.get(&format!("/v/{}", code.compact()), true).json();
    assert_eq!(keys[0]["key_id"], looked_up["seal_key_id"], "{looked_up}");

    // Unknown and malformed codes.
    let j = srv.get(&format!("/v/{}", other.compact()), true).json();
    assert_eq!(j["status"], "unknown");
    assert!(j["kind"].is_null() && j["office_id"].is_null());
    let mut typo = code.compact().into_bytes();
    typo[3] = if typo[3] == b'Z' { b'Y' } else { b'Z' };
    let typo = String::from_utf8(typo).unwrap();
    for (path, err) in [
        (format!("/v/{typo}"), "code_check_mismatch"),
        ("/v/ABC".to_string(), "code_wrong_length"),
        ("/v/%3Cscript%3E".to_string(), "code_invalid_character"),
        (format!("/v/{}", "A".repeat(300)), "code_too_long"),
    ] {
        let r = srv.get(&path, true);
        assert_eq!(r.status, 400, "{path}");
        assert_eq!(r.json()["error"], err, "{path}");
        assert!(r.json()["message"]["vi"].as_str().unwrap().contains("Mã"));
    }
    let r = srv.get("/v/%3Cscript%3E", false);
    assert_eq!(r.status, 400);
    assert!(!r.text().contains("<script>"));

    // Uploads: raw and multipart, tampered, junk, empty, too large.
    let r = srv.post("/verify", "application/pdf", &bundle.pdf);
    assert_eq!(r.status, 200, "{}", r.text());
    let j = r.json();
    assert_eq!(j["verdict"], "valid", "{j}");
    assert_eq!(j["document_matches_registry"], true);
    assert_eq!(j["registry"]["status"], "valid");
    let (ct, body) = multipart(&bundle.pdf, Some(&code.to_string()));
    let j = srv.post("/verify", &ct, &body).json();
    assert_eq!(j["verdict"], "valid", "{j}");
    let (ct, body) = multipart(&bundle.pdf, Some(&other.to_string()));
    let j = srv.post("/verify", &ct, &body).json();
    assert_eq!(j["verdict"], "invalid", "typed code of another copy: {j}");
    let mut tampered = bundle.pdf.clone();
    let mid = tampered.len() / 2;
    tampered[mid] ^= 0x55;
    let j = srv.post("/verify", "application/pdf", &tampered).json();
    assert_eq!(j["verdict"], "invalid", "{j}");
    let r = srv.post("/verify", "application/pdf", b"not a pdf at all");
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["verdict"], "invalid");
    let r = srv.post("/verify", "application/pdf", b"");
    assert_eq!(r.status, 400);
    assert_eq!(r.json()["error"], "upload_malformed");
    let big = vec![b'%'; 3 * 1024 * 1024];
    let r = srv.post("/verify", "application/pdf", &big);
    assert_eq!(r.status, 413);
    assert_eq!(r.json()["error"], "upload_too_large");
    // Without Content-Length (chunked), the cap is enforced while streaming.
    let mut c = HttpConn::connect(srv.addr).unwrap();
    let s = c.stream();
    s.write_all(b"POST /verify HTTP/1.1\r\nhost: x\r\ncontent-type: application/pdf\r\ntransfer-encoding: chunked\r\n\r\n").unwrap();
    let chunk = vec![b'x'; 256 * 1024];
    let mut sent = 0;
    while sent < 3 * 1024 * 1024 {
        if s.write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
            .is_err()
            || s.write_all(&chunk).is_err()
            || s.write_all(b"\r\n").is_err()
        {
            break;
        }
        sent += chunk.len();
    }
    let r = c.read_response(false).unwrap();
    assert_eq!(r.status, 413);

    // Revocation is visible at once, in both lookup and upload answers.
    registry
        .revoke(&code, "issued in error (test)", "officer-2")
        .unwrap();
    let j = srv.get(&format!("/v/{}", code.compact()), true).json();
    assert_eq!(j["status"], "revoked");
    assert_eq!(j["revocation"]["reason"], "issued in error (test)");
    let html = srv.get(&format!("/v/{}", code.compact()), false).text();
    assert!(html.contains("ĐÃ BỊ THU HỒI") && html.contains("REVOKED"));
    let j = srv.post("/verify", "application/pdf", &bundle.pdf).json();
    assert_eq!(j["verdict"], "revoked", "{j}");

    // Health and metrics.
    let r = srv.get("/healthz", true);
    assert_eq!(r.status, 200);
    assert_eq!(r.json()["status"], "ok");
    assert_eq!(r.json()["web_verifier"], "not_built");
    let m = srv.get("/metrics", false).text();
    for needle in [
        "saoy_lookups_total{status=\"valid\"} ",
        "saoy_lookups_total{status=\"revoked\"} 2",
        "saoy_lookups_total{status=\"malformed\"} 5",
        "saoy_http_requests_total{route=\"lookup\",status=\"400\"} 5",
        "saoy_http_requests_total{route=\"verify\",status=\"413\"} 2",
        "saoy_http_request_duration_seconds_bucket{route=\"lookup\",le=\"+Inf\"}",
        "saoy_verifications_total{verdict=\"revoked\"} 1",
    ] {
        assert!(m.contains(needle), "{needle} missing from\n{m}");
    }
    let r = srv.get("/openapi.yaml", false);
    assert!(r.text().starts_with("openapi: 3"));
    let r = srv.get("/nothing/here", true);
    assert_eq!(r.status, 404);
    assert_eq!(r.json()["error"], "not_found");

    // Every lookup is in the audit log, with the channel and the status, no client address.
    srv.stop();
    let audit = registry.audit(&code).unwrap();
    let lookups: Vec<_> = audit.iter().filter(|e| e.action == "lookup").collect();
    assert!(lookups.len() >= 8, "{audit:#?}");
    assert!(
        lookups
            .iter()
            .any(|e| e.actor == "portal-api" && e.detail == "valid")
    );
    assert!(
        lookups
            .iter()
            .any(|e| e.actor == "portal" && e.detail == "revoked")
    );
    assert!(lookups.iter().any(|e| e.actor == "verifier"));
    for e in &audit {
        assert!(!e.detail.contains("127.0.0.1") && !e.actor.contains("127.0.0.1"));
    }
    let unknown_audit = registry.audit(&other).unwrap();
    assert!(
        unknown_audit
            .iter()
            .any(|e| e.action == "lookup" && e.detail == "unknown"),
        "{unknown_audit:#?}"
    );
}

fn sqlite_registry(dir: &std::path::Path, batch: usize) -> Arc<dyn Registry> {
    use saoy_core::registry::sqlite::{SqliteOptions, SqliteRegistry};
    Arc::new(
        SqliteRegistry::open_with(
            dir.join("reg.sqlite"),
            SqliteOptions::default().lookup_audit_batch(batch),
            Box::new(saoy_core::registry::OsCodeSource),
        )
        .unwrap(),
    )
}

#[test]
fn sqlite_lookup_verify_revoke_audit() {
    let dir = tempfile::tempdir().unwrap();
    let reg = sqlite_registry(dir.path(), 1);
    suite(reg.clone(), dir.path(), "sq", &|cfg| {
        start(cfg, reg.clone())
    });
}

#[test]
fn rate_limit_per_address_with_retry_after() {
    let dir = tempfile::tempdir().unwrap();
    let reg = sqlite_registry(dir.path(), 1);
    let kit = Kit::new(
        reg.clone(),
        &dir.path().join("pki"),
        &dir.path().join("out"),
    )
    .unwrap();
    let mut cfg = config(&kit.trust);
    cfg.rate_per_sec = 1.0;
    cfg.rate_burst = 3.0;
    let srv = start(cfg, reg);
    let path = format!("/v/{}", unknown_code(1, 1).compact());
    let statuses: Vec<u16> = (0..5).map(|_| srv.get(&path, true).status).collect();
    assert_eq!(&statuses[..3], &[200, 200, 200]);
    assert_eq!(statuses[3], 429);
    let r = srv.get(&path, true);
    assert_eq!(r.status, 429);
    assert_eq!(r.json()["error"], "rate_limited");
    let wait: u64 = r.header("retry-after").unwrap().parse().unwrap();
    assert!((1..=2).contains(&wait));
    // Health and metrics are not limited.
    assert_eq!(srv.get("/healthz", true).status, 200);
    assert!(
        srv.get("/metrics", false)
            .text()
            .contains("saoy_rate_limited_total 3")
    );
    std::thread::sleep(Duration::from_millis(1100));
    assert_eq!(srv.get(&path, true).status, 200, "a token came back");
}

#[test]
fn slow_clients_get_timeouts() {
    let dir = tempfile::tempdir().unwrap();
    let reg = sqlite_registry(dir.path(), 1);
    let kit = Kit::new(
        reg.clone(),
        &dir.path().join("pki"),
        &dir.path().join("out"),
    )
    .unwrap();
    let mut cfg = config(&kit.trust);
    cfg.header_timeout_ms = 500;
    cfg.upload_timeout_ms = 700;
    let srv = start(cfg, reg);

    // Headers trickling in: the connection is closed after the header deadline.
    let mut c = HttpConn::connect(srv.addr).unwrap();
    let t0 = Instant::now();
    c.stream()
        .write_all(b"GET /healthz HTTP/1.1\r\nhost: x\r\n")
        .unwrap();
    let mut rest = Vec::new();
    let _ = c.stream().read_to_end(&mut rest);
    let took = t0.elapsed();
    assert!(
        took >= Duration::from_millis(400) && took < Duration::from_secs(5),
        "{took:?}"
    );
    let text = String::from_utf8_lossy(&rest);
    assert!(
        rest.is_empty() || text.starts_with("HTTP/1.1 408"),
        "{text}"
    );

    // A body trickling in: 408 after the upload deadline.
    let mut c = HttpConn::connect(srv.addr).unwrap();
    let t0 = Instant::now();
    c.stream()
        .write_all(b"POST /verify HTTP/1.1\r\nhost: x\r\ncontent-type: application/pdf\r\ncontent-length: 100000\r\n\r\n%PDF-1.7\n")
        .unwrap();
    let r = c.read_response(false).unwrap();
    assert_eq!(r.status, 408, "{}", r.text());
    assert_eq!(r.json()["error"], "upload_timeout");
    assert!(t0.elapsed() < Duration::from_secs(5));

    // The server is still fine.
    assert_eq!(srv.get("/healthz", true).status, 200);
}

#[test]
fn shutdown_drains_and_flushes_buffered_audit() {
    let dir = tempfile::tempdir().unwrap();
    let reg = sqlite_registry(dir.path(), 10_000);
    let kit = Kit::new(
        reg.clone(),
        &dir.path().join("pki"),
        &dir.path().join("out"),
    )
    .unwrap();
    let code = kit.issue("flush-1", 5_000).unwrap().code;
    let mut cfg = config(&kit.trust);
    cfg.lookup_audit_batch = 10_000;
    cfg.audit_flush_ms = 3_600_000;
    let srv = start(cfg, reg.clone());
    assert_eq!(
        srv.get(&format!("/v/{}", code.compact()), true).json()["status"],
        "valid"
    );
    // The entry is still buffered: a fresh handle on the file does not see it yet.
    let other =
        saoy_core::registry::sqlite::SqliteRegistry::open(dir.path().join("reg.sqlite")).unwrap();
    let before = other.audit(&code).unwrap();
    assert!(!before.iter().any(|e| e.action == "lookup"), "{before:#?}");
    srv.stop();
    let after = other.audit(&code).unwrap();
    assert!(
        after
            .iter()
            .any(|e| e.action == "lookup" && e.actor == "portal-api"),
        "{after:#?}"
    );
}

#[test]
fn config_file_and_cli_style_startup() {
    let dir = tempfile::tempdir().unwrap();
    let reg = sqlite_registry(dir.path(), 1);
    let kit = Kit::new(
        reg.clone(),
        &dir.path().join("pki"),
        &dir.path().join("out"),
    )
    .unwrap();
    drop(reg);
    let p = dir.path().join("serve.toml");
    std::fs::write(
        &p,
        format!(
            "database = \"sqlite:{}\"\ntrust_anchors = [\"{}\"]\nseal_keys = [\"{}\"]\n",
            dir.path().join("reg.sqlite").display(),
            kit.trust.root_pem.display(),
            kit.trust.seal_pub_pem.display()
        ),
    )
    .unwrap();
    let cfg = ServerConfig::load(Some(&p), [("SAOY_SERVE_POOL_SIZE".into(), "3".into())]).unwrap();
    assert_eq!(cfg.pool_size, 3);
    let state = AppState::open(cfg).unwrap();
    assert_eq!(state.keys.len(), 1);
    let mut bad = ServerConfig::default();
    bad.seal_keys = vec![dir.path().join("missing.pem")];
    bad.database = format!("sqlite:{}", dir.path().join("reg.sqlite").display());
    assert_eq!(AppState::open(bad).unwrap_err().code(), "serve_trust");
}

// ---------------------------------------------------------------------------------------------
// PostgreSQL

fn pg_url() -> Option<String> {
    match std::env::var("SAOY_TEST_PG_URL") {
        Ok(u) if !u.is_empty() => Some(u),
        _ => {
            println!("skipped: SAOY_TEST_PG_URL not set");
            eprintln!("skipped: SAOY_TEST_PG_URL not set");
            None
        }
    }
}

fn pg_registry(url: &str, schema: &str) -> Arc<PgRegistry> {
    let mut cfg = ServerConfig::default();
    cfg.database = url.to_string();
    cfg.pg_schema = Some(schema.to_string());
    cfg.lookup_audit_batch = 1;
    cfg.pool_size = 4;
    saoy_server::app::open_postgres(&cfg).unwrap()
}

fn fresh_schema() -> String {
    format!(
        "srv_{}",
        hex::encode(&saoy_core::VerificationCode::generate().unwrap().to_packed()[..8])
    )
}

fn drop_schema(url: &str, schema: &str) {
    let mut c = postgres::Client::connect(url, postgres::NoTls).unwrap();
    c.batch_execute(&format!("DROP SCHEMA {schema} CASCADE"))
        .unwrap();
}

#[test]
fn postgres_lookup_verify_revoke_audit() {
    let Some(url) = pg_url() else { return };
    let schema = fresh_schema();
    let dir = tempfile::tempdir().unwrap();
    let reg = pg_registry(&url, &schema);
    suite(reg.clone(), dir.path(), "pg", &|cfg| {
        start_pg(cfg, reg.clone(), &url, &schema)
    });
    drop_schema(&url, &schema);
}

#[test]
fn postgres_two_instances_agree_at_once() {
    let Some(url) = pg_url() else { return };
    let schema = fresh_schema();
    let dir = tempfile::tempdir().unwrap();
    let reg_a = pg_registry(&url, &schema);
    let reg_b = pg_registry(&url, &schema);
    let kit = Kit::new(
        reg_a.clone(),
        &dir.path().join("pki"),
        &dir.path().join("out"),
    )
    .unwrap();
    let codes: Vec<_> = (0..3)
        .map(|i| kit.issue(&format!("two-{i}"), 5_000).unwrap().code)
        .collect();
    let a = start_pg(config(&kit.trust), reg_a.clone(), &url, &schema);
    let b = start_pg(config(&kit.trust), reg_b.clone(), &url, &schema);
    for c in &codes {
        for srv in [&a, &b] {
            assert_eq!(
                srv.get(&format!("/v/{}", c.compact()), true).json()["status"],
                "valid"
            );
        }
    }
    // Revoke through instance A's registry handle; B answers revoked on the very next request.
    for c in &codes {
        reg_a
            .revoke(c, "revoked on instance A", "officer-a")
            .unwrap();
        let j = b.get(&format!("/v/{}", c.compact()), true).json();
        assert_eq!(j["status"], "revoked", "{j}");
        assert_eq!(j["revocation"]["reason"], "revoked on instance A");
        assert_eq!(
            a.get(&format!("/v/{}", c.compact()), true).json()["status"],
            "revoked"
        );
    }
    drop(a);
    drop(b);
    // Both instances' lookups are in the one audit log.
    let audit = reg_a.audit(&codes[0]).unwrap();
    assert!(audit.iter().filter(|e| e.action == "lookup").count() >= 4);
    drop_schema(&url, &schema);
}

#[test]
fn postgres_concurrent_lookups_get_their_own_answers() {
    let Some(url) = pg_url() else { return };
    let schema = fresh_schema();
    let dir = tempfile::tempdir().unwrap();
    let reg = pg_registry(&url, &schema);
    let kit = Kit::new(
        reg.clone(),
        &dir.path().join("pki"),
        &dir.path().join("out"),
    )
    .unwrap();
    let codes: Vec<_> = (0..4)
        .map(|i| kit.issue(&format!("many-{i}"), 5_000).unwrap().code)
        .collect();
    reg.revoke(&codes[3], "revoked for the batch test", "officer-b")
        .unwrap();
    // One lookup connection: concurrent lookups share its statements (several codes in one).
    let mut cfg = config(&kit.trust);
    cfg.lookup_connections = 1;
    cfg.lookup_audit_batch = 16;
    let srv = Arc::new(start_pg(cfg, reg.clone(), &url, &schema));
    let expected: Vec<(String, &str)> = vec![
        (codes[0].compact(), "valid"),
        (codes[1].compact(), "valid"),
        (codes[2].compact(), "valid"),
        (codes[3].compact(), "revoked"),
        (unknown_code(5, 1).compact(), "unknown"),
        (unknown_code(5, 2).compact(), "unknown"),
    ];
    let expected = Arc::new(expected);
    let threads: Vec<_> = (0..12)
        .map(|t| {
            let (srv, expected) = (srv.clone(), expected.clone());
            std::thread::spawn(move || {
                let mut c = HttpConn::connect(srv.addr).unwrap();
                for i in 0..40 {
                    let (code, status) = &expected[(t * 7 + i) % expected.len()];
                    let r = c
                        .request(
                            "GET",
                            &format!("/v/{code}"),
                            &[("accept", "application/json")],
                            b"",
                        )
                        .unwrap();
                    assert_eq!(r.status, 200, "{}", r.text());
                    let j = r.json();
                    assert_eq!(j["status"], *status, "{code}: {j}");
                    let got = j["code"].as_str().unwrap().replace('-', "");
                    assert_eq!(&got, code);
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let srv = Arc::try_unwrap(srv).ok().unwrap();
    srv.stop();
    // Every one of the 480 lookups is in the audit log, with the status it was answered with.
    let mut audited = 0;
    for (i, c) in codes.iter().enumerate() {
        let a = reg.audit(c).unwrap();
        let want = if i == 3 { "revoked" } else { "valid" };
        let lookups: Vec<_> = a.iter().filter(|e| e.action == "lookup").collect();
        assert!(
            lookups
                .iter()
                .all(|e| e.detail == want && e.actor == "portal-api")
        );
        audited += lookups.len();
    }
    for k in [1, 2] {
        let a = reg.audit(&unknown_code(5, k)).unwrap();
        assert!(
            a.iter()
                .all(|e| e.action == "lookup" && e.detail == "unknown")
        );
        audited += a.len();
    }
    assert_eq!(audited, 12 * 40);
    drop_schema(&url, &schema);
}

/// A TCP proxy in front of PostgreSQL that can be cut (all connections dropped, new ones
/// refused) and restored: a database restart as the service sees it.
struct Proxy {
    addr: SocketAddr,
    up: Arc<std::sync::atomic::AtomicBool>,
    generation: Arc<std::sync::atomic::AtomicU64>,
}

impl Proxy {
    fn start(upstream: SocketAddr) -> Self {
        use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        let up = Arc::new(AtomicBool::new(true));
        let generation = Arc::new(AtomicU64::new(0));
        let (up2, gen2) = (up.clone(), generation.clone());
        std::thread::spawn(move || {
            for s in l.incoming() {
                let Ok(client) = s else { continue };
                if !up2.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let Ok(server) = std::net::TcpStream::connect(upstream) else {
                    continue;
                };
                let my_gen = gen2.load(Ordering::SeqCst);
                for (mut from, mut to) in [
                    (client.try_clone().unwrap(), server.try_clone().unwrap()),
                    (server, client),
                ] {
                    let (g, up3) = (gen2.clone(), up2.clone());
                    std::thread::spawn(move || {
                        from.set_read_timeout(Some(Duration::from_millis(50)))
                            .unwrap();
                        let mut buf = [0u8; 16 * 1024];
                        loop {
                            if g.load(Ordering::SeqCst) != my_gen || !up3.load(Ordering::SeqCst) {
                                break;
                            }
                            match from.read(&mut buf) {
                                Ok(0) => break,
                                Ok(n) => {
                                    if to.write_all(&buf[..n]).is_err() {
                                        break;
                                    }
                                }
                                Err(e)
                                    if matches!(
                                        e.kind(),
                                        std::io::ErrorKind::WouldBlock
                                            | std::io::ErrorKind::TimedOut
                                    ) => {}
                                Err(_) => break,
                            }
                        }
                        let _ = from.shutdown(std::net::Shutdown::Both);
                        let _ = to.shutdown(std::net::Shutdown::Both);
                    });
                }
            }
        });
        Self {
            addr,
            up,
            generation,
        }
    }

    fn cut(&self) {
        use std::sync::atomic::Ordering;
        self.up.store(false, Ordering::SeqCst);
        self.generation.fetch_add(1, Ordering::SeqCst);
    }

    fn restore(&self) {
        self.up.store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

#[test]
fn postgres_outage_answers_503_then_recovers() {
    let Some(url) = pg_url() else { return };
    let schema = fresh_schema();
    let dir = tempfile::tempdir().unwrap();
    let cfg_pg: postgres::Config = url.parse().unwrap();
    let host = match cfg_pg.get_hosts().first() {
        Some(postgres::config::Host::Tcp(h)) => h.clone(),
        _ => "127.0.0.1".into(),
    };
    let port = cfg_pg.get_ports().first().copied().unwrap_or(5432);
    let upstream: SocketAddr = format!("{host}:{port}").parse().unwrap();
    let proxy = Proxy::start(upstream);
    let proxied = url.replacen(&format!("{host}:{port}"), &proxy.addr.to_string(), 1);
    assert_ne!(proxied, url, "URL must name host:port");

    let reg = pg_registry(&proxied, &schema);
    let kit = Kit::new(
        reg.clone(),
        &dir.path().join("pki"),
        &dir.path().join("out"),
    )
    .unwrap();
    let code = kit.issue("outage-1", 5_000).unwrap().code;
    let mut cfg = config(&kit.trust);
    cfg.db_timeout_ms = 300;
    let srv = start_pg(cfg, reg.clone(), &proxied, &schema);
    let path = format!("/v/{}", code.compact());
    assert_eq!(srv.get(&path, true).json()["status"], "valid");

    proxy.cut();
    let t0 = Instant::now();
    let mut saw_503 = false;
    for _ in 0..5 {
        let r = srv.get(&path, true);
        assert!(r.status == 503 || r.status == 200, "status {}", r.status);
        if r.status == 503 {
            saw_503 = true;
            assert!(r.header("retry-after").is_some());
            assert_eq!(r.json()["error"], "registry_unavailable");
        }
    }
    assert!(saw_503, "no 503 while the database was down");
    assert!(t0.elapsed() < Duration::from_secs(20));
    let r = srv.get("/healthz", true);
    assert_eq!(r.status, 503);
    assert_eq!(r.json()["registry"], "unavailable");

    proxy.restore();
    let t0 = Instant::now();
    loop {
        let r = srv.get(&path, true);
        if r.status == 200 {
            assert_eq!(r.json()["status"], "valid");
            break;
        }
        assert!(t0.elapsed() < Duration::from_secs(15), "no recovery");
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(srv.get("/healthz", true).status, 200);
    drop(srv);
    drop(reg);
    drop_schema(&url, &schema);
}
