//! The `saoy._native` extension module (built by maturin with the `native` feature).

use crate::errors;
use crate::image_arg::{ImageArg, read_bytes_arg};
use crate::types::*;
use pyo3::prelude::*;
use saoy_ffi as ffi;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

type Engines<T> = Mutex<HashMap<(u32, Option<String>), Arc<T>>>;

fn store(models_dir: Option<String>, offline: bool) -> PyResult<Arc<ffi::ModelStore>> {
    ffi::ModelStore::open(models_dir, offline).map_err(errors::to_py)
}

/// A process-wide engine per (threads, models_dir), built on first use.
fn cached<T>(
    cache: &'static OnceLock<Engines<T>>,
    threads: u32,
    models_dir: Option<String>,
    build: impl FnOnce(Arc<ffi::ModelStore>, u32) -> Result<Arc<T>, ffi::SaoyError>,
) -> PyResult<Arc<T>> {
    let cache = cache.get_or_init(|| Mutex::new(HashMap::new()));
    let key = (threads, models_dir.clone());
    if let Some(e) = cache.lock().ok().and_then(|c| c.get(&key).cloned()) {
        return Ok(e);
    }
    let engine = build(store(models_dir, false)?, threads).map_err(errors::to_py)?;
    if let Ok(mut c) = cache.lock() {
        c.insert(key, engine.clone());
    }
    Ok(engine)
}

static OCR_ENGINES: OnceLock<Engines<ffi::OcrEngine>> = OnceLock::new();
static FACE_ENGINES: OnceLock<Engines<ffi::FaceEngine>> = OnceLock::new();

/// The OCR engine: `Ocr(threads=0, models_dir=None, offline=False)`; call it on an image.
#[pyclass(module = "saoy", frozen)]
pub struct Ocr {
    inner: Arc<ffi::OcrEngine>,
}

#[pymethods]
impl Ocr {
    #[new]
    #[pyo3(signature = (threads = 0, models_dir = None, offline = false))]
    fn new(
        py: Python<'_>,
        threads: u32,
        models_dir: Option<String>,
        offline: bool,
    ) -> PyResult<Self> {
        let inner = py
            .detach(|| {
                let s = ffi::ModelStore::open(models_dir, offline)?;
                ffi::OcrEngine::new(s, threads)
            })
            .map_err(errors::to_py)?;
        Ok(Self { inner })
    }

    /// Recognize an image: a path, encoded bytes, or a numpy uint8 array (HxW, HxWx3 RGB,
    /// HxWx4 RGBA). The GIL is released while recognizing.
    fn __call__(&self, py: Python<'_>, image: &Bound<'_, PyAny>) -> PyResult<OcrResult> {
        ocr_with(py, &self.inner, image)
    }
}

fn ocr_with(
    py: Python<'_>,
    engine: &ffi::OcrEngine,
    image: &Bound<'_, PyAny>,
) -> PyResult<OcrResult> {
    let arg = ImageArg::extract(image)?;
    let view = arg.view();
    let page = py
        .detach(|| view.recognize(engine))
        .map_err(errors::to_py)?;
    Ok(page.into())
}

/// OCR one image (path, bytes or numpy array) with a shared engine: text lines, document kind.
#[pyfunction]
#[pyo3(signature = (image, *, threads = 0, models_dir = None))]
fn ocr(
    py: Python<'_>,
    image: &Bound<'_, PyAny>,
    threads: u32,
    models_dir: Option<String>,
) -> PyResult<OcrResult> {
    let engine = py.detach(|| cached(&OCR_ENGINES, threads, models_dir, ffi::OcrEngine::new))?;
    ocr_with(py, &engine, image)
}

