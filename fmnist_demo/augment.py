"""Augmentations: how a picture is varied so the photo model learns what real photos look like.

No Streamlit here. Two users share these, which is why they live apart from both: the offline
command that builds the shipped photo model (photo_training.py) and the teaching the app runs from
the catalogue's confirmed items (teach_learning.py). `augment` turns Fashion-MNIST pictures into
ones that look like prepared photos (flips, pairs of shoes, imperfect masks, the photo pipeline's
own intensity mapping); `real_epoch_variation` varies already-prepared photos a little each epoch;
`draw_weights` balances kinds when drawing. Every picture keeps the one input contract: (28, 28)
float32 in [0, 1], light item on black.
"""

from __future__ import annotations

import cv2
import numpy as np

from fmnist_demo import photo
from fmnist_demo.data import IMAGE_SIZE, normalise
from fmnist_demo.photo_model import FOOTWEAR, NUM_OUTPUTS

UP = 2  # augmentations work at 2x so that one-pixel mask errors are half a final pixel
CANVAS = 40  # pixels; the item is padded so rotations and pairs are not cut off

AUGMENTATIONS = {
    "flip": "mirror left-right with probability 0.5 (shoes point either way in photos)",
    "footwear_pair": "sandals, sneakers, boots: two copies side by side (a pair), probability 0.6",
    "footwear_rotation": "sandals, sneakers, boots: any angle, probability 0.6 (lying on a floor)",
    "affine": "rotation N(0, 10 deg), width x0.85-1.35 (log-uniform), height x0.9-1.1, shear +-0.1",
    "mask_edge": "item outline eroded or dilated by 1-3 px at 2x scale (imperfect masks)",
    "leftover": "an ellipse of shadow or background stuck to the item, probability 0.3",
    "frame_cut": "item cut by the photo's edge (up to 20 % of one side), probability 0.15",
    "refit": "crop, longest side to 28 and centre again, as the photo pipeline does",
    "intensity": "photo.stretch_item as the pipeline; then gamma 0.5-2, inverted texture p=0.2, "
    "flat silhouette p=0.1; raw Fashion-MNIST kept with probability 0.25",
    "blur": "Gaussian sigma 0-0.8 px, probability 0.5",
    "noise": "Gaussian noise sd 0-0.04 on the item, probability 0.5",
}


def _rotate(image: np.ndarray, degrees: float) -> np.ndarray:
    """Rotate about the centre."""
    size = image.shape[0]
    matrix = cv2.getRotationMatrix2D((size / 2, size / 2), degrees, 1.0)
    return cv2.warpAffine(image, matrix, (size, size), flags=cv2.INTER_LINEAR)


def _affine(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Rotate, scale per axis and shear about the centre (56 x 56 float32)."""
    size = image.shape[0]
    angle = np.deg2rad(np.clip(rng.normal(0, 10), -25, 25))
    # garments laid flat or hung spread wider than on a model: photos are wider than the dataset
    sx = np.exp(rng.uniform(np.log(0.85), np.log(1.35)))
    sy = rng.uniform(0.9, 1.1)
    shear = rng.uniform(-0.1, 0.1)
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    lin = rot @ np.array([[sx, shear], [0, sy]])
    centre = np.array([size / 2, size / 2])
    matrix = np.hstack([lin, (centre - lin @ centre)[:, None]]).astype(np.float32)
    return cv2.warpAffine(image, matrix, (size, size), flags=cv2.INTER_LINEAR)


def _mask_edge(image: np.ndarray, support: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Erode or dilate the item's outline a little, as an imperfect mask does."""
    radius = int(rng.integers(1, 4))
    kernel = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (2 * radius + 1, 2 * radius + 1))
    if rng.random() < 0.5:
        keep = cv2.erode(support.astype(np.uint8), kernel).astype(bool)
        return np.where(keep, image, 0.0).astype(np.float32)
    grown = cv2.dilate(image, kernel)  # the rim takes its neighbours' grey, like a shadow would
    return np.where(support, image, grown).astype(np.float32)


