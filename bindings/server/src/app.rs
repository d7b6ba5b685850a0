//! The axum application: state, routes, handlers and middleware.

use crate::config::ServerConfig;
use crate::error::ServeError;
use crate::metrics::Metrics;
use crate::page;
use crate::pglookup::PgLookups;
use crate::ratelimit::RateLimiter;
use axum::body::Body;
use axum::extract::{ConnectInfo, FromRequest, Path, Query, Request, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use http_body_util::BodyExt;
use saoy_core::registry::postgres::PgRegistry;
use saoy_core::registry::{Record, Registry, RegistryError, Requester, Status};
use saoy_core::report::{Reason, format_utc};
use saoy_core::seal::{IssuerKey, IssuerKeys, SealReport, verify_seal};
use saoy_core::workflow::adapters::PadesVerifier;
use saoy_core::workflow::{RegistryCheck, Verifier};
use saoy_core::{DocumentKind, VerificationCode};
use serde::{Deserialize, Serialize};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;

/// Header carrying the request id (taken from the client when sane, else generated).
pub const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Longest code path segment looked at (longer is malformed without parsing).
const MAX_CODE_SEGMENT: usize = 128;
/// Longest `seal` query value (the seal is 210 characters; a full URL a little more).
const MAX_SEAL_QUERY: usize = 1024;
/// Multipart framing allowance on top of `max_upload_bytes`.
const MULTIPART_SLACK: usize = 64 * 1024;

/// Shared state of one service instance.
pub struct AppState {
    /// The configuration.
    pub config: ServerConfig,
    /// The registry.
    pub registry: Arc<dyn Registry>,
    /// PDF + seal + registry verifier.
    pub verifier: Arc<Verifier>,
    /// Trusted seal keys.
    pub keys: IssuerKeys,
    /// Counters.
    pub metrics: Metrics,
    /// Per-address limiter.
    pub limiter: RateLimiter,
    /// Verification slots (the parsing-work cap).
    pub verify_slots: Arc<Semaphore>,
    /// Whether the browser verifier is built in `web_dir`.
    pub web_built: bool,
    /// `GET /seal-keys`: the public halves of `keys` as JSON (built once).
    pub seal_keys_json: String,
    /// Async lookups when the registry is PostgreSQL (else lookups go through `registry` on a
    /// blocking thread).
    pub pg_lookups: Option<PgLookups>,
    next_id: AtomicU64,
    id_prefix: String,
}

impl std::fmt::Debug for AppState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AppState")
            .field("config", &self.config)
            .field("web_built", &self.web_built)
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// State over an opened registry, with PAdES trust anchors (PEM text) and seal keys.
    pub fn new(
        config: ServerConfig,
        registry: Arc<dyn Registry>,
        trust_anchors_pem: &str,
        keys: IssuerKeys,
    ) -> Result<Self, ServeError> {
        let pdf = PadesVerifier::new(trust_anchors_pem).map_err(|e| ServeError::Trust {
            detail: e.to_string(),
        })?;
        let verifier = Verifier::new(Arc::new(pdf), Some(registry.clone()), keys.clone());
        let mut prefix = [0u8; 4];
        // A random per-process prefix keeps request ids of several instances apart.
        let _ = getrandom::fill(&mut prefix);
        Ok(Self {
            limiter: RateLimiter::new(config.rate_per_sec, config.rate_burst),
            verify_slots: Arc::new(Semaphore::new(config.verify_concurrency.max(1))),
            web_built: config
                .web_dir
                .as_deref()
                .is_some_and(page::web_verifier_built),
            seal_keys_json: seal_keys_json(&keys)?,
            config,
            registry,
            verifier: Arc::new(verifier),
            keys,
            pg_lookups: None,
            metrics: Metrics::default(),
            next_id: AtomicU64::new(1),
            id_prefix: hex::encode(prefix),
        })
    }

    /// State over a PostgreSQL registry: as [`AppState::new`], with `GET /v/{code}` answered by
    /// async lookups ([`PgLookups`]) on `config.lookup_connections` connections to
    /// `config.database` (the database `registry` was opened on).
    pub fn new_postgres(
        config: ServerConfig,
        registry: Arc<PgRegistry>,
        trust_anchors_pem: &str,
        keys: IssuerKeys,
    ) -> Result<Self, ServeError> {
        let lookups = PgLookups::new(&config, registry.clone())?;
        let mut state = Self::new(config, registry, trust_anchors_pem, keys)?;
        state.pg_lookups = Some(lookups);
        Ok(state)
    }

    /// Open the registry and trust material named by `config` (blocking: call before serving or
    /// from `spawn_blocking`).
    pub fn open(config: ServerConfig) -> Result<Self, ServeError> {
        let (anchors, keys) = load_trust(&config)?;
        if config.is_postgres() {
            let registry = open_postgres(&config)?;
            return Self::new_postgres(config, registry, &anchors, keys);
        }
        let registry = open_registry(&config)?;
        Self::new(config, registry, &anchors, keys)
    }

    fn request_id(&self) -> String {
        format!(
            "{}-{:x}",
            self.id_prefix,
            self.next_id.fetch_add(1, Ordering::Relaxed)
        )
    }
}

