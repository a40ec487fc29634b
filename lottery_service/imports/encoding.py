"""One text encoding per CSV file, and every row that does not fit it (issue 9, issue 12 §7).

Offices export CSV as UTF-8 (with or without a BOM) or GB18030 (Chinese Excel's
"CSV"). The decision is made once per file, from all of its bytes:

1. a UTF-8 BOM (repeated BOMs are ignored and said so) → UTF-8; a GB18030 BOM
   (84 31 95 33) → GB18030; a UTF-16/UTF-32 BOM or NUL bytes → refused
   ("Unicode text" from Excel, not CSV);
2. otherwise UTF-8 if every line decodes as UTF-8;
3. otherwise GB18030, unless most non-ASCII lines are valid UTF-8: then the
   file is UTF-8 with some foreign rows.

Then every line is decoded on its own in that encoding. A line that does not
decode, or (in a GB18030 file) a non-ASCII line that is also valid UTF-8 - the
tell-tale of a UTF-8 row pasted into a GB18030 file - is an error naming its
row, so 王芳 never becomes 鐜嬭姵. A GB18030 file that reads as nonsense while
Big5 or Shift-JIS reads as text is refused with that name; so is a UTF-8 BOM on
GB18030 content.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from typing import BinaryIO

from .limits import ImportLimits
from .results import Note, Reason

__all__ = ["Decision", "LineCheck", "decide", "decode_text"]

UTF8_BOM = codecs.BOM_UTF8
GB18030_BOM = b"\x84\x31\x95\x33"
_WIDE_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE, codecs.BOM_UTF16_LE,
              codecs.BOM_UTF16_BE)
_SAMPLE_BYTES = 256 * 1024

R_WIDE = Reason(
    "UTF-16/UTF-32 text (Excel's \"Unicode text\"), not CSV",
    "文件是 UTF-16/UTF-32 编码（Excel「Unicode 文本」），不是 CSV",
    "请在 Excel 中「另存为」→「CSV UTF-8（逗号分隔）」，或直接上传 .xlsx",
    "save as \"CSV UTF-8 (comma delimited)\" or upload the .xlsx")
R_BOM_GB = Reason(
    "the file starts with a UTF-8 BOM but its text is GB18030",
    "文件开头有 UTF-8 的 BOM 标记，但内容是 GB18030 编码",
    "请用同一种编码重新保存：在 Excel 中「另存为」→「CSV UTF-8（逗号分隔）」",
    "save the file again in one encoding: \"CSV UTF-8 (comma delimited)\"")
R_UNDECODABLE = Reason(
    "not UTF-8 or GB18030 text", "不是 UTF-8 或 GB18030 编码的文本",
    "请在 Excel 中「另存为」→「CSV UTF-8（逗号分隔）」，或直接上传 .xlsx",
    "save as \"CSV UTF-8 (comma delimited)\" or upload the .xlsx")
R_NOT_UTF8_ROW = Reason(
    "this row is not UTF-8 while the file is (a row in another encoding, e.g. GB18030)",
    "此行不是 UTF-8 编码，而文件其余部分是 UTF-8（可能是从 GB18030 文件粘贴来的行）",
    "请把整个文件统一另存为「CSV UTF-8」后重新上传", "save the whole file as CSV UTF-8")
R_UTF8_IN_GB_ROW = Reason(
    "this row is UTF-8 while the file is GB18030 (mixed encodings)",
    "此行是 UTF-8 编码，而文件其余部分是 GB18030：文件混用了两种编码",
    "请把整个文件统一另存为「CSV UTF-8」后重新上传", "save the whole file as CSV UTF-8")
R_NOT_GB_ROW = Reason(
    "this row is not GB18030 text while the file is",
    "此行无法按 GB18030 解码，而文件其余部分是 GB18030",
    "请把整个文件统一另存为「CSV UTF-8」后重新上传", "save the whole file as CSV UTF-8")


def _foreign(name: str, zh: str) -> Reason:
    return Reason(
        f"the text reads as {name}, not UTF-8 or GB18030",
        f"文件看起来是 {zh} 编码，不是 UTF-8 或 GB18030",
        "请用 Excel 打开后「另存为」→「CSV UTF-8（逗号分隔）」再上传",
        "open it in Excel and save as \"CSV UTF-8 (comma delimited)\"")


_FOREIGN = {"big5": _foreign("Big5", "Big5（繁体中文）"),
            "cp932": _foreign("Shift-JIS", "Shift-JIS（日文）")}


def line_too_long(limits: ImportLimits) -> Reason:
    n = limits.max_record_chars
    return Reason(f"a line longer than {n} characters", f"有一行超过 {n} 个字符",
                  "请检查文件是否为正常的 CSV 表格", "check that the file is a CSV table")


@dataclass
class Decision:
    """The file's one encoding (None: refused with `error`) and what was skipped."""

    encoding: str | None
    label: str = ""
    skip: int = 0  # bytes of BOM(s) before the text
    error: Reason | None = None
    error_line: int = 0  # a line-level refusal (line too long), else 0
    mixed: bool = False  # UTF-8 with some GB18030 rows: rows valid in both are suspect
    notes: list[Note] = field(default_factory=list)


