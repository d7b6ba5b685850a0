//! The embedded SQLite registry (bundled SQLite, WAL journal).

use super::{
    AuditEvent, AuditQueue, CodeSource, IssueRequest, MAX_CODE_ATTEMPTS, OsCodeSource,
    PendingAudit, Record, Registry, RegistryError, Requester, Reservation, StatusKind, Transition,
    digest32, key_id8, parse_code, same_issuance, status_from,
};
use crate::code::VerificationCode;
use crate::kind::DocumentKind;
use crate::report::now_unix;
use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

/// Options of [`SqliteRegistry`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct SqliteOptions {
    /// `PRAGMA synchronous=FULL` (default true: every commit is fsynced, durable against power
    /// loss). `false` uses NORMAL: durable against process crashes, not power loss.
    pub synchronous_full: bool,
    /// Read connections for lookups (default 4).
    pub readers: usize,
    /// Lookup audit entries are written in batches of this many (default 1: every lookup is
    /// logged before `lookup` returns). Larger batches trade a loss window of up to `n - 1`
    /// lookup entries on a crash for throughput; state changes are always logged in their own
    /// transaction.
    pub lookup_audit_batch: usize,
    /// How long to wait for a lock held by another process (default 10 s).
    pub busy_timeout: Duration,
    /// Cap on the database size in bytes (`PRAGMA max_page_count`; default none). Past it,
    /// writes fail with [`RegistryError::StorageFull`], as on a full disk.
    pub max_size_bytes: Option<u64>,
    /// Memory-map up to this many bytes of the database file on the read connections (`PRAGMA
    /// mmap_size`; default 0, off). Off by default because every lookup commits its audit
    /// entry: when a read transaction finds the WAL changed since the last one, SQLite drops
    /// not only the connection's page cache but the whole mapping (`munmap`, then `mmap` and a
    /// page fault per page touched again), which cost about 15 µs of CPU per audited lookup in
    /// `benches/registry.rs` (55 µs instead of 70 µs). Worth turning on for a read-mostly
    /// database (`get`, or lookups with a large `lookup_audit_batch`). The writer does not map
    /// (its writes go through `write`). An I/O error on a mapped page is a signal instead of an
    /// error code.
    pub mmap_bytes: u64,
    /// Checkpoint the WAL into the database file once it holds this many pages (`PRAGMA
    /// wal_autocheckpoint`; default 1000, SQLite's own default: about 4 MiB of 4 KiB pages). A
    /// commit of lookup entries adds about three pages (the audit table's tail; lookups are not
    /// in the per-code index), so a checkpoint after a run of lookups copies few distinct pages.
    /// The checkpoint runs in the commit that crosses the threshold and fsyncs the database file
    /// twice. In `benches/registry.rs` (16 threads, `FULL`), 1000 instead of 16384 gave about
    /// 15 % more lookups/s and about 20 % fewer issues/s (issuance dirties random pages of the
    /// `copies` indexes, so it checkpoints more often); raise it for an issuance-heavy database.
    /// The WAL file grows to about this size (it is reused, not shrunk, after a checkpoint).
    pub wal_autocheckpoint_pages: u32,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        Self {
            synchronous_full: true,
            readers: 4,
            lookup_audit_batch: 1,
            busy_timeout: Duration::from_secs(10),
            max_size_bytes: None,
            mmap_bytes: 0,
            wal_autocheckpoint_pages: 1000,
        }
    }
}

impl SqliteOptions {
    /// Set `synchronous_full`.
    pub fn synchronous_full(mut self, on: bool) -> Self {
        self.synchronous_full = on;
        self
    }
    /// Set `lookup_audit_batch` (minimum 1).
    pub fn lookup_audit_batch(mut self, n: usize) -> Self {
        self.lookup_audit_batch = n.max(1);
        self
    }
    /// Set `max_size_bytes`.
    pub fn max_size_bytes(mut self, bytes: u64) -> Self {
        self.max_size_bytes = Some(bytes);
        self
    }
    /// Set `mmap_bytes` (0: no memory map).
    pub fn mmap_bytes(mut self, bytes: u64) -> Self {
        self.mmap_bytes = bytes;
        self
    }
    /// Set `wal_autocheckpoint_pages` (0: never checkpoint automatically).
    pub fn wal_autocheckpoint_pages(mut self, pages: u32) -> Self {
        self.wal_autocheckpoint_pages = pages;
        self
    }
    /// Set `readers` (minimum 1).
    pub fn readers(mut self, n: usize) -> Self {
        self.readers = n.max(1);
        self
    }
}

