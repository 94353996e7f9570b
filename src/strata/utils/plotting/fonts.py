"""Text widths for sizing boxes, without a font library.

Box sizes must not depend on what is installed, so widths come from a table: the advance widths
of DejaVu Sans (the font matplotlib ships, used for PNG/PDF and named first in the SVG), in
thousandths of the font size, for the printable ASCII characters. Other characters get a typical
width (CJK characters a full em), which errs on the wide side.
"""

from __future__ import annotations

import unicodedata

FONT_FAMILY = "DejaVu Sans"
# What an SVG viewer falls back to when DejaVu Sans is missing: Verdana has nearly the same widths.
SVG_FONT_FAMILY = "'DejaVu Sans', Verdana, 'Bitstream Vera Sans', Arial, sans-serif"

# Ascent and descent of DejaVu Sans, as fractions of the font size.
ASCENT = 0.928
DESCENT = 0.236
LINE_SPACING = 1.3

# Advance widths of characters 32..126 (space to tilde), in 1/1000 of the font size.
_REGULAR = (
    318, 401, 460, 838, 636, 950, 780, 275, 390, 390, 500, 838, 318, 361, 318, 337,
    636, 636, 636, 636, 636, 636, 636, 636, 636, 636, 337, 337, 838, 838, 838, 531,
    1000, 684, 686, 698, 770, 632, 575, 775, 752, 295, 295, 656, 557, 863, 748, 787,
    603, 787, 695, 635, 611, 732, 684, 989, 685, 611, 685, 390, 337, 390, 838, 500,
    500, 613, 635, 550, 635, 615, 352, 635, 634, 278, 278, 579, 278, 974, 634, 612,
    635, 635, 411, 521, 392, 634, 592, 818, 592, 592, 525, 636, 337, 636, 838,
)  # fmt: skip
_BOLD = (
    348, 456, 521, 838, 696, 1002, 872, 306, 457, 457, 523, 838, 380, 415, 380, 365,
    696, 696, 696, 696, 696, 696, 696, 696, 696, 696, 400, 400, 838, 838, 838, 580,
    1000, 774, 762, 734, 830, 683, 683, 821, 837, 372, 372, 775, 637, 995, 837, 850,
    733, 850, 770, 720, 682, 812, 774, 1103, 771, 724, 725, 457, 365, 457, 838, 500,
    500, 675, 716, 593, 716, 678, 435, 716, 712, 343, 343, 665, 343, 1042, 712, 687,
    716, 716, 493, 595, 478, 712, 652, 924, 645, 652, 582, 712, 365, 712, 838,
)  # fmt: skip


def _char_width(char: str, table: tuple[int, ...]) -> int:
    code = ord(char)
    if 32 <= code <= 126:
        return table[code - 32]
    if unicodedata.combining(char):
        return 0
    if unicodedata.east_asian_width(char) in ("W", "F"):
        return 1000
    return table[ord("m") - 32] * 3 // 4


def text_width(text: str, size: float, bold: bool = False) -> float:
    """Width of `text` in points when set in DejaVu Sans at `size` points.

    Args:
        text: one line of text.
        size: font size in points.
        bold: measure the bold face.

    Returns:
        The advance width in points (no kerning, which only ever narrows a line slightly).

    Example:
        >>> text_width("Dense", 10)
        31.55
        >>> text_width("Dense", 10, bold=True) > text_width("Dense", 10)
        True
    """
    table = _BOLD if bold else _REGULAR
    return round(sum(_char_width(c, table) for c in text) * size / 1000, 2)


def line_height(size: float) -> float:
    """Height of one line of text at `size` points, spacing included.

    Example:
        >>> line_height(10)
        13.0
    """
    return round(size * LINE_SPACING, 2)


def baseline_offset(size: float) -> float:
    """Distance from the top of a line (of height `line_height(size)`) to its baseline.

    The glyphs' ascent-to-descent height is centred in the line.

    Example:
        >>> round(baseline_offset(10), 2)
        9.96
    """
    return (line_height(size) - (ASCENT + DESCENT) * size) / 2 + ASCENT * size
