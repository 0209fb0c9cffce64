"""A one-page certificate PDF (fpdf2), returned as bytes.

Human text (name, titles) uses DejaVu Sans when it is installed (any script DejaVu covers; a
character it lacks is transliterated or replaced by "?"), else the built-in Helvetica with the
text reduced to Latin-1 the same way, so no name can make it crash. The verification code and URL
are always set in the built-in Courier/Helvetica (they are ASCII), so they stay extractable text.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Iterable
from datetime import UTC
from pathlib import Path
from urllib.parse import quote

from fpdf import FPDF
from fpdf.fonts import TTFFont

from mesolearn import settings
from mesolearn.certificates.service import CertificateInfo

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf",
    "/usr/local/share/fonts/DejaVuSans.ttf",
    "/Library/Fonts/DejaVuSans.ttf",
)
AUTO = "auto"
VERIFY_TOP = 210 - 58  # mm from the top of an A4 landscape page: where the verification block starts

# characters NFKD does not reduce to Latin-1
_TRANSLIT = {
    "Ł": "L",
    "ł": "l",
    "Đ": "D",
    "đ": "d",
    "Ħ": "H",
    "ħ": "h",
    "ı": "i",
    "Œ": "OE",
    "œ": "oe",
    "ŉ": "'n",
    "ĸ": "k",
    "Ŋ": "N",
    "ŋ": "n",
    "Ŧ": "T",
    "ŧ": "t",
    "ſ": "s",
    "ƒ": "f",
    "Ə": "E",
    "ə": "e",
    "‘": "'",
    "’": "'",
    "‚": ",",
    "“": '"',
    "”": '"',
    "„": '"',
    "–": "-",
    "—": "-",
    "‐": "-",
    "‑": "-",
    "•": "*",
    "…": "...",
    "€": "EUR",
    "™": "TM",
    "\u00a0": " ",
}


def find_unicode_font() -> str | None:
    """A DejaVu Sans TTF on this system ($MESOLEARN_PDF_FONT first), or None."""
    env = settings.current().pdf_font
    for path in ([env] if env else []) + list(FONT_CANDIDATES):
        if path and Path(path).is_file():
            return path
    return None


def _fallback_char(ch: str, ok: Callable[[str], bool]) -> str:
    if ch in _TRANSLIT and all(ok(c) for c in _TRANSLIT[ch]):
        return _TRANSLIT[ch]
    base = "".join(c for c in unicodedata.normalize("NFKD", ch) if not unicodedata.combining(c))
    if base and all(ok(c) for c in base):
        return base
    try:  # optional: present with many installs, not required
        from text_unidecode import unidecode

        t = unidecode(ch).strip()
        if t and all(ok(c) for c in t):
            return t
    except ImportError:  # pragma: no cover
        pass
    return "?"


def safe_text(text: str, ok: Callable[[str], bool] | None = None) -> str:
    """``text`` with every character the font cannot show transliterated or replaced by "?"."""
    ok = ok or (lambda c: ord(c) < 256)
    out = []
    for ch in str(text):
        if unicodedata.category(ch) in ("Cc", "Cf", "Cs", "Co", "Cn"):
            continue  # control, format, surrogate, private-use, unassigned
        out.append(ch if ok(ch) else _fallback_char(ch, ok))
    return "".join(out)


def verify_url(base_url: str, code: str) -> str:
    return f"{base_url.rstrip('/')}/verify?code={quote(code)}"


def certificate_pdf(
    cert: CertificateInfo, base_url: str, course_title: str = "MesoLearn", font: str | None = AUTO
) -> bytes:
    """The certificate as PDF bytes. ``font``: a TTF path, ``"auto"`` (find DejaVu) or None (core fonts)."""
    font_path = find_unicode_font() if font == AUTO else font
    pdf = FPDF(orientation="L", unit="mm", format="A4")
    pdf.set_auto_page_break(False)  # one page whatever the content
    pdf.set_margins(20, 20, 20)
    pdf.set_creation_date(cert.issued_at.replace(tzinfo=UTC) if cert.issued_at.tzinfo is None else cert.issued_at)
    pdf.set_title(safe_text(f"Certificate {cert.code}", lambda c: c.isascii()))
    pdf.set_subject(f"Verification code {cert.code}")
    pdf.set_creator("MesoLearn")
    pdf.add_page()

    if font_path:
        pdf.add_font("body", "", font_path)
        body = pdf.fonts["body"]
        assert isinstance(body, TTFFont)  # add_font with a file always makes a TTF font
        glyphs = body.cmap
        family, ok = "body", (lambda c: ord(c) in glyphs)
    else:
        family, ok = "helvetica", (lambda c: ord(c) < 256)

    def text(s: str) -> str:
        return safe_text(s, ok)

    width = pdf.w - pdf.l_margin - pdf.r_margin

    def line(
        s: str,
        size: float,
        h: float,
        color: tuple[int, int, int] = (40, 40, 40),
        fam: str | None = None,
        fit: bool = False,
    ) -> None:
        pdf.set_font(fam or family, size=size)
        if fit:  # shrink a long line (a long name) to the page width
            while size > 8 and pdf.get_string_width(s) > width:
                size -= 1
                pdf.set_font(fam or family, size=size)
        pdf.set_text_color(*color)
        pdf.cell(width, h, s, align="C", new_x="LMARGIN", new_y="NEXT")

    # frame
    pdf.set_draw_color(40, 90, 120)
    pdf.set_line_width(1.2)
    pdf.rect(10, 10, pdf.w - 20, pdf.h - 20)
    pdf.set_line_width(0.3)
    pdf.rect(13, 13, pdf.w - 26, pdf.h - 26)

    pdf.set_y(26)
    line(text(course_title), 14, 8, (40, 90, 120), fit=True)
    line(text("Certificate of completion"), 30, 16, (20, 20, 20))
    pdf.ln(4)
    line(text("This certifies that"), 13, 8)
    line(text(cert.holder_name), 28, 16, (10, 10, 10), fit=True)
    issued = cert.issued_at.strftime("%d %B %Y")
    line(text(f"passed the {cert.exam_title}"), 14, 8, fit=True)
    line(text(f"with a score of {cert.score:.1f}% on {issued},"), 14, 8)
    line(text("having passed the quizzes of the following modules:"), 12, 8)
    # the module list: shrink the type until it fits above the verification block, then cut
    modules = text(_join(cert.modules))
    room = VERIFY_TOP - (12 if not cert.valid else 0) - pdf.get_y() - 2
    size = 11.0
    while True:
        pdf.set_font(family, size=size)
        h = size * 0.5
        lines = pdf.multi_cell(width, h, modules, align="C", dry_run=True, output="LINES")
        assert isinstance(lines, list)  # output="LINES" returns just the list of lines
        if len(lines) * h <= room or size <= 6:
            break
        size -= 0.5
    fit = max(1, int(room // h))
    if len(lines) > fit:
        modules = " ".join(lines[:fit])[:-3].rstrip() + "..."
    pdf.set_text_color(40, 40, 40)
    pdf.multi_cell(width, h, modules, align="C", new_x="LMARGIN", new_y="NEXT")
    if not cert.valid:
        pdf.ln(2)
        line(text(f"REVOKED on {cert.revoked_at:%d %B %Y}"), 16, 9, (180, 0, 0))

    # verification block, always in core fonts (ASCII)
    url = verify_url(base_url, cert.code)
    pdf.set_y(VERIFY_TOP)
    line("Verification code", 10, 6, (90, 90, 90), fam="helvetica")
    line(cert.code, 18, 10, (10, 10, 10), fam="courier")
    line(safe_text(f"verify at {url}", lambda c: c.isascii()), 10, 6, (40, 90, 120), fam="helvetica", fit=True)
    pdf.ln(3)
    line(
        text(
            "This certificate records completion of an educational course. "
            "It is not a licence or qualification to practise."
        ),
        8,
        5,
        (110, 110, 110),
        fit=True,
    )
    return bytes(pdf.output())


def _join(items: Iterable[str]) -> str:
    items = list(items)
    return "; ".join(items) if items else "-"