/// The SQLite registry. Many threads and processes may use one database file at once.
///
/// Writes use **group commit**: concurrent writers of one registry share a transaction (each in
/// its own savepoint, so a failing writer rolls back only its own statements), and the last
/// writer in line commits for all of them. Every write still returns only after its commit, so
/// durability is unchanged (one fsync per group instead of one per write).
///
/// Lookups read on a pool of read connections (WAL: readers never wait for the writer) and
/// queue their audit entries; with the default `lookup_audit_batch` of 1, one of the queued
/// lookups appends them all as a single member of a group, and each lookup returns once its
/// entry is committed (see the crate README, "Registry audit log").
pub struct SqliteRegistry {
    path: PathBuf,
    writer: Mutex<Writer>,
    /// Callers queued for the writer: while any wait, the holder leaves the commit to them.
    waiting: AtomicUsize,
    committed: Mutex<Committed>,
    committed_cv: Condvar,
    readers: Vec<Mutex<Connection>>,
    next_reader: AtomicUsize,
    /// Lookup audit entries and their group commit.
    audits: AuditQueue,
    options: SqliteOptions,
    codes: Box<dyn CodeSource>,
    /// [`MAX_GROUP_AGE`]; a field so a test can widen it on a loaded machine.
    max_group_age: Duration,
}

/// The writer connection and its open group transaction.
struct Writer {
    conn: Connection,
    /// A group transaction is open (BEGIN IMMEDIATE issued, COMMIT not yet).
    open: bool,
    /// Number of the open (or last) group transaction.
    epoch: u64,
    /// Members of the open group whose work succeeded and awaits the commit.
    members: usize,
    /// When the open group began.
    began: Instant,
}

/// Which group transactions have finished, and the ones that failed.
#[derive(Default)]
struct Committed {
    epoch: u64,
    failed: HashMap<u64, RegistryError>,
}

/// A group commits once it has this many members even if more writers are queued …
const MAX_GROUP_MEMBERS: usize = 256;
/// … or once it has been open this long.
const MAX_GROUP_AGE: Duration = Duration::from_millis(5);

impl std::fmt::Debug for SqliteRegistry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteRegistry")
            .field("path", &self.path)
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
    citizen_id_hmac BLOB NOT NULL,
    seal_key_id     TEXT NOT NULL,
    issued_at       INTEGER NOT NULL,
    content_digest  BLOB NOT NULL,
    document_digest BLOB,
    status_reason   TEXT,
    status_at       INTEGER NOT NULL,
    created_at      INTEGER NOT NULL
);
CREATE INDEX copies_pending ON copies(status_at) WHERE status = 'pending';
CREATE TABLE audit_log (
    id     INTEGER PRIMARY KEY AUTOINCREMENT,
    at     INTEGER NOT NULL,
    code   TEXT NOT NULL,
    action TEXT NOT NULL,
    actor  TEXT NOT NULL,
    detail TEXT NOT NULL
);
CREATE INDEX audit_log_code ON audit_log(code, id);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END;
";

/// Lookup entries leave the per-code index (PostgreSQL keeps its full index).
///
/// With `audit_log(code, id)` every lookup entry inserted into a random leaf of that index (codes
/// are random), so each commit wrote about one 4 KiB index page to the WAL per entry; about half
/// the time of a group commit of 16 lookups. State changes stay indexed by code; a lookup entry is
/// appended at the table's tail only, and a code's full history ([`Registry::audit`]) is a scan of
/// the table in id order (see the crate README, "Registry audit log").
const SCHEMA_V2: &str = "
DROP INDEX IF EXISTS audit_log_code;
CREATE INDEX audit_log_code_changes ON audit_log(code, id) WHERE action <> 'lookup';
";

/// The schema steps by version; `schema_migrations` records the ones a database has.
const MIGRATIONS: &[(i64, &str)] = &[(1, SCHEMA_V1), (2, SCHEMA_V2)];

const COLS: &str = "code, request_id, status, kind, office_id, officer_id, citizen_id_hmac, \
    seal_key_id, issued_at, content_digest, document_digest, status_reason, status_at";

