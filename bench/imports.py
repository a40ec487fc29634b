"""Import benchmark (issue 13 §4, issue 9 item 3): prints a table and updates bench/latest.json.

- province: a 2,000,000-row applicants file, as CSV (GB18030, as Chinese Excel
  writes it) and as XLSX (shared strings and date-styled cells, as Excel writes
  it), parsed streaming from an open file: `import_csv_s`, `import_xlsx_s` and
  the peak RSS of each parsing process;
- service: the same files imported through the service as an operator does
  (`Imports.import_file` on SQLite after a schools file of the 1,200 schools):
  parse, the door's checks, storage and the roster preview the answer carries
  (§7.1): `import_service_csv_s`, `import_service_xlsx_s`, their peak RSS and
  `_preview_s`, the preview alone (asked for again after the import); after the CSV
  import, the roster freeze confirmed with that preview's code (`freeze_roster_s`,
  `freeze_roster_peak_rss_mb`: it holds the roster, as the draw does);
- bombs: the hostile files of issue 9 (a sparse-cell XLSX, a `<dimension>` bomb,
  3,000,000 empty rows as CSV and as XLSX, a deflate bomb), each refused:
  seconds and peak RSS of the refusing process.

Files are written and parsed in fresh child processes, so each peak RSS is the
parser's own; `_s` is wall-clock, `_cpu_s` the parsing process's CPU time (on a
shared machine the wall-clock can be several times the CPU time). Note that
Excel itself holds at most 1,048,576 rows per sheet: a 2,000,000-row XLSX is
written by other programs only.
Usage: python bench/imports.py [--rows N] [--phases province,service,bombs]
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

TARGETS = {
    "import_csv_s": "< 300 s", "import_csv_peak_rss_mb": "< 1024 MB",
    "import_xlsx_s": "< 300 s", "import_xlsx_peak_rss_mb": "< 1024 MB",
    "import_service_csv_s": "< 300 s", "import_service_csv_peak_rss_mb": "< 1024 MB",
    "import_service_xlsx_s": "< 300 s", "import_service_xlsx_peak_rss_mb": "< 1024 MB",
}
SCHOOLS = 1200
BOMB_TARGET = "< 10 s, < 300 MB"
HEADER = ["报名号", "姓名", "性别", "出生日期", "区县", "户籍类型", "本市户籍或居住证",
          "失信被执行人", "政策照顾", "申请学校", "多胞胎组", "报名日期", "身份证后四位", "手机",
          "小学毕业"]
SURNAMES = ("王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹"
            "彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢")
GIVEN = ("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华"
         "玉萍红娥玲芬燕彬鹏辉浩宇轩子涵梓欣一诺")


def applicant_rows(n: int, seed: int = 2026) -> Iterator[list[Any]]:
    """Realistic applicant rows (typed: dates as dates) for one province's grade 7,
    deterministic: primary-school leavers, nearly all applying in their own district
    (P2), so the roster preview has the shape of a real one."""
    import datetime as dt

    rng = random.Random(seed)
    born0 = dt.date(2013, 9, 1).toordinal()
    for i in range(n):
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN)
                                              for _ in range(rng.choice((1, 2))))
        basis = "户籍" if rng.random() < 0.7 else "居住证"
        school = rng.randrange(1, SCHOOLS + 1)
        district = school_district(school) if rng.random() < 0.97 else rng.randrange(1, 89)
        yield [f"2026{i:08d}", name, rng.choice("男女"),
               dt.date.fromordinal(born0 + rng.randrange(366)), f"D{district:02d}",
               basis, "是", "否", "否", f"S{school:04d}", "",
               dt.date(2026, 6, 11 + rng.randrange(10)), f"{rng.randrange(10000):04d}",
               f"13{rng.randrange(10**9):09d}", "是"]


def school_district(school: int) -> int:
    return (school - 1) % 88 + 1


def write_csv(path: Path, n: int) -> None:
    import csv

    with path.open("w", encoding="gb18030", newline="") as f:
        w = csv.writer(f, lineterminator="\r\n")
        w.writerow(HEADER)
        for row in applicant_rows(n):
            w.writerow([v.strftime("%Y/%-m/%-d") if hasattr(v, "strftime") else v for v in row])


_STYLES = ('<?xml version="1.0" encoding="UTF-8"?><styleSheet xmlns="http://schemas.'
           'openxmlformats.org/spreadsheetml/2006/main"><cellXfs count="2"><xf numFmtId="0"/>'
           '<xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>')


def write_xlsx(path: Path, n: int) -> None:
    """As Excel writes it: text as shared strings, dates as styled serial numbers."""
    import datetime as dt

    from tests.unit.imports_support import _CONTENT_TYPES, _ROOT_RELS, _WORKBOOK

    epoch = dt.date(1899, 12, 30).toordinal()
    strings: dict[str, int] = {}

    def s(v: str) -> int:
        return strings.setdefault(v, len(strings))

    letters = [chr(65 + i) for i in range(len(HEADER))]
    rels = ('<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.'
            'openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
            '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/'
            '2006/relationships/styles" Target="styles.xml"/></Relationships>')
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as z:
        z.writestr("[Content_Types].xml", _CONTENT_TYPES)
        z.writestr("_rels/.rels", _ROOT_RELS)
        z.writestr("xl/workbook.xml", _WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", rels)
        z.writestr("xl/styles.xml", _STYLES)
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as out:
            w = io.BufferedWriter(out, 1 << 20)  # type: ignore[arg-type]
            w.write(b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.'
                    b'openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
            rows: Iterator[list[Any]] = iter([HEADER, *()])
            rows = (r for part in ([HEADER], applicant_rows(n)) for r in part)
            for number, row in enumerate(rows, start=1):
                cells = []
                for letter, v in zip(letters, row, strict=True):
                    ref = f"{letter}{number}"
                    if v == "":
                        continue
                    if hasattr(v, "toordinal"):
                        cells.append(f'<c r="{ref}" s="1"><v>{v.toordinal() - epoch}</v></c>')
                    elif letter == "N":  # phone typed as a number
                        cells.append(f'<c r="{ref}"><v>{v}</v></c>')
                    else:
                        cells.append(f'<c r="{ref}" t="s"><v>{s(v)}</v></c>')
                w.write(f'<row r="{number}">{"".join(cells)}</row>'.encode())
            w.write(b"</sheetData></worksheet>")
            w.flush()
        with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as out:
            w = io.BufferedWriter(out, 1 << 20)  # type: ignore[arg-type]
            w.write(f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.'
                    f'openxmlformats.org/spreadsheetml/2006/main" uniqueCount="{len(strings)}">'
                    .encode())
            for text in strings:
                w.write(f"<si><t>{escape(text)}</t></si>".encode())
            w.write(b"</sst>")
            w.flush()


BOMBS = ("sparse_cell_xlsx", "dimension_xlsx", "empty_rows_xlsx", "deflate_bomb_xlsx",
         "empty_rows_csv")


def write_bomb(name: str, path: Path) -> None:
    """The hostile files of issue 9 (written in a child: the parent stays small)."""
    from tests.unit.imports_support import inline_row, raw_xlsx

    header = inline_row(1, ["学校代码", "工号", "姓名"])
    if name == "sparse_cell_xlsx":  # the 108 KB bomb: one far cell per row
        data = raw_xlsx(header + "".join(
            f'<row r="{n}"><c r="XFD{n}" t="inlineStr"><is><t>x</t></is></c></row>'
            for n in range(2, 1_048_577)))
    elif name == "dimension_xlsx":
        data = raw_xlsx(header, before='<dimension ref="A1:XFD1048576"/>')
    elif name == "empty_rows_xlsx":  # 3 million rows, as the 15.8 MB file of issue 9
        data = raw_xlsx(header + "".join(f'<row r="{n}" spans="1:3"/>'
                                         for n in range(2, 3_000_002)))
    elif name == "deflate_bomb_xlsx":  # 1 GB of XML in ~1 MB
        data = raw_xlsx(header + '<row r="2"/>' + " " * 1_000_000_000)
    else:
        data = "学校代码,工号,姓名\r\n".encode() + b",,\r\n" * 3_000_000
    path.write_bytes(data)


def child(kind: str, path: str) -> None:
    """Parse one file from an open file object; print seconds, rows, errors, peak RSS."""
    from lottery_service import imports

    start, cpu = time.perf_counter(), time.process_time()
    with open(path, "rb") as f:
        result = imports.parse(kind, f, path)
        rows = len(result.rows)
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(json.dumps({"s": elapsed, "cpu_s": cpu, "rows": rows, "errors": result.error_count,
                      "first_error": result.errors[0].reason if result.errors else "",
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def schools_csv(n: int) -> bytes:
    """The province's private schools (§3.2), each with places for about a third of its
    applicants, in the columns the demo's schools file has."""
    header = "序号,学校代码,学校名称,区县,性质,学费,审批机关,招生计划,配套计划,九年一贯\r\n"
    rows = (f"{i},S{i:04d},第{i}民办学校,D{school_district(i):02d},民办,8000,"
            f"{'市级' if i % 4 == 0 else '区级'},{max(1, n // SCHOOLS // 3)},0,否\r\n"
            for i in range(1, SCHOOLS + 1))
    return ("\ufeff" + header + "".join(rows)).encode()


