//! The accept loop: hyper connections with a header-read deadline (slow-loris), a connection
//! cap, graceful shutdown, and the background audit flush.

use crate::app::{AppState, router};
use crate::config::ServerConfig;
use crate::error::ServeError;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto::Builder;
use hyper_util::server::graceful::GracefulShutdown;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tower::ServiceExt;

/// Install the tracing subscriber (`RUST_LOG` filter, default `info`); text or JSON lines.
pub fn init_tracing(json: bool) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let b = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_target(false);
    let _ = if json {
        b.json().flatten_event(true).try_init()
    } else {
        b.try_init()
    };
}

/// Serve `state` on `listener` until `shutdown` completes, then drain in-flight requests (up to
/// `shutdown_grace_ms`) and flush the lookup audit buffer.
pub async fn serve(
    listener: TcpListener,
    state: Arc<AppState>,
    shutdown: impl Future<Output = ()>,
) -> Result<(), ServeError> {
    let cfg = state.config.clone();
    let app = router(state.clone());
    let mut builder = Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(Duration::from_millis(cfg.header_timeout_ms.max(100)));
    builder
        .http2()
        .timer(TokioTimer::new())
        .keep_alive_interval(Some(Duration::from_secs(30)))
        .max_concurrent_streams(64);
    let graceful = GracefulShutdown::new();
    let slots = Arc::new(Semaphore::new(cfg.max_connections));
    let flusher = tokio::spawn(flush_loop(state.clone()));
    tokio::pin!(shutdown);
    loop {
        let permit = tokio::select! {
            p = slots.clone().acquire_owned() => match p {
                Ok(p) => p,
                Err(_) => break,
            },
            () = &mut shutdown => break,
        };
        let (stream, peer) = tokio::select! {
            r = listener.accept() => match r {
                Ok(v) => v,
                Err(e) => {
                    // EMFILE and friends: back off instead of spinning.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let _ = stream.set_nodelay(true);
        let app = app.clone();
        let svc = hyper::service::service_fn(move |mut req: hyper::Request<Incoming>| {
            req.extensions_mut().insert(ConnectInfo::<SocketAddr>(peer));
            app.clone().oneshot(req.map(axum::body::Body::new))
        });
        let conn = builder
            .serve_connection_with_upgrades(TokioIo::new(stream), svc)
            .into_owned();
        let watched = graceful.watch(conn);
        tokio::spawn(async move {
            let _permit = permit;
            if let Err(e) = watched.await {
                tracing::debug!(error = %e, "connection closed with an error");
            }
        });
    }
    drop(listener);
    tracing::info!("shutting down: draining connections");
    tokio::select! {
        () = graceful.shutdown() => tracing::info!("all connections closed"),
        () = tokio::time::sleep(Duration::from_millis(cfg.shutdown_grace_ms)) => {
            tracing::warn!("grace period over; closing remaining connections");
        }
    }
    flusher.abort();
    let reg = state.registry.clone();
    match tokio::task::spawn_blocking(move || reg.flush()).await {
        Ok(Ok(())) => tracing::info!("audit log flushed"),
        Ok(Err(e)) => tracing::error!(error = e.code(), detail = %e, "final audit flush failed"),
        Err(e) => tracing::error!(error = %e, "final audit flush panicked"),
    }
    Ok(())
}

/// Write buffered lookup audit entries every `audit_flush_ms`.
async fn flush_loop(state: Arc<AppState>) {
    // `interval` fires at once; the first flush is due one period after start-up.
    let period = Duration::from_millis(state.config.audit_flush_ms.max(10));
    let mut tick = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let reg = state.registry.clone();
        if let Ok(Err(e)) = tokio::task::spawn_blocking(move || reg.flush()).await {
            tracing::warn!(error = e.code(), detail = %e, "audit flush failed; will retry");
        }
    }
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = term => {},
    }
    tracing::info!("shutdown signal received");
}

/// Open everything `config` names, bind, and serve until Ctrl-C/SIGTERM. Blocks the calling
/// thread on its own multi-threaded runtime (`workers` threads; 0 = one per core).
pub fn run(config: ServerConfig, workers: usize) -> Result<(), ServeError> {
    let mut rt = tokio::runtime::Builder::new_multi_thread();
    rt.enable_all()
        .max_blocking_threads((config.pool_size as usize * 2 + config.verify_concurrency).max(16));
    if workers > 0 {
        rt.worker_threads(workers);
    }
    let rt = rt.build().map_err(|e| ServeError::Io {
        detail: e.to_string(),
    })?;
    rt.block_on(async move {
        let listen = config.listen;
        let state = tokio::task::spawn_blocking(move || AppState::open(config))
            .await
            .map_err(|e| ServeError::Io {
                detail: e.to_string(),
            })??;
        let listener = TcpListener::bind(listen)
            .await
            .map_err(|e| ServeError::Bind {
                addr: listen.to_string(),
                detail: e.to_string(),
            })?;
        let addr = listener.local_addr().map_err(|e| ServeError::Io {
            detail: e.to_string(),
        })?;
        tracing::info!(
            %addr,
            backend = if state.config.is_postgres() { "postgresql" } else { "sqlite" },
            web_verifier = state.web_built,
            "saoy serve listening"
        );
        serve(listener, Arc::new(state), shutdown_signal()).await
    })
}
