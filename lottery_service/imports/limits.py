"""The limits every import is read under: one config object (issue 9, issue 13 §4).

Defaults sit above province scale (2,000,000 applicants in one file) and far
below what would let a hostile file exhaust the server: a bomb is refused at
the first row, column, size or ratio that exceeds them, before its content is
materialised. A service may pass its own `ImportLimits` (e.g. tighter for a
school's token).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

__all__ = ["DEFAULT_LIMITS", "MAX_UPLOAD_BYTES", "ImportLimits"]

MIB = 1024 * 1024
# What the console takes in one upload (about 500,000 applicant rows as CSV); a larger
# file is imported on the server with `sunshine import` (docs/IMPORTS.md §5).
MAX_UPLOAD_BYTES: Final = 50 * MIB


@dataclass(frozen=True, slots=True)
class ImportLimits:
    """Bounds on one uploaded file; each exceeded bound is a file error naming it."""

    max_file_bytes: int = 1024 * MIB  # a 2M-row CSV is ~200 MB, its XLSX ~90 MB
    max_rows: int = 2_500_000  # spreadsheet row number, blank rows included
    max_columns: int = 64  # last column index holding a value
    max_cell_chars: int = 256  # one cell; the fields themselves allow at most 64
    max_cells: int = 60_000_000  # non-empty cells in the sheet (2M rows x 16 = 32M)
    max_errors: int = 1_000  # errors collected; the rest are only counted
    header_search_rows: int = 20  # rows searched for the header (title rows above it)
    # XLSX is a zip of XML parts: guards against decompression bombs.
    max_xlsx_parts: int = 10_000  # zip entries
    max_uncompressed_bytes: int = 4 * 1024 * MIB  # sum of the parts read
    max_compression_ratio: int = 100  # per part larger than `ratio_floor_bytes`
    ratio_floor_bytes: int = 16 * MIB
    max_shared_strings: int = 12_000_000  # entries of sharedStrings.xml

    @property
    def max_record_chars(self) -> int:
        """The longest CSV record (all its cells) worth reading; longer is refused."""
        return self.max_columns * (self.max_cell_chars + 3)


DEFAULT_LIMITS = ImportLimits()
