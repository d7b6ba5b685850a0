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
/// when many processes share the cores).
pub fn face_session(
    store: &ModelStore,
    id: ModelId,
    threads: usize,
    spinning: bool,
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