/// Open the PostgreSQL registry of `config.database` with the service's pool and audit settings.
pub fn open_postgres(config: &ServerConfig) -> Result<Arc<PgRegistry>, ServeError> {
    use saoy_core::registry::OsCodeSource;
    use saoy_core::registry::postgres::PgOptions;
    let mut o = PgOptions::default()
        .pool_size(config.pool_size)
        .lookup_audit_batch(config.lookup_audit_batch);
    o.connect_timeout = Duration::from_millis(config.db_timeout_ms.max(100));
    if let Some(s) = &config.pg_schema {
        o = o.schema(s.clone());
    }
    Ok(Arc::new(PgRegistry::open_with(
        &config.database,
        o,
        Box::new(OsCodeSource),
    )?))
}

/// Open the registry of `config.database` with the service's pool and audit settings.
pub fn open_registry(config: &ServerConfig) -> Result<Arc<dyn Registry>, ServeError> {
    use saoy_core::registry::OsCodeSource;
    if config.is_postgres() {
        Ok(open_postgres(config)?)
    } else {
        use saoy_core::registry::sqlite::{SqliteOptions, SqliteRegistry};
        let path = config
            .database
            .strip_prefix("sqlite:")
            .unwrap_or(&config.database);
        let o = SqliteOptions::default()
            .readers(config.sqlite_readers)
            .lookup_audit_batch(config.lookup_audit_batch);
        Ok(Arc::new(SqliteRegistry::open_with(
            path,
            o,
            Box::new(OsCodeSource),
        )?))
    }
}

/// Read the trust anchors (concatenated PEM) and the seal keys named by `config`.
pub fn load_trust(config: &ServerConfig) -> Result<(String, IssuerKeys), ServeError> {
    let read = |p: &std::path::Path| {
        std::fs::read_to_string(p).map_err(|e| ServeError::Trust {
            detail: format!("cannot read {}: {e}", p.display()),
        })
    };
    let mut anchors = String::new();
    for p in &config.trust_anchors {
        anchors.push_str(&read(p)?);
        anchors.push('\n');
    }
    let mut keys = IssuerKeys::new();
    for p in &config.seal_keys {
        let name = p
            .file_stem()
            .map_or_else(|| "seal key".into(), |s| s.to_string_lossy().into_owned());
        keys.push(
            IssuerKey::from_pem(name, &read(p)?).map_err(|e| ServeError::Trust {
                detail: format!("{}: {e}", p.display()),
            })?,
        );
    }
    Ok((anchors, keys))
}

/// One trusted seal key as `GET /seal-keys` publishes it (never the private half, even when the
/// configured file was a kiosk's PKCS#8 `seal.key.pem`).
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct PublishedSealKey {
    /// The key's name (the file stem of its configured file).
    pub name: String,
    /// Its key id as carried in seals (hex).
    pub key_id: String,
    /// The P-384 public key, SPKI PEM.
    pub pem: String,
}

/// Body of `GET /seal-keys`.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct SealKeysBody {
    /// The keys this service trusts for QR seals.
    pub keys: Vec<PublishedSealKey>,
}

fn seal_keys_json(keys: &IssuerKeys) -> Result<String, ServeError> {
    use p384::pkcs8::EncodePublicKey;
    let keys = keys
        .iter()
        .map(|k| {
            let pem = k
                .key
                .to_public_key_pem(p384::pkcs8::LineEnding::LF)
                .map_err(|e| ServeError::Trust {
                    detail: format!("seal key {}: {e}", k.name),
                })?;
            Ok(PublishedSealKey {
                name: k.name.clone(),
                key_id: k.id.to_hex(),
                pem,
            })
        })
        .collect::<Result<Vec<_>, ServeError>>()?;
    serde_json::to_string(&SealKeysBody { keys }).map_err(|e| ServeError::Trust {
        detail: format!("seal keys: {e}"),
    })
}