def _leftover(image: np.ndarray, support: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Stick an ellipse of shadow or background to the item's edge."""
    ys, xs = np.nonzero(support)
    if len(ys) == 0:
        return image
    i = int(rng.integers(len(ys)))
    axes = (int(rng.integers(3, 12)), int(rng.integers(2, 7)))
    blob = np.zeros_like(image)
    level = float(rng.uniform(0.2, 0.8))
    cv2.ellipse(blob, (int(xs[i]), int(ys[i])), axes, float(rng.uniform(0, 180)), 0, 360, level, -1)
    return np.maximum(image, np.where(support, 0.0, blob)).astype(np.float32)


def _frame_cut(image: np.ndarray, support: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Cut away up to 20 % of the item on one side, as when it runs off the photo."""
    top, left, bottom, right = photo.bounding_box(support)
    out = image.copy()
    share = rng.uniform(0.05, 0.2)
    side = int(rng.integers(4))
    if side == 0:
        out[: top + int(share * (bottom - top))] = 0
    elif side == 1:
        out[bottom - int(share * (bottom - top)) :] = 0
    elif side == 2:
        out[:, : left + int(share * (right - left))] = 0
    else:
        out[:, right - int(share * (right - left)) :] = 0
    return out


def _pair(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Two copies of a shoe side by side, one mirrored, as a pair is usually photographed."""
    size = image.shape[0]
    other = image[:, ::-1] if rng.random() < 0.7 else image
    dy = int(rng.uniform(0.25, 0.45) * size) * (1 if rng.random() < 0.5 else -1)
    dx = int(rng.uniform(-0.15, 0.15) * size)
    shift = np.float32([[1, 0, dx], [0, 1, dy]])
    moved = cv2.warpAffine(np.ascontiguousarray(other), shift, (size, size))
    return np.maximum(image, moved)


def augment_one(image: np.ndarray, label: int, rng: np.random.Generator) -> np.ndarray:
    """(28, 28) float32 Fashion-MNIST item -> (28, 28) float32 that looks like a prepared photo."""
    pad = (CANVAS - IMAGE_SIZE) // 2
    big = cv2.resize(np.pad(image, pad), (CANVAS * UP, CANVAS * UP), interpolation=cv2.INTER_LINEAR)
    if rng.random() < 0.5:
        big = big[:, ::-1].copy()
    if label in FOOTWEAR:  # shoes lie on the floor at any angle, often as a pair
        if rng.random() < 0.6:
            big = _pair(big, rng)
        if rng.random() < 0.6:
            big = _rotate(big, rng.uniform(-180, 180))
    big = _affine(big, rng)
    support = big > 0.04
    if rng.random() < 0.6:
        big = _mask_edge(big, support, rng)
        support = big > 0.04
    if rng.random() < 0.3:
        big = _leftover(big, support, rng)
        support = big > 0.04
    if rng.random() < 0.15 and support.any():
        big = _frame_cut(big, support, rng)
        support = big > 0.04
    if not support.any():
        return image
    if rng.random() >= 0.25:  # the pipeline's own intensity mapping, then photo-like variation
        negative = big
        if rng.random() < 0.2:
            negative = np.where(support, 1.0 - big, 0.0)  # a pale item: texture the other way round
        big = photo.stretch_item(negative, support)
        if rng.random() < 0.5:
            big = np.where(support, big ** rng.uniform(0.5, 2.0), 0.0)
        if rng.random() < 0.1:
            big = support * rng.uniform(0.6, 1.0)
    out = photo.fit_to_frame(big.astype(np.float32), support)
    if rng.random() < 0.5:
        out = cv2.GaussianBlur(out, (0, 0), rng.uniform(0.2, 0.8))
    if rng.random() < 0.5:
        out = out + (out > 0.02) * rng.normal(0, rng.uniform(0, 0.04), out.shape)
    return np.clip(out, 0.0, 1.0).astype(np.float32)


def augment(images: np.ndarray, labels: np.ndarray, seed: int) -> np.ndarray:
    """(N, 28, 28) uint8 or float + (N,) labels -> (N, 28, 28) float32, each augmented once."""
    rng = np.random.default_rng(seed)
    floats = normalise(images)
    return np.stack([augment_one(img, int(y), rng) for img, y in zip(floats, labels, strict=True)])


def real_epoch_variation(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(N, 28, 28) float32 prepared photos -> mirrored at random, item gamma 0.7-1.4."""
    flip = rng.random(len(x)) < 0.5
    out = np.where(flip[:, None, None], x[:, :, ::-1], x)
    gamma = np.exp(rng.uniform(np.log(0.7), np.log(1.4), len(x))).astype(np.float32)
    return np.where(out > 0, out ** gamma[:, None, None], 0.0).astype(np.float32)


def draw_weights(labels: np.ndarray, power: float) -> np.ndarray:
    """Sampling probabilities: each input weighted by count(its label) ** -power, summing to 1."""
    counts = np.bincount(labels, minlength=NUM_OUTPUTS).astype(np.float64)
    weights = np.maximum(counts[labels], 1.0) ** -power
    return weights / weights.sum()
