"""Document-level facts from the cover, the first lines and the file name: number,
title, kind, level, issuer, dates."""
from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.identifiers import (
    find_dates,
    find_policy_number,
    find_standard_numbers,
    is_bare_standard_number,
    number_from_filename,
)
from ingest.lines import Line, squash

_PROVINCES = (
    "北京", "天津", "上海", "重庆", "河北", "山西", "辽宁", "吉林", "黑龙江", "江苏", "浙江", "安徽", "福建",
    "江西", "山东", "河南", "湖北", "湖南", "广东", "海南", "四川", "贵州", "云南", "陕西", "甘肃", "青海",
    "台湾", "内蒙古", "广西", "西藏", "宁夏", "新疆", "香港", "澳门",
)
_LOCAL_TITLE = re.compile(rf"^(?:{'|'.join(_PROVINCES)}|[\u4e00-\u9fff]{{2,4}}(?:省|自治区|市|州|盟|县))")
_COVER_NOISE = re.compile(
    r"^(?:ICS|CCS|备案号|[A-Z]\s?\d{2}$|中华人民共和国(?:国家|行业)标准|.{0,10}(?:地方|团体|企业|行业)标准$|"
    r"(?:中华人民共和国)?国家标准$|示例文件|代\s*替|发布|实施|[(（]?(?:征求意见稿|送审稿|报批稿)[)）]?$)"
)
_ENGLISH = re.compile(r"^[A-Za-z][A-Za-z0-9 ,.:;'()/&—–-]+$")
_POLICY_TITLE = re.compile(r"^[^，。,:：\s]{4,80}(?:意见|通知|办法|规定|方案|决定|规划|纲要|细则|条例|法|通告|公告|批复)$")
_LAW_ISSUER = re.compile(
    r"((?:[\u4e00-\u9fff]{2,8}?(?:省|自治区|市|自治州|州|盟|县|区))?(?:第[一二三四五六七八九十]+届)?"
    r"(?:全国)?人民代表大会(?:常务委员会)?|国务院|[\u4e00-\u9fff]{2,10}?人民政府)"
)
_EFFECTIVE = re.compile(r"自\s*(.{6,16}?日)\s*起\s*(?:施行|实施|生效)")
_FILENAME_DATE = re.compile(r"[(（]((?:19|20)\d{2}-\d{2}-\d{2})[)）]")


@dataclass(frozen=True)
class Metadata:
    number: str | None
    printed_number: str | None
    title: str
    kind: str
    level: str
    mandatory: bool | None
    issuer: str | None
    issued: str | None
    effective: str | None
    version: str | None


def standard_level(number: str) -> tuple[str, bool | None]:
    prefix = number.split(" ")[0]
    base, _, suffix = prefix.partition("/")
    if prefix.startswith("T/"):
        return "group", False
    if prefix.startswith("Q/"):
        return "enterprise", False
    mandatory = suffix == ""
    if base == "GB":
        return "national", mandatory
    if base.startswith("DB"):
        return "local", mandatory
    if base in ("ISO", "IEC"):
        return "international", False
    return "industry", mandatory


def _cover_number(cover: list[Line]) -> tuple[str | None, str | None]:
    for line in cover[:40]:
        if re.search(r"代\s*替|相比|引用", line.s):
            continue
        numbers = find_standard_numbers(line.s)
        if numbers and numbers[0].start <= 2 and len(line.s) - numbers[0].end <= 2:
            return numbers[0].normalised, numbers[0].printed
    return None, None


def _running_header_number(text: str) -> tuple[str | None, str | None]:
    """The number printed alone on lines through the text (page headers), when the cover lacks it."""
    counts: dict[str, tuple[int, str]] = {}
    for line in text.splitlines():
        if is_bare_standard_number(line):
            n = find_standard_numbers(line)[0]
            seen, printed = counts.get(n.normalised, (0, n.printed))
            counts[n.normalised] = (seen + 1, printed)
    if not counts:
        return None, None
    number, (_, printed) = max(counts.items(), key=lambda kv: kv[1][0])
    return number, printed


def _standard_title(cover: list[Line]) -> str | None:
    """The Chinese title lines between the number and the English title or dates."""
    parts: list[str] = []
    for line in cover[:40]:
        s = line.s
        if not s or _COVER_NOISE.match(squash(s)) or find_standard_numbers(s)[:1] and len(s) < 30:
            if parts:
                break
            continue
        if _ENGLISH.match(s) or find_dates(s) or s.endswith("发布"):
            if parts:
                break
            continue
        if re.search(r"[。；]", s) or len(s) > 60:
            if parts:
                break
            continue
        parts.append(re.sub(r"\s+", " ", line.raw.strip()))
        if len(parts) == 3:
            break
    return " ".join(parts) if parts else None


def _dated(cover_text: str, word: str) -> str | None:
    for d in find_dates(cover_text):
        tail = cover_text[d.end : d.end + 6]
        if word in tail:
            return d.iso
    return None