/// The router of the service over `state`.
pub fn router(state: Arc<AppState>) -> Router {
    let limited = Router::new()
        .route("/v/{code}", get(lookup))
        .route(
            "/verify",
            post(verify).layer(axum::extract::DefaultBodyLimit::disable()),
        )
        .route_layer(middleware::from_fn_with_state(state.clone(), rate_limit));
    let mut app = Router::new()
        .merge(limited)
        .route("/", get(index))
        .route("/healthz", get(healthz))
        .route("/metrics", get(metrics))
        .route("/openapi.yaml", get(openapi))
        .route("/seal-keys", get(seal_keys))
        .route("/assets/portal.js", get(asset_js))
        .route("/assets/portal.css", get(asset_css));
    app = match (&state.config.web_dir, state.web_built) {
        (Some(dir), true) => app.nest_service("/web", tower_http::services::ServeDir::new(dir)),
        _ => app
            .route("/web", get(web_not_built))
            .route("/web/{*rest}", get(web_not_built)),
    };
    app.fallback(not_found)
        .layer(middleware::from_fn_with_state(state.clone(), observe))
        .with_state(state)
}

// ---------------------------------------------------------------------------------------------
// Errors as responses

/// A JSON error body: `{"error": code, "message": {"en", "vi"}}`.
#[derive(Debug, Serialize)]
struct ErrorBody {
    error: &'static str,
    message: Message,
}

#[derive(Debug, Serialize)]
struct Message {
    en: String,
    vi: String,
}

/// An error response with a stable code and bilingual text.
#[derive(Debug)]
pub(crate) struct ApiError {
    status: StatusCode,
    code: &'static str,
    en: String,
    vi: String,
    retry_after: Option<u64>,
}

impl ApiError {
    fn new(
        status: StatusCode,
        code: &'static str,
        en: impl Into<String>,
        vi: impl Into<String>,
    ) -> Self {
        Self {
            status,
            code,
            en: en.into(),
            vi: vi.into(),
            retry_after: None,
        }
    }

    fn unavailable(retry: u64, code: &'static str) -> Self {
        Self {
            retry_after: Some(retry.max(1)),
            ..Self::new(
                StatusCode::SERVICE_UNAVAILABLE,
                code,
                "The service is temporarily unavailable; please retry shortly.",
                "Dịch vụ tạm thời không khả dụng; vui lòng thử lại sau ít phút.",
            )
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut r = (
            self.status,
            Json(ErrorBody {
                error: self.code,
                message: Message {
                    en: self.en,
                    vi: self.vi,
                },
            }),
        )
            .into_response();
        if let Some(s) = self.retry_after
            && let Ok(v) = HeaderValue::from_str(&s.to_string())
        {
            r.headers_mut().insert(header::RETRY_AFTER, v);
        }
        r.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        r
    }
}

// ---------------------------------------------------------------------------------------------
// Middleware

fn route_label(path: &str) -> &'static str {
    if path.starts_with("/v/") {
        "lookup"
    } else if path == "/verify" {
        "verify"
    } else if path == "/healthz" {
        "healthz"
    } else if path == "/metrics" {
        "metrics"
    } else if path == "/web" || path.starts_with("/web/") {
        "web"
    } else if path == "/"
        || path.starts_with("/assets/")
        || path == "/openapi.yaml"
        || path == "/seal-keys"
    {
        "page"
    } else {
        "other"
    }
}

fn sane_request_id(v: &HeaderValue) -> Option<String> {
    let s = v.to_str().ok()?;
    (!s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.'))
    .then(|| s.to_string())
}

/// Request id, tracing span, latency metrics and common headers for every request.
async fn observe(State(state): State<Arc<AppState>>, mut req: Request, next: Next) -> Response {
    use tracing::Instrument;
    let start = Instant::now();
    let id = req
        .headers()
        .get(&REQUEST_ID)
        .and_then(sane_request_id)
        .unwrap_or_else(|| state.request_id());
    let route = route_label(req.uri().path());
    let method = req.method().clone();
    if let Ok(v) = HeaderValue::from_str(&id) {
        req.headers_mut().insert(REQUEST_ID, v);
    }
    let span = tracing::info_span!("request", id = %id, %method, route);
    let mut resp = next.run(req).instrument(span.clone()).await;
    let took = start.elapsed();
    let status = resp.status().as_u16();
    state.metrics.request(route, status, took);
    span.in_scope(|| {
        tracing::info!(
            status,
            latency_us = u64::try_from(took.as_micros()).unwrap_or(u64::MAX),
            "done"
        );
    });
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&id) {
        h.insert(REQUEST_ID, v);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    resp
}

/// The client address: the connection's peer, or the last `X-Forwarded-For` hop when trusted.
fn client_ip(config: &ServerConfig, req: &Request) -> Option<IpAddr> {
    if config.trust_forwarded_for
        && let Some(ip) = req
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.rsplit(',').next())
            .and_then(|v| v.trim().parse::<IpAddr>().ok())
    {
        return Some(ip);
    }
    req.extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip())
}