def _typical(text: str, encoding: str) -> float:
    """Share of non-ASCII characters that are ordinary text in `encoding`'s script."""
    total = good = 0
    for ch in text:
        o = ord(ch)
        if o < 128:
            continue
        total += 1
        cjk = 0x4E00 <= o <= 0x9FFF
        punct = 0x3000 <= o <= 0x303F or 0xFF01 <= o <= 0xFF5E or 0x2010 <= o <= 0x206F \
            or o == 0xB7
        if encoding == "gb18030":
            if punct or (cjk and _in_gb2312(ch)):
                good += 1
        elif encoding == "cp932":
            good += cjk or punct or 0x3040 <= o <= 0x30FF
        else:
            good += cjk or punct
    return good / total if total else 1.0


def _in_gb2312(ch: str) -> bool:
    try:
        ch.encode("gb2312")
    except UnicodeEncodeError:
        return False
    return True


def _strict(data: bytes, encoding: str) -> str | None:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        return None


def decide(stream: BinaryIO, limits: ImportLimits) -> Decision:
    """Read every line once and decide the file's encoding (module docstring)."""
    stream.seek(0)
    head = stream.read(4096)
    if head.startswith(_WIDE_BOMS) or head.count(b"\x00") * 20 > len(head):
        return Decision(None, error=R_WIDE)  # BOM, or UTF-16 without one: NULs of ASCII
    stream.seek(0)
    skip, boms, declared = 0, 0, None
    while True:
        stream.seek(skip)
        start = stream.read(4)
        if start.startswith(UTF8_BOM) and declared in (None, "utf-8"):
            skip, boms, declared = skip + len(UTF8_BOM), boms + 1, "utf-8"
        elif start == GB18030_BOM and declared is None:
            skip, declared = skip + len(GB18030_BOM), "gb18030"
        else:
            break
    notes = []
    if boms > 1:
        notes.append(Note(f"文件开头有 {boms} 个 BOM 标记，已全部忽略",
                          f"{boms} byte-order marks at the start were ignored"))
    stream.seek(skip)
    limit = limits.max_record_chars * 4
    utf8 = gb = bad = 0
    sample = bytearray()
    number = 0
    while True:
        line = stream.readline(limit + 1)
        if not line:
            break
        number += 1
        if len(line) > limit and not line.endswith(b"\n"):
            return Decision(None, error=line_too_long(limits), error_line=number)
        if line.isascii():
            continue
        if _strict(line, "utf-8") is not None:
            utf8 += 1
        elif _strict(line, "gb18030") is not None:
            gb += 1
            if len(sample) < _SAMPLE_BYTES:
                sample += line
        else:
            bad += 1
    if declared == "utf-8":
        if utf8 == 0 and gb > 0:
            return Decision(None, error=R_BOM_GB)
        return Decision("utf-8", "UTF-8（带 BOM）", skip, notes=notes)
    if declared == "gb18030":
        return Decision("gb18030", "GB18030（带 BOM）", skip, notes=notes)
    if gb == 0 and bad == 0:
        return Decision("utf-8", "UTF-8", skip, notes=notes)
    if gb == 0 and utf8 == 0:
        return Decision(None, error=R_UNDECODABLE)
    if utf8 >= gb:
        return Decision("utf-8", "UTF-8", skip, notes=notes, mixed=True)
    text = sample.decode("gb18030")
    share = _typical(text, "gb18030")
    if share < 0.75:
        best, best_share = "", share + 0.1
        for candidate in ("big5", "cp932"):
            other = _strict(bytes(sample), candidate)
            if other is not None and (s := _typical(other, candidate)) >= 0.9 \
                    and s > best_share:
                best, best_share = candidate, s
        if best:
            return Decision(None, error=_FOREIGN[best])
    return Decision("gb18030", "GB18030", skip, notes=notes)


class LineCheck:
    """Decodes one line in the file's encoding; a reason when it does not belong to it.

    In a UTF-8 file that also has GB18030 rows (`mixed`), a line that is valid in
    both is suspect when its UTF-8 reading has no Chinese character but its
    GB18030 reading is ordinary Chinese text.
    """

    def __init__(self, encoding: str, mixed: bool = False) -> None:
        self.gb = encoding == "gb18030"
        self.mixed = mixed

    def __call__(self, line: bytes) -> tuple[str, Reason | None]:
        if line.isascii():
            return line.decode("ascii"), None
        if self.gb:
            if _strict(line, "utf-8") is not None:
                return line.decode("utf-8"), R_UTF8_IN_GB_ROW
            text = _strict(line, "gb18030")
            if text is None:
                return line.decode("gb18030", "replace"), R_NOT_GB_ROW
            return text, None
        text = _strict(line, "utf-8")
        if text is None:
            return line.decode("utf-8", "replace"), R_NOT_UTF8_ROW
        if self.mixed and _typical(text, "big5") == 0.0:
            other = _strict(line, "gb18030")
            if other is not None and _typical(other, "gb18030") == 1.0:
                return text, R_NOT_UTF8_ROW
        return text, None


def decode_text(data: bytes, limits: ImportLimits | None = None) -> str | None:
    """The whole text of `data` in its one encoding; None if any line does not fit it."""
    import io

    stream = io.BytesIO(data)
    decision = decide(stream, limits or ImportLimits())
    if decision.encoding is None:
        return None
    check = LineCheck(decision.encoding, decision.mixed)
    stream.seek(decision.skip)
    parts = []
    for line in stream:
        text, problem = check(line)
        if problem is not None:
            return None
        parts.append(text)
    return "".join(parts)
