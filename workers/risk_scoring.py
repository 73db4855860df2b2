"""The trained risk model in the workers: an int8 LiteRT flatbuffer run by `ai-edge-litert`
(imported on first use, one interpreter per model per process), behind the stage 7 scorer
interface (workers/pipeline/risk.py). TensorFlow is never imported here.

Features are standardized and clipped in numpy (`preprocessing`: centre, scale, clip), then
quantized with the model's input scale and zero point. The model's int8 output is the logit
(models since risk-mlp-2 output max(logit, floor) - floor: `logit_floor`), turned into a
probability here with the model's Platt calibration (`calibration`).
A model reads the first of this code's FEATURES, as many as it was trained on: features are
only ever appended, so a model trained before some were added keeps scoring (its recorded names
must be the start of FEATURES and hash to its recorded schema hash). Any other model is refused
(SchemaMismatch)."""

from __future__ import annotations

import hashlib
import json
import threading

import numpy as np
import orjson

from backend.risk import metrics
from backend.risk.calibration import probability
from workers.pipeline.risk_features import FEATURE_SCHEMA_HASH, FEATURES

REASONS_PER_CLAIM = 3
_interpreters: dict[str, object] = {}  # sha256 -> Interpreter, per process
_lock = threading.Lock()


class SchemaMismatch(Exception):
    """The model was trained on other features than the ones this worker computes."""


def load_interpreter(artifact: bytes, sha256: str):
    """The process's interpreter of this artifact (created once)."""
    with _lock:
        interpreter = _interpreters.get(sha256)
        if interpreter is None:
            from ai_edge_litert.interpreter import Interpreter  # lazily: web never loads it

            interpreter = Interpreter(model_content=bytes(artifact), num_threads=1)
            interpreter.allocate_tensors()
            _interpreters[sha256] = interpreter
        return interpreter


def input_width(version: str, feature_schema_hash: str, feature_schema=None) -> int:
    """How many of FEATURES, from the first, the model reads: all of them when its schema hash
    is this worker's, else its recorded names when they are the start of FEATURES and hash to
    its recorded hash (a model trained before features were appended)."""
    if feature_schema_hash == FEATURE_SCHEMA_HASH:
        return len(FEATURES)
    names = tuple(feature_schema or ())
    recorded = hashlib.sha256(json.dumps(list(names)).encode()).hexdigest()
    if names and names == FEATURES[: len(names)] and recorded == feature_schema_hash:
        return len(names)
    raise SchemaMismatch(
        f"model {version} has feature schema {feature_schema_hash[:12]}, "
        f"this worker computes {FEATURE_SCHEMA_HASH[:12]}"
    )