/// Compare the largest face of two images (path, bytes or numpy array each).
/// Sources: `"live"` (camera frame) or `"id_portrait"` (CCCD portrait).
#[pyfunction]
#[pyo3(signature = (probe, reference, *, probe_source = "live", reference_source = "live", threads = 0, models_dir = None))]
fn face_compare(
    py: Python<'_>,
    probe: &Bound<'_, PyAny>,
    reference: &Bound<'_, PyAny>,
    probe_source: &str,
    reference_source: &str,
    threads: u32,
    models_dir: Option<String>,
) -> PyResult<FaceComparison> {
    let ps = face_source(probe_source)?;
    let rs = face_source(reference_source)?;
    let (p, r) = (ImageArg::extract(probe)?, ImageArg::extract(reference)?);
    let (pv, rv) = (p.view(), r.view());
    let engine = py.detach(|| cached(&FACE_ENGINES, threads, models_dir, ffi::FaceEngine::new))?;
    let c = py
        .detach(|| -> Result<_, ffi::SaoyError> {
            let (pi, ri) = (pv.dynamic()?, rv.dynamic()?);
            engine.compare_images(&pi, ps, &ri, rs)
        })
        .map_err(errors::to_py)?;
    Ok(c.into())
}

fn face_source(s: &str) -> PyResult<ffi::FaceSource> {
    match s {
        "live" | "live_capture" => Ok(ffi::FaceSource::LiveCapture),
        "id_portrait" | "portrait" => Ok(ffi::FaceSource::IdPortrait),
        other => Err(pyo3::exceptions::PyValueError::new_err(format!(
            "unknown face source {other:?}: use 'live' or 'id_portrait'"
        ))),
    }
}

/// Verify a certified copy (path or bytes): PAdES signature against `trust_anchors_pem`,
/// QR seal against `seal_keys`, and the registry status when `registry` is given.
#[pyfunction]
#[pyo3(signature = (pdf, *, trust_anchors_pem, seal_keys = Vec::new(), registry = None, code = None))]
fn verify_pdf(
    py: Python<'_>,
    pdf: &Bound<'_, PyAny>,
    trust_anchors_pem: String,
    seal_keys: Vec<SealKey>,
    registry: Option<PyRef<'_, Registry>>,
    code: Option<String>,
) -> PyResult<VerificationReport> {
    let bytes = read_bytes_arg(pdf)?;
    let keys = seal_keys.into_iter().map(ffi::SealKey::from).collect();
    let reg = registry.map(|r| r.inner.clone());
    let report = py
        .detach(|| -> Result<_, ffi::SaoyError> {
            let v = ffi::Verifier::new(trust_anchors_pem, keys, reg)?;
            Ok(v.verify_bytes(bytes.as_slice(), code.as_deref()))
        })
        .map_err(errors::to_py)?;
    Ok(report.into())
}

/// The registry of issued copies: `Registry("path/registry.sqlite")` or a `postgresql://` URL.
#[pyclass(module = "saoy", frozen)]
pub struct Registry {
    inner: Arc<ffi::Registry>,
}

#[pymethods]
impl Registry {
    #[new]
    fn new(py: Python<'_>, url: String) -> PyResult<Self> {
        let inner = py
            .detach(|| ffi::Registry::open(url))
            .map_err(errors::to_py)?;
        Ok(Self { inner })
    }

    /// Look a code up (audited as `requester`); `None` for an unknown code.
    #[pyo3(signature = (code, requester = "python"))]
    fn lookup(
        &self,
        py: Python<'_>,
        code: String,
        requester: &str,
    ) -> PyResult<Option<RegistryRecord>> {
        let requester = requester.to_owned();
        let r = py
            .detach(|| self.inner.lookup(code, requester))
            .map_err(errors::to_py)?;
        Ok(r.map(Into::into))
    }

    /// Revoke a valid copy; raises `NotFoundError` / `InvalidStateError`.
    #[pyo3(signature = (code, reason, officer = "can-bo-01"))]
    fn revoke(
        &self,
        py: Python<'_>,
        code: String,
        reason: String,
        officer: &str,
    ) -> PyResult<RegistryRecord> {
        let officer = officer.to_owned();
        let r = py
            .detach(|| self.inner.revoke(code, reason, officer))
            .map_err(errors::to_py)?;
        Ok(r.into())
    }
}

/// The kiosk's TEST signing material in a directory (generated on first use).
#[pyclass(module = "saoy", frozen)]
pub struct KioskPki {
    inner: Arc<ffi::KioskPki>,
}

#[pymethods]
impl KioskPki {
    #[new]
    fn new(py: Python<'_>, dir: String) -> PyResult<Self> {
        let inner = py
            .detach(|| ffi::KioskPki::open(dir))
            .map_err(errors::to_py)?;
        Ok(Self { inner })
    }