def service_child(path: str, rows: int) -> None:
    """Import the schools, then the applicants file, through the service on SQLite in a
    temporary data directory; print the applicants import's seconds and peak RSS."""
    from lottery_service.config import Settings
    from lottery_service.runtime import open_runtime

    with tempfile.TemporaryDirectory(prefix="sunshine-import-") as tmp:
        data = Path(tmp)
        runtime = open_runtime(Settings(data_dir=data, audit_dir=data / "audit",
                                        database_url=f"sqlite:///{data / 'sunshine.db'}"))
        service = runtime.service
        service.lifecycle.create_event({"event": "bench-2026", "title": "bench", "year": 2026,
                                        "grade": 7, "beacon": None})
        file = Path(path)
        service.imports.import_file("bench-2026", "schools", schools_csv(rows),
                                    "学校名单.csv")
        start, cpu = time.perf_counter(), time.process_time()
        done = service.imports.import_file("bench-2026", "applicants", file.read_bytes(),
                                           file.name)
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        again = time.perf_counter()  # the part of it that is the roster preview (§7.1)
        code = service.lifecycle.eligibility_preview("bench-2026").code
        preview = time.perf_counter() - again
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        frozen: dict[str, float] = {}
        if file.suffix == ".csv":  # the freeze once: it reads the database, not the file
            service.lifecycle.set_participants(
                "bench-2026", "lottery", [("bureau-1", "bureau"), ("notary-1", "notary")],
                base64.b64encode(X25519PrivateKey.generate().public_key().public_bytes_raw())
                .decode())
            start = time.perf_counter()
            service.lifecycle.freeze_roster("bench-2026", code)
            frozen = {"freeze_s": time.perf_counter() - start, "freeze_peak_rss_mb":
                      resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}
        runtime.engine.dispose()
    print(json.dumps({"s": elapsed, "cpu_s": cpu, "rows": done.rows, "errors": 0,
                      "preview_s": preview, "note": done.preview_note, "peak_rss_mb": peak,
                      **frozen}))