/// Per-address token bucket on the lookup and verify routes.
async fn rate_limit(State(state): State<Arc<AppState>>, req: Request, next: Next) -> Response {
    if let Some(ip) = client_ip(&state.config, &req)
        && let Err(wait) = state.limiter.check(ip)
    {
        state.metrics.rate_limited();
        tracing::warn!("rate limited");
        let mut e = ApiError::new(
            StatusCode::TOO_MANY_REQUESTS,
            "rate_limited",
            "Too many requests from your address; please wait and retry.",
            "Quá nhiều yêu cầu từ địa chỉ của bạn; vui lòng chờ rồi thử lại.",
        );
        e.retry_after = Some(wait.as_secs_f64().ceil().max(1.0) as u64);
        return e.into_response();
    }
    next.run(req).await
}

// ---------------------------------------------------------------------------------------------
// GET /v/{code}

/// Query of `GET /v/{code}`.
#[derive(Debug, Default, Deserialize)]
pub struct LookupQuery {
    /// `vi` (default) or `en` for the HTML page.
    pub lang: Option<String>,
    /// The QR fragment (`#SEAL`), for a server-side seal check.
    pub seal: Option<String>,
    /// `json` forces JSON whatever the Accept header says.
    pub format: Option<String>,
}

/// Document kind in a lookup answer.
#[derive(Debug, Clone, Serialize)]
pub struct KindBody {
    /// 16-bit kind number (as in the seal).
    pub id: u16,
    /// Stable name.
    pub slug: String,
    /// English name.
    pub name_en: String,
    /// Vietnamese name.
    pub name_vi: String,
}

impl From<DocumentKind> for KindBody {
    fn from(k: DocumentKind) -> Self {
        Self {
            id: k.0,
            slug: k.slug(),
            name_en: k.name_en(),
            name_vi: k.name_vi(),
        }
    }
}

/// Revocation details.
#[derive(Debug, Clone, Serialize)]
pub struct RevocationBody {
    /// Reason given by the revoking officer.
    pub reason: String,
    /// Unix seconds.
    pub at: u64,
    /// RFC 3339.
    pub at_utc: String,
}

/// The answer of `GET /v/{code}` (JSON; the HTML page shows the same).
#[derive(Debug, Clone, Serialize)]
pub struct LookupBody {
    /// The code in canonical form.
    pub code: String,
    /// `valid`, `revoked` or `unknown`.
    pub status: &'static str,
    /// Document kind (known codes).
    pub kind: Option<KindBody>,
    /// Issuing office or kiosk id.
    pub office_id: Option<String>,
    /// Issue time, Unix seconds.
    pub issued_at: Option<u64>,
    /// Issue time, RFC 3339.
    pub issued_at_utc: Option<String>,
    /// SHA-256 of the signed PDF (hex).
    pub document_digest: Option<String>,
    /// SHA-256 over the page images, as in the seal (hex).
    pub content_digest: Option<String>,
    /// Seal key id (hex).
    pub seal_key_id: Option<String>,
    /// Revocation details (revoked codes).
    pub revocation: Option<RevocationBody>,
    /// Seal check, when a `seal` was given.
    pub seal: Option<SealReport>,
    /// Findings in English and Vietnamese.
    pub reasons: Vec<Reason>,
}

fn wants_json(headers: &HeaderMap, format: Option<&str>) -> bool {
    if let Some(f) = format {
        return f.eq_ignore_ascii_case("json");
    }
    let accept = headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    match (accept.find("application/json"), accept.find("text/html")) {
        (Some(j), Some(h)) => j < h,
        (Some(_), None) => true,
        _ => false,
    }
}

