//! The PostgreSQL registry (sync `postgres` client, r2d2 connection pool, schema migrations).

use super::{
    AuditEvent, AuditQueue, CitizenIdHash, CodeSource, IssueRequest, MAX_CODE_ATTEMPTS,
    OsCodeSource, PendingAudit, Record, Registry, RegistryError, Requester, Reservation,
    StatusKind, Transition, digest32, key_id8, parse_code, same_issuance, status_from,
};
use crate::code::VerificationCode;
use crate::kind::DocumentKind;
use crate::report::now_unix;
use postgres::{GenericClient, NoTls};
use std::str::FromStr;
use std::time::Duration;

type Pool = r2d2::Pool<Manager>;

/// A pooled connection and the statements prepared on it. Lookups, the hot path of a
/// verification service, run a statement prepared once per connection: one round trip each
/// instead of two (parse + execute).
struct Conn {
    client: postgres::Client,
    by_code: Option<postgres::Statement>,
    lookups: Option<postgres::Statement>,
}

impl Conn {
    /// The record of `code`, through the connection's prepared statement.
    fn get_by_code(&mut self, code: &str) -> Result<Option<Record>, RegistryError> {
        let stmt = match &self.by_code {
            Some(s) => s.clone(),
            None => {
                let s = self.client.prepare(LOOKUP_SQL).map_err(map_err("read"))?;
                self.by_code = Some(s.clone());
                s
            }
        };
        self.client
            .query_opt(&stmt, &[&code])
            .map_err(map_err("read"))?
            .map(|r| to_record(&r))
            .transpose()
    }

    /// Append a batch of lookup entries: one statement, prepared once per connection, run on
    /// its own (a statement is a transaction): one round trip and one commit for the batch.
    fn append_lookups(&mut self, batch: &[PendingAudit]) -> Result<(), RegistryError> {
        let stmt = match &self.lookups {
            Some(s) => s.clone(),
            None => {
                let s = self
                    .client
                    .prepare(AUDIT_LOOKUPS_SQL)
                    .map_err(map_err("audit"))?;
                self.lookups = Some(s.clone());
                s
            }
        };
        let (at, code, actor, detail) = lookup_columns(batch);
        self.client
            .execute(&stmt, &[&at, &code, &actor, &detail])
            .map_err(map_err("audit"))?;
        Ok(())
    }
}

/// The pool's connection manager. Connections are not tested on checkout (that costs a round
/// trip per request); a connection whose socket closed (server restart) is dropped by the pool
/// when it is returned, so the request that met the broken connection fails with
/// [`RegistryError::Unavailable`] and the next one gets a fresh connection.
struct Manager {
    config: postgres::Config,
}

impl r2d2::ManageConnection for Manager {
    type Connection = Conn;
    type Error = postgres::Error;

    fn connect(&self) -> Result<Conn, postgres::Error> {
        Ok(Conn {
            client: self.config.connect(NoTls)?,
            by_code: None,
            lookups: None,
        })
    }

    fn is_valid(&self, conn: &mut Conn) -> Result<(), postgres::Error> {
        conn.client.simple_query("").map(|_| ())
    }

    fn has_broken(&self, conn: &mut Conn) -> bool {
        conn.client.is_closed()
    }
}

/// Options of [`PgRegistry`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PgOptions {
    /// Pool size (default 8).
    pub pool_size: u32,
    /// How long to wait for a connection (default 5 s); then [`RegistryError::Unavailable`].
    pub connect_timeout: Duration,
    /// Lookup audit batch (default 1; see [`super::sqlite::SqliteOptions::lookup_audit_batch`]).
    pub lookup_audit_batch: usize,
    /// Schema to use (created if missing; default: the server's search_path, normally `public`).
    pub schema: Option<String>,
}

impl Default for PgOptions {
    fn default() -> Self {
        Self {
            pool_size: 8,
            connect_timeout: Duration::from_secs(5),
            lookup_audit_batch: 1,
            schema: None,
        }
    }
}

impl PgOptions {
    /// Set the pool size (minimum 1).
    pub fn pool_size(mut self, n: u32) -> Self {
        self.pool_size = n.max(1);
        self
    }
    /// Set the schema (letters, digits and `_` only).
    pub fn schema(mut self, s: impl Into<String>) -> Self {
        self.schema = Some(s.into());
        self
    }
    /// Set `lookup_audit_batch` (minimum 1).
    pub fn lookup_audit_batch(mut self, n: usize) -> Self {
        self.lookup_audit_batch = n.max(1);
        self
    }
}

