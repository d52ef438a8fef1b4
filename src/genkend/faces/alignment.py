"""Face alignment for ArcFace-style recognisers: the template, the warp, the input tensor.

Recognisers are trained on faces warped so that the eyes, nose and mouth corners sit at
fixed places in a 112x112 crop (the ArcFace template). ``align`` finds the similarity
transform (rotation, uniform scale, translation) that maps a face's five ``ARCFACE5``
landmarks best onto the template, in the least-squares sense (Umeyama's method, from
scikit-image), and warps the image with it. ``arcface_input`` turns the crop into the
normalised CHW tensor these models take; ``l2_normalise`` puts their outputs on the
unit sphere, where Euclidean distance orders pairs as cosine similarity does.

Invariant: pure functions of their arguments; the input image is never modified.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray
from skimage.transform import SimilarityTransform, warp

from genkend.errors import FaceError

ARCFACE_SIZE = 112
# Where the five landmarks sit in a 112x112 ArcFace input (insightface's arcface_dst).
ARCFACE_TEMPLATE = np.array(
    [
        [38.2946, 51.6963],
        [73.5318, 51.5014],
        [56.0252, 71.7366],
        [41.5493, 92.3655],
        [70.7299, 92.2041],
    ],
    dtype=np.float64,
)


def align(
    image: NDArray[np.uint8], landmarks: Sequence[Sequence[float]] | NDArray[np.float64]
) -> NDArray[np.uint8]:
    """The 112x112 RGB crop in which the five landmarks best fit the ArcFace template."""
    src = np.asarray(landmarks, dtype=np.float64).reshape(5, 2)
    transform = SimilarityTransform.from_estimate(src, ARCFACE_TEMPLATE)
    if not transform:
        raise FaceError(f"cannot align a face with degenerate landmarks {src.tolist()}")
    warped = warp(  # type: ignore[no-untyped-call]
        image,
        transform.inverse,
        output_shape=(ARCFACE_SIZE, ARCFACE_SIZE),
        order=1,
        mode="constant",
        cval=0.0,
        preserve_range=True,
    )
    crop: NDArray[np.uint8] = np.clip(np.rint(warped), 0, 255).astype(np.uint8)
    return crop


def arcface_input(aligned: NDArray[np.uint8], *, bgr: bool = False) -> NDArray[np.float32]:
    """An aligned crop as a CHW float32 array normalised ``(x - 127.5) / 127.5``."""
    pixels = aligned[..., ::-1] if bgr else aligned
    chw = (pixels.astype(np.float32) - 127.5) / 127.5
    return np.ascontiguousarray(chw.transpose(2, 0, 1))


def l2_normalise(vectors: NDArray[np.float32]) -> NDArray[np.float32]:
    """Rows scaled to unit length; an all-zero row stays zero rather than becoming NaN."""
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    out = np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)
    return np.ascontiguousarray(out, dtype=np.float32)
