"""Where faces are found and embedded: the FaceBackend protocol and its backends.

``open_backend("dlib")`` (default: dlib HOG detector, 5-point alignment, ResNet 128-d),
``open_backend("onnx", detector=..., recogniser=...)`` (agency-supplied ONNX models) and
``open_backend("fake")`` (synthetic identities for tests and plug-in authors) all return
a ``FaceBackend``: ``detect`` then ``embed``, compared by Euclidean distance. Embeddings
of backends with different ``name`` are never compared. ``quality.assess`` rates a face
for recognition.

Invariant: importing this package loads no model and imports neither dlib nor
onnxruntime; backends load their models when constructed.
"""

from genkend.faces.backend import (
    DetectedFace,
    FaceBackend,
    LandmarkScheme,
    WeightFile,
    available_backends,
    open_backend,
)
from genkend.faces.quality import FaceQuality, QualityParameters, assess

__all__ = [
    "DetectedFace",
    "FaceBackend",
    "FaceQuality",
    "LandmarkScheme",
    "QualityParameters",
    "WeightFile",
    "assess",
    "available_backends",
    "open_backend",
]
