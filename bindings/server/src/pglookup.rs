//! `GET /v/{code}` on PostgreSQL without a blocking thread per request. Lookups queue to a few
//! async connections (`tokio-postgres`); each connection runs one statement at a time for all
//! the codes that queued up while its previous one ran ([`LOOKUP_MANY_SQL`]: one round trip and
//! one executor start for the lot, so the database's work per lookup falls as load rises, and an
//! idle service answers a lone lookup with a single-code statement at once). Every lookup is
//! audited through the registry's own buffer ([`PgRegistry::record_lookup`]). The statement and
//! the row decoding are the registry's; only the transport is here.
//!
//! A connection that breaks (database restart) fails the lookups of its statement with
//! [`RegistryError::Unavailable`] (503 + Retry-After); the next statement reconnects, so the
//! service recovers without a restart.

use crate::config::ServerConfig;
use crate::error::ServeError;
use saoy_core::VerificationCode;
use saoy_core::registry::postgres::{
    LOOKUP_MANY_SQL, PgRegistry, is_valid_schema_name, record_from_row, registry_error,
};
use saoy_core::registry::{Record, Registry, RegistryError, Requester};
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{mpsc, oneshot};

/// Most codes in one statement.
pub const MAX_BATCH: usize = 64;
/// Lookups queued per connection before callers wait for room.
const QUEUE: usize = 4096;
/// Buffered lookup audit entries, in batches, from which lookups wait for the audit writer.
pub const BACKLOG_BATCHES: usize = 4;

type Answer = Result<Option<Record>, RegistryError>;

/// One queued lookup.
struct Pending {
    code: VerificationCode,
    reply: oneshot::Sender<Answer>,
}

/// Async lookups over a PostgreSQL registry.
pub struct PgLookups {
    registry: Arc<PgRegistry>,
    config: tokio_postgres::Config,
    timeout: Duration,
    queues: Vec<mpsc::Sender<Pending>>,
    /// The receiving ends until the first lookup starts the connection tasks (inside the
    /// runtime that serves).
    idle: Mutex<Option<Vec<mpsc::Receiver<Pending>>>>,
    next: AtomicUsize,
    /// One audit write at a time (see [`PgLookups::lookup`]).
    flush_gate: tokio::sync::Mutex<()>,
}

impl std::fmt::Debug for PgLookups {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgLookups")
            .field("connections", &self.queues.len())
            .field("timeout", &self.timeout)
            .finish_non_exhaustive()
    }
}

fn unavailable(detail: impl Into<String>) -> RegistryError {
    RegistryError::Unavailable {
        detail: detail.into(),
    }
}

impl PgLookups {
    /// Lookups on `config.lookup_connections` connections to `config.database` (schema
    /// `config.pg_schema`), audited through `registry` (the same database). Connects on first
    /// use.
    pub fn new(config: &ServerConfig, registry: Arc<PgRegistry>) -> Result<Self, ServeError> {
        let mut pg =
            tokio_postgres::Config::from_str(&config.database).map_err(|e| ServeError::Config {
                detail: format!("bad PostgreSQL URL: {e}"),
            })?;
        let timeout = Duration::from_millis(config.db_timeout_ms.max(100));
        pg.connect_timeout(timeout);
        if let Some(schema) = &config.pg_schema {
            if !is_valid_schema_name(schema) {
                return Err(ServeError::Config {
                    detail: format!("bad schema name {schema:?}"),
                });
            }
            pg.options(format!("-c search_path={schema}"));
        }
        let (queues, idle) = (0..config.lookup_connections.max(1))
            .map(|_| mpsc::channel(QUEUE))
            .unzip();
        Ok(Self {
            registry,
            config: pg,
            timeout,
            queues,
            idle: Mutex::new(Some(idle)),
            next: AtomicUsize::new(0),
            flush_gate: tokio::sync::Mutex::new(()),
        })
    }

    /// The registry the lookups are audited in.
    pub fn registry(&self) -> &Arc<PgRegistry> {
        &self.registry
    }

