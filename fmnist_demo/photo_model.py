"""A small CNN for real photos: its builder, the augmentations that make Fashion-MNIST look like
prepared photos, and a seeded training command that writes the model and its model card.

    python -m fmnist_demo.photo_model --epochs 12 --seed 0 --out assets/fmnist_photo_cnn.keras
    python -m fmnist_demo.photo_model --combine a.keras b.keras --out assets/fmnist_photo_cnn.keras

No Streamlit here. The augmentations run the photo pipeline's own last steps (`photo.fit_to_frame`,
`photo.stretch_item`), so the network trains on exactly the kind of input the app gives it.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from fmnist_demo import photo
from fmnist_demo.assets import PHOTO_MODEL_PATH, read_card
from fmnist_demo.data import CLASS_NAMES, IMAGE_SIZE, NUM_CLASSES, load_fashion_mnist, normalise
from fmnist_demo.model import accuracy, keras, load_model, predict_proba, save_model

CONFIDENT = 0.5  # below this top-class probability the page says the model is unsure
UP = 2  # augmentations work at 2x so that one-pixel mask errors are half a final pixel
CANVAS = 40  # pixels; the item is padded so rotations and pairs are not cut off
FOOTWEAR = (5, 7, 9)  # Sandal, Sneaker, Ankle boot
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


@dataclass(frozen=True)
class PhotoResult:
    """One photo classified: the pipeline's steps and the ten class probabilities."""

    prepared: photo.PreparedPhoto
    probabilities: np.ndarray  # (10,) float32, sums to 1

    @property
    def predicted(self) -> int:
        """The most likely class (0-9)."""
        return int(np.argmax(self.probabilities))

    @property
    def confidence(self) -> float:
        """The probability of the most likely class."""
        return float(self.probabilities[self.predicted])

    @property
    def runner_up(self) -> int:
        """The second most likely class (0-9)."""
        return int(np.argsort(self.probabilities)[-2])

    @property
    def confident(self) -> bool:
        """Whether the top class reaches CONFIDENT."""
        return self.confidence >= CONFIDENT

    @property
    def footwear(self) -> bool:
        """Whether the most likely class is a kind of shoe (Sandal, Sneaker or Ankle boot)."""
        return self.predicted in FOOTWEAR

    @property
    def footwear_probability(self) -> float:
        """The probability that the item is a shoe of any kind: the three kinds added up.

        On real photos, shoe or not is far surer than which kind of shoe (see the benchmark).
        """
        return float(self.probabilities[list(FOOTWEAR)].sum())


def classify_photo(model: Any, source: photo.PhotoSource) -> PhotoResult:
    """A photo (bytes, file-like or PIL image) -> PhotoResult; a bad file raises PhotoError."""
    prepared = photo.prepare(source)
    return PhotoResult(
        prepared=prepared, probabilities=photo_probabilities(model, prepared.model_input)
    )


def photo_probabilities(model: Any, model_input: np.ndarray) -> np.ndarray:
    """(28, 28) -> (10,): the average over the image and its mirror image (one batch of two).

    A photo may show an item from either side (a shoe pointing left or right), and the mirror
    image is as likely as the photo itself; averaging the two views steadies the answer.
    """
    views = np.stack([model_input, model_input[:, ::-1]])  # (2, 28, 28)
    return predict_proba(model, views).mean(axis=0)


def build_photo_model() -> keras.Model:
    """Four small convolutions -> Dense(128) -> Dense(10, softmax), about 0.28 M weights."""
    layers = keras.layers
    model = keras.Sequential(
        [
            keras.Input(shape=(IMAGE_SIZE, IMAGE_SIZE)),
            layers.Reshape((IMAGE_SIZE, IMAGE_SIZE, 1)),  # (28, 28) -> (28, 28, 1)
            layers.Conv2D(32, 3, padding="same", use_bias=False),
            layers.BatchNormalization(),
            layers.Activation("relu"),
            layers.MaxPooling2D(),  # -> (14, 14, 32)
            layers.Conv2D(64, 3, padding="same", use_bias=False),
            layers.BatchNormalization(),
            layers.Activation("relu"),
            layers.Conv2D(64, 3, padding="same", use_bias=False),
            layers.BatchNormalization(),
            layers.Activation("relu"),
            layers.MaxPooling2D(),  # -> (7, 7, 64)
            layers.Conv2D(128, 3, padding="same", use_bias=False),
            layers.BatchNormalization(),
            layers.Activation("relu"),
            layers.MaxPooling2D(),  # -> (3, 3, 128)
            layers.Flatten(),
            layers.Dropout(0.3),
            layers.Dense(128, activation="relu"),
            layers.Dropout(0.3),
            layers.Dense(NUM_CLASSES, activation="softmax"),
        ],
        name="fmnist_photo_cnn",
    )
    model.compile(
        optimizer=keras.optimizers.Adam(1e-3),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
    )
    return model