fn map_err(operation: &'static str) -> impl Fn(rusqlite::Error) -> RegistryError {
    move |e| {
        if let rusqlite::Error::SqliteFailure(f, _) = &e {
            use rusqlite::ErrorCode as C;
            match f.code {
                C::DiskFull => {
                    return RegistryError::StorageFull {
                        detail: e.to_string(),
                    };
                }
                C::CannotOpen
                | C::DatabaseBusy
                | C::DatabaseLocked
                | C::PermissionDenied
                | C::ReadOnly
                | C::SystemIoFailure => {
                    return RegistryError::Unavailable {
                        detail: format!("{operation}: {e}"),
                    };
                }
                _ => {}
            }
        }
        RegistryError::Database {
            operation,
            detail: e.to_string(),
        }
    }
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding the lock leaves the connection usable (open transactions roll back
    // on drop), so a poisoned lock is taken over.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn row_to_record(row: &rusqlite::Row<'_>) -> rusqlite::Result<Result<Record, RegistryError>> {
    let code: String = row.get(0)?;
    let request_id: String = row.get(1)?;
    let status: String = row.get(2)?;
    let kind: i64 = row.get(3)?;
    let office_id: String = row.get(4)?;
    let officer_id: String = row.get(5)?;
    let citizen: Vec<u8> = row.get(6)?;
    let seal_key_id: String = row.get(7)?;
    let issued_at: i64 = row.get(8)?;
    let content_digest: Vec<u8> = row.get(9)?;
    let document_digest: Option<Vec<u8>> = row.get(10)?;
    let reason: Option<String> = row.get(11)?;
    let status_at: i64 = row.get(12)?;
    Ok((|| {
        Ok(Record {
            code: parse_code(&code)?,
            request_id,
            status: status_from(&status, reason, status_at.max(0) as u64)?,
            kind: DocumentKind(u16::try_from(kind).map_err(|_| RegistryError::Corrupt {
                detail: format!("kind {kind} out of range"),
            })?),
            office_id,
            officer_id,
            citizen: super::CitizenIdHash(digest32(&citizen, "citizen hash")?),
            seal_key_id: key_id8(&seal_key_id)?,
            issued_at: issued_at.max(0) as u64,
            content_digest: digest32(&content_digest, "content digest")?,
            document_digest: document_digest
                .map(|d| digest32(&d, "document digest"))
                .transpose()?,
        })
    })())
}

fn get_by(conn: &Connection, column: &str, value: &str) -> Result<Option<Record>, RegistryError> {
    let sql = format!("SELECT {COLS} FROM copies WHERE {column} = ?1");
    let mut stmt = conn.prepare_cached(&sql).map_err(map_err("read"))?;
    stmt.query_row(params![value], row_to_record)
        .optional()
        .map_err(map_err("read"))?
        .transpose()
}

/// Run a statement without parameters or rows through the connection's statement cache.
fn run_cached(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([]).map(|_| ())
}

fn audit(
    conn: &Connection,
    at: u64,
    code: &str,
    action: &str,
    actor: &str,
    detail: &str,
) -> Result<(), RegistryError> {
    conn.prepare_cached(
        "INSERT INTO audit_log (at, code, action, actor, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
    )
    .and_then(|mut s| s.execute(params![at as i64, code, action, actor, detail]))
    .map_err(map_err("audit"))?;
    Ok(())
}

impl SqliteRegistry {
    /// Open (creating if needed) the registry at `path` with default options and OS randomness.
    pub fn open(path: impl AsRef<Path>) -> Result<Self, RegistryError> {
        Self::open_with(path, SqliteOptions::default(), Box::new(OsCodeSource))
    }

    /// Open with options and a code source.
    pub fn open_with(
        path: impl AsRef<Path>,
        options: SqliteOptions,
        codes: Box<dyn CodeSource>,
    ) -> Result<Self, RegistryError> {
        let path = path.as_ref().to_path_buf();
        let writer = Self::connect(&path, &options, true)?;
        Self::migrate(&writer)?;
        let readers = (0..options.readers.max(1))
            .map(|_| Self::connect(&path, &options, false).map(Mutex::new))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            path,
            writer: Mutex::new(Writer {
                conn: writer,
                open: false,
                epoch: 0,
                members: 0,
                began: Instant::now(),
            }),
            waiting: AtomicUsize::new(0),
            committed: Mutex::new(Committed::default()),
            committed_cv: Condvar::new(),
            readers,
            next_reader: AtomicUsize::new(0),
            audits: AuditQueue::default(),
            options,
            codes,
            max_group_age: MAX_GROUP_AGE,
        })
    }

    /// The database file.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Write the buffered lookup audit entries and close the registry. Dropping it does the same
    /// but cannot report a failure; this returns it.
    pub fn close(self) -> Result<(), RegistryError> {
        self.flush()
    }

    fn connect(
        path: &Path,
        options: &SqliteOptions,
        create: bool,
    ) -> Result<Connection, RegistryError> {
        let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        if create {
            flags |= OpenFlags::SQLITE_OPEN_CREATE;
        }
        let conn =
            Connection::open_with_flags(path, flags).map_err(|e| RegistryError::Unavailable {
                detail: format!("cannot open {}: {e}", path.display()),
            })?;
        conn.busy_timeout(options.busy_timeout)
            .map_err(map_err("open"))?;
        conn.pragma_update(None, "journal_mode", "WAL")
            .map_err(map_err("open"))?;
        conn.pragma_update(
            None,
            "synchronous",
            if options.synchronous_full {
                "FULL"
            } else {
                "NORMAL"
            },
        )
        .map_err(map_err("open"))?;
        if create {
            conn.pragma_update(None, "wal_autocheckpoint", options.wal_autocheckpoint_pages)
                .map_err(map_err("open"))?;
            // The writer's savepoints (one per group member) journal the pages they change;
            // in memory, not in a temporary file written with a system call per page.
            conn.pragma_update(None, "temp_store", "MEMORY")
                .map_err(map_err("open"))?;
        } else if options.mmap_bytes > 0 {
            // The pragma returns the resulting size as a row.
            conn.query_row(
                &format!("PRAGMA mmap_size = {}", options.mmap_bytes),
                [],
                |_| Ok(()),
            )
            .optional()
            .map_err(map_err("open"))?;
        }
        if let Some(bytes) = options.max_size_bytes {
            let page: i64 = conn
                .query_row("PRAGMA page_size", [], |r| r.get(0))
                .map_err(map_err("open"))?;
            let pages = (bytes as i64 / page.max(512)).max(1);
            // The pragma returns the resulting maximum as a row.
            conn.query_row(&format!("PRAGMA max_page_count = {pages}"), [], |_| Ok(()))
                .map_err(map_err("open"))?;
        }
        Ok(conn)
    }

    fn migrate(conn: &Connection) -> Result<(), RegistryError> {
        Self::migrate_to(conn, i64::MAX)
    }

    /// Apply the [`MIGRATIONS`] up to version `upto` that the database lacks, in one
    /// transaction.
    fn migrate_to(conn: &Connection, upto: i64) -> Result<(), RegistryError> {
        let m = map_err("migrate");
        conn.execute_batch(
            "BEGIN IMMEDIATE;
             CREATE TABLE IF NOT EXISTS schema_migrations (
                 version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL);
             COMMIT;",
        )
        .map_err(&m)?;
        let version = |conn: &Connection| -> rusqlite::Result<i64> {
            conn.query_row("SELECT max(version) FROM schema_migrations", [], |r| {
                r.get::<_, Option<i64>>(0)
            })
            .map(|v| v.unwrap_or(0))
        };
        let target = MIGRATIONS
            .iter()
            .map(|&(v, _)| v)
            .filter(|&v| v <= upto)
            .max()
            .unwrap_or(0);
        if version(conn).map_err(&m)? >= target {
            return Ok(());
        }
        conn.execute_batch("BEGIN IMMEDIATE").map_err(&m)?;
        // Re-check under the write lock: another process may have migrated meanwhile.
        let r = version(conn).and_then(|have| {
            MIGRATIONS
                .iter()
                .filter(|&&(v, _)| v > have && v <= upto)
                .try_for_each(|&(v, sql)| {
                    conn.execute_batch(sql)?;
                    conn.execute(
                        "INSERT INTO schema_migrations (version, applied_at) VALUES (?1, ?2)",
                        params![v, now_unix() as i64],
                    )
                    .map(|_| ())
                })
        });
        match r {
            Ok(()) => conn.execute_batch("COMMIT").map_err(&m)?,
            Err(e) => {
                let _ = conn.execute_batch("ROLLBACK");
                return Err(m(e));
            }
        }
        Ok(())
    }

    fn reader(&self) -> MutexGuard<'_, Connection> {
        let n = self.readers.len();
        let start = self.next_reader.fetch_add(1, Ordering::Relaxed);
        for i in 0..n {
            if let Ok(g) = self.readers[(start + i) % n].try_lock() {
                return g;
            }
        }
        lock(&self.readers[start % n])
    }

    /// Run `f` as one member of the writer's group transaction (see [`SqliteRegistry`]): in its
    /// own savepoint. Returns once the group holding `f`'s changes is committed (or with the
    /// error that prevented it).
    fn write<T>(
        &self,
        operation: &'static str,
        f: impl FnOnce(&Connection) -> Result<T, RegistryError>,
    ) -> Result<T, RegistryError> {
        self.waiting.fetch_add(1, Ordering::SeqCst);
        let mut w = lock(&self.writer);
        self.waiting.fetch_sub(1, Ordering::SeqCst);
        if !w.open {
            run_cached(&w.conn, "BEGIN IMMEDIATE").map_err(map_err(operation))?;
            w.open = true;
            w.epoch += 1;
            w.members = 0;
            w.began = Instant::now();
        }
        let epoch = w.epoch;
        let mine = self.member(&w.conn, operation, f);
        if mine.is_err() && w.conn.is_autocommit() {
            // SQLite rolled the whole transaction back (I/O error, disk full …): every member
            // of this group fails with the same error.
            w.open = false;
            w.members = 0;
            let e = mine
                .as_ref()
                .err()
                .cloned()
                .unwrap_or(RegistryError::Database {
                    operation,
                    detail: "transaction rolled back".into(),
                });
            self.finish(epoch, Some(e));
            return mine;
        }
        if mine.is_ok() {
            w.members += 1;
        }
        let last = self.waiting.load(Ordering::SeqCst) == 0
            || w.members >= MAX_GROUP_MEMBERS
            || w.began.elapsed() >= self.max_group_age;
        if last {
            let failure = run_cached(&w.conn, "COMMIT").err().map(|e| {
                if !w.conn.is_autocommit() {
                    let _ = w.conn.execute_batch("ROLLBACK");
                }
                map_err(operation)(e)
            });
            w.open = false;
            w.members = 0;
            self.finish(epoch, failure);
        }
        drop(w);
        let value = mine?;
        self.wait_committed(epoch)?;
        Ok(value)
    }

    /// `f` inside a savepoint of the open group transaction.
    fn member<T>(
        &self,
        conn: &Connection,
        operation: &'static str,
        f: impl FnOnce(&Connection) -> Result<T, RegistryError>,
    ) -> Result<T, RegistryError> {
        run_cached(conn, "SAVEPOINT member").map_err(map_err(operation))?;
        match f(conn) {
            Ok(v) => {
                run_cached(conn, "RELEASE member").map_err(map_err(operation))?;
                Ok(v)
            }
            Err(e) => {
                if !conn.is_autocommit() {
                    let _ = run_cached(conn, "ROLLBACK TO member")
                        .and_then(|()| run_cached(conn, "RELEASE member"));
                }
                Err(e)
            }
        }
    }

    /// Append a batch of lookup entries as one member of a group commit (the writer of
    /// [`AuditQueue`]).
    fn write_lookups(&self, batch: &[PendingAudit]) -> Result<(), RegistryError> {
        self.write("lookup", |conn| {
            batch
                .iter()
                .try_for_each(|a| audit(conn, a.at, &a.code, "lookup", &a.actor, &a.detail))
        })
    }

    /// Record the end of group `epoch` and wake its members.
    fn finish(&self, epoch: u64, failure: Option<RegistryError>) {
        let mut c = lock(&self.committed);
        c.epoch = c.epoch.max(epoch);
        if let Some(e) = failure {
            c.failed.insert(epoch, e);
        }
        // Members read their failure right after the wake-up; keep a bounded history.
        c.failed.retain(|&k, _| k + 1024 > epoch);
        drop(c);
        self.committed_cv.notify_all();
    }

    /// Block until group `epoch` has finished; its failure, if any.
    fn wait_committed(&self, epoch: u64) -> Result<(), RegistryError> {
        let mut c = lock(&self.committed);
        while c.epoch < epoch {
            c = self.committed_cv.wait(c).unwrap_or_else(|p| p.into_inner());
        }
        match c.failed.get(&epoch) {
            Some(e) => Err(e.clone()),
            None => Ok(()),
        }
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
                get_by(tx, "code", &key)?.ok_or(RegistryError::NotFound { code: *code })?;
            if current.status.kind() != from {
                return Err(RegistryError::InvalidState {
                    code: *code,
                    action,
                    status: current.status.kind(),
                });
            }
            let now = now_unix();
            tx.prepare_cached(
                "UPDATE copies SET status = ?1, status_reason = ?2, status_at = ?3,
                     document_digest = coalesce(?4, document_digest) WHERE code = ?5",
            )
            .and_then(|mut s| {
                s.execute(params![
                    to.as_str(),
                    reason,
                    now as i64,
                    document_digest.map(|d| d.to_vec()),
                    key
                ])
            })
            .map_err(map_err(action))?;
            audit(tx, now, &key, action, actor, &detail)?;
            get_by(tx, "code", &key)?.ok_or(RegistryError::NotFound { code: *code })
        })
    }
}