    /// The root certificate (PEM): the trust anchor for `verify_pdf`.
    #[getter]
    fn root_pem(&self) -> String {
        self.inner.root_pem()
    }

    /// The seal public key, for `verify_pdf(seal_keys=[...])`.
    #[getter]
    fn seal_key(&self) -> SealKey {
        self.inner.seal_key().into()
    }

    /// True when the material was generated when this object was created.
    #[getter]
    fn generated(&self) -> bool {
        self.inner.generated()
    }

    /// The directory.
    #[getter]
    fn dir(&self) -> String {
        self.inner.dir()
    }
}

/// Calls a Python callable `progress(step, phase, millis, ok, label_vi)`; `phase` is `"start"`
/// (with the step's Vietnamese label) or `"end"` (with its duration and outcome).
struct PyProgress(Py<PyAny>);

impl ffi::IssueProgress for PyProgress {
    fn step_started(&self, step: String, label_vi: String) {
        Python::attach(|py| {
            if let Err(e) = self.0.call1(py, (step, "start", 0.0f64, true, label_vi)) {
                e.write_unraisable(py, None);
            }
        });
    }
    fn step_finished(&self, step: String, millis: f64, ok: bool) {
        Python::attach(|py| {
            if let Err(e) = self.0.call1(py, (step, "end", millis, ok, "")) {
                e.write_unraisable(py, None);
            }
        });
    }
}

/// The office named on copies when `Issuer.issue(office_name=None)` (kept out of the Python
/// signature: `inspect.signature` cannot parse non-ASCII defaults).
const DEMO_OFFICE_NAME: &str = "UBND phường Hoàn Kiếm";

/// The certification workflow of one kiosk.
#[pyclass(module = "saoy", frozen)]
pub struct Issuer {
    inner: Arc<ffi::Issuer>,
}

#[pymethods]
impl Issuer {
    #[new]
    #[pyo3(signature = (out_dir, pki, registry, *, models_dir = None, threads = 0, seal_host = "xacthuc.saoy.example.vn", liveness_turn_target_deg = None, office_id = None, recognizer_sessions = 0))]
    #[allow(clippy::too_many_arguments)]
    fn new(
        py: Python<'_>,
        out_dir: String,
        pki: PyRef<'_, KioskPki>,
        registry: PyRef<'_, Registry>,
        models_dir: Option<String>,
        threads: u32,
        seal_host: &str,
        liveness_turn_target_deg: Option<f32>,
        office_id: Option<String>,
        recognizer_sessions: u32,
    ) -> PyResult<Self> {
        let (pki, reg) = (pki.inner.clone(), registry.inner.clone());
        let options = ffi::IssuerOptions {
            threads,
            seal_host: seal_host.to_owned(),
            liveness_turn_target_deg,
            office_id,
            recognizer_sessions,
            ..ffi::IssuerOptions::default()
        };
        let inner = py
            .detach(|| {
                let s = ffi::ModelStore::open(models_dir, false)?;
                ffi::Issuer::new(s, pki, reg, out_dir, options)
            })
            .map_err(errors::to_py)?;
        Ok(Self { inner })
    }

    /// After a crash, at start-up and before issuing: complete (PDF in place) or mark failed (no
    /// PDF) the copies this issuer's store left pending for at least `grace_secs`, then check
    /// the store against the registry. With `office_id` given to the constructor, only that
    /// office's rows are touched (kiosks sharing a registry).
    #[pyo3(signature = (grace_secs = 60))]
    fn recover(&self, py: Python<'_>, grace_secs: u64) -> PyResult<Recovery> {
        let r = py
            .detach(|| self.inner.recover(grace_secs))
            .map_err(errors::to_py)?;
        Ok(r.into())
    }

