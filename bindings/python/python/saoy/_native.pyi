# Type stubs of the native module (bindings/python/src). Checked against the built module by
# bindings/python/tools/check_stubs.py in CI: names, parameters and attributes must match.
import os
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple, Union

import numpy as np
import numpy.typing as npt

ImageInput = Union[str, os.PathLike, bytes, bytearray, npt.NDArray[np.uint8]]
BytesInput = Union[str, os.PathLike, bytes, bytearray]
ProgressFn = Callable[[str, str, float, bool, str], Any]

class SaoyError(Exception):
    code: str
    detail: str

class ModelsError(SaoyError): ...
class ModelsOfflineError(ModelsError): ...
class OcrError(SaoyError): ...
class FaceError(SaoyError): ...
class NoFaceError(FaceError): ...
class ImageError(SaoyError): ...
class RegistryError(SaoyError): ...
class NotFoundError(RegistryError): ...
class InvalidStateError(RegistryError): ...
class RegistryUnavailableError(RegistryError): ...
class IssueError(SaoyError): ...
class PkiError(SaoyError): ...
class InputError(SaoyError): ...
class InvalidCodeError(InputError): ...

class OcrLine:
    text: str
    confidence: float
    quad: List[Tuple[float, float]]

class OcrResult:
    text: str
    lines: List[OcrLine]
    width: int
    height: int
    kind: str
    kind_confidence: float
    total_ms: float
    def to_dict(self) -> Dict[str, Any]: ...

class FaceComparison:
    score: float
    threshold: float
    is_match: bool
    probe_faces: int
    reference_faces: int
    def to_dict(self) -> Dict[str, Any]: ...

class Reason:
    code: str
    en: str
    vi: str

class VerificationReport:
    verdict: str
    code: Optional[str]
    signature: Optional[str]
    signer: Optional[str]
    seal: Optional[str]
    registry: str
    document_matches_registry: Optional[bool]
    reasons: List[Reason]
    @property
    def is_valid(self) -> bool: ...
    def to_dict(self) -> Dict[str, Any]: ...

class RegistryRecord:
    code: str
    request_id: str
    status: str
    status_reason: Optional[str]
    status_at: Optional[int]
    kind: str
    office_id: str
    officer_id: str
    issued_at: int
    document_sha256: Optional[str]

class Recovery:
    activated: List[str]
    already_active: List[str]
    abandoned: List[str]
    removed_temp_files: int
    consistent: bool
    problems: Optional[str]

class SealKey:
    name: str
    public_key_pem: str
    def __init__(self, name: str, public_key_pem: str) -> None: ...

class Check:
    code: str
    passed: bool
    en: str
    vi: str

class IssueResult:
    @property
    def issued(self) -> bool: ...
    @property
    def code(self) -> Optional[str]: ...
    @property
    def pdf(self) -> Optional[bytes]: ...
    @property
    def pdf_path(self) -> Optional[str]: ...
    @property
    def qr_path(self) -> Optional[str]: ...
    @property
    def receipt_path(self) -> Optional[str]: ...
    @property
    def seal_url(self) -> Optional[str]: ...
    @property
    def replayed(self) -> bool: ...
    @property
    def reasons(self) -> List[Reason]: ...
    @property
    def checks(self) -> List[Check]: ...
    def receipt(self) -> Optional[Dict[str, Any]]: ...

class DemoInputs:
    @property
    def person_name(self) -> str: ...
    @property
    def pages(self) -> List[bytes]: ...
    @property
    def id_front(self) -> bytes: ...
    @property
    def id_back(self) -> bytes: ...
    @property
    def live_frames(self) -> List[bytes]: ...
    @property
    def challenge(self) -> str: ...
    @property
    def liveness_turn_target_deg(self) -> float: ...

class Ocr:
    def __init__(self, threads: int = 0, models_dir: Optional[str] = None, offline: bool = False) -> None: ...
    def __call__(self, image: ImageInput) -> OcrResult: ...

class Registry:
    def __init__(self, url: str) -> None: ...
    def lookup(self, code: str, requester: str = "python") -> Optional[RegistryRecord]: ...
    def revoke(self, code: str, reason: str, officer: str = "can-bo-01") -> RegistryRecord: ...

class KioskPki:
    def __init__(self, dir: str) -> None: ...
    @property
    def root_pem(self) -> str: ...
    @property
    def seal_key(self) -> SealKey: ...
    @property
    def generated(self) -> bool: ...
    @property
    def dir(self) -> str: ...

class Issuer:
    def __init__(
        self,
        out_dir: str,
        pki: KioskPki,
        registry: Registry,
        *,
        models_dir: Optional[str] = None,
        threads: int = 0,
        seal_host: str = "xacthuc.saoy.example.vn",
        liveness_turn_target_deg: Optional[float] = None,
        office_id: Optional[str] = None,
        recognizer_sessions: int = 0,
    ) -> None: ...
    def recover(self, grace_secs: int = 60) -> Recovery: ...
    def issue(
        self,
        request_id: str,
        pages: Sequence[BytesInput],
        id_front: BytesInput,
        live_frames: Sequence[BytesInput],
        *,
        id_back: Optional[BytesInput] = None,
        challenge: str = "turn_left",
        office_id: str = "HN-HK-KIOSK-01",
        office_name: Optional[str] = None,
        officer_id: str = "can-bo-01",
        progress: Optional[ProgressFn] = None,
    ) -> IssueResult: ...

def ocr(image: ImageInput, *, threads: int = 0, models_dir: Optional[str] = None) -> OcrResult: ...
def face_compare(
    probe: ImageInput,
    reference: ImageInput,
    *,
    probe_source: str = "live",
    reference_source: str = "live",
    threads: int = 0,
    models_dir: Optional[str] = None,
) -> FaceComparison: ...
def verify_pdf(
    pdf: BytesInput,
    *,
    trust_anchors_pem: str,
    seal_keys: Sequence[SealKey] = ...,
    registry: Optional[Registry] = None,
    code: Optional[str] = None,
) -> VerificationReport: ...
def demo_inputs(seed: int = 7) -> DemoInputs: ...
def models_dir(models_dir: Optional[str] = None) -> str: ...
def models_fetch(models_dir: Optional[str] = None) -> List[str]: ...
