//! Runs blocking work on its own thread behind a future, for the `*_async` methods: UniFFI
//! drives the future from a Kotlin coroutine / Python `asyncio` task, so the caller's thread
//! (or dispatcher) never blocks on inference or signing. Runtime-agnostic: no executor needed.

use crate::SaoyError;

/// Run `work` on a new named thread and await its result.
pub(crate) async fn on_worker<T, F>(name: &str, work: F) -> Result<T, SaoyError>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T, SaoyError> + Send + 'static,
{
    let (tx, rx) = futures_channel::oneshot::channel();
    std::thread::Builder::new()
        .name(format!("saoy-{name}"))
        .spawn(move || {
            // The receiver may be gone (the coroutine was cancelled): nothing to deliver then.
            let _ = tx.send(work());
        })
        .map_err(|e| SaoyError::Internal {
            code: "worker_spawn".into(),
            detail: e.to_string(),
        })?;
    rx.await.map_err(|_| SaoyError::Internal {
        code: "worker_lost".into(),
        detail: format!("the {name} worker thread ended without a result"),
    })?
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        use std::task::{Context, Poll, Wake, Waker};
        struct Unpark(std::thread::Thread);
        impl Wake for Unpark {
            fn wake(self: std::sync::Arc<Self>) {
                self.0.unpark();
            }
        }
        let waker = Waker::from(std::sync::Arc::new(Unpark(std::thread::current())));
        let mut cx = Context::from_waker(&waker);
        let mut f = std::pin::pin!(f);
        loop {
            match f.as_mut().poll(&mut cx) {
                Poll::Ready(v) => return v,
                Poll::Pending => std::thread::park(),
            }
        }
    }

    #[test]
    fn results_and_errors_come_back_from_the_worker() {
        let here = std::thread::current().id();
        let (v, there) =
            block_on(on_worker("t", || Ok((41 + 1, std::thread::current().id())))).unwrap();
        assert_eq!(v, 42);
        assert_ne!(here, there, "the work ran on the caller's thread");
        let e = block_on(on_worker::<(), _>("t", || {
            Err(SaoyError::input("bad", "detail"))
        }))
        .unwrap_err();
        assert_eq!(e.code(), "bad");
    }

    #[test]
    fn a_panicking_worker_is_a_typed_error() {
        let e = block_on(on_worker::<(), _>("t", || panic!("boom"))).unwrap_err();
        assert_eq!((e.area(), e.code()), ("internal", "worker_lost"));
    }
}
