"""Lottery numbers (PROTOCOL.md §6).

number(reg) = K(seed, "sunshine-draw/v2/lottery-number", reg): a family can
recompute its own number from the published seed and its registration number
alone; nothing else (roster order, registration time) enters it.
"""

from __future__ import annotations

from collections.abc import Iterable

from .hashing import TAG_LOTTERY_NUMBER, keyed, keyed_all


def lottery_number(seed: bytes, reg: str) -> bytes:
    """number(reg) as 32 bytes; compare bytewise (= big-endian unsigned)."""
    return keyed(seed, TAG_LOTTERY_NUMBER)(reg)


def lottery_numbers(seed: bytes, regs: Iterable[str]) -> dict[str, bytes]:
    """number(reg) for many registration numbers at once."""
    regs = list(regs)
    return dict(zip(regs, number_list(seed, regs), strict=True))


def number_list(seed: bytes, regs: Iterable[str]) -> list[bytes]:
    """[number(reg) for reg in regs], at city scale (bench/city.py)."""
    return keyed_all(seed, TAG_LOTTERY_NUMBER, regs)
