//! Inference behind traits, so the pipeline is testable with fakes; the ONNX
//! Runtime implementations use sessions from the saoy model store.

use crate::detect::{HeadLevel, Letterbox, STRIDES, YunetOutput};
use crate::error::FaceError;
use saoy_models::ort::session::Session;
use saoy_models::ort::session::builder::GraphOptimizationLevel;
use saoy_models::ort::value::TensorRef;
use saoy_models::{ModelError, ModelId, ModelStore, ort};

/// A face detector network: YuNet's raw heads for one letterboxed input.
pub trait DetectorModel: Send {
    /// Run on `input.tensor`, a `[1, 3, input.height, input.width]` planar
    /// BGR 0..255 tensor (sides multiples of 32, at most 640).
    fn run(&mut self, input: &Letterbox) -> Result<YunetOutput, FaceError>;
}

/// Build an ONNX Runtime session for one face model with the options the face
/// pipeline is tuned for: every graph optimisation (`ORT_ENABLE_ALL`, which
/// `saoy_models`' generic sessions do not request), `threads` intra-op
/// threads (0 = one per physical core), one inter-op thread, and intra-op
/// spinning as given (spinning lowers latency on an idle machine; turn it off
/// when many processes share the cores). Spinning workers stop when a run
/// returns (`session.force_spinning_stop`), so the idle pool of one model
/// does not take cores from the other's run.
///
/// The model's per-channel `PRelu` activations (SFace has 27) are rewritten
/// in memory into operators ONNX Runtime keeps in its NCHWc layout, with the
/// same values (see `graph_rewrite`): about half of SFace's CPU time went to
/// `PRelu` and the layout reorders around it. A model the rewrite does not
/// apply to, or whose rewritten form the runtime rejects, is loaded as is.
pub fn face_session(
    store: &ModelStore,
    id: ModelId,
    threads: usize,
    spinning: bool,
) -> Result<Session, FaceError> {
    face_session_with(store, id, threads, spinning, true)
}

/// [`face_session`] with the `PRelu` rewrite switched on or off (off: the
/// model file exactly as stored; for cross-checks and measurements).
pub fn face_session_with(
    store: &ModelStore,
    id: ModelId,
    threads: usize,
    spinning: bool,
    rewrite_prelu: bool,
) -> Result<Session, FaceError> {
    let env = saoy_models::environment(&store.runtime_library())?;
    let model = store.path(id);
    let fail = |detail: String| {
        FaceError::Models(ModelError::Session {
            model: model.clone(),
            detail,
        })
    };
    if !model.is_file() {
        return Err(fail("file not found; run `saoy models fetch`".into()));
    }
    let threads = if threads == 0 {
        saoy_models::default_threads()
    } else {
        threads
    };
    let mut builder = Session::builder(env)
        .map_err(|x| fail(x.to_string()))?
        .with_optimization_level(GraphOptimizationLevel::All)
        .map_err(|x| fail(x.to_string()))?
        .with_intra_threads(threads)
        .map_err(|x| fail(x.to_string()))?
        .with_inter_threads(1)
        .map_err(|x| fail(x.to_string()))?
        .with_intra_op_spinning(spinning)
        .map_err(|x| fail(x.to_string()))?;
    if spinning {
        // Spin between the operators of one run only: a worker still spinning
        // after its run competes for the cores with the other model's run
        // (det and embed each have their own pool) and with the letterbox.
        // Measured on the loaded 2-core CI machine, 2 threads: 1.3-1.7x
        // faster per image than spinning on after the run.
        builder = builder
            .with_config_entry("session.force_spinning_stop", "1")
            .map_err(|x| fail(x.to_string()))?;
    }
    if rewrite_prelu {
        let bytes = std::fs::read(&model).map_err(|x| fail(x.to_string()))?;
        if let Some(rewritten) = crate::graph_rewrite::rewrite_prelu(&bytes) {
            drop(bytes);
            // A rewritten graph the runtime rejects (a model this rewrite did
            // not foresee) falls through to the stored file, unchanged.
            if let Ok(session) = builder.commit_from_memory(&rewritten) {
                return Ok(session);
            }
        }
    }
    builder
        .commit_from_file(&model)
        .map_err(|x| fail(x.to_string()))
}

/// A face embedding network: SFace's raw feature vector for one aligned crop.
pub trait EmbedderModel: Send {
    /// Run on a `[1, 3, 112, 112]` planar RGB 0..255 tensor; returns the raw
    /// (unnormalised) feature vector.
    fn run(&mut self, input: &[f32]) -> Result<Vec<f32>, FaceError>;
}