def build_ensemble(members: list[keras.Model]) -> keras.Model:
    """One model whose output is the average of the members' class probabilities."""
    inputs = keras.Input(shape=(IMAGE_SIZE, IMAGE_SIZE))
    outputs = []
    for i, member in enumerate(members):
        member.name = f"member_{i}"  # nested models need distinct names
        outputs.append(member(inputs))
    averaged = keras.layers.Average()(outputs) if len(outputs) > 1 else outputs[0]
    return keras.Model(inputs, averaged, name="fmnist_photo_ensemble")


def combine(paths: list[Path], out: Path, photos: Path | None = None) -> dict:
    """Write one ensemble of saved photo models with a merged model card."""
    members = [load_model(path) for path in paths]
    model = build_ensemble(members)
    (_, _), (x_test, y_test) = load_fashion_mnist()
    cards = [read_card(path) for path in paths]
    card = {
        "name": f"photo CNN ensemble ({len(members)} members)",
        "architecture": "average of the members' softmax outputs; member: "
        + str(cards[0].get("architecture", "")),
        "parameters": int(model.count_params()),
        "members": [
            {k: c.get(k) for k in ("seed", "epochs", "test_accuracy", "training_seconds", "date")}
            for c in cards
        ],
        "epochs": [c.get("epochs") for c in cards],
        "train_accuracy": None,
        "test_accuracy": round(accuracy(model, x_test, y_test), 4),
        "training_seconds": round(sum(c.get("training_seconds", 0.0) for c in cards), 1),
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "augmentations": cards[0].get("augmentations", AUGMENTATIONS),
        "class_names": list(CLASS_NAMES),
    }
    (x_train, y_train), _ = load_fashion_mnist()
    card["train_accuracy"] = round(accuracy(model, x_train, y_train), 4)
    if photos is not None:
        card["real_photo_accuracy"] = real_photo_accuracy(model, photos)
    save_model(model, out, card)
    return card


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


def fold_batch_norm(model: keras.Model) -> keras.Model:
    """The trained CNN for inference: each Conv -> BatchNorm -> ReLU becomes one Conv with ReLU.

    Same outputs, half the layers: a direct call runs layer by layer, so this halves its time.
    """
    layers = keras.layers
    folded: list = [keras.Input(shape=(IMAGE_SIZE, IMAGE_SIZE))]
    weights: list[np.ndarray] = []
    pending = None  # a convolution waiting for its batch normalisation
    for layer in model.layers:
        if isinstance(layer, layers.Conv2D):
            pending = layer
        elif isinstance(layer, layers.BatchNormalization) and pending is not None:
            gamma, beta, mean, variance = layer.get_weights()
            scale = gamma / np.sqrt(variance + layer.epsilon)  # (channels,)
            kernel = pending.get_weights()[0] * scale  # (3, 3, in, out) scaled per output channel
            folded.append(layers.Conv2D(pending.filters, pending.kernel_size, padding="same"))
            weights.extend([kernel, beta - mean * scale])
            pending = None
        elif (
            isinstance(layer, layers.Activation)
            and folded
            and isinstance(folded[-1], layers.Conv2D)
        ):
            folded[-1].activation = keras.activations.get("relu")
        elif isinstance(layer, layers.Dropout):
            continue  # does nothing at inference
        else:
            folded.append(layer.__class__.from_config(layer.get_config()))
            weights.extend(layer.get_weights())
    inference = keras.Sequential(folded, name=model.name)
    inference.set_weights(weights)
    return inference


def _load_weights(model: keras.Model, saved: keras.Model) -> None:
    """Copy a saved photo CNN's weights into a training one; a folded save is unfolded exactly."""
    layers = keras.layers
    if any(isinstance(layer, layers.BatchNormalization) for layer in saved.layers):
        model.set_weights(saved.get_weights())
        return

    def of_kind(m: keras.Model, kind: type) -> list:
        return [layer for layer in m.layers if isinstance(layer, kind)]

    norms = of_kind(model, layers.BatchNormalization)
    for conv, norm, source in zip(
        of_kind(model, layers.Conv2D), norms, of_kind(saved, layers.Conv2D), strict=True
    ):
        kernel, bias = source.get_weights()
        ones = np.ones_like(bias)
        conv.set_weights([kernel])
        # gamma 1, beta = bias, mean 0, variance 1 - eps: the normalisation is the identity + bias
        norm.set_weights([ones, bias, np.zeros_like(bias), ones - norm.epsilon])
    for dense, source in zip(
        of_kind(model, layers.Dense), of_kind(saved, layers.Dense), strict=True
    ):
        dense.set_weights(source.get_weights())


