//! The exception hierarchy: `SaoyError` ← one class per area ← a few classes per stable code.
//! Every instance carries `.code` (the stable machine code) and `.detail`.

use crate::codes::class_name;
use pyo3::exceptions::PyException;
use pyo3::prelude::*;

pyo3::create_exception!(
    saoy,
    SaoyError,
    PyException,
    "Base of every saoy error; `.code` is the stable machine code."
);
pyo3::create_exception!(
    saoy,
    ModelsError,
    SaoyError,
    "The model store (missing/offline/corrupt files, ONNX Runtime)."
);
pyo3::create_exception!(
    saoy,
    ModelsOfflineError,
    ModelsError,
    "A model file is missing and downloads are off (`models.missing_offline`, `models.offline`)."
);
pyo3::create_exception!(saoy, OcrError, SaoyError, "OCR failed (`ocr.*`).");
pyo3::create_exception!(
    saoy,
    FaceError,
    SaoyError,
    "Face detection/comparison failed (`face.*`)."
);
pyo3::create_exception!(
    saoy,
    NoFaceError,
    FaceError,
    "An image holds no usable face (`face.no_face`)."
);
pyo3::create_exception!(
    saoy,
    ImageError,
    SaoyError,
    "The image is empty, corrupt, too small/large or not an image (`ocr.*`/`face.*` input codes)."
);
pyo3::create_exception!(
    saoy,
    RegistryError,
    SaoyError,
    "The registry failed or refused (`registry_*`)."
);
pyo3::create_exception!(
    saoy,
    NotFoundError,
    RegistryError,
    "No certified copy has this code (`registry_not_found`)."
);
pyo3::create_exception!(
    saoy,
    InvalidStateError,
    RegistryError,
    "Not allowed in the copy's current state, e.g. revoking twice (`registry_invalid_state`)."
);
pyo3::create_exception!(
    saoy,
    RegistryUnavailableError,
    RegistryError,
    "The registry database cannot be reached (`registry_unavailable`)."
);
pyo3::create_exception!(
    saoy,
    IssueError,
    SaoyError,
    "The issuance could not run (`issue_*`, `seal_*`)."
);
pyo3::create_exception!(
    saoy,
    PkiError,
    SaoyError,
    "The signing material or trust anchors are unusable."
);
pyo3::create_exception!(
    saoy,
    InputError,
    SaoyError,
    "A malformed argument (e.g. a bad verification code: `code_*`)."
);
pyo3::create_exception!(
    saoy,
    InvalidCodeError,
    InputError,
    "A verification code that does not parse or fails its check character (`code_*`)."
);

fn new_err(name: &str, msg: String) -> PyErr {
    match name {
        "ModelsOfflineError" => ModelsOfflineError::new_err(msg),
        "ModelsError" => ModelsError::new_err(msg),
        "NoFaceError" => NoFaceError::new_err(msg),
        "ImageError" => ImageError::new_err(msg),
        "OcrError" => OcrError::new_err(msg),
        "FaceError" => FaceError::new_err(msg),
        "NotFoundError" => NotFoundError::new_err(msg),
        "InvalidStateError" => InvalidStateError::new_err(msg),
        "RegistryUnavailableError" => RegistryUnavailableError::new_err(msg),
        "RegistryError" => RegistryError::new_err(msg),
        "IssueError" => IssueError::new_err(msg),
        "PkiError" => PkiError::new_err(msg),
        "InvalidCodeError" => InvalidCodeError::new_err(msg),
        "InputError" => InputError::new_err(msg),
        _ => SaoyError::new_err(msg),
    }
}

/// Convert a binding error into the matching Python exception, with `.code` and `.detail`.
pub fn to_py(e: saoy_ffi::SaoyError) -> PyErr {
    let err = new_err(class_name(e.area(), e.code()), e.to_string());
    Python::attach(|py| {
        let v = err.value(py);
        // Setting attributes on a fresh exception instance cannot fail in practice; if it
        // did, the exception is still raised with its class and message.
        let _ = v.setattr("code", e.code());
        let _ = v.setattr("detail", e.detail());
    });
    err
}

/// Register the exception classes on the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("SaoyError", py.get_type::<SaoyError>())?;
    m.add("ModelsError", py.get_type::<ModelsError>())?;
    m.add("ModelsOfflineError", py.get_type::<ModelsOfflineError>())?;
    m.add("OcrError", py.get_type::<OcrError>())?;
    m.add("FaceError", py.get_type::<FaceError>())?;
    m.add("NoFaceError", py.get_type::<NoFaceError>())?;
    m.add("ImageError", py.get_type::<ImageError>())?;
    m.add("RegistryError", py.get_type::<RegistryError>())?;
    m.add("NotFoundError", py.get_type::<NotFoundError>())?;
    m.add("InvalidStateError", py.get_type::<InvalidStateError>())?;
    m.add(
        "RegistryUnavailableError",
        py.get_type::<RegistryUnavailableError>(),
    )?;
    m.add("IssueError", py.get_type::<IssueError>())?;
    m.add("PkiError", py.get_type::<PkiError>())?;
    m.add("InputError", py.get_type::<InputError>())?;
    m.add("InvalidCodeError", py.get_type::<InvalidCodeError>())?;
    Ok(())
}
