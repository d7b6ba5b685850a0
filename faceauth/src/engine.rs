//! Inference behind traits, so the pipeline is testable with fakes; the ONNX
//! Runtime implementations use sessions from the saoy model store.

use crate::detect::{DETECT_SIDE, HeadLevel, STRIDES, YunetOutput};
use crate::error::FaceError;
use saoy_models::ort;
use saoy_models::ort::session::Session;
use saoy_models::ort::value::TensorRef;

/// A face detector network: YuNet's raw heads for one letterboxed input.
pub trait DetectorModel: Send {
    /// Run on a `[1, 3, 640, 640]` planar BGR 0..255 tensor.
    fn run(&mut self, input: &[f32]) -> Result<YunetOutput, FaceError>;
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
    fn run(&mut self, input: &[f32]) -> Result<YunetOutput, FaceError> {
        const M: &str = "face_det";
        let t = TensorRef::from_array_view(([1usize, 3, DETECT_SIDE, DETECT_SIDE], input))
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
        Ok(YunetOutput { levels })
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