class LiteRTScorer:
    """A registered model as a stage 7 scorer; it reads the first `width` columns of the
    feature matrix."""

    uses_matrix = True

    def __init__(self, version: str, artifact: bytes, preprocessing: dict, threshold: float,
                 feature_schema_hash: str, feature_schema=None):  # fmt: skip
        self.width = input_width(version, feature_schema_hash, feature_schema)
        self.version, self.threshold = version, float(threshold)
        self.artifact = bytes(artifact)
        self.sha256 = hashlib.sha256(self.artifact).hexdigest()
        self.centre = np.asarray(preprocessing["centre"], np.float32)
        self.scale = np.asarray(preprocessing["scale"], np.float32)
        self.clip = float(preprocessing["clip"])
        self.typical = np.asarray(preprocessing["typical"], np.float32)
        self.edges = np.asarray(preprocessing["edges"], np.float64)  # (features + 1) x 9
        self.expected = np.asarray(preprocessing["expected"], np.float64)  # (features + 1) x 10
        self.calibration = preprocessing.get("calibration")  # None: the sigmoid of the logit
        self.logit_floor = float(preprocessing.get("logit_floor", 0.0))
        self._pieces = None  # the reasons' JSON text pieces (_reason_pieces)

    def standardize(self, matrix: np.ndarray) -> np.ndarray:
        return np.clip((matrix - self.centre) / self.scale, -self.clip, self.clip).astype(
            np.float32
        )

    def quantize(self, matrix: np.ndarray, scale: float, zero: int) -> np.ndarray:
        """int8 model input, row-major: standardize, clip and quantize folded into one
        multiply-add per value, in one compiled pass (risk_model_kernels.quantize_rows)."""
        from workers.pipeline.risk_features import model_kernels

        factor = (1.0 / (self.scale * scale)).astype(np.float32)
        offset = (zero - self.centre * factor).astype(np.float32)
        low = np.float32(max(-128.0, zero - self.clip / scale))
        high = np.float32(min(127.0, zero + self.clip / scale))
        return model_kernels().quantize_rows(matrix[:, : self.width], factor, offset, low, high)

    def score_matrix(self, matrix: np.ndarray) -> np.ndarray:
        """Probability per row (float64), from the int8 model."""
        if not len(matrix):
            return np.zeros(0)
        return self._score_quantized(
            self.quantize(matrix[:, : self.width], *self.input_quantization())
        )

    def _score_quantized(self, quantized: np.ndarray) -> np.ndarray:
        """Probability per row of the int8 input rows. The int8 output has 256 values: each
        one's probability is computed once (the same arithmetic, per value) and looked up."""
        interpreter = load_interpreter(self.artifact, self.sha256)
        with _lock:
            source = interpreter.get_input_details()[0]
            interpreter.resize_tensor_input(source["index"], list(quantized.shape))
            interpreter.allocate_tensors()
            source = interpreter.get_input_details()[0]
            target = interpreter.get_output_details()[0]
            interpreter.set_tensor(source["index"], np.ascontiguousarray(quantized))
            interpreter.invoke()
            output = interpreter.get_tensor(target["index"]).reshape(-1)
        out_scale, out_zero = target["quantization"]
        levels = np.arange(-128, 128, dtype=np.float64)
        table = probability((levels - out_zero) * out_scale + self.logit_floor, self.calibration)
        return table[output.astype(np.int64) + 128]

    def explain(self, rows: np.ndarray, score: np.ndarray | None = None) -> list[str]:
        """Per row, the JSON text of its reasons: the REASONS_PER_CLAIM features whose
        replacement by their typical value lowers the score most, each a
        {"feature", "value", "typical", "score_drop"} (the claim's value, the typical value,
        the score drop, rounded to 4 decimals), those that lower it at all. Only the features
        whose int8 input differs from the typical value's are varied (the others' drop is
        exactly 0). `score`: the rows' scores when the caller has them (the model scores each
        row on its own). The varied rows are made from the quantized rows (quantization is
        per value). The text is written by a compiled loop (risk_model_kernels.reason_json): a
        Python dict per reason, and a list per claim, cost more than the rest of the
        reasons, and the garbage collector walked them again."""
        from workers.pipeline.risk_features import model_kernels

        rows = rows[:, : self.width]
        count, width = rows.shape
        if not count:
            return []
        scale, zero = self.input_quantization()
        quantized = self.quantize(rows, scale, zero)
        base = self._score_quantized(quantized) if score is None else score
        typical = self.quantize(self.typical[None, :], scale, zero)[0]
        kernel = model_kernels()
        varied, row, column = kernel.varied_rows(quantized, typical)
        varied_score = self._score_quantized(varied) if len(row) else np.zeros(0)
        top, values, drops = kernel.reason_figures(rows, np.asarray(base, np.float64),
                                                   varied_score, row, column,
                                                   min(REASONS_PER_CLAIM, width))  # fmt: skip
        text, ends = kernel.reason_json(top, values, drops, *self._reason_pieces())
        text = text.tobytes().decode("ascii")
        ends = ends.tolist()
        return [text[start:end] for start, end in zip([0, *ends[:-1]], ends, strict=True)]

    def _reason_pieces(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Each feature's JSON text before its value and between its value and its score
        drop (ASCII bytes, concatenated, and each one's end), for reason_json."""
        if self._pieces is None:
            typical = self.typical.astype(np.float64).round(4).tolist()
            heads = [f'{{"feature":"{name}","value":'.encode() for name in FEATURES[: self.width]]
            middles = [b',"typical":' + orjson.dumps(t) + b',"score_drop":' for t in typical]
            self._pieces = tuple(
                piece
                for parts in (heads, middles[: self.width])
                for piece in (
                    np.frombuffer(b"".join(parts), np.uint8),
                    np.cumsum([len(part) for part in parts]).astype(np.int64),
                )
            )
        return self._pieces

    def input_quantization(self) -> tuple[float, int]:
        """(scale, zero point) of the model's int8 input."""
        interpreter = load_interpreter(self.artifact, self.sha256)
        with _lock:
            return interpreter.get_input_details()[0]["quantization"]

    def drift(self, matrix: np.ndarray, score: np.ndarray, rows=None) -> dict[str, float]:
        """PSI of each feature and of the score against the training deciles, over the
        claims `rows` of the matrix and scores (default all), binned in one compiled pass
        (risk_model_kernels.bin_counts, as metrics.column_bin_shares bins them)."""
        from workers.pipeline.risk_features import model_kernels

        rows = np.arange(len(matrix)) if rows is None else np.ascontiguousarray(rows, np.int64)
        counts = model_kernels().bin_counts(matrix, rows, np.asarray(score, np.float64), self.edges)
        value = metrics.psi(self.expected, counts / max(len(rows), 1))
        names = [*FEATURES[: self.width], "score"]
        return dict(zip(names, np.round(value, 5).tolist(), strict=True))