/// The PostgreSQL registry. Stateless apart from its pool: many instances (processes, hosts) may
/// share one database.
pub struct PgRegistry {
    pool: Pool,
    /// Lookup audit entries and their group commit.
    audits: AuditQueue,
    options: PgOptions,
    codes: Box<dyn CodeSource>,
}

impl std::fmt::Debug for PgRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgRegistry")
            .field("options", &self.options)
            .finish()
    }
}

const SCHEMA_V1: &str = "
CREATE TABLE copies (
    code            TEXT PRIMARY KEY,
    request_id      TEXT NOT NULL UNIQUE,
    status          TEXT NOT NULL CHECK (status IN ('pending','valid','revoked','failed')),
    kind            INTEGER NOT NULL,
    office_id       TEXT NOT NULL,
    officer_id      TEXT NOT NULL,
    citizen_id_hmac BYTEA NOT NULL,
    seal_key_id     TEXT NOT NULL,
    issued_at       BIGINT NOT NULL,
    content_digest  BYTEA NOT NULL,
    document_digest BYTEA,
    status_reason   TEXT,
    status_at       BIGINT NOT NULL,
    created_at      BIGINT NOT NULL
);
CREATE INDEX copies_pending ON copies(status_at) WHERE status = 'pending';
CREATE TABLE audit_log (
    id     BIGSERIAL PRIMARY KEY,
    at     BIGINT NOT NULL,
    code   TEXT NOT NULL,
    action TEXT NOT NULL,
    actor  TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX audit_log_code ON audit_log(code, id);
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS
    $$ BEGIN RAISE EXCEPTION 'audit_log is append-only'; END $$;
CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
";

/// The columns of a record, in the order [`to_record`] reads them.
macro_rules! cols {
    () => {
        "code, request_id, status, kind, office_id, officer_id, citizen_id_hmac, seal_key_id, \
         issued_at, content_digest, document_digest, status_reason, status_at"
    };
}
const COLS: &str = cols!();

/// Whether `schema` may name the PostgreSQL schema (it is spliced into `CREATE SCHEMA` and
/// `search_path`): non-empty, ASCII letters, digits and `_` only.
pub fn is_valid_schema_name(schema: &str) -> bool {
    !schema.is_empty()
        && schema
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// The lookup of one record by code: one parameter, the compact code (`TEXT`); at most one row,
/// read with [`record_from_row`] ([`Registry::lookup`] runs it prepared on its pool).
pub const LOOKUP_SQL: &str = concat!("SELECT ", cols!(), " FROM copies WHERE code = $1");

/// The lookup of many records at once: one parameter, the compact codes (`TEXT[]`); one row per
/// registered code, in no particular order, read with [`record_from_row`]. A service answering
/// many concurrent lookups on a connection of its own sends the codes that queued up while its
/// previous statement ran in one statement (one round trip and one executor start for the lot),
/// and records each lookup with [`PgRegistry::record_lookup`].
pub const LOOKUP_MANY_SQL: &str = concat!("SELECT ", cols!(), " FROM copies WHERE code = ANY($1)");

/// The record in a row of [`LOOKUP_SQL`] or [`LOOKUP_MANY_SQL`].
pub fn record_from_row(row: &postgres::Row) -> Result<Record, RegistryError> {
    to_record(row)
}

/// The registry error for a failed statement or connection (`operation` names what was being
/// done): server shutdown, lost or refused connections and I/O are
/// [`RegistryError::Unavailable`], a full disk [`RegistryError::StorageFull`].
pub fn registry_error(operation: &'static str, e: postgres::Error) -> RegistryError {
    map_err(operation)(e)
}

fn map_err(operation: &'static str) -> impl Fn(postgres::Error) -> RegistryError {
    move |e| {
        if let Some(db) = e.as_db_error() {
            let code = db.code().code();
            if code == "53100" {
                return RegistryError::StorageFull {
                    detail: e.to_string(),
                };
            }
            if code.starts_with("08") || code.starts_with("57P") || code == "53300" {
                return RegistryError::Unavailable {
                    detail: format!("{operation}: {e}"),
                };
            }
            return RegistryError::Database {
                operation,
                detail: e.to_string(),
            };
        }
        // No server error: I/O, closed connection, timeouts.
        RegistryError::Unavailable {
            detail: format!("{operation}: {e}"),
        }
    }
}

/// The audit detail of a lookup: the status it saw, or `unknown`.
fn lookup_detail(found: Option<&Record>) -> String {
    found
        .map_or("unknown", |r| r.status.kind().as_str())
        .to_string()
}

fn to_record(row: &postgres::Row) -> Result<Record, RegistryError> {
    let g = map_err("read");
    let code: String = row.try_get(0).map_err(&g)?;
    let status: String = row.try_get(2).map_err(&g)?;
    let kind: i32 = row.try_get(3).map_err(&g)?;
    let citizen: Vec<u8> = row.try_get(6).map_err(&g)?;
    let seal_key_id: String = row.try_get(7).map_err(&g)?;
    let issued_at: i64 = row.try_get(8).map_err(&g)?;
    let content: Vec<u8> = row.try_get(9).map_err(&g)?;
    let document: Option<Vec<u8>> = row.try_get(10).map_err(&g)?;
    let reason: Option<String> = row.try_get(11).map_err(&g)?;
    let status_at: i64 = row.try_get(12).map_err(&g)?;
    Ok(Record {
        code: parse_code(&code)?,
        request_id: row.try_get(1).map_err(&g)?,
        status: status_from(&status, reason, status_at.max(0) as u64)?,
        kind: DocumentKind(u16::try_from(kind).map_err(|_| RegistryError::Corrupt {
            detail: format!("kind {kind} out of range"),
        })?),
        office_id: row.try_get(4).map_err(&g)?,
        officer_id: row.try_get(5).map_err(&g)?,
        citizen: CitizenIdHash(digest32(&citizen, "citizen hash")?),
        seal_key_id: key_id8(&seal_key_id)?,
        issued_at: issued_at.max(0) as u64,
        content_digest: digest32(&content, "content digest")?,
        document_digest: document
            .map(|d| digest32(&d, "document digest"))
            .transpose()?,
    })
}

fn get_by(
    c: &mut impl GenericClient,
    column: &str,
    value: &str,
    for_update: bool,
) -> Result<Option<Record>, RegistryError> {
    let sql = format!(
        "SELECT {COLS} FROM copies WHERE {column} = $1{}",
        if for_update { " FOR UPDATE" } else { "" }
    );
    c.query_opt(sql.as_str(), &[&value])
        .map_err(map_err("read"))?
        .map(|r| to_record(&r))
        .transpose()
}

fn audit(
    c: &mut impl GenericClient,
    at: u64,
    code: &str,
    action: &str,
    actor: &str,
    detail: &str,
) -> Result<(), RegistryError> {
    c.execute(
        "INSERT INTO audit_log (at, code, action, actor, detail) VALUES ($1, $2, $3, $4, $5)",
        &[&(at as i64), &code, &action, &actor, &detail],
    )
    .map_err(map_err("audit"))?;
    Ok(())
}

/// Append lookup entries in one statement (one round trip, however many there are), in order.
const AUDIT_LOOKUPS_SQL: &str = "INSERT INTO audit_log (at, code, action, actor, detail)
     SELECT t.at, t.code, 'lookup', t.actor, t.detail
     FROM unnest($1::BIGINT[], $2::TEXT[], $3::TEXT[], $4::TEXT[])
          WITH ORDINALITY AS t(at, code, actor, detail, n)
     ORDER BY t.n";

/// The parameters of [`AUDIT_LOOKUPS_SQL`].
fn lookup_columns(batch: &[PendingAudit]) -> (Vec<i64>, Vec<&str>, Vec<&str>, Vec<&str>) {
    (
        batch.iter().map(|a| a.at as i64).collect(),
        batch.iter().map(|a| a.code.as_str()).collect(),
        batch.iter().map(|a| a.actor.as_str()).collect(),
        batch.iter().map(|a| a.detail.as_str()).collect(),
    )
}

impl PgRegistry {
    /// Connect to `url` (`postgresql://user:pass@host:port/db`) with default options.
    pub fn open(url: &str) -> Result<Self, RegistryError> {
        Self::open_with(url, PgOptions::default(), Box::new(OsCodeSource))
    }

    /// Connect with options and a code source; runs pending migrations.
    pub fn open_with(
        url: &str,
        options: PgOptions,
        codes: Box<dyn CodeSource>,
    ) -> Result<Self, RegistryError> {
        let mut config =
            postgres::Config::from_str(url).map_err(|e| RegistryError::InvalidInput {
                detail: format!("bad PostgreSQL URL: {e}"),
            })?;
        config.connect_timeout(options.connect_timeout);
        if let Some(schema) = &options.schema {
            if !is_valid_schema_name(schema) {
                return Err(RegistryError::InvalidInput {
                    detail: format!("bad schema name {schema:?}"),
                });
            }
            let mut c = config.connect(NoTls).map_err(map_err("connect"))?;
            c.batch_execute(&format!("CREATE SCHEMA IF NOT EXISTS {schema}"))
                .map_err(map_err("connect"))?;
            config.options(&format!("-c search_path={schema}"));
        }
        let pool = r2d2::Pool::builder()
            .max_size(options.pool_size.max(1))
            .connection_timeout(options.connect_timeout)
            .test_on_check_out(false)
            .build(Manager { config })
            .map_err(|e| RegistryError::Unavailable {
                detail: format!("connect: {e}"),
            })?;
        let reg = Self {
            pool,
            audits: AuditQueue::default(),
            options,
            codes,
        };
        reg.migrate()?;
        Ok(reg)
    }

    /// Buffer the audit entry of a lookup answered outside this registry's pool (a read of
    /// [`LOOKUP_SQL`] or [`LOOKUP_MANY_SQL`] on the caller's own connection): the same entry
    /// [`Registry::lookup`] writes. Returns how many entries are now buffered; from
    /// [`PgRegistry::lookup_audit_batch`] on a batch is due, to be written with
    /// [`Registry::flush`] (blocking) before answering, as [`Registry::lookup`] does.
    pub fn record_lookup(
        &self,
        code: &VerificationCode,
        who: &Requester,
        found: Option<&Record>,
    ) -> usize {
        let entry = PendingAudit {
            at: now_unix(),
            code: code.compact(),
            actor: who.0.clone(),
            detail: lookup_detail(found),
        };
        self.audits.push(entry).1
    }

    /// Write the buffered lookup audit entries and close the pool. Dropping the registry does
    /// the same but cannot report a failure; this returns it.
    pub fn close(self) -> Result<(), RegistryError> {
        self.flush()
    }

    /// Lookup audit entries buffered, not yet written.
    pub fn lookup_audit_buffered(&self) -> usize {
        self.audits.buffered()
    }

    /// The lookup audit batch size (`lookup_audit_batch` of [`PgOptions`]).
    pub fn lookup_audit_batch(&self) -> usize {
        self.options.lookup_audit_batch
    }

    fn conn(&self) -> Result<r2d2::PooledConnection<Manager>, RegistryError> {
        self.pool.get().map_err(|e| RegistryError::Unavailable {
            detail: format!("no database connection: {e}"),
        })
    }

    fn migrate(&self) -> Result<(), RegistryError> {
        let m = map_err("migrate");
        let mut c = self.conn()?;
        let mut tx = c.client.transaction().map_err(&m)?;
        // Serialize concurrent migrators (several service instances starting at once).
        tx.execute("SELECT pg_advisory_xact_lock(5863247001)", &[])
            .map_err(&m)?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                 version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)",
        )
        .map_err(&m)?;
        let have: Option<i32> = tx
            .query_one("SELECT max(version) FROM schema_migrations", &[])
            .map_err(&m)?
            .try_get(0)
            .map_err(&m)?;
        if have.unwrap_or(0) < 1 {
            tx.batch_execute(SCHEMA_V1).map_err(&m)?;
            tx.execute(
                "INSERT INTO schema_migrations (version, applied_at) VALUES (1, $1)",
                &[&(now_unix() as i64)],
            )
            .map_err(&m)?;
        }
        tx.commit().map_err(&m)?;
        Ok(())
    }

    fn write<T>(
        &self,
        operation: &'static str,
        f: impl FnOnce(&mut postgres::Transaction<'_>) -> Result<T, RegistryError>,
    ) -> Result<T, RegistryError> {
        let mut c = self.conn()?;
        let mut tx = c.client.transaction().map_err(map_err(operation))?;
        let v = f(&mut tx)?;
        tx.commit().map_err(map_err(operation))?;
        Ok(v)
    }

    /// Append a batch of lookup entries in one statement (the writer of [`AuditQueue`]).
    fn write_lookups(&self, batch: &[PendingAudit]) -> Result<(), RegistryError> {
        self.conn()?.append_lookups(batch)
    }

    /// Apply one state-machine step atomically, with its audit entry.
    fn transition(
        &self,
        code: &VerificationCode,
        t: Transition<'_>,
    ) -> Result<Record, RegistryError> {
        let detail = t.audit_detail();
        let Transition {
            action,
            from,
            to,
            reason,
            document_digest,
            actor,
        } = t;
        let key = code.compact();
        self.write(action, |tx| {
            let current =
                get_by(tx, "code", &key, true)?.ok_or(RegistryError::NotFound { code: *code })?;
            if current.status.kind() != from {
                return Err(RegistryError::InvalidState {
                    code: *code,
                    action,
                    status: current.status.kind(),
                });
            }
            let now = now_unix();
            let doc = document_digest.map(|d| d.to_vec());
            tx.execute(
                "UPDATE copies SET status = $1, status_reason = $2, status_at = $3,
                     document_digest = coalesce($4, document_digest) WHERE code = $5",
                &[&to.as_str(), &reason, &(now as i64), &doc, &key],
            )
            .map_err(map_err(action))?;
            audit(tx, now, &key, action, actor, &detail)?;
            get_by(tx, "code", &key, false)?.ok_or(RegistryError::NotFound { code: *code })
        })
    }

    fn existing(
        &self,
        tx: &mut postgres::Transaction<'_>,
        existing: Record,
        req: &IssueRequest,
    ) -> Result<Reservation, RegistryError> {
        if !same_issuance(&existing, req) {
            return Err(RegistryError::RequestConflict {
                request_id: req.request_id.clone(),
            });
        }
        match existing.status.kind() {
            StatusKind::Valid | StatusKind::Revoked => Ok(Reservation::Existing(existing)),
            StatusKind::Pending => Err(RegistryError::RequestInProgress {
                request_id: req.request_id.clone(),
            }),
            StatusKind::Failed => {
                let key = existing.code.compact();
                let now = now_unix();
                tx.execute(
                    "UPDATE copies SET status = 'pending', status_reason = NULL, status_at = $1,
                         officer_id = $2, issued_at = $3, seal_key_id = $4
                     WHERE code = $5 AND status = 'failed'",
                    &[
                        &(now as i64),
                        &req.officer_id,
                        &(req.issued_at as i64),
                        &req.seal_key_id.to_hex(),
                        &key,
                    ],
                )
                .map_err(map_err("reserve"))?;
                audit(
                    tx,
                    now,
                    &key,
                    "reserve_retry",
                    &req.officer_id,
                    &req.audit_detail(),
                )?;
                let r = get_by(tx, "code", &key, false)?.ok_or(RegistryError::NotFound {
                    code: existing.code,
                })?;
                Ok(Reservation::New(r))
            }
        }
    }
}

impl Registry for PgRegistry {
    fn reserve(&self, req: &IssueRequest) -> Result<Reservation, RegistryError> {
        req.validate()?;
        self.write("reserve", |tx| {
            if let Some(existing) = get_by(tx, "request_id", &req.request_id, true)? {
                return self.existing(tx, existing, req);
            }
            let now = now_unix();
            for _ in 0..MAX_CODE_ATTEMPTS {
                let code = self.codes.next_code().map_err(RegistryError::Code)?;
                let key = code.compact();
                // ON CONFLICT DO NOTHING waits for a concurrent insert of the same request id
                // or code to commit, then skips: no aborted transaction, no lost retry.
                let inserted = tx
                    .execute(
                        "INSERT INTO copies (code, request_id, status, kind, office_id, officer_id,
                             citizen_id_hmac, seal_key_id, issued_at, content_digest,
                             status_at, created_at)
                         VALUES ($1, $2, 'pending', $3, $4, $5, $6, $7, $8, $9, $10, $10)
                         ON CONFLICT DO NOTHING",
                        &[
                            &key,
                            &req.request_id,
                            &i32::from(req.kind.0),
                            &req.office_id,
                            &req.officer_id,
                            &req.citizen.0.as_slice(),
                            &req.seal_key_id.to_hex(),
                            &(req.issued_at as i64),
                            &req.content_digest.as_slice(),
                            &(now as i64),
                        ],
                    )
                    .map_err(map_err("reserve"))?;
                if inserted == 1 {
                    audit(
                        tx,
                        now,
                        &key,
                        "reserve",
                        &req.officer_id,
                        &req.audit_detail(),
                    )?;
                    let r =
                        get_by(tx, "code", &key, false)?.ok_or(RegistryError::NotFound { code })?;
                    return Ok(Reservation::New(r));
                }
                // Either a concurrent issuer committed the same request id, or the code collided.
                if let Some(existing) = get_by(tx, "request_id", &req.request_id, true)? {
                    return self.existing(tx, existing, req);
                }
            }
            Err(RegistryError::CodeSpaceExhausted {
                attempts: MAX_CODE_ATTEMPTS,
            })
        })
    }

    fn activate(
        &self,
        code: &VerificationCode,
        document_digest: [u8; 32],
    ) -> Result<Record, RegistryError> {
        self.transition(code, Transition::activate(document_digest))
    }

    fn abandon(&self, code: &VerificationCode, reason: &str) -> Result<Record, RegistryError> {
        self.transition(code, Transition::abandon(reason))
    }

    fn revoke(
        &self,
        code: &VerificationCode,
        reason: &str,
        actor: &str,
    ) -> Result<Record, RegistryError> {
        self.transition(code, Transition::revoke(reason, actor)?)
    }

    fn lookup(
        &self,
        code: &VerificationCode,
        who: &Requester,
    ) -> Result<Option<Record>, RegistryError> {
        let reading = self.audits.start();
        let found = { self.conn()?.get_by_code(&code.compact())? };
        let (seq, buffered) = reading.push(PendingAudit {
            at: now_unix(),
            code: code.compact(),
            actor: who.0.clone(),
            detail: lookup_detail(found.as_ref()),
        });
        if buffered >= self.options.lookup_audit_batch {
            // With a batch of 1, always: this returns once our entry is committed, by us or by
            // the concurrent lookup whose batch took it (one transaction for all that queued).
            self.audits
                .commit_through(seq, |batch| self.write_lookups(batch))?;
        }
        Ok(found)
    }

    fn get(&self, code: &VerificationCode) -> Result<Option<Record>, RegistryError> {
        self.conn()?.get_by_code(&code.compact())
    }

    fn pending(&self, older_than_secs: u64) -> Result<Vec<Record>, RegistryError> {
        let cutoff = now_unix().saturating_sub(older_than_secs) as i64;
        let mut c = self.conn()?;
        c.client.query(
            format!(
                "SELECT {COLS} FROM copies WHERE status = 'pending' AND status_at <= $1 ORDER BY code"
            )
            .as_str(),
            &[&cutoff],
        )
        .map_err(map_err("pending"))?
        .iter()
        .map(to_record)
        .collect()
    }

    fn all(&self) -> Result<Vec<Record>, RegistryError> {
        let mut c = self.conn()?;
        c.client
            .query(
                format!("SELECT {COLS} FROM copies ORDER BY code").as_str(),
                &[],
            )
            .map_err(map_err("all"))?
            .iter()
            .map(to_record)
            .collect()
    }

    fn audit(&self, code: &VerificationCode) -> Result<Vec<AuditEvent>, RegistryError> {
        self.flush()?;
        let mut c = self.conn()?;
        let g = map_err("audit");
        c.client.query(
            "SELECT id, at, code, action, actor, detail FROM audit_log WHERE code = $1 ORDER BY id",
            &[&code.compact()],
        )
        .map_err(&g)?
        .iter()
        .map(|r| {
            Ok(AuditEvent {
                id: r.try_get(0).map_err(&g)?,
                at: r.try_get::<_, i64>(1).map_err(&g)?.max(0) as u64,
                code: r.try_get(2).map_err(&g)?,
                action: r.try_get(3).map_err(&g)?,
                actor: r.try_get(4).map_err(&g)?,
                detail: r.try_get(5).map_err(&g)?,
            })
        })
        .collect()
    }

    fn flush(&self) -> Result<(), RegistryError> {
        self.audits.commit_all(|batch| self.write_lookups(batch))
    }
}

impl Drop for PgRegistry {
    fn drop(&mut self) {
        let _ = self.flush();
    }
}
