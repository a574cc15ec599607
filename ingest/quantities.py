"""Quantities stated in a clause: numbers with units (30日, 60周岁, 2人, 1:4, 50%, 三分之二).

Chinese numerals are converted (三十日 -> 30日); fractions are percentages (三分之二 -> 66.67%) and
amounts in 万/亿 are in the base unit (10万元 is 100000 元, as 十万元 is), so that figures
written either way compare. Dates, ordinals (第三条), standard numbers and clause numbers are
not quantities.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from ingest.identifiers import find_dates, find_standard_numbers
from ingest.numerals import DIGITS, cn_to_number

_UNITS = sorted(
    [
        "个工作日", "工作日", "个自然日", "自然日", "个月", "周岁", "小时", "分钟", "秒钟", "平方米", "立方米",
        "千米", "公里", "厘米", "毫米", "学时", "课时", "万人", "米", "万元", "亿元", "元", "日", "天", "周", "年", "岁", "人次",
        "人", "名", "张", "床", "间", "次", "层", "户", "项", "家", "座", "辆", "台", "套", "处", "份", "个", "对",
        "%", "‰", "℃", "m²", "m2", "m³", "km", "cm", "mm", "m", "kg", "g", "h", "min", "lx", "dB", "倍",
    ],
    key=len,
    reverse=True,
)
_COUNTERS = frozenset("项名个次家座处份套台辆间张户层")
_CN_NUM = "零〇一二两三四五六七八九十百千万"
_CN_DIGITS = "".join(DIGITS)
_NUMBER = rf"(\d+(?:\.\d+)?|[{_CN_NUM}]+(?:点[{_CN_DIGITS}]+)?)"  # 一点五倍 is 1.5倍, not 5倍
_QTY = re.compile(
    rf"(?<![第\d.A-Za-z{_CN_NUM}点])" + _NUMBER + r"\s*(" + "|".join(re.escape(u) for u in _UNITS) + r")(?![A-Za-z])"
)
_FRACTION = re.compile(rf"([{_CN_NUM}]+|\d+)分之([{_CN_NUM}]+(?:点[{_CN_DIGITS}]+)?|\d+(?:\.\d+)?)")
_SCALED = {"万元": ("元", 1e4), "亿元": ("元", 1e8), "万人": ("人", 1e4), "‰": ("%", 0.1)}  # unit -> base unit, factor
_RATIO = re.compile(r"(?<![\d.])(\d{1,3})\s*[:：∶]\s*(\d{1,3})(?![\d.])")
# A day of the year without the year: 每年3月31日前, 次年六月三十日前 (a full date is masked before).
_MONTH_DAY = re.compile(rf"(?<![\d{_CN_NUM}])(\d{{1,2}}|[{_CN_NUM}]{{1,3}})\s*月\s*(\d{{1,2}}|[{_CN_NUM}]{{1,3}})\s*[日号]")
_MONTH_END = re.compile(rf"(?<![\d{_CN_NUM}])(\d{{1,2}}|[{_CN_NUM}]{{1,3}})\s*月\s*(?:底|末)")
_TIME_OF_DAY = re.compile(r"\d{1,2}\s*[:：]\s*\d{2}\s*(?:[-—~至到]\s*\d{1,2}\s*[:：]\s*\d{2})?")


@dataclass(frozen=True)
class Quantity:
    value: float
    unit: str
    text: str      # normalised form, e.g. 30日
    start: int
    end: int


def _value(token: str) -> float | None:
    if token[0].isdigit():
        return float(token)
    return cn_to_number(token)


def _fmt(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"


def find_quantities(text: str) -> list[Quantity]:
    """Quantities in half-width text, in order of appearance."""
    masked = list(text)
    for span in [(n.start, n.end) for n in find_standard_numbers(text)] + [(d.start, d.end) for d in find_dates(text)]:
        masked[span[0] : span[1]] = "#" * (span[1] - span[0])
    for m in _TIME_OF_DAY.finditer(text):
        masked[m.start() : m.end()] = "#" * (m.end() - m.start())
    plain = "".join(masked)
    out: list[Quantity] = []
    for m in _RATIO.finditer(plain):
        out.append(Quantity(float(m.group(1)) / float(m.group(2) or 1), "ratio", f"{m.group(1)}:{m.group(2)}", m.start(), m.end()))
    for m in _MONTH_DAY.finditer(plain):
        month, day = _value(m.group(1)), _value(m.group(2))
        if month and day and 1 <= month <= 12 and 1 <= day <= 31:
            out.append(Quantity(month * 100 + day, "月日", f"{_fmt(month)}月{_fmt(day)}日", m.start(), m.end()))
    for m in _MONTH_END.finditer(plain):
        month = _value(m.group(1))
        if month and 1 <= month <= 12:
            out.append(Quantity(month * 100 + 31, "月日", f"{_fmt(month)}月底", m.start(), m.end()))
    for m in _FRACTION.finditer(plain):
        whole, part = _value(m.group(1)), _value(m.group(2))
        if whole and part is not None:
            shown = f"{_fmt(part)}%" if whole == 100 else f"{_fmt(part)}/{_fmt(whole)}"
            out.append(Quantity(round(100 * part / whole, 6), "%", shown, m.start(), m.end()))
    for m in _QTY.finditer(plain):
        v, unit = _value(m.group(1)), m.group(2)
        if v is None or (unit in ("年", "月") and v >= 1900):
            continue
        if m.group(1) == "一" and unit in _COUNTERS and not (unit == "次" and not plain.startswith("性", m.end())):
            continue  # 一项, 一名: an article ("a"), not a stated amount; 一次 is a count (一次性 is not)
        if unit in ("日", "天") and re.search(r"月\s*$", plain[: m.start()]):
            continue  # the day of a date such as 7月1日
        if unit == "年" and plain[m.end() : m.end() + 3].lstrip()[:1].isdigit():
            continue
        base, factor = _SCALED.get(unit, (unit, 1.0))
        out.append(Quantity(v * factor, base, f"{_fmt(v)}{unit}", m.start(), m.end()))
    return sorted(out, key=lambda q: q.start)