impl Registry for SqliteRegistry {
    fn reserve(&self, req: &IssueRequest) -> Result<Reservation, RegistryError> {
        req.validate()?;
        self.write("reserve", |tx| {
            let now = now_unix();
            if let Some(existing) = get_by(tx, "request_id", &req.request_id)? {
                if !same_issuance(&existing, req) {
                    return Err(RegistryError::RequestConflict {
                        request_id: req.request_id.clone(),
                    });
                }
                return match existing.status.kind() {
                    StatusKind::Valid | StatusKind::Revoked => Ok(Reservation::Existing(existing)),
                    StatusKind::Pending => Err(RegistryError::RequestInProgress {
                        request_id: req.request_id.clone(),
                    }),
                    StatusKind::Failed => {
                        let key = existing.code.compact();
                        tx.execute(
                            "UPDATE copies SET status = 'pending', status_reason = NULL,
                                 status_at = ?1, officer_id = ?2, issued_at = ?3,
                                 seal_key_id = ?4 WHERE code = ?5",
                            params![
                                now as i64,
                                req.officer_id,
                                req.issued_at as i64,
                                req.seal_key_id.to_hex(),
                                key
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
                        let r = get_by(tx, "code", &key)?.ok_or(RegistryError::NotFound {
                            code: existing.code,
                        })?;
                        Ok(Reservation::New(r))
                    }
                };
            }
            for _ in 0..MAX_CODE_ATTEMPTS {
                let code = self.codes.next_code().map_err(RegistryError::Code)?;
                let key = code.compact();
                let inserted = tx
                    .prepare_cached(
                        "INSERT INTO copies (code, request_id, status, kind, office_id, officer_id,
                             citizen_id_hmac, seal_key_id, issued_at, content_digest,
                             status_at, created_at)
                         VALUES (?1, ?2, 'pending', ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10)
                         ON CONFLICT DO NOTHING",
                    )
                    .and_then(|mut s| {
                        s.execute(params![
                            key,
                            req.request_id,
                            i64::from(req.kind.0),
                            req.office_id,
                            req.officer_id,
                            req.citizen.0.to_vec(),
                            req.seal_key_id.to_hex(),
                            req.issued_at as i64,
                            req.content_digest.to_vec(),
                            now as i64
                        ])
                    })
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
                    let r = get_by(tx, "code", &key)?.ok_or(RegistryError::NotFound { code })?;
                    return Ok(Reservation::New(r));
                }
                // The request id was checked under the write lock, so the conflict is the code.
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
        let key = code.compact();
        let reading = self.audits.start();
        let found = get_by(&self.reader(), "code", &key)?;
        let detail = found
            .as_ref()
            .map_or("unknown", |r| r.status.kind().as_str())
            .to_string();
        let (seq, buffered) = reading.push(PendingAudit {
            at: now_unix(),
            code: key,
            actor: who.0.clone(),
            detail,
        });
        if buffered >= self.options.lookup_audit_batch {
            // With a batch of 1, always: this returns once our entry is committed, by us or by
            // the concurrent lookup whose batch took it.
            self.audits
                .commit_through(seq, |batch| self.write_lookups(batch))?;
        }
        Ok(found)
    }

    fn get(&self, code: &VerificationCode) -> Result<Option<Record>, RegistryError> {
        get_by(&self.reader(), "code", &code.compact())
    }

    fn pending(&self, older_than_secs: u64) -> Result<Vec<Record>, RegistryError> {
        let cutoff = now_unix().saturating_sub(older_than_secs) as i64;
        let conn = self.reader();
        let mut stmt = conn
            .prepare_cached(&format!(
                "SELECT {COLS} FROM copies WHERE status = 'pending' AND status_at <= ?1 ORDER BY code"
            ))
            .map_err(map_err("pending"))?;
        let rows = stmt
            .query_map(params![cutoff], row_to_record)
            .map_err(map_err("pending"))?;
        rows.map(|r| r.map_err(map_err("pending"))?).collect()
    }

    fn all(&self) -> Result<Vec<Record>, RegistryError> {
        let conn = self.reader();
        let mut stmt = conn
            .prepare_cached(&format!("SELECT {COLS} FROM copies ORDER BY code"))
            .map_err(map_err("all"))?;
        let rows = stmt.query_map([], row_to_record).map_err(map_err("all"))?;
        rows.map(|r| r.map_err(map_err("all"))?).collect()
    }

    fn audit(&self, code: &VerificationCode) -> Result<Vec<AuditEvent>, RegistryError> {
        self.flush()?;
        let conn = self.reader();
        let mut stmt = conn
            .prepare_cached(
                "SELECT id, at, code, action, actor, detail FROM audit_log WHERE code = ?1 ORDER BY id",
            )
            .map_err(map_err("audit"))?;
        let rows = stmt
            .query_map(params![code.compact()], |r| {
                Ok(AuditEvent {
                    id: r.get(0)?,
                    at: r.get::<_, i64>(1)?.max(0) as u64,
                    code: r.get(2)?,
                    action: r.get(3)?,
                    actor: r.get(4)?,
                    detail: r.get(5)?,
                })
            })
            .map_err(map_err("audit"))?;
        rows.map(|r| r.map_err(map_err("audit"))).collect()
    }

    fn flush(&self) -> Result<(), RegistryError> {
        self.audits.commit_all(|batch| self.write_lookups(batch))
    }
}

impl Drop for SqliteRegistry {
    fn drop(&mut self) {
        // Best effort: a failure here has nowhere to go.
        let _ = self.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Arc;

    fn count(path: &Path, action: &str) -> i64 {
        // A separate connection sees only committed data.
        let c = Connection::open(path).unwrap();
        c.query_row(
            "SELECT count(*) FROM audit_log WHERE action = ?1",
            params![action],
            |r| r.get(0),
        )
        .unwrap()
    }

    #[test]
    fn queued_writers_share_one_commit_and_failures_roll_back_alone() {
        let dir = tempfile::tempdir().unwrap();
        let mut reg = SqliteRegistry::open(dir.path().join("r.sqlite")).unwrap();
        // The 5 ms age cap would split the group when a loaded machine is slow to schedule the
        // queued threads; this test is about membership, not timing.
        reg.max_group_age = Duration::from_secs(60);
        let reg = Arc::new(reg);
        let n = 12;
        let before = lock(&reg.writer).epoch;
        // Hold the writer so every thread queues up behind it, then let them all in.
        let gate = lock(&reg.writer);
        let handles: Vec<_> = (0..n)
            .map(|i| {
                let reg = Arc::clone(&reg);
                std::thread::spawn(move || {
                    reg.write("test", |c| {
                        let action = if i % 3 == 0 { "dropped" } else { "kept" };
                        audit(c, 1, &format!("C{i}"), action, "t", "")?;
                        if i % 3 == 0 {
                            return Err(RegistryError::InvalidInput {
                                detail: format!("writer {i} fails"),
                            });
                        }
                        Ok(i)
                    })
                })
            })
            .collect();
        while reg.waiting.load(Ordering::SeqCst) < n {
            std::thread::yield_now();
        }
        drop(gate);
        let mut ok = 0;
        for (i, h) in handles.into_iter().enumerate() {
            match h.join().unwrap() {
                Ok(v) => {
                    assert_eq!(v, i);
                    ok += 1;
                }
                Err(e) => {
                    assert_eq!(i % 3, 0);
                    assert_eq!(e.code(), "registry_invalid_input");
                }
            }
        }
        assert_eq!(ok, 8);
        // All twelve ran in one group transaction: one commit.
        assert_eq!(lock(&reg.writer).epoch, before + 1);
        assert_eq!(count(reg.path(), "kept"), 8);
        assert_eq!(count(reg.path(), "dropped"), 0);
    }

    #[test]
    fn a_version_1_database_migrates_and_keeps_its_history() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("r.sqlite");
        let code = VerificationCode::generate().unwrap();
        let key = code.compact();
        let old = [
            (1, "reserve"),
            (2, "lookup"),
            (3, "activate"),
            (4, "lookup"),
        ];
        {
            // A database as the version 1 schema left it, with history.
            let c = Connection::open(&path).unwrap();
            c.pragma_update(None, "journal_mode", "WAL").unwrap();
            SqliteRegistry::migrate_to(&c, 1).unwrap();
            for (at, action) in old {
                audit(&c, at, &key, action, "v1", "").unwrap();
            }
            assert_eq!(indexes(&c), ["audit_log_code"]);
        }
        // Several openers at once (threads here, processes in production): one migrates, the
        // others find it done.
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| SqliteRegistry::open(&path).unwrap());
            }
        });
        let reg = SqliteRegistry::open(&path).unwrap();
        reg.lookup(&code, &Requester::new("v2")).unwrap();
        let log = reg.audit(&code).unwrap();
        let got: Vec<(u64, &str, &str)> = log
            .iter()
            .map(|e| (e.at, e.action.as_str(), e.actor.as_str()))
            .collect();
        let mut want: Vec<(u64, &str, &str)> = old.iter().map(|&(at, a)| (at, a, "v1")).collect();
        want.push((log[4].at, "lookup", "v2"));
        assert_eq!(got, want);
        assert!(log.windows(2).all(|w| w[0].id < w[1].id));
        let c = Connection::open(&path).unwrap();
        let versions: String = c
            .query_row(
                "SELECT group_concat(version) FROM (SELECT version FROM schema_migrations ORDER BY version)",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(versions, "1,2");
        assert_eq!(indexes(&c), ["audit_log_code_changes"]);
        // The partial index serves a code's state changes (and holds only those).
        let changes: Vec<String> = c
            .prepare(
                "SELECT action FROM audit_log INDEXED BY audit_log_code_changes
                 WHERE code = ?1 AND action <> 'lookup' ORDER BY id",
            )
            .unwrap()
            .query_map(params![key], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert_eq!(changes, ["reserve", "activate"]);
        let check: String = c
            .query_row("PRAGMA integrity_check", [], |r| r.get(0))
            .unwrap();
        assert_eq!(check, "ok");
    }

    /// The indexes of `audit_log`, by name.
    fn indexes(c: &Connection) -> Vec<String> {
        c.prepare(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'audit_log'
             ORDER BY name",
        )
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
    }

    #[test]
    fn a_lookup_is_audited_durably_before_it_returns() {
        let dir = tempfile::tempdir().unwrap();
        let reg = SqliteRegistry::open(dir.path().join("r.sqlite")).unwrap();
        let code = VerificationCode::generate().unwrap();
        let who = Requester::new("portal");
        for n in 1..=3 {
            assert!(reg.lookup(&code, &who).unwrap().is_none());
            assert_eq!(count(reg.path(), "lookup"), n);
        }
    }

    #[test]
    fn concurrent_lookups_are_each_committed_before_they_return() {
        let dir = tempfile::tempdir().unwrap();
        let reg = SqliteRegistry::open(dir.path().join("r.sqlite")).unwrap();
        let code = VerificationCode::generate().unwrap();
        let (threads, each) = (8, 25);
        std::thread::scope(|s| {
            for t in 0..threads {
                let (reg, code) = (&reg, &code);
                s.spawn(move || {
                    // A separate connection sees only committed rows.
                    let c = Connection::open(reg.path()).unwrap();
                    let who = Requester::new(format!("t{t}"));
                    for n in 1..=each {
                        assert!(reg.lookup(code, &who).unwrap().is_none());
                        let seen: i64 = c
                            .query_row(
                                "SELECT count(*) FROM audit_log WHERE action = 'lookup' AND actor = ?1",
                                params![who.0],
                                |r| r.get(0),
                            )
                            .unwrap();
                        assert_eq!(seen, n as i64, "thread {t}");
                    }
                });
            }
        });
        assert_eq!(count(reg.path(), "lookup"), (threads * each) as i64);
        let log = reg.audit(&code).unwrap();
        assert_eq!(log.len(), threads * each);
        assert!(
            log.iter()
                .all(|e| e.action == "lookup" && e.detail == "unknown")
        );
    }

    #[test]
    fn lookups_queued_behind_a_commit_share_the_next_one() {
        let dir = tempfile::tempdir().unwrap();
        let mut reg = SqliteRegistry::open(dir.path().join("r.sqlite")).unwrap();
        reg.max_group_age = Duration::from_secs(60);
        let reg = Arc::new(reg);
        let code = VerificationCode::generate().unwrap();
        let n = 12;
        let before = lock(&reg.writer).epoch;
        // Hold the writer: the first lookup to commit takes the buffered entries and waits for
        // the writer; the lookups behind it queue up and must then go in one transaction.
        let gate = lock(&reg.writer);
        let handles: Vec<_> = (0..n)
            .map(|i| {
                let reg = Arc::clone(&reg);
                std::thread::spawn(move || {
                    reg.lookup(&code, &Requester::new(format!("q{i}"))).unwrap()
                })
            })
            .collect();
        while reg.audits.pushed() < n || reg.waiting.load(Ordering::SeqCst) < 1 {
            std::thread::yield_now();
        }
        drop(gate);
        for h in handles {
            assert!(h.join().unwrap().is_none());
        }
        // The first writer's batch (its own entry, or more if others pushed before it took
        // the batch), then one batch with all the rest.
        let commits = lock(&reg.writer).epoch - before;
        assert!(
            (1..=2).contains(&commits),
            "{commits} commits for {n} lookups"
        );
        assert_eq!(count(reg.path(), "lookup"), n as i64);
    }

    #[test]
    fn batched_lookups_are_written_when_the_batch_fills_on_flush_and_on_close() {
        let dir = tempfile::tempdir().unwrap();
        let reg = SqliteRegistry::open_with(
            dir.path().join("r.sqlite"),
            SqliteOptions::default().lookup_audit_batch(4),
            Box::new(OsCodeSource),
        )
        .unwrap();
        let code = VerificationCode::generate().unwrap();
        let who = Requester::new("portal");
        for _ in 0..3 {
            reg.lookup(&code, &who).unwrap();
        }
        assert_eq!(count(reg.path(), "lookup"), 0);
        reg.lookup(&code, &who).unwrap();
        assert_eq!(count(reg.path(), "lookup"), 4);
        reg.lookup(&code, &who).unwrap();
        reg.flush().unwrap();
        assert_eq!(count(reg.path(), "lookup"), 5);
        reg.lookup(&code, &who).unwrap();
        reg.lookup(&code, &who).unwrap();
        let path = reg.path().to_path_buf();
        assert_eq!(count(&path, "lookup"), 5);
        reg.close().unwrap();
        assert_eq!(count(&path, "lookup"), 7);
        let reg = SqliteRegistry::open_with(
            &path,
            SqliteOptions::default().lookup_audit_batch(4),
            Box::new(OsCodeSource),
        )
        .unwrap();
        reg.lookup(&code, &who).unwrap();
        drop(reg);
        assert_eq!(count(&path, "lookup"), 8);
    }
}