def measure(kind: str, path: Path, rows: int = 0) -> dict[str, Any]:
    command = (["--rows", str(rows), "--service", str(path)] if kind == "service"
               else ["--child", kind, str(path)])
    out = subprocess.run([sys.executable, __file__, *command], cwd=ROOT,
                         capture_output=True, text=True, check=True)
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=2_000_000)
    parser.add_argument("--phases", default="province,service,bombs")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--write", nargs=2, help=argparse.SUPPRESS)
    parser.add_argument("--service", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    if args.service:
        service_child(args.service, args.rows)
        return
    if args.write:
        name, path = args.write
        if name in BOMBS:
            write_bomb(name, Path(path))
        else:
            {"csv": write_csv, "xlsx": write_xlsx}[name](Path(path), args.rows)
        return
    results: dict[str, Any] = {}
    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        wanted = [(name, kind) for phase, name, kind in (("province", "import", "applicants"),
                                                        ("service", "import_service", "service"))
                  if phase in args.phases]
        if wanted:
            for fmt in ("csv", "xlsx"):
                path = folder / f"applicants.{fmt}"
                start = time.perf_counter()
                subprocess.run([sys.executable, __file__, "--rows", str(args.rows), "--write",
                                fmt, str(path)], cwd=ROOT, check=True)
                written = time.perf_counter() - start
                lines.append(f"{fmt}: {args.rows:,} rows, {path.stat().st_size / 1e6:.1f} MB "
                             f"(written in {written:.0f} s)")
                for name, kind in wanted:
                    m = measure(kind, path, args.rows)
                    if m["errors"] or m["rows"] != args.rows or m.get("note"):
                        raise SystemExit(f"{name} {fmt}: {m}")
                    results[f"{name}_{fmt}_s"] = round(m["s"], 2)
                    results[f"{name}_{fmt}_cpu_s"] = round(m["cpu_s"], 2)
                    results[f"{name}_{fmt}_peak_rss_mb"] = round(m["peak_rss_mb"], 1)
                    if "preview_s" in m:
                        results[f"{name}_{fmt}_preview_s"] = round(m["preview_s"], 2)
                    if "freeze_s" in m:
                        results["freeze_roster_s"] = round(m["freeze_s"], 2)
                        results["freeze_roster_peak_rss_mb"] = round(m["freeze_peak_rss_mb"], 1)
                results[f"import_{fmt}_mb"] = round(path.stat().st_size / 1e6, 1)
                path.unlink()
        if "bombs" in args.phases:
            for name in BOMBS:
                path = folder / name.replace("_xlsx", ".xlsx").replace("_csv", ".csv")
                subprocess.run([sys.executable, __file__, "--write", name, str(path)],
                               cwd=ROOT, check=True)
                m = measure("teachers", path)
                if not m["errors"] or m["rows"]:
                    raise SystemExit(f"{name} was not refused: {m}")
                results[f"bomb_{name}_s"] = round(m["s"], 2)
                results[f"bomb_{name}_cpu_s"] = round(m["cpu_s"], 2)
                results[f"bomb_{name}_peak_rss_mb"] = round(m["peak_rss_mb"], 1)
                lines.append(f"{name}: {path.stat().st_size / 1e3:,.0f} KB → {m['first_error']}")
                path.unlink()
    latest = ROOT / "bench" / "latest.json"
    previous = json.loads(latest.read_text()) if latest.exists() else {}
    previous.update(results)
    latest.write_text(json.dumps(previous, indent=2, sort_keys=True) + "\n")
    print("\n".join(lines))
    print(f"{'metric':<40}{'value':>12}  target")
    for key in sorted(results):
        target = TARGETS.get(key, BOMB_TARGET if key.startswith("bomb_") else "")
        print(f"{key:<40}{results[key]!s:>12}  {target}")


if __name__ == "__main__":
    main()