    /// The record of `code` (or `None`), with its audit entry buffered. The lookup that fills
    /// a batch writes the buffer before answering, and fails if it cannot be written (as
    /// [`Registry::lookup`]); lookups arriving while that write runs do not queue behind it
    /// unless the buffer has grown to [`BACKLOG_BATCHES`] batches (writes lagging: they wait,
    /// then write what is left, so the buffer stays bounded).
    pub async fn lookup(
        &self,
        code: &VerificationCode,
        who: &Requester,
    ) -> Result<Option<Record>, RegistryError> {
        let found = self.read(code).await?;
        let buffered = self.registry.record_lookup(code, who, found.as_ref());
        let batch = self.registry.lookup_audit_batch();
        if buffered >= batch {
            let gate = if buffered >= batch.saturating_mul(BACKLOG_BATCHES) {
                Some(self.flush_gate.lock().await)
            } else {
                self.flush_gate.try_lock().ok()
            };
            // Whoever held the gate may have written this batch already.
            if gate.is_some() && self.registry.lookup_audit_buffered() >= batch {
                let reg = self.registry.clone();
                tokio::task::spawn_blocking(move || reg.flush())
                    .await
                    .map_err(|e| unavailable(format!("audit flush: {e}")))??;
            }
        }
        Ok(found)
    }

    /// The record of `code`, not audited (health probes).
    pub async fn read(&self, code: &VerificationCode) -> Result<Option<Record>, RegistryError> {
        self.start();
        let i = self.next.fetch_add(1, Ordering::Relaxed) % self.queues.len();
        let (reply, answer) = oneshot::channel();
        let ask = async {
            self.queues[i]
                .send(Pending { code: *code, reply })
                .await
                .map_err(|_| unavailable("read: lookup connection gone"))?;
            answer
                .await
                .map_err(|_| unavailable("read: lookup connection gone"))?
        };
        tokio::time::timeout(self.timeout, ask)
            .await
            .map_err(|_| unavailable("read: timed out"))?
    }

    /// Start the connection tasks (once, on the runtime of the first lookup).
    fn start(&self) {
        let Some(idle) = self.idle.lock().unwrap_or_else(|p| p.into_inner()).take() else {
            return;
        };
        for rx in idle {
            tokio::spawn(connection_task(self.config.clone(), self.timeout, rx));
        }
    }
}

/// An open connection and its prepared statement.
struct Live {
    client: tokio_postgres::Client,
    by_codes: tokio_postgres::Statement,
}

async fn connect(
    config: &tokio_postgres::Config,
    timeout: Duration,
) -> Result<Live, RegistryError> {
    let open = async {
        let (client, connection) = config
            .connect(tokio_postgres::NoTls)
            .await
            .map_err(|e| registry_error("connect", e))?;
        tokio::spawn(async move {
            if let Err(e) = connection.await {
                tracing::warn!(error = %e, "lookup connection closed");
            }
        });
        let by_codes = client
            .prepare(LOOKUP_MANY_SQL)
            .await
            .map_err(|e| registry_error("connect", e))?;
        Ok(Live { client, by_codes })
    };
    tokio::time::timeout(timeout, open)
        .await
        .map_err(|_| unavailable("connect: timed out"))?
}

/// Serve the lookups of one queue: everything queued goes out in one statement.
async fn connection_task(
    config: tokio_postgres::Config,
    timeout: Duration,
    mut rx: mpsc::Receiver<Pending>,
) {
    let mut live: Option<Live> = None;
    let mut batch: Vec<Pending> = Vec::with_capacity(MAX_BATCH);
    let mut keys: Vec<String> = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        // Callers that gave up (timed out) are not asked about.
        batch.retain(|p| !p.reply.is_closed());
        if batch.is_empty() {
            continue;
        }
        if live.as_ref().is_some_and(|l| l.client.is_closed()) {
            live = None;
        }
        if live.is_none() {
            match connect(&config, timeout).await {
                Ok(l) => live = Some(l),
                Err(e) => {
                    answer_all(&mut batch, &Err(e));
                    continue;
                }
            }
        }
        let Some(l) = live.as_ref() else {
            answer_all(&mut batch, &Err(unavailable("read: no connection")));
            continue;
        };
        keys.clear();
        keys.extend(batch.iter().map(|p| p.code.compact()));
        let rows = match tokio::time::timeout(timeout, l.client.query(&l.by_codes, &[&keys])).await
        {
            Ok(Ok(rows)) => rows
                .iter()
                .map(record_from_row)
                .collect::<Result<Vec<Record>, _>>(),
            Ok(Err(e)) => Err(registry_error("read", e)),
            Err(_) => {
                // The statement may still be running: start afresh.
                live = None;
                Err(unavailable("read: timed out"))
            }
        };
        answer_all(&mut batch, &rows);
    }
}

/// Answer (and empty) `batch` from the records of its statement, or with its error.
fn answer_all(batch: &mut Vec<Pending>, rows: &Result<Vec<Record>, RegistryError>) {
    for p in batch.drain(..) {
        let answer = match rows {
            Ok(records) => Ok(records.iter().find(|r| r.code == p.code).cloned()),
            Err(e) => Err(e.clone()),
        };
        let _ = p.reply.send(answer);
    }
}