    /// Issue a certified copy. Images are paths or bytes. `progress(step, phase, millis, ok,
    /// label_vi)` is called at each step's start and end. `office_name=None` names the demo
    /// office (UBND phường Hoàn Kiếm). A refusal is a result (`issued == False`, `reasons`),
    /// not an exception.
    #[pyo3(signature = (request_id, pages, id_front, live_frames, *, id_back = None, challenge = "turn_left", office_id = "HN-HK-KIOSK-01", office_name = None, officer_id = "can-bo-01", progress = None))]
    #[allow(clippy::too_many_arguments)]
    fn issue(
        &self,
        py: Python<'_>,
        request_id: String,
        pages: Vec<Bound<'_, PyAny>>,
        id_front: &Bound<'_, PyAny>,
        live_frames: Vec<Bound<'_, PyAny>>,
        id_back: Option<&Bound<'_, PyAny>>,
        challenge: &str,
        office_id: &str,
        office_name: Option<&str>,
        officer_id: &str,
        progress: Option<Py<PyAny>>,
    ) -> PyResult<IssueResult> {
        let all = |v: &[Bound<'_, PyAny>]| -> PyResult<Vec<Vec<u8>>> {
            v.iter()
                .map(|b| read_bytes_arg(b).map(|x| x.into_vec()))
                .collect()
        };
        let request = ffi::IssueRequest {
            request_id,
            pages: all(&pages)?,
            id_front: read_bytes_arg(id_front)?.into_vec(),
            id_back: id_back
                .map(read_bytes_arg)
                .transpose()?
                .map(|b| b.into_vec()),
            live_frames: all(&live_frames)?,
            challenge: Some(challenge.to_owned()),
            office_id: office_id.to_owned(),
            office_name: office_name.unwrap_or(DEMO_OFFICE_NAME).to_owned(),
            officer_id: officer_id.to_owned(),
        };
        let progress = progress.map(|p| Box::new(PyProgress(p)) as Box<dyn ffi::IssueProgress>);
        let out = py
            .detach(|| self.inner.issue(request, progress))
            .map_err(errors::to_py)?;
        Ok(out.into())
    }
}

/// Fictional demo inputs (the specimens of `saoy demo`), for trying `Issuer.issue`.
#[pyfunction]
#[pyo3(signature = (seed = 7))]
fn demo_inputs(py: Python<'_>, seed: u64) -> PyResult<DemoInputs> {
    let d = py
        .detach(|| ffi::demo_inputs(seed))
        .map_err(errors::to_py)?;
    Ok(d.into())
}

/// The model store directory (`models_dir`, else `$SAOY_MODELS`, else `~/.cache/saoy/models`).
#[pyfunction]
#[pyo3(signature = (models_dir = None))]
fn models_dir(models_dir: Option<String>) -> String {
    ffi::models_locate(models_dir)
}

/// Download, convert, verify and install missing models; returns the files installed.
#[pyfunction]
#[pyo3(signature = (models_dir = None))]
fn models_fetch(py: Python<'_>, models_dir: Option<String>) -> PyResult<Vec<String>> {
    let s = py
        .detach(|| ffi::models_fetch(models_dir))
        .map_err(errors::to_py)?;
    Ok(s.installed)
}

/// Benchmark hook: `n` runs of the engine's native `recognize_bytes` in a Rust loop (no Python
/// per iteration), returning each run's milliseconds. Used by the overhead benchmark.
#[pyfunction]
fn _bench_native_ocr(
    py: Python<'_>,
    engine: PyRef<'_, Ocr>,
    data: &[u8],
    n: usize,
) -> PyResult<Vec<f64>> {
    let e = engine.inner.clone();
    py.detach(|| {
        (0..n)
            .map(|_| {
                let t0 = std::time::Instant::now();
                e.recognize_bytes(data)
                    .map(|_| t0.elapsed().as_secs_f64() * 1000.0)
            })
            .collect::<Result<Vec<_>, _>>()
    })
    .map_err(errors::to_py)
}

/// The native module `saoy._native` (re-exported by the `saoy` package).
#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    errors::register(m)?;
    m.add_function(wrap_pyfunction!(ocr, m)?)?;
    m.add_function(wrap_pyfunction!(face_compare, m)?)?;
    m.add_function(wrap_pyfunction!(verify_pdf, m)?)?;
    m.add_function(wrap_pyfunction!(demo_inputs, m)?)?;
    m.add_function(wrap_pyfunction!(models_dir, m)?)?;
    m.add_function(wrap_pyfunction!(models_fetch, m)?)?;
    m.add_function(wrap_pyfunction!(_bench_native_ocr, m)?)?;
    m.add_class::<Ocr>()?;
    m.add_class::<Registry>()?;
    m.add_class::<KioskPki>()?;
    m.add_class::<Issuer>()?;
    crate::types::register(m)?;
    Ok(())
}