fn lookup_body(code: &VerificationCode, rec: Option<Record>) -> LookupBody {
    let mut body = LookupBody {
        code: code.to_string(),
        status: "unknown",
        kind: None,
        office_id: None,
        issued_at: None,
        issued_at_utc: None,
        document_digest: None,
        content_digest: None,
        seal_key_id: None,
        revocation: None,
        seal: None,
        reasons: Vec::new(),
    };
    // Pending and failed rows were never published: they answer like unknown codes.
    let rec = rec.filter(|r| matches!(r.status, Status::Valid | Status::Revoked { .. }));
    let Some(rec) = rec else {
        body.reasons.push(Reason::new(
            "registry_unknown",
            format!("No certified copy is registered under code {code}."),
            format!("Không có bản sao chứng thực nào được đăng ký với mã {code}."),
        ));
        return body;
    };
    body.kind = Some(rec.kind.into());
    body.office_id = Some(rec.office_id.clone());
    body.issued_at = Some(rec.issued_at);
    body.issued_at_utc = Some(format_utc(rec.issued_at));
    body.document_digest = rec.document_digest.map(hex::encode);
    body.content_digest = Some(hex::encode(rec.content_digest));
    body.seal_key_id = Some(rec.seal_key_id.to_hex());
    match rec.status {
        Status::Revoked { reason, at } => {
            body.status = "revoked";
            body.reasons.push(Reason::new(
                "registry_revoked",
                format!("This copy was revoked at {}: {reason}", format_utc(at)),
                format!("Bản sao này đã bị thu hồi lúc {}: {reason}", format_utc(at)),
            ));
            body.revocation = Some(RevocationBody {
                reason,
                at,
                at_utc: format_utc(at),
            });
        }
        _ => {
            body.status = "valid";
            body.reasons.push(Reason::new(
                "registry_valid",
                format!(
                    "Registered as valid: a {} issued by {} at {}.",
                    rec.kind.name_en(),
                    rec.office_id,
                    format_utc(rec.issued_at)
                ),
                format!(
                    "Đã đăng ký, còn hiệu lực: {} do {} cấp lúc {}.",
                    rec.kind.name_vi(),
                    rec.office_id,
                    format_utc(rec.issued_at)
                ),
            ));
        }
    }
    body
}

fn malformed_code(e: &saoy_core::CodeError) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        e.code(),
        format!("This is not a valid verification code: {e}"),
        "Mã xác thực không hợp lệ (sai ký tự, thiếu/thừa ký tự hoặc sai ký tự kiểm tra).",
    )
}

async fn lookup(
    State(state): State<Arc<AppState>>,
    Path(raw): Path<String>,
    Query(q): Query<LookupQuery>,
    headers: HeaderMap,
) -> Response {
    let start = Instant::now();
    let json = wants_json(&headers, q.format.as_deref());
    let lang = page::Lang::from_query(q.lang.as_deref());
    let parsed = if raw.len() > MAX_CODE_SEGMENT {
        Err(saoy_core::CodeError::TooLong { len: raw.len() })
    } else {
        VerificationCode::parse(&raw)
    };
    let code = match parsed {
        Ok(c) => c,
        Err(e) => {
            state.metrics.lookup("malformed");
            let err = malformed_code(&e);
            return if json {
                err.into_response()
            } else {
                page::html_response(
                    StatusCode::BAD_REQUEST,
                    page::error_page(lang, &err.en, &err.vi),
                )
            };
        }
    };
    if q.seal.as_ref().is_some_and(|s| s.len() > MAX_SEAL_QUERY) {
        return ApiError::new(
            StatusCode::BAD_REQUEST,
            "seal_too_long",
            "The seal parameter is too long.",
            "Tham số con dấu quá dài.",
        )
        .into_response();
    }
    let who = Requester::new(if json { "portal-api" } else { "portal" });
    let found = match &state.pg_lookups {
        Some(pg) => Ok(pg.lookup(&code, &who).await),
        None => {
            let reg = state.registry.clone();
            tokio::task::spawn_blocking(move || reg.lookup(&code, &who)).await
        }
    };
    // Valid, revoked and unknown codes take the same path; the optional floor evens out what
    // remains (row decoding) so the answer time says nothing about the status.
    if state.config.lookup_floor_ms > 0 {
        tokio::time::sleep_until(
            (start + Duration::from_millis(state.config.lookup_floor_ms)).into(),
        )
        .await;
    }
    let rec = match found {
        Ok(Ok(r)) => r,
        Ok(Err(e)) => return registry_failure(&state, &e),
        Err(_) => {
            return ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Internal error.",
                "Lỗi nội bộ.",
            )
            .into_response();
        }
    };
    let mut body = lookup_body(&code, rec);
    state.metrics.lookup(body.status);
    tracing::info!(status = body.status, "lookup");
    if let Some(s) = q.seal.as_deref().filter(|s| !s.trim().is_empty()) {
        let fragment = s.trim().trim_start_matches('#');
        let report = verify_seal(&format!("/v/{}#{fragment}", code.compact()), &state.keys);
        body.reasons.extend(report.reasons.iter().cloned());
        body.seal = Some(report);
    }
    let mut resp = if json {
        Json(&body).into_response()
    } else {
        page::html_response(
            StatusCode::OK,
            page::lookup_page(lang, &body, state.web_built),
        )
    };
    // A revocation must be visible at once: never cache a status.
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp.headers_mut()
        .insert(header::VARY, HeaderValue::from_static("accept"));
    resp
}

