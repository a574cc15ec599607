"""Malformed files made on the fly (the fault suite's input): every kind a user's folder may
hold beside good documents. Shared by tests/ingest/test_faults.py (a sample) and
bench/fault_suite.py (all of them, with kills at many points)."""
from __future__ import annotations

import io
import json
import random
import zipfile
from pathlib import Path

GOOD_TEXT = "示例省养老服务办法（示例）\n第一条 养老机构应当建立健全服务管理制度。\n第二条 养老机构应当与老年人签订服务协议。\n"


def _docx(document_xml: bytes | None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        if document_xml is not None:
            z.writestr("word/document.xml", document_xml)
    return buffer.getvalue()


def fault_files(folder: Path, sample_pdf: bytes, seed: int = 0) -> list[Path]:
    """Write about 60 malformed or unusual files into `folder`; returns their paths."""
    rng = random.Random(seed)
    files: dict[str, bytes] = {}
    for i in range(8):
        for suffix in (".txt", ".md", ".pdf", ".docx", ".jsonl"):
            if (i + len(suffix)) % 3 == 0:
                files[f"random-{i}{suffix}"] = bytes(rng.getrandbits(8) for _ in range(rng.randint(1, 4000)))
    for suffix in (".txt", ".md", ".pdf", ".docx", ".jsonl"):
        files[f"empty{suffix}"] = b""
        files[f"spaces{suffix}"] = b"   \n\t\n"
    for cut in (10, 200, len(sample_pdf) // 3, len(sample_pdf) // 2, len(sample_pdf) - 20):
        files[f"truncated-{cut}.pdf"] = sample_pdf[:cut]
    docx = _docx(b"<w:document xmlns:w='http://schemas.openxmlformats.org/wordprocessingml/2006/main'>"
                 b"<w:body><w:p><w:r><w:t>" + GOOD_TEXT.encode() + b"</w:t></w:r></w:p></w:body></w:document>")
    for cut in (30, len(docx) // 2, len(docx) - 10):
        files[f"truncated-{cut}.docx"] = docx[:cut]
    files["no-document-xml.docx"] = _docx(None)
    files["bad-xml.docx"] = _docx(b"<w:document><w:body><w:p>")
    files["html-named.pdf"] = b"<!doctype html><html><body><p>not a pdf</p></body></html>"
    files["html-named.docx"] = b"<html><body>not a docx</body></html>"
    files["nul-bytes.txt"] = GOOD_TEXT.encode()[:30] + b"\x00\x00\x00" + GOOD_TEXT.encode()[30:]
    files["control-chars.txt"] = ("\x01\x02\x1b[31m" + GOOD_TEXT + "\x07\x08").encode()
    files["one-long-line.txt"] = ("养老机构服务规范" * 140_000).encode()   # about 1 MB, no sentence end
    files["long-line-with-article.txt"] = (GOOD_TEXT + "第三条 " + "养老" * 200_000).encode()
    files["utf16.txt"] = GOOD_TEXT.encode("utf-16")
    files["big5-named.md"] = "示例縣殯葬管理辦法（示例）\n第一條 殯儀館應當公開服務項目。\n".encode("big5")
    files["gbk.txt"] = GOOD_TEXT.encode("gbk")
    files["latin1.txt"] = "Caf\xe9 na\xefve r\xe9sum\xe9 " .encode("latin-1") * 20
    files["deep-headings.md"] = ("\n".join("#" * min(1 + i % 6, 6) + f" 第{i}层" for i in range(300)) + "\n").encode()
    files["only-numbers.txt"] = "\n".join(f"{i}." for i in range(1, 3000)).encode()
    files["many-short-lines.txt"] = ("第一条 甲。\n" * 5000).encode()
    files["broken.jsonl"] = b'{"id": "a", "text": "\xe5\x85\xbb\xe8\x80\x81"}\n{not json\n'
    files["duplicate-ids.jsonl"] = "\n".join(json.dumps({"id": "same", "title": "示例", "text": t}, ensure_ascii=False)
                                             for t in ("养老机构应当建立制度。", "殡仪馆应当公开价格。")).encode()
    files["wrong-fields.jsonl"] = b'{"foo": 1}\n{"bar": [1, 2]}\n'
    files["array.jsonl"] = b"[1, 2, 3]\n"
    files["bom-only.txt"] = b"\xef\xbb\xbf"
    files["odd-utf16.txt"] = b"\xff\xfe" + b"\x41"   # a BOM and half a character
    files["pdf-header-only.pdf"] = b"%PDF-1.7\n%%EOF\n"
    files["no-suffix"] = GOOD_TEXT.encode()
    files["unknown.xyz"] = GOOD_TEXT.encode()
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name, body in sorted(files.items()):
        path = folder / name
        path.write_bytes(body)
        out.append(path)
    return out