/// YuNet in ONNX Runtime (input `input`, outputs `cls_*`, `obj_*`, `bbox_*`, `kps_*`).
pub struct OrtDetector {
    session: Session,
}

impl OrtDetector {
    /// Wrap a session of `face_det.onnx`.
    pub fn new(session: Session) -> Self {
        Self { session }
    }
}

fn infer_err(model: &'static str) -> impl Fn(ort::Error) -> FaceError {
    move |e| FaceError::Inference {
        model,
        detail: e.to_string(),
    }
}

impl DetectorModel for OrtDetector {
    fn run(&mut self, input: &Letterbox) -> Result<YunetOutput, FaceError> {
        const M: &str = "face_det";
        let t =
            TensorRef::from_array_view(([1usize, 3, input.height, input.width], &input.tensor[..]))
                .map_err(infer_err(M))?;
        let outputs = self
            .session
            .run(ort::inputs!["input" => t])
            .map_err(infer_err(M))?;
        let get = |name: String| -> Result<Vec<f32>, FaceError> {
            let v = outputs.get(&name).ok_or_else(|| FaceError::ModelOutput {
                model: M,
                detail: format!("missing output {name}"),
            })?;
            let (_, data) = v.try_extract_tensor::<f32>().map_err(infer_err(M))?;
            Ok(data.to_vec())
        };
        let mut levels = Vec::with_capacity(3);
        for s in STRIDES {
            levels.push(HeadLevel {
                stride: s,
                cls: get(format!("cls_{s}"))?,
                obj: get(format!("obj_{s}"))?,
                bbox: get(format!("bbox_{s}"))?,
                kps: get(format!("kps_{s}"))?,
            });
        }
        Ok(YunetOutput {
            width: input.width,
            height: input.height,
            levels,
        })
    }
}

/// SFace in ONNX Runtime (input `data`, output `fc1`).
pub struct OrtEmbedder {
    session: Session,
}

impl OrtEmbedder {
    /// Wrap a session of `face_embed.onnx`.
    pub fn new(session: Session) -> Self {
        Self { session }
    }
}

impl EmbedderModel for OrtEmbedder {
    fn run(&mut self, input: &[f32]) -> Result<Vec<f32>, FaceError> {
        const M: &str = "face_embed";
        let side = crate::align::CROP_SIDE;
        let t =
            TensorRef::from_array_view(([1usize, 3, side, side], input)).map_err(infer_err(M))?;
        let outputs = self
            .session
            .run(ort::inputs!["data" => t])
            .map_err(infer_err(M))?;
        let v = outputs.get("fc1").ok_or_else(|| FaceError::ModelOutput {
            model: M,
            detail: "missing output fc1".into(),
        })?;
        let (_, data) = v.try_extract_tensor::<f32>().map_err(infer_err(M))?;
        if data.len() != crate::embedding::EMBEDDING_LEN {
            return Err(FaceError::ModelOutput {
                model: M,
                detail: format!(
                    "fc1 has {} values, expected {}",
                    data.len(),
                    crate::embedding::EMBEDDING_LEN
                ),
            });
        }
        Ok(data.to_vec())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use saoy_models::StoreOptions;

    /// The stored SFace is rewritten (all 27 `PRelu`s) and the runtime loads
    /// the result; skipped when the model store has no SFace.
    #[test]
    fn stored_sface_is_rewritten_and_loads() {
        let Ok(store) = ModelStore::open(&StoreOptions::default().offline(true).quiet()) else {
            eprintln!("skipped: no model store");
            return;
        };
        let Ok(bytes) = std::fs::read(store.path(ModelId::FaceEmbedding)) else {
            eprintln!("skipped: no face_embed.onnx");
            return;
        };
        let count = |b: &[u8], op: &[u8]| b.windows(op.len()).filter(|w| *w == op).count();
        // op_type field (4, length-delimited) holding "PRelu".
        assert_eq!(count(&bytes, b"\x22\x05PRelu"), 27);
        let rewritten = crate::graph_rewrite::rewrite_prelu(&bytes).expect("rewrite");
        assert_eq!(count(&rewritten, b"\x22\x05PRelu"), 0);
        let env = saoy_models::environment(&store.runtime_library()).expect("runtime");
        let session = Session::builder(env)
            .expect("builder")
            .with_intra_threads(1)
            .expect("threads")
            .commit_from_memory(&rewritten);
        assert!(session.is_ok(), "{:?}", session.err());
        // The detector has no PRelu: loaded as stored.
        if let Ok(det) = std::fs::read(store.path(ModelId::FaceDetection)) {
            assert!(crate::graph_rewrite::rewrite_prelu(&det).is_none());
        }
    }
}