fn registry_failure(state: &AppState, e: &RegistryError) -> Response {
    state.metrics.lookup("unavailable");
    tracing::warn!(error = e.code(), detail = %e, "registry failure");
    ApiError::unavailable(state.config.retry_after_secs, "registry_unavailable").into_response()
}

// ---------------------------------------------------------------------------------------------
// POST /verify

/// Query of `POST /verify`.
#[derive(Debug, Default, Deserialize)]
pub struct VerifyQuery {
    /// A code the user typed (checked against the document's seal).
    pub code: Option<String>,
}

fn too_large(cap: usize) -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        "upload_too_large",
        format!("The upload is larger than the limit of {cap} bytes."),
        format!("Tệp tải lên lớn hơn giới hạn {cap} byte."),
    )
}

fn bad_upload(detail: &str) -> ApiError {
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "upload_malformed",
        format!("The upload could not be read: {detail}"),
        format!("Không đọc được tệp tải lên: {detail}"),
    )
}

/// Read a body to its end, failing as soon as it passes `cap` bytes.
async fn read_capped(mut body: Body, cap: usize) -> Result<Vec<u8>, ApiError> {
    let mut out = Vec::new();
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|e| bad_upload(&e.to_string()))?;
        if let Ok(data) = frame.into_data() {
            if out.len() + data.len() > cap {
                return Err(too_large(cap));
            }
            out.extend_from_slice(&data);
        }
    }
    Ok(out)
}

/// The PDF and typed code of an upload (raw body or multipart `file` + `code`).
async fn read_upload(
    req: Request,
    cap: usize,
    mut code: Option<String>,
) -> Result<(Vec<u8>, Option<String>), ApiError> {
    let ctype = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    if !ctype.starts_with("multipart/form-data") {
        return Ok((read_capped(req.into_body(), cap).await?, code));
    }
    let mut mp = axum::extract::Multipart::from_request(req, &())
        .await
        .map_err(|e| bad_upload(&e.body_text()))?;
    let mut pdf = None;
    loop {
        let field = match mp.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            Err(e) => return Err(bad_upload(&e.body_text())),
        };
        match field.name() {
            Some("file") => {
                let mut buf = Vec::new();
                let mut field = field;
                loop {
                    match field.chunk().await {
                        Ok(Some(c)) => {
                            if buf.len() + c.len() > cap {
                                return Err(too_large(cap));
                            }
                            buf.extend_from_slice(&c);
                        }
                        Ok(None) => break,
                        Err(e) => return Err(bad_upload(&e.body_text())),
                    }
                }
                pdf = Some(buf);
            }
            Some("code") => {
                let t = field.text().await.map_err(|e| bad_upload(&e.body_text()))?;
                if t.len() > MAX_CODE_SEGMENT {
                    return Err(bad_upload("the code field is too long"));
                }
                if !t.trim().is_empty() {
                    code = Some(t);
                }
            }
            _ => {
                // Unknown fields are drained within the same cap.
                let mut field = field;
                let mut n = 0usize;
                while let Ok(Some(c)) = field.chunk().await {
                    n += c.len();
                    if n > MULTIPART_SLACK {
                        return Err(bad_upload("unexpected large form field"));
                    }
                }
            }
        }
    }
    pdf.map(|p| (p, code))
        .ok_or_else(|| bad_upload("the form has no `file` field"))
}