def load_trainable(path: Path) -> keras.Model:
    """A saved photo CNN as a trainable model (batch norm restored), ready to fine-tune."""
    model = build_photo_model()
    _load_weights(model, load_model(path))
    return model


def real_photo_accuracy(model: Any, folder: Path) -> dict[str, Any]:
    """Accuracy on a folder of photos with labels.csv (file,label,class_name), via the pipeline."""
    with open(Path(folder) / "labels.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    right = 0
    for row in rows:
        try:
            result = classify_photo(model, (Path(folder) / row["file"]).read_bytes())
        except photo.PhotoError:
            continue
        right += int(result.predicted == int(row["label"]))
    return {
        "folder": Path(folder).name,
        "photos": len(rows),
        "accuracy": round(right / len(rows), 4),
    }


def _card_summary(path: Path) -> dict[str, Any]:
    """The few facts of a saved model's card that say where a continued run started."""
    card = read_card(path)
    keys = ("epochs", "seed", "test_accuracy", "training_seconds", "date")
    return {"file": Path(path).name, **{k: card.get(k) for k in keys}}


def train(
    epochs: int,
    seed: int,
    out: Path,
    limit: int | None = None,
    photos: Path | None = None,
    init: Path | None = None,
    learning_rate: float = 1e-3,
) -> dict:
    """Train on freshly augmented Fashion-MNIST each epoch; save the model and its card."""
    keras.utils.set_random_seed(seed)
    (x_train, y_train), (x_test, y_test) = load_fashion_mnist()
    if limit:
        x_train, y_train = x_train[:limit], y_train[:limit]
    # continue from a saved model: more epochs in bounded runs
    model = load_trainable(init) if init is not None else build_photo_model()
    schedule = keras.optimizers.schedules.CosineDecay(
        learning_rate, decay_steps=epochs * len(x_train) // 128
    )
    model.optimizer.learning_rate = schedule  # settled before the first step builds the optimiser
    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=1) as pool:  # next epoch's images are made during this one
        upcoming = pool.submit(augment, x_train, y_train, seed * 1000)
        for epoch in range(epochs):
            x_epoch = upcoming.result()
            if epoch + 1 < epochs:
                upcoming = pool.submit(augment, x_train, y_train, seed * 1000 + epoch + 1)
            history = model.fit(
                x_epoch, y_train, batch_size=128, epochs=epoch + 1, initial_epoch=epoch, verbose=0
            )
            print(
                f"epoch {epoch + 1}/{epochs}: loss {history.history['loss'][-1]:.4f}, "
                f"accuracy {history.history['accuracy'][-1]:.4f}, "
                f"{time.perf_counter() - start:.0f} s",
                flush=True,
            )
    seconds = time.perf_counter() - start
    card = {
        "name": "photo CNN",
        "architecture": "Conv32-pool-Conv64-Conv64-pool-Conv128-pool-Dense128-Dense10, batch norm, "
        "dropout 0.3 (saved with batch norm folded into the convolutions)",
        "parameters": int(model.count_params()),
        "epochs": epochs,
        "seed": seed,
        "batch_size": 128,
        "optimizer": f"Adam, cosine decay from {learning_rate:g}",
        "initialised_from": _card_summary(init) if init is not None else None,
        "train_accuracy": round(accuracy(model, x_train, y_train), 4),
        "test_accuracy": round(accuracy(model, x_test, y_test), 4),
        "test_accuracy_augmented": round(
            accuracy(model, augment(x_test, y_test, seed + 99_999), y_test), 4
        ),
        "training_seconds": round(seconds, 1),
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "augmentations": AUGMENTATIONS,
        "class_names": list(CLASS_NAMES),
    }
    if photos is not None:
        card["real_photo_accuracy"] = real_photo_accuracy(model, photos)
    save_model(fold_batch_norm(model), out, card)  # no optimiser state, no batch-norm layers
    return card


def main(argv: list[str] | None = None) -> None:
    """Command line: train the photo CNN (or combine saved ones) and write it with its card."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=12)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=PHOTO_MODEL_PATH)
    parser.add_argument("--limit", type=int, default=None, help="train on the first N images only")
    parser.add_argument("--photos", type=Path, default=None, help="labelled real photos to measure")
    parser.add_argument("--init", type=Path, default=None, help="start from this saved model")
    parser.add_argument("--lr", type=float, default=1e-3, help="initial learning rate")
    parser.add_argument(
        "--combine", type=Path, nargs="+", default=None, help="saved models to average, no training"
    )
    args = parser.parse_args(argv)
    if args.combine:
        card = combine(args.combine, args.out, args.photos)
    else:
        card = train(args.epochs, args.seed, args.out, args.limit, args.photos, args.init, args.lr)
    keys = ("train_accuracy", "test_accuracy", "training_seconds", "real_photo_accuracy")
    print({k: card[k] for k in keys if k in card})


if __name__ == "__main__":
    main()
