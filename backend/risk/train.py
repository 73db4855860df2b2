"""Training the risk model with TensorFlow/Keras (the optional `train` dependency group; the web
and worker runtime never import TensorFlow) and exporting it as a full-int8 LiteRT flatbuffer.

Split by population: the model is fitted on some generator seeds and judged on others it never
saw, never on rows of a seed it was fitted on. Features are standardized (median, spread) and
clipped in numpy before the network: a normalization layer inside the model breaks full int8
quantization. The representative data set of the quantizer is standardized training rows."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import numpy as np

from backend.risk import metrics
from backend.risk.calibration import fit_platt, probability
from backend.risk.dataset import Population

CLIP = 6.0
HIDDEN = (32, 16)
THRESHOLD = 0.5  # a probability: pend when the model says a finding is more likely than not
REPRESENTATIVE_ROWS = 10_000
LOGIT_FLOOR, LOGIT_CEILING = -10.0, 12.0  # the finding head's logit, clipped
OUTLIER = "charge_outlier"
BOOST_CAP = 8.0  # the outlier head adds at most this to the logit (keeps the int8 steps fine)


@dataclass
class TrainingSpec:
    train_seeds: tuple[int, ...] = (101, 102, 103, 104)
    holdout_seeds: tuple[int, ...] = (201,)
    claims: int = 50_000  # per seed
    epochs: int = 25
    batch_size: int = 512
    learning_rate: float = 3e-3
    seed: int = 7  # weights and shuffling


@dataclass
class TrainedModel:
    version: str
    artifact: bytes  # int8 .tflite
    preprocessing: dict
    threshold: float
    metrics: dict = field(default_factory=dict)
    float_weights: list = field(default_factory=list)  # [(kernel, bias), ...] of the float model

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.artifact).hexdigest()


def preprocessing_of(matrix: np.ndarray) -> dict:
    """Centre (median) and scale (interquartile range / 1.35, at least a hundredth of the
    standard deviation, at least 1e-3) per feature, and the typical values shown as reasons."""
    centre = np.median(matrix, axis=0)
    spread = np.subtract(*np.quantile(matrix, [0.75, 0.25], axis=0)) / 1.35
    scale = np.maximum(np.maximum(spread, matrix.std(axis=0)), 1e-3)
    return {
        "centre": centre.tolist(), "scale": scale.tolist(), "clip": CLIP,
        "typical": centre.tolist(),
    }  # fmt: skip


def standardize(matrix: np.ndarray, preprocessing: dict) -> np.ndarray:
    centre = np.asarray(preprocessing["centre"], np.float32)
    scale = np.asarray(preprocessing["scale"], np.float32)
    return np.clip((matrix - centre) / scale, -CLIP, CLIP).astype(np.float32)


def fit(populations: list[Population], spec: TrainingSpec):
    """(keras model, preprocessing) fitted on `populations`."""
    import tensorflow as tf

    tf.keras.utils.set_random_seed(spec.seed)
    tf.config.experimental.enable_op_determinism()  # same seeds, same weights on one build
    matrix = np.concatenate([p.matrix for p in populations])
    positive = np.concatenate([p.positive for p in populations]).astype(np.float32)
    outlier = np.concatenate([p.pattern == OUTLIER for p in populations]).astype(np.float32)
    preprocessing = preprocessing_of(matrix)
    inputs = tf.keras.Input((matrix.shape[1],), name="features")
    layer = inputs
    for width in HIDDEN:
        layer = tf.keras.layers.Dense(width, activation="relu")(layer)
    # Two heads on the same hidden layers: any finding, and a charge outlier. The model ends in
    # a logit (int8 steps of a logit keep the ranking among likely findings that steps of 1/256
    # in probability would tie; the sigmoid is applied in numpy).
    finding = tf.keras.layers.Dense(1, name="logit")(layer)
    charge = tf.keras.layers.Dense(1, name="outlier")(layer)
    model = tf.keras.Model(inputs, {"logit": finding, "outlier": charge})
    loss = tf.keras.losses.BinaryCrossentropy(from_logits=True)
    model.compile(optimizer=tf.keras.optimizers.Adam(spec.learning_rate),
                  loss={"logit": loss, "outlier": loss})  # fmt: skip
    model.fit(
        standardize(matrix, preprocessing), {"logit": positive, "outlier": outlier},
        epochs=spec.epochs, batch_size=spec.batch_size, shuffle=True, verbose=0,
    )  # fmt: skip
    return model, preprocessing, matrix, positive


def quantize(model, standardized: np.ndarray, seed: int) -> bytes:
    """Full int8 post-training quantization: int8 input, weights, activations and output."""
    import tensorflow as tf

    rng = np.random.default_rng(seed)
    sample = standardized[rng.choice(len(standardized), min(REPRESENTATIVE_ROWS, len(standardized)),
                                     replace=False)]  # fmt: skip

    def representative():
        for row in sample:
            yield [row[None, :]]

    converter = tf.lite.TFLiteConverter.from_keras_model(scoring_model(model))
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = representative
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.int8
    converter.inference_output_type = tf.int8
    return converter.convert()


def scoring_model(model):
    """The exported model's one output: the finding head's logit clipped to [LOGIT_FLOOR,
    LOGIT_CEILING], plus the outlier head's logit clipped to [0, BOOST_CAP], minus LOGIT_FLOOR.
    A claim the outlier head is sure of ranks above the other near-certain findings (a missed
    charge outlier, one line at 5 to 20 times its usual charge, costs the most); a claim it
    rules out keeps the finding head's logit. The clips keep the int8 output's 256 steps on the
    logits that rank claims (below the floor p < 5e-5, above the ceiling p > 0.99999)."""
    import tensorflow as tf

    boost = tf.keras.layers.ReLU(BOOST_CAP, name="outlier_boost")(model.output["outlier"])
    shifted = tf.keras.layers.Rescaling(1.0, offset=-LOGIT_FLOOR, name="shifted")(
        model.output["logit"]
    )
    clipped = tf.keras.layers.ReLU(LOGIT_CEILING - LOGIT_FLOOR, name="clipped")(shifted)
    return tf.keras.Model(model.input, tf.keras.layers.Add(name="combined")([clipped, boost]))


def float_logit(weights: list, standardized: np.ndarray) -> np.ndarray:
    """The exported model in numpy: dense layers with ReLU, then the logit as `scoring_model`
    combines and floors it (`weights`: hidden layers, finding head, outlier head; models before
    risk-mlp-2 have no outlier head)."""
    layer = standardized.astype(np.float64)
    heads = 2 if len(weights) == len(HIDDEN) + 2 else 1
    for kernel, bias in weights[:-heads]:
        layer = np.maximum(layer @ kernel + bias, 0.0)
    logit = (layer @ weights[-heads][0] + weights[-heads][1]).reshape(-1)
    if heads == 1:
        return logit
    boost = (layer @ weights[-1][0] + weights[-1][1]).reshape(-1)
    return np.clip(logit, LOGIT_FLOOR, LOGIT_CEILING) + np.clip(boost, 0.0, BOOST_CAP)


def float_forward(weights: list, standardized: np.ndarray, calibration: dict | None = None):
    """The float model's probability (float64), calibrated as the int8 model's is."""
    return probability(float_logit(weights, standardized), calibration)


def train(train: list[Population], spec: TrainingSpec, version: str) -> TrainedModel:
    model, preprocessing, matrix, positive = fit(train, spec)
    standardized = standardize(matrix, preprocessing)
    artifact = quantize(model, standardized, spec.seed)
    dense = [*(layer for layer in model.layers if layer.name.startswith("dense")),
             model.get_layer("logit"), model.get_layer("outlier")]  # fmt: skip
    weights = [(layer.get_weights()[0].astype(np.float64), layer.get_weights()[1])
               for layer in dense]  # fmt: skip
    # The float model travels with the int8 one: `askes model evaluate` compares them.
    preprocessing["float_weights"] = [[k.tolist(), b.tolist()] for k, b in weights]
    calibration = fit_platt(float_logit(weights, standardized), positive > 0)
    preprocessing["calibration"] = calibration
    preprocessing["logit_floor"] = LOGIT_FLOOR
    score = float_forward(weights, standardized, calibration)
    values = np.column_stack([matrix.astype(np.float64), score])
    edges = metrics.decile_edges(values)
    preprocessing["edges"] = edges.tolist()
    preprocessing["expected"] = metrics.bin_shares(values, edges).tolist()
    return TrainedModel(version, artifact, preprocessing, THRESHOLD, float_weights=weights)