async fn verify(
    State(state): State<Arc<AppState>>,
    Query(q): Query<VerifyQuery>,
    req: Request,
) -> Response {
    let cfg = &state.config;
    let cap = cfg.max_upload_bytes;
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > (cap + MULTIPART_SLACK) as u64) {
        return too_large(cap).into_response();
    }
    if q.code.as_ref().is_some_and(|c| c.len() > MAX_CODE_SEGMENT) {
        return bad_upload("the code parameter is too long").into_response();
    }
    let upload = tokio::time::timeout(
        Duration::from_millis(cfg.upload_timeout_ms),
        read_upload(req, cap, q.code),
    )
    .await;
    let (pdf, code) = match upload {
        Ok(Ok(v)) => v,
        Ok(Err(e)) => return e.into_response(),
        Err(_) => {
            return ApiError::new(
                StatusCode::REQUEST_TIMEOUT,
                "upload_timeout",
                "The upload took too long.",
                "Tải tệp lên quá lâu.",
            )
            .into_response();
        }
    };
    if pdf.is_empty() {
        return bad_upload("the upload is empty").into_response();
    }
    let permit = match tokio::time::timeout(
        Duration::from_millis(cfg.verify_queue_ms),
        state.verify_slots.clone().acquire_owned(),
    )
    .await
    {
        Ok(Ok(p)) => p,
        _ => return ApiError::unavailable(cfg.retry_after_secs, "verifier_busy").into_response(),
    };
    let verifier = state.verifier.clone();
    let job = tokio::task::spawn_blocking(move || {
        // The slot is held until the work is really done, even past the deadline below.
        let _slot = permit;
        verifier.verify(&pdf, code.as_deref())
    });
    let report = match tokio::time::timeout(Duration::from_millis(cfg.verify_timeout_ms), job).await
    {
        Ok(Ok(r)) => r,
        Ok(Err(_)) => {
            return ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                "Internal error.",
                "Lỗi nội bộ.",
            )
            .into_response();
        }
        Err(_) => {
            return ApiError::unavailable(cfg.retry_after_secs, "verify_timeout").into_response();
        }
    };
    let verdict = serde_json::to_value(report.verdict)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default();
    state.metrics.verification(&verdict);
    tracing::info!(verdict = %verdict, "verify");
    let unavailable = matches!(report.registry, RegistryCheck::Unavailable { .. });
    let mut resp = Json(&report).into_response();
    if unavailable {
        *resp.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
        if let Ok(v) = HeaderValue::from_str(&cfg.retry_after_secs.max(1).to_string()) {
            resp.headers_mut().insert(header::RETRY_AFTER, v);
        }
    }
    resp.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    resp
}

// ---------------------------------------------------------------------------------------------
// Health, metrics, pages

/// `GET /healthz` answer.
#[derive(Debug, Serialize)]
struct Health {
    status: &'static str,
    registry: &'static str,
    web_verifier: &'static str,
}

async fn healthz(State(state): State<Arc<AppState>>) -> Response {
    let reg = state.registry.clone();
    // A read of a code nobody holds: one indexed query, not audited.
    let probe = VerificationCode::from_random_bytes([0; 12]);
    let ok = matches!(
        tokio::task::spawn_blocking(move || reg.get(&probe)).await,
        Ok(Ok(_))
    );
    let web_verifier = if state.web_built {
        "built"
    } else {
        "not_built"
    };
    let mut r = if ok {
        Json(Health {
            status: "ok",
            registry: "ok",
            web_verifier,
        })
        .into_response()
    } else {
        let mut r = (
            StatusCode::SERVICE_UNAVAILABLE,
            Json(Health {
                status: "degraded",
                registry: "unavailable",
                web_verifier,
            }),
        )
            .into_response();
        if let Ok(v) = HeaderValue::from_str(&state.config.retry_after_secs.max(1).to_string()) {
            r.headers_mut().insert(header::RETRY_AFTER, v);
        }
        r
    };
    r.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

async fn metrics(State(state): State<Arc<AppState>>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
        )],
        state.metrics.render(),
    )
        .into_response()
}

/// Query of `GET /`.
#[derive(Debug, Default, Deserialize)]
struct IndexQuery {
    code: Option<String>,
    lang: Option<String>,
}

