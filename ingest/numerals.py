"""Chinese numerals (一百二十三, 两, 〇) to integers, and decimals written with 点 (一点五, 零点八)."""
from __future__ import annotations

DIGITS = {"零": 0, "〇": 0, "○": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5,
          "六": 6, "七": 7, "八": 8, "九": 9}
UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}
CHARS = "".join(DIGITS) + "".join(UNITS)


def cn_to_int(text: str) -> int | None:
    """Parse a Chinese numeral such as 十二, 一百零五, 三千; None when it is not one."""
    if not text or any(ch not in DIGITS and ch not in UNITS for ch in text):
        return None
    if all(ch in DIGITS for ch in text) and len(text) > 1:  # 二〇一五 digit by digit
        return int("".join(str(DIGITS[ch]) for ch in text))
    total, section, digit = 0, 0, None
    for ch in text:
        if ch in DIGITS:
            digit = DIGITS[ch]
            continue
        unit = UNITS[ch]
        if unit == 10000:
            total += (section + (digit or 0)) * unit
            section, digit = 0, None
        else:
            section += (1 if digit is None else digit) * unit
            digit = None
    return total + section + (digit or 0)


def cn_to_number(text: str) -> float | None:
    """Parse a Chinese numeral that may have a decimal part: 一点五 -> 1.5, 零点零五 -> 0.05, 三十 -> 30."""
    whole, dot, fraction = text.partition("点")
    value = cn_to_int(whole)
    if value is None or not dot:
        return None if value is None else float(value)
    if not fraction or any(ch not in DIGITS for ch in fraction):
        return None
    return float(f"{value}.{''.join(str(DIGITS[ch]) for ch in fraction)}")


def to_int(text: str) -> int | None:
    """An Arabic or Chinese numeral to int."""
    text = text.strip()
    if text.isdigit():
        return int(text)
    return cn_to_int(text)