def _issuer_before_fabu(cover: list[Line]) -> str | None:
    """Standards print the issuing bodies on the lines ending with 发布 (after the dates)."""
    names: list[str] = []
    for line in cover[:60]:
        s = squash(line.s)
        if find_dates(s):
            names = []
            continue
        if s.endswith("发布") and (len(s) > 2 or names):
            names.append(s[:-2].strip())
            return " ".join(n for n in names if n) or None
        if names or (s and 3 <= len(s) <= 30 and re.search(r"(局|部|委员会|政府|厅|院|会)$", s)):
            names.append(s)
    return None


def extract_metadata(cover: list[Line], full_text: str, structure: str, stem: str,
                     default_title: str | None = None) -> Metadata:
    cover_text = "\n".join(ln.s for ln in cover)
    number, printed = _cover_number(cover)
    if number is None:
        number, printed = _running_header_number(full_text)
    if number is None:
        number = number_from_filename(stem)
        printed = number
    if number is not None and structure in ("standard", "plain"):
        return _standard_metadata(cover, cover_text, number, printed, stem, full_text)
    if structure == "law" or (structure == "plain" and re.search(r"第[一二三四五六七八九十百]+条", full_text[:2000])):
        return _law_metadata(cover, full_text, stem)
    if structure == "policy":
        return _policy_metadata(cover, full_text, stem)
    if number is not None:
        return _standard_metadata(cover, cover_text, number, printed, stem, full_text)
    title = default_title or _first_title(cover) or _stem_title(stem)
    return Metadata(None, None, title, "other", "unknown", None, None, None, None, None)


# 前言: "本文件的名称由《旧名》更名为《新名》", "标准名称改为“新名”" (a cover converted as an image has no title)
_RENAMED = re.compile(r"名称(?:由\s*[《“\"].{2,60}?[》”\"]\s*)?(?:更名|改|更改|修改|变更)为\s*[《“\"](.{2,60}?)[》”\"]")


def _renamed_title(full_text: str) -> str | None:
    m = _RENAMED.search(full_text[:20000])
    return m.group(1).strip() if m else None


def _standard_metadata(cover: list[Line], cover_text: str, number: str, printed: str | None, stem: str,
                       full_text: str = "") -> Metadata:
    level, mandatory = standard_level(number)
    title = _standard_title(cover) or _renamed_title(full_text) or _stem_title(stem, number)
    return Metadata(
        number, printed, title, "standard", level, mandatory, _issuer_before_fabu(cover),
        _dated(cover_text, "发布"), _dated(cover_text, "实施"), None,
    )


def _law_metadata(cover: list[Line], full_text: str, stem: str) -> Metadata:
    title = _first_title(cover) or _stem_title(stem)
    cover_text = "\n".join(ln.s for ln in cover)
    dates = find_dates(cover_text)
    m = _FILENAME_DATE.search(stem)
    version = m.group(1) if m else (max(d.iso for d in dates) if dates else None)
    issued = max(d.iso for d in dates) if dates else version
    effective = None
    for em in _EFFECTIVE.finditer(full_text):
        found = find_dates(em.group(1))
        if found and (issued is None or found[0].iso >= issued):
            effective = found[0].iso
    latest = next((ln.s for ln in cover if issued and any(d.iso == issued for d in find_dates(ln.s))), "")
    issuer_m = _LAW_ISSUER.search(latest) or _LAW_ISSUER.search(cover_text)
    issuer = re.sub(r"第[一二三四五六七八九十]+届", "", issuer_m.group(1)) if issuer_m else None
    plain_title = re.sub(r"^中华人民共和国", "", title)
    is_law = plain_title.endswith("法") and not plain_title.endswith(("办法", "方法"))
    kind = "law" if is_law and not _LOCAL_TITLE.match(plain_title) else "regulation"
    local = bool(_LOCAL_TITLE.match(title)) and not title.startswith("中华人民共和国")
    return Metadata(None, None, title, kind, "local" if local else "national", True, issuer, issued,
                    effective, version)


def _policy_metadata(cover: list[Line], full_text: str, stem: str) -> Metadata:
    title = None
    for line in cover:
        s = line.s.strip()
        if _POLICY_TITLE.match(s) and "关于" in s:
            title = line.raw.strip()
            break
    title = title or _first_title(cover) or _stem_title(stem)
    simple = next((ln.s for ln in cover if ln.raw.strip() == title), title)
    number = find_policy_number("\n".join(ln.s for ln in cover)) or find_policy_number(full_text[:3000])
    issuer = simple.split("关于")[0] if "关于" in simple else None
    tail_dates = find_dates(full_text[-200:])
    cover_dates = find_dates("\n".join(ln.s for ln in cover))
    issued = tail_dates[-1].iso if tail_dates else (cover_dates[0].iso if cover_dates else None)
    local = bool(issuer and _LOCAL_TITLE.match(issuer))
    return Metadata(number, number, title, "policy", "local" if local else "national", None,
                    issuer or None, issued, None, None)


def _first_title(cover: list[Line]) -> str | None:
    for line in cover:
        s = line.s.strip()
        if s and len(s) <= 60 and not find_dates(s) and not s.startswith(("-", "*")):
            return re.sub(r"\s+", " ", line.raw.strip())
    return None


def _stem_title(stem: str, number: str | None = None) -> str:
    name = _FILENAME_DATE.sub("", stem)
    if number:
        name = re.sub(r"^[A-Za-z0-9_/ .\-—]+", "", name.replace("_", " "))
    return name.strip(" _-") or stem