async fn index(Query(q): Query<IndexQuery>) -> Response {
    let lang = page::Lang::from_query(q.lang.as_deref());
    if let Some(code) = q.code.as_deref().filter(|c| !c.trim().is_empty()) {
        return match VerificationCode::parse(code) {
            Ok(c) => {
                let to = format!("/v/{}?lang={}", c.compact(), lang.as_str());
                match HeaderValue::from_str(&to) {
                    Ok(v) => (StatusCode::SEE_OTHER, [(header::LOCATION, v)]).into_response(),
                    Err(_) => page::html_response(StatusCode::OK, page::index_page(lang, None)),
                }
            }
            Err(e) => {
                let err = malformed_code(&e);
                page::html_response(
                    StatusCode::BAD_REQUEST,
                    page::index_page(lang, Some((&err.en, &err.vi))),
                )
            }
        };
    }
    page::html_response(StatusCode::OK, page::index_page(lang, None))
}

/// `GET /seal-keys`: the seal public keys, for the portal page's in-browser seal check.
async fn seal_keys(State(state): State<Arc<AppState>>) -> Response {
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            ),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("public, max-age=300"),
            ),
        ],
        state.seal_keys_json.clone(),
    )
        .into_response()
}

async fn openapi() -> Response {
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/yaml"),
        )],
        crate::OPENAPI_YAML,
    )
        .into_response()
}

/// A bundled static asset, cacheable for five minutes.
fn static_asset(content_type: &'static str, body: &'static str) -> Response {
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(content_type)),
            (
                header::CACHE_CONTROL,
                HeaderValue::from_static("max-age=300"),
            ),
        ],
        body,
    )
        .into_response()
}

async fn asset_js() -> Response {
    static_asset("text/javascript; charset=utf-8", page::PORTAL_JS)
}

async fn asset_css() -> Response {
    static_asset("text/css; charset=utf-8", page::PORTAL_CSS)
}

async fn web_not_built(Query(q): Query<IndexQuery>) -> Response {
    page::html_response(
        StatusCode::NOT_FOUND,
        page::not_built_page(page::Lang::from_query(q.lang.as_deref())),
    )
}

async fn not_found() -> Response {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "No such page.",
        "Không có trang này.",
    )
    .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn published_seal_keys_are_public_halves_even_from_a_private_key_file() {
        use p384::pkcs8::{DecodePublicKey, EncodePrivateKey};
        let sk = p384::ecdsa::SigningKey::from_slice(&[7u8; 48]).unwrap();
        let pkcs8 = sk.to_pkcs8_pem(p384::pkcs8::LineEnding::LF).unwrap();
        let keys = IssuerKeys::new()
            .with(IssuerKey::from_pem("kiosk-seal", &pkcs8).unwrap())
            .with(IssuerKey::new("second", *sk.verifying_key()));
        let json = seal_keys_json(&keys).unwrap();
        assert!(!json.contains("PRIVATE"), "{json}");
        let body: SealKeysBody = serde_json::from_str(&json).unwrap();
        assert_eq!(body.keys.len(), 2);
        assert_eq!(body.keys[0].name, "kiosk-seal");
        let back = p384::ecdsa::VerifyingKey::from_public_key_pem(&body.keys[0].pem).unwrap();
        assert_eq!(&back, sk.verifying_key());
        assert_eq!(
            body.keys[0].key_id,
            saoy_core::seal::KeyId::of(sk.verifying_key()).to_hex()
        );
        assert_eq!(
            seal_keys_json(&IssuerKeys::new()).unwrap(),
            r#"{"keys":[]}"#
        );
    }

    #[test]
    fn negotiation_and_labels() {
        let mut h = HeaderMap::new();
        assert!(!wants_json(&h, None));
        h.insert(header::ACCEPT, HeaderValue::from_static("application/json"));
        assert!(wants_json(&h, None));
        assert!(!wants_json(&h, Some("html")));
        h.insert(
            header::ACCEPT,
            HeaderValue::from_static("text/html,application/json;q=0.9"),
        );
        assert!(!wants_json(&h, None));
        assert!(wants_json(&h, Some("JSON")));
        assert_eq!(route_label("/v/ABC"), "lookup");
        assert_eq!(route_label("/web/pkg/x.wasm"), "web");
        assert_eq!(route_label("/nothing"), "other");
        assert_eq!(
            sane_request_id(&HeaderValue::from_static("abc-123")),
            Some("abc-123".into())
        );
        assert_eq!(sane_request_id(&HeaderValue::from_static("a b")), None);
    }

    #[test]
    fn unpublished_rows_answer_like_unknown() {
        let code = VerificationCode::from_random_bytes([7; 12]);
        let b = lookup_body(&code, None);
        assert_eq!(b.status, "unknown");
        assert!(b.kind.is_none() && b.office_id.is_none());
        assert_eq!(b.reasons[0].code, "registry_unknown");
    }
}
