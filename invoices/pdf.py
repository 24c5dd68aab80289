"""PDF rendering with ReportLab platypus: invoices, credit notes, delivery notes, statements,
purchase orders.

Text is set in the bundled DejaVu Sans (embedded and subset, so every accent and the € sign
print the same everywhere, as PDF/A requires). Long tables flow onto further pages with their
header repeated; every page carries "Page n/N". The sRGB output intent makes the PDF a valid
carrier for Factur-X (PDF/A-3).
"""

from __future__ import annotations

import hashlib
import threading
from io import BytesIO
from pathlib import Path
from xml.sax.saxutils import escape

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader, simpleSplit
from reportlab.pdfbase import pdfdoc, pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    Image,
    KeepTogether,
    PageBreak,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from .delivery import DeliveryNote
from .exceptions import DocumentError
from .funder_statement import FunderStatement
from .i18n import (
    LABELS,
    check_lang,
    long_date,
    money,
    month_year,
    number,
    percent,
    quantity,
    short_date,
    unit_price,
)
from .model import RECOVERY_INDEMNITY_CENTS, UNITS, Invoice, Party, VatRegime
from .payment import TransferRequest, format_reference
from .purchase_order import PurchaseOrder
from .reminder import Reminder
from .statement import EntryKind, Statement

Logo = bytes | str | Path | None

FONT = "DejaVuSans"
FONT_BOLD = "DejaVuSans-Bold"
_FONT_DIR = Path(__file__).with_name("fonts")
_fonts_lock = threading.Lock()
_fonts_ready = False
_icc: bytes | None = None

INK = colors.HexColor("#1f2933")
MUTED = colors.HexColor("#5f6b7a")
ACCENT = colors.HexColor("#1f5f8b")
RULE = colors.HexColor("#c9d2dc")
SHADE = colors.HexColor("#eef3f7")
ZEBRA = colors.HexColor("#f7f9fb")

PAGE_W, PAGE_H = A4
_FONT_CMD = ("FONTNAME", (0, 0), (-1, -1), FONT)  # empty cells would pull in Helvetica
MARGIN_X = 16 * mm
CONTENT_W = PAGE_W - 2 * MARGIN_X


def register_fonts() -> None:
    """Register DejaVu Sans once per process (parsing a TTF costs ~50 ms)."""
    global _fonts_ready
    if _fonts_ready:
        return
    with _fonts_lock:
        if _fonts_ready:
            return
        pdfmetrics.registerFont(TTFont(FONT, str(_FONT_DIR / "DejaVuSans.ttf")))
        pdfmetrics.registerFont(TTFont(FONT_BOLD, str(_FONT_DIR / "DejaVuSans-Bold.ttf")))
        # Binary (not ASCII85) streams: a quarter smaller and faster to write.
        rl_config.useA85 = 0
        pdfmetrics.registerFontFamily(
            FONT, normal=FONT, bold=FONT_BOLD, italic=FONT, boldItalic=FONT_BOLD
        )
        _fonts_ready = True


def srgb_profile() -> bytes:
    """An sRGB ICC profile (built by LittleCMS through Pillow) for the PDF/A output intent."""
    global _icc
    if _icc is None:
        from PIL import ImageCms

        raw = bytearray(ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes())
        raw[8:12] = bytes([4, 0x20, 0, 0])  # declare ICC v4.2, the version PDF/A-2/3 cite
        raw[84:100] = bytes(16)
        scratch = bytearray(raw)
        scratch[44:48] = scratch[64:68] = bytes(4)
        raw[84:100] = hashlib.md5(bytes(scratch), usedforsecurity=False).digest()
        _icc = bytes(raw)
    return _icc


def _styles() -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("base", fontName=FONT, fontSize=8.6, leading=11, textColor=INK)
    return {
        "base": base,
        "muted": ParagraphStyle("muted", parent=base, fontSize=7.4, leading=9.2, textColor=MUTED),
        "cell": ParagraphStyle("cell", parent=base, fontSize=8, leading=10),
        "cell_r": ParagraphStyle("cell_r", parent=base, fontSize=8, leading=10, alignment=TA_RIGHT),
        "head": ParagraphStyle(
            "head",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=7.6,
            leading=9.5,
            textColor=colors.white,
        ),
        "head_r": ParagraphStyle(
            "head_r",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=7.6,
            leading=9.5,
            textColor=colors.white,
            alignment=TA_RIGHT,
        ),
        "title": ParagraphStyle(
            "title",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=19,
            leading=23,
            textColor=ACCENT,
            alignment=TA_RIGHT,
        ),
        "meta": ParagraphStyle("meta", parent=base, alignment=TA_RIGHT),
        "box_label": ParagraphStyle(
            "box_label", parent=base, fontName=FONT_BOLD, fontSize=7.2, leading=9, textColor=ACCENT
        ),
        "section": ParagraphStyle(
            "section",
            parent=base,
            fontName=FONT_BOLD,
            fontSize=9,
            leading=12,
            textColor=ACCENT,
            spaceBefore=4,
            spaceAfter=3,
        ),
    }


_STYLES: dict[str, ParagraphStyle] = {}


def styles() -> dict[str, ParagraphStyle]:
    if not _STYLES:
        register_fonts()
        _STYLES.update(_styles())
    return _STYLES


def _p(text: str, style: str) -> Paragraph:
    return Paragraph(text, styles()[style])


def _esc(text: str) -> str:
    return escape(text)


class _Footer:
    """What every page repeats at its foot (issuer, document, page n/N)."""

    def __init__(self, left: str, middle: str, lang: str, title: str, running: str):
        self.left, self.middle, self.lang = left, middle, lang
        self.title, self.running = title, running


def _exchange_footer(issuer: Party, counterpart: Party, doc_title: str, lang: str) -> _Footer:
    """The footer of a document between two parties (invoice, delivery note, purchase order)."""
    return _Footer(
        _footer_left(issuer, lang),
        doc_title,
        lang,
        f"{issuer.legal_name} — {doc_title}",
        f"{doc_title} — {counterpart.legal_name}",
    )


def _canvas_class(footer: _Footer, pdfa: bool) -> type[Canvas]:
    """A canvas that knows the page count when it draws the footers (two-pass numbering)."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            kwargs.setdefault("pageCompression", 1)
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []
            self.setTitle(footer.title)
            self.setAuthor(footer.left.split(" · ")[0])
            self.setCreator("logipool")
            self._doc.Catalog.Lang = pdfdoc.PDFString("fr-FR" if footer.lang == "fr" else "en-GB")
            if pdfa:
                _add_output_intent(self)

        def showPage(self):
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                self._draw_footer(total)
                super().showPage()
            super().save()

        def _draw_footer(self, total: int) -> None:
            page = self._pageNumber
            self.saveState()
            self.setStrokeColor(RULE)
            self.setLineWidth(0.5)
            self.line(MARGIN_X, 13 * mm, PAGE_W - MARGIN_X, 13 * mm)
            self.setFillColor(MUTED)
            self.setFont(FONT, 7)
            self.drawString(MARGIN_X, 9 * mm, footer.left)
            page_text = LABELS[footer.lang]["page"].format(page=page, pages=total)
            self.drawRightString(PAGE_W - MARGIN_X, 9 * mm, f"{footer.middle}   ·   {page_text}")
            if page > 1:
                self.setFont(FONT_BOLD, 8)
                self.setFillColor(ACCENT)
                self.drawString(MARGIN_X, PAGE_H - 11 * mm, footer.running)
                self.setStrokeColor(RULE)
                self.line(MARGIN_X, PAGE_H - 12.5 * mm, PAGE_W - MARGIN_X, PAGE_H - 12.5 * mm)
            self.restoreState()

    return NumberedCanvas


def _add_output_intent(canvas: Canvas) -> None:
    doc = canvas._doc
    profile = pdfdoc.PDFStream(
        dictionary=pdfdoc.PDFDictionary({"N": 3}), content=srgb_profile(), filters=None
    )
    profile.__RefOnly__ = 1
    intent = pdfdoc.PDFDictionary(
        {
            "Type": pdfdoc.PDFName("OutputIntent"),
            "S": pdfdoc.PDFName("GTS_PDFA1"),
            "OutputConditionIdentifier": pdfdoc.PDFString("sRGB IEC61966-2.1"),
            "Info": pdfdoc.PDFString("sRGB IEC61966-2.1"),
            "DestOutputProfile": doc.Reference(profile),
        }
    )
    catalog = doc.Catalog
    catalog.__NoDefault__ = [*type(catalog).__NoDefault__, "OutputIntents"]
    catalog.OutputIntents = pdfdoc.PDFArray([intent])


def _logo_flowable(logo: Logo, max_w: float = 42 * mm, max_h: float = 18 * mm):
    if logo is None:
        return None
    try:
        reader = ImageReader(BytesIO(logo) if isinstance(logo, bytes) else str(logo))
        w, h = reader.getSize()
    except Exception as exc:  # ReportLab raises several unrelated types for a bad image
        raise DocumentError(f"logo: not a readable image ({exc})") from None
    scale = min(max_w / w, max_h / h)
    img = Image(
        BytesIO(logo) if isinstance(logo, bytes) else str(logo), width=w * scale, height=h * scale
    )
    img.hAlign = "LEFT"
    return img


def _party_lines(party: Party, lang: str, *, with_ids: bool = True) -> list[str]:
    lab = LABELS[lang]
    lines = list(party.address_lines)
    country = "" if party.country == "FR" else f" ({party.country})"
    lines.append(f"{party.postcode} {party.city}{country}")
    if with_ids:
        ids = []
        if party.siret:
            ids.append(f"{lab['siret']} {party.siret}")
        elif party.siren:
            ids.append(f"{lab['siren']} {party.siren}")
        if party.vat_number:
            ids.append(f"{lab['vat_number']} {party.vat_number}")
        if ids:
            lines.append(" · ".join(ids))
    return lines


def _issuer_block(party: Party, lang: str, logo: Logo) -> list:
    out = []
    img = _logo_flowable(logo)
    if img is not None:
        out += [img, Spacer(1, 2 * mm)]
    out.append(_name(party.legal_name))
    lines = _party_lines(party, lang)
    if party.siren and party.siret:
        lines.insert(-1, f"{LABELS[lang]['siren']} {party.siren}")
    if party.email:
        lines.append(party.email)
    out.append(_small(lines))
    return out


def _title_block(title: str, rows: list[tuple[str, str]]) -> list:
    out = [_p(_esc(title.upper()), "title"), Spacer(1, 1.5 * mm)]
    meta = "<br/>".join(
        f"<font color='#5f6b7a'>{_esc(k)}</font>  <b>{_esc(v)}</b>" for k, v in rows
    )
    out.append(_p(meta, "meta"))
    return out


def _header(left: list, right: list) -> Table:
    table = Table([[left, right]], colWidths=[CONTENT_W * 0.55, CONTENT_W * 0.45])
    table.setStyle(
        TableStyle(
            [
                _FONT_CMD,
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return table


def _boxes(boxes: list[tuple[str, list]]) -> Table:
    cells = [
        [_Cell(label.upper(), bold=True, size=7.2, leading=9, color=ACCENT), *content]
        for label, content in boxes
    ]
    while len(cells) < 2:
        cells.append("")
    gap = 6 * mm
    table = Table(
        [[cells[0], "", cells[1]]], colWidths=[(CONTENT_W - gap) / 2, gap, (CONTENT_W - gap) / 2]
    )
    style = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), 3 * mm),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3 * mm),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5 * mm),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5 * mm),
        ("BACKGROUND", (0, 0), (0, 0), SHADE),
    ]
    if cells[1]:
        style.append(("BACKGROUND", (2, 0), (2, 0), SHADE))
    table.setStyle(TableStyle([_FONT_CMD, *style]))
    return table


def _grid(
    rows: list[list],
    widths: list[float],
    *,
    right_cols: tuple[int, ...] = (),
    zebra: bool = True,
    extra: list | None = None,
) -> Table:
    """A data table whose header row repeats on every page it flows onto.

    Plain strings are drawn by the table itself (much faster than a Paragraph each); only
    cells that must wrap use :class:`_Cell`.
    """
    table = Table(rows, colWidths=widths, repeatRows=1)
    style = [
        _FONT_CMD,
        ("FONTSIZE", (0, 0), (-1, -1), 8),
        ("LEADING", (0, 0), (-1, -1), 10),
        ("TEXTCOLOR", (0, 1), (-1, -1), INK),
        ("FONTNAME", (0, 0), (-1, 0), FONT_BOLD),
        ("FONTSIZE", (0, 0), (-1, 0), 7.6),
        ("TEXTCOLOR", (0, 0), (-1, 0), colors.white),
        ("BACKGROUND", (0, 0), (-1, 0), ACCENT),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("TOPPADDING", (0, 0), (-1, -1), 1.6 * mm),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.6 * mm),
        ("LEFTPADDING", (0, 0), (-1, -1), 1.6 * mm),
        ("RIGHTPADDING", (0, 0), (-1, -1), 1.6 * mm),
        ("LINEBELOW", (0, 1), (-1, -1), 0.25, RULE),
    ]
    style += [("ALIGN", (c, 0), (c, -1), "RIGHT") for c in right_cols]
    if zebra:
        style += [("BACKGROUND", (0, r), (-1, r), ZEBRA) for r in range(2, len(rows), 2)]
    style += extra or []
    table.setStyle(TableStyle(style))
    return table


class _Cell(Flowable):
    """Plain text that wraps to its width, with an optional small grey note under it.

    Paragraph parses markup and is the costliest part of a page; invoices have hundreds of
    cells, so plain line-splitting keeps a one-page invoice well under 100 ms.
    """

    NOTE_SIZE, NOTE_LEAD = 6.8, 8.6

    def __init__(
        self,
        text: str,
        note: str = "",
        *,
        bold: bool = False,
        size: float = 8,
        leading: float = 10,
        color=INK,
    ):
        super().__init__()
        self.text, self.note, self.font = text, note, FONT_BOLD if bold else FONT
        self.size, self.leading, self.color = size, leading, color
        self._lines: list[str] = []
        self._notes: list[str] = []

    def wrap(self, avail_width, avail_height):
        self._lines = simpleSplit(self.text, self.font, self.size, avail_width) or [""]
        self._notes = simpleSplit(self.note, FONT, self.NOTE_SIZE, avail_width)
        self.width = avail_width
        self.height = len(self._lines) * self.leading + len(self._notes) * self.NOTE_LEAD
        return self.width, self.height

    def draw(self):
        c = self.canv
        y = self.height - self.size
        c.setFillColor(self.color)
        c.setFont(self.font, self.size)
        for line in self._lines:
            c.drawString(0, y, line)
            y -= self.leading
        c.setFillColor(MUTED)
        c.setFont(FONT, self.NOTE_SIZE)
        y += self.leading - self.NOTE_LEAD
        for line in self._notes:
            c.drawString(0, y, line)
            y -= self.NOTE_LEAD


def _name(text: str) -> _Cell:
    return _Cell(text, bold=True, size=10, leading=13)


def _small(lines: list[str]) -> _Cell:
    return _Cell("\n".join(lines), size=7.4, leading=9.2)


def _build(story: list, footer: _Footer, *, pdfa: bool) -> bytes:
    buf = BytesIO()
    doc = SimpleDocTemplate(
        buf,
        pagesize=A4,
        # the frame pads 6 pt inside the margins: text and full-width tables then line up
        leftMargin=MARGIN_X - 6,
        rightMargin=MARGIN_X - 6,
        topMargin=16 * mm - 6,
        bottomMargin=18 * mm - 6,
        title=footer.title,
        author=footer.left.split(" · ")[0],
        creator="logipool",
        lang="fr-FR" if footer.lang == "fr" else "en-GB",
        initialFontName=FONT,
        # factur-x (pypdf) writes the final Factur-X file and names pypdf as producer in
        # the XMP; PDF/A wants the Info dictionary to say the same.
        producer="pypdf" if pdfa else "ReportLab",
    )
    doc.build(story, canvasmaker=_canvas_class(footer, pdfa))
    return buf.getvalue()


# ---------------------------------------------------------------------------------------------
# Invoices and credit notes


def _invoice_story(inv: Invoice, lang: str, logo: Logo) -> list:
    lab = LABELS[lang]
    vat = inv.charges_vat
    # a column for each line's VAT when VAT is charged or the lines' treatments differ
    per_line = vat or len(inv.treatments) > 1
    totals = inv.totals
    title = lab["credit_note"] if inv.is_credit_note else lab["invoice"]
    meta = [(lab["number"], inv.number), (lab["issue_date"], long_date(inv.issue_date, lang))]
    if inv.due_date is not None:
        meta.append((lab["due_date"], long_date(inv.due_date, lang)))
    story: list = [
        _header(_issuer_block(inv.issuer, lang, logo), _title_block(title, meta)),
        Spacer(1, 6 * mm),
    ]

    public = []
    if inv.buyer_reference:
        public.append(lab["service_code"].format(code=inv.buyer_reference))
    if inv.order_reference:
        public.append(lab["commitment"].format(number=inv.order_reference))
    customer = [
        _name(inv.customer.legal_name),
        _small(_party_lines(inv.customer, lang) + public),
    ]
    boxes = [(lab["credited_to"] if inv.is_credit_note else lab["billed_to"], customer)]
    if inv.delivery_address is not None:
        where = inv.delivery_address
        text = [*where.address_lines, f"{where.postcode} {where.city}"]
        boxes.append((lab["delivered_to"], [_Cell(where.name, size=8.6, leading=11), _small(text)]))
    story += [_boxes(boxes), Spacer(1, 4 * mm)]

    facts = []
    if inv.period_start is not None and inv.period_end is not None:
        facts.append(
            (
                lab["period"],
                lab["period_range"].format(
                    start=long_date(inv.period_start, lang), end=long_date(inv.period_end, lang)
                ),
            )
        )
    if inv.delivery_date is not None:
        facts.append((lab["delivery_date"], long_date(inv.delivery_date, lang)))
    facts.append((lab["nature"], lab[inv.nature.value]))
    info = " &nbsp;·&nbsp; ".join(
        f"<font color='#5f6b7a'>{_esc(k)} :</font> {_esc(v)}"
        if lang == "fr"
        else f"<font color='#5f6b7a'>{_esc(k)}:</font> {_esc(v)}"
        for k, v in facts
    )
    story.append(_p(info, "base"))
    if inv.is_credit_note:
        assert inv.original_number is not None and inv.original_date is not None
        story.append(Spacer(1, 1.5 * mm))
        story.append(
            _p(
                "<b>"
                + _esc(
                    lab["corrects"].format(
                        number=inv.original_number, date=long_date(inv.original_date, lang)
                    )
                )
                + "</b>",
                "base",
            )
        )
    if inv.note:
        story.append(_p(_esc(inv.note), "muted"))
    story.append(Spacer(1, 4 * mm))

    if per_line:
        widths = [78 * mm, 15 * mm, 16 * mm, 22 * mm, 12 * mm]
    else:
        widths = [90 * mm, 16 * mm, 18 * mm, 25 * mm]
    widths.append(CONTENT_W - sum(widths))
    head = [lab["description"], lab["quantity"], lab["unit"], lab["unit_price"]]
    if per_line:
        head.append(lab["vat_rate"])
    head.append(lab["amount"])
    rows: list[list] = [head]
    colon = " :" if lang == "fr" else ":"
    for line in inv.lines:
        row = [
            _Cell(line.description, f"{lab['source']}{colon} {line.source}"),
            number(line.quantity, lang),
            line.unit_text(lang),
            unit_price(line.unit_price, lang),
        ]
        if per_line:
            treatment = inv.line_treatment(line)
            if treatment is VatRegime.VAT_REGISTERED:
                assert line.vat_rate is not None
                row.append(percent(line.vat_rate, lang))
            else:
                row.append(lab["vat_short_" + treatment.value])
        row.append(money(line.amount_cents, lang))
        rows.append(row)
    right = (1, 3, 4, 5) if per_line else (1, 3, 4)
    story.append(_grid(rows, widths, right_cols=right))
    if any(line.basis for line in inv.lines):
        story += [Spacer(1, 1.5 * mm), _p(_esc(lab["calc_see_annex"]), "muted")]

    if inv.deductions:
        story.append(Spacer(1, 4 * mm))
        dwidths = [92 * mm, 56 * mm]
        dwidths.append(CONTENT_W - sum(dwidths))
        drows: list[list] = [[lab["deductions"], lab["funder"], lab["amount"]]]
        for ded in inv.deductions:
            drows.append(
                [_Cell(ded.label, ded.source), _Cell(ded.funder), money(-ded.amount_cents, lang)]
            )
        story.append(_grid(drows, dwidths, right_cols=(2,)))

    trows: list[list] = []
    if totals.deductions_cents:
        trows.append([lab["lines_total"], money(totals.lines_cents, lang)])
        trows.append([lab["deductions_total"], money(-totals.deductions_cents, lang)])
    if vat:
        trows.append([lab["taxable_total"], money(totals.taxable_cents, lang)])
        for part in totals.breakdown:
            if part.category != "S":
                continue
            assert part.rate is not None
            trows.append(
                [
                    lab["vat_total"].format(rate=percent(part.rate, lang)),
                    money(part.vat_cents, lang),
                ]
            )
        trows.append([lab["total"], money(totals.total_cents, lang)])
    else:
        trows.append([lab["total_no_vat"], money(totals.total_cents, lang)])
    trows.append(
        [lab["credited"] if inv.is_credit_note else lab["due"], money(totals.due_cents, lang)]
    )
    last = len(trows) - 1
    totals_table = Table(trows, colWidths=[48 * mm, 32 * mm])
    totals_table.setStyle(
        TableStyle(
            [
                _FONT_CMD,
                ("FONTSIZE", (0, 0), (-1, -1), 8),
                ("TEXTCOLOR", (0, 0), (-1, -1), INK),
                ("FONTNAME", (0, last), (-1, last), FONT_BOLD),
                ("ALIGN", (1, 0), (1, -1), "RIGHT"),
                ("LINEBELOW", (0, 0), (-1, -2), 0.25, RULE),
                ("BACKGROUND", (0, last), (-1, last), SHADE),
                ("LINEABOVE", (0, last), (-1, last), 1, ACCENT),
                ("TOPPADDING", (0, 0), (-1, -1), 1.4 * mm),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.4 * mm),
            ]
        )
    )

    left: list = []
    if vat:
        vrows = [[lab["vat_rate"], lab["vat_base"], lab["vat_amount"]]]
        for part in totals.breakdown:
            if part.category == "S":
                assert part.rate is not None
                label = percent(part.rate, lang)
            else:
                label = " / ".join(lab["vat_short_" + t.value] for t in part.treatments)
            vrows.append(
                [
                    label,
                    money(part.taxable_cents, lang),
                    money(part.vat_cents, lang),
                ]
            )
        left = [
            _p(lab["vat_breakdown"], "section"),
            _grid(vrows, [22 * mm, 26 * mm, 22 * mm], right_cols=(1, 2), zebra=False),
        ]
    else:
        left = [Spacer(1, 2 * mm)]
    # the legal mention of every treatment charging no VAT, under the totals
    for treatment in inv.mentions:
        mention = treatment.mention(lang)
        assert mention is not None
        left.append(_Cell(mention, bold=True, size=8.6, leading=11))
    summary = Table([[left, totals_table]], colWidths=[CONTENT_W - 84 * mm, 84 * mm])
    summary.setStyle(
        TableStyle(
            [
                _FONT_CMD,
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                ("ALIGN", (1, 0), (1, 0), "RIGHT"),
            ]
        )
    )

    colon = " :" if lang == "fr" else ":"
    legal: list[Flowable] = []
    for treatment in inv.mentions:
        legal.append(_Cell(treatment.mention(lang) or "", bold=True, size=7.6))
    if not inv.is_credit_note:  # a credit note is not paid: no terms, penalties or discount
        terms = inv.payment_terms
        if inv.due_date is not None:
            terms += f" — {lab['due_date']}{colon} {long_date(inv.due_date, lang)}"
        legal.append(_Cell(f"{lab['payment_terms']}{colon} {terms}", size=7.6))
        penalties = lab["penalties"].format(
            rate=percent(inv.late_penalty_rate, lang),
            indemnity=money(RECOVERY_INDEMNITY_CENTS, lang),
        )
        legal.append(_Cell(penalties, size=7.6))
        legal.append(_Cell(lab["no_discount"], size=7.6))
        if inv.issuer.iban and inv.direct_debit is None:
            bank = lab["bank"].format(iban=_spaced_iban(inv.issuer.iban))
            if inv.issuer.bic:
                bank += " · " + lab["bic"].format(bic=inv.issuer.bic)
            legal.append(_Cell(bank, size=7.6))
        if inv.payment_reference:
            reference = lab["payment_reference"].format(reference=format_reference(inv.payment_reference))
            legal.append(_Cell(reference, bold=True, size=7.6))
    story.append(Spacer(1, 4 * mm))
    story.append(KeepTogether([summary, Spacer(1, 5 * mm), _p(lab["legal"], "section"), *legal,
                               *_how_to_pay(inv, lang)]))
    story += _calculation_annex(inv, lang)
    return story


class QrCode(Flowable):
    """A QR code drawn as vector squares from segno's module matrix (crisp at any scale),
    with its quiet zone of four modules."""

    def __init__(self, qr, size: float = 32 * mm):
        super().__init__()
        self.matrix = [list(row) for row in qr.matrix]
        self.size = size

    def wrap(self, avail_width, avail_height):
        return self.size, self.size

    def draw(self):
        n = len(self.matrix) + 8
        step = self.size / n
        c = self.canv
        c.setFillColor(colors.white)
        c.rect(0, 0, self.size, self.size, stroke=0, fill=1)
        c.setFillColor(colors.black)
        for y, row in enumerate(self.matrix):
            x = 0
            while x < len(row):  # one rectangle per run of dark modules
                if row[x]:
                    start = x
                    while x < len(row) and row[x]:
                        x += 1
                    c.rect((start + 4) * step, self.size - (y + 5) * step, (x - start) * step, step,
                           stroke=0, fill=1)
                else:
                    x += 1


def transfer_request(inv: Invoice) -> TransferRequest | None:
    """What the invoice's EPC QR code asks to pay: its amount due to the issuer's account, with
    its reference; none for a credit note, a direct debit or an issuer without IBAN."""
    if inv.is_credit_note or inv.direct_debit is not None or not inv.issuer.iban or not inv.payment_reference:
        return None
    if inv.totals.due_cents <= 0:
        return None
    return TransferRequest(name=inv.issuer.legal_name[:70], iban=inv.issuer.iban, bic=inv.issuer.bic,
                           amount_cents=inv.totals.due_cents, reference=inv.payment_reference)


def _pay_box(transfer: TransferRequest, lang: str) -> list:
    lab = LABELS[lang]
    text = lab["scan_to_pay"].format(amount=money(transfer.amount_cents, lang),
                                     reference=format_reference(transfer.reference))
    table = Table([[QrCode(transfer.qr()), _Cell(text, size=7.6, leading=9.6)]],
                  colWidths=[36 * mm, CONTENT_W - 36 * mm], hAlign="LEFT")
    table.setStyle(TableStyle([_FONT_CMD, ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                               ("LEFTPADDING", (0, 0), (-1, -1), 0)]))
    return [Spacer(1, 3 * mm), table]


def _how_to_pay(inv: Invoice, lang: str) -> list:
    """The direct-debit notice, or the EPC QR code of a transfer."""
    if inv.direct_debit is not None:
        d = inv.direct_debit
        text = LABELS[lang]["direct_debit_notice"].format(
            date=long_date(d.collection_date, lang), iban=d.masked_iban, mandate=d.mandate_reference,
            creditor=d.creditor_id)
        return [Spacer(1, 2 * mm), _Cell(text, bold=True, size=8)]
    transfer = transfer_request(inv)
    return [] if transfer is None else _pay_box(transfer, lang)


def _calculation_annex(inv: Invoice, lang: str) -> list:
    """The computation behind each line, on its own page: what a treasurer checks by hand."""
    lab = LABELS[lang]
    explained = [(n, line) for n, line in enumerate(inv.lines, start=1) if line.basis]
    if not explained:
        return []
    widths = [12 * mm, 58 * mm, 0]
    widths[2] = CONTENT_W - sum(widths)
    rows: list[list] = [["N°", lab["description"], lab["calc_detail"]]]
    for n, line in explained:
        rows.append([str(n), _Cell(line.description, line.source), _Cell(line.basis, size=7.8)])
    return [
        PageBreak(),
        _p(lab["calc_detail"], "section"),
        _p(_esc(lab["calc_intro"]), "muted"),
        Spacer(1, 2 * mm),
        _grid(rows, widths),
    ]


def _spaced_iban(iban: str) -> str:
    return " ".join(iban[i : i + 4] for i in range(0, len(iban), 4))


def _footer_left(party: Party, lang: str) -> str:
    ident = f"{LABELS[lang]['siren']} {party.siren}" if party.siren else party.city
    return f"{party.legal_name} · {ident}"


def render_invoice(
    invoice: Invoice, *, lang: str = "fr", logo: Logo = None, pdfa: bool = False
) -> bytes:
    """The invoice or credit note as PDF bytes (French by default)."""
    check_lang(lang)
    lab = LABELS[lang]
    title = lab["credit_note"] if invoice.is_credit_note else lab["invoice"]
    doc_title = f"{title} {lab['number']} {invoice.number}"
    footer = _exchange_footer(invoice.issuer, invoice.customer, doc_title, lang)
    return _build(_invoice_story(invoice, lang, logo), footer, pdfa=pdfa)


# ---------------------------------------------------------------------------------------------
# Delivery notes


def _delivery_story(note: DeliveryNote, lang: str, logo: Logo) -> list:
    lab = LABELS[lang]
    meta = [
        (lab["number"], note.number),
        (lab["delivery_date"], long_date(note.delivery_date, lang)),
        (lab["origin"], note.source),
    ]
    if note.vehicle:
        meta.append((lab["vehicle"], note.vehicle))
    story: list = [
        _header(_issuer_block(note.issuer, lang, logo), _title_block(lab["delivery_note"], meta)),
        Spacer(1, 6 * mm),
    ]
    boxes = [
        (
            lab["member"],
            [
                _name(note.recipient.legal_name),
                _small(_party_lines(note.recipient, lang)),
            ],
        )
    ]
    if note.delivery_address is not None:
        where = note.delivery_address
        text = [*where.address_lines, f"{where.postcode} {where.city}"]
        boxes.append((lab["delivered_to"], [_Cell(where.name, size=8.6, leading=11), _small(text)]))
    story += [_boxes(boxes), Spacer(1, 5 * mm)]
    if note.planned:
        story += [_p(f"<b>{_esc(lab['planned_note'])}</b>", "base"), Spacer(1, 3 * mm)]

    widths = [32 * mm, 20 * mm, 21 * mm, 19 * mm, 21 * mm, 21 * mm]
    widths.append(CONTENT_W - sum(widths) - 17 * mm)
    widths.append(17 * mm)
    rows = [
        [
            _p(lab["description"], "head"),
            _p(lab["lot"], "head"),
            _p(f"{lab['dlc']} / {lab['ddm']}", "head"),
            _p(lab["temperature_class"], "head"),
            _p(lab["ordered"], "head_r"),
            _p(lab["planned"] if note.planned else lab["delivered"], "head_r"),
            _p(lab["difference_reason"], "head"),
            _p(lab["measured_temperature"], "head"),
        ]
    ]
    for item in note.items:
        if item.use_by is not None:
            dated = f"{lab['dlc']} {short_date(item.use_by, lang)}"
        elif item.best_before is not None:
            dated = f"{lab['ddm']} {short_date(item.best_before, lang)}"
        else:
            dated = lab["none"]
        delivered = _esc(quantity(item.delivered_quantity, item.unit, lang))
        if item.difference:
            delivered = f"<b>{delivered}</b>"
        rows.append(
            [
                _p(_esc(item.description), "cell"),
                _p(_esc(item.lot), "cell"),
                _p(dated, "cell"),
                _p(_esc(lab[item.temperature_class.value]), "cell"),
                _p(_esc(quantity(item.ordered_quantity, item.unit, lang)), "cell_r"),
                _p(delivered, "cell_r"),
                _p(_esc(item.difference_reason) or lab["none"], "cell"),
                _p("…… °C" if item.temperature_class.value != "ambient" else "", "cell"),
            ]
        )
    story.append(
        _grid(
            rows,
            widths,
            extra=[
                ("LEFTPADDING", (0, 0), (-1, -1), 1.2 * mm),
                ("RIGHTPADDING", (0, 0), (-1, -1), 1.2 * mm),
                ("BOX", (-1, 1), (-1, -1), 0.5, RULE),
                ("LINEBEFORE", (-1, 1), (-1, -1), 0.5, RULE),
            ],
        )
    )
    story.append(Spacer(1, 6 * mm))

    def signature(title: str) -> list:
        return [
            _p(_esc(title.upper()), "box_label"),
            Spacer(1, 2 * mm),
            _p(
                f"{_esc(lab['signature_name'])} : ____________________________"
                if lang == "fr"
                else f"{_esc(lab['signature_name'])}: ____________________________",
                "base",
            ),
            Spacer(1, 3 * mm),
            _p(
                f"{_esc(lab['signature_datetime'])} : ____ / ____ / ________  ____ h ____"
                if lang == "fr"
                else f"{_esc(lab['signature_datetime'])}: ____ / ____ / ________  ____ : ____",
                "base",
            ),
            Spacer(1, 3 * mm),
            _p(_esc(lab["signature"]), "muted"),
            Spacer(1, 18 * mm),
        ]

    gap = 6 * mm
    sig = Table(
        [[signature(lab["signature_delivered_by"]), "", signature(lab["signature_received_by"])]],
        colWidths=[(CONTENT_W - gap) / 2, gap, (CONTENT_W - gap) / 2],
    )
    sig.setStyle(
        TableStyle(
            [
                _FONT_CMD,
                ("BOX", (0, 0), (0, 0), 0.6, RULE),
                ("BOX", (2, 0), (2, 0), 0.6, RULE),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 3 * mm),
                ("TOPPADDING", (0, 0), (-1, -1), 2.5 * mm),
            ]
        )
    )
    reserves = Table(
        [[[_p(_esc(lab["reserves"].upper()), "box_label"), Spacer(1, 16 * mm)]]],
        colWidths=[CONTENT_W],
    )
    reserves.setStyle(
        TableStyle(
            [
                _FONT_CMD,
                ("BOX", (0, 0), (-1, -1), 0.6, RULE),
                ("LEFTPADDING", (0, 0), (-1, -1), 3 * mm),
                ("TOPPADDING", (0, 0), (-1, -1), 2.5 * mm),
            ]
        )
    )
    story.append(KeepTogether([sig, Spacer(1, 4 * mm), reserves]))
    return story


def render_delivery_note(note: DeliveryNote, *, lang: str = "fr", logo: Logo = None) -> bytes:
    """The delivery note as PDF bytes, with blank fields for temperature and signatures."""
    check_lang(lang)
    lab = LABELS[lang]
    doc_title = f"{lab['delivery_note']} {lab['number']} {note.number}"
    footer = _exchange_footer(note.issuer, note.recipient, doc_title, lang)
    return _build(_delivery_story(note, lang, logo), footer, pdfa=False)


# ---------------------------------------------------------------------------------------------
# Purchase orders


#: Units a pack size reads as a measure ("5 kg"); other units are counted ("6 × bouteille").
_MEASURES = {"KGM", "TNE", "LTR", "kg", "g", "t", "l", "L", "ml", "cl"}


def _signature_box(title: str, party_name: str, hint: str, lang: str) -> list:
    lab = LABELS[lang]
    colon = " :" if lang == "fr" else ":"
    return [
        _p(_esc(title.upper()), "box_label"),
        Spacer(1, 1 * mm),
        _Cell(party_name, size=8, leading=10, bold=True),
        Spacer(1, 2 * mm),
        _p(f"{_esc(lab['signature_name'])}{colon} ____________________________", "base"),
        Spacer(1, 2.5 * mm),
        _p(f"{_esc(lab['date'])}{colon} ____ / ____ / ________", "base"),
        Spacer(1, 2.5 * mm),
        _p(_esc(hint), "muted"),
        Spacer(1, 11 * mm),
    ]


def _purchase_order_story(po: PurchaseOrder, lang: str, logo: Logo) -> list:
    lab = LABELS[lang]
    colon = " :" if lang == "fr" else ":"
    totals = po.totals
    meta = [(lab["number"], po.number), (lab["order_date"], long_date(po.order_date, lang))]
    if po.reference:
        meta.append((lab["order_reference"], po.reference))
    meta.append(
        (
            lab["requested_delivery"],
            long_date(po.delivery_date, lang) if po.delivery_date else lab["to_be_agreed"],
        )
    )
    story: list = [
        _header(_issuer_block(po.buyer, lang, logo), _title_block(lab["purchase_order"], meta)),
        Spacer(1, 6 * mm),
    ]

    supplier = [_name(po.supplier.legal_name), _small(_party_lines(po.supplier, lang))]
    if po.supplier.email:
        supplier.append(_small([po.supplier.email]))
    if po.delivery_address is not None:
        where = po.delivery_address
        ship_name = where.name
        ship_lines = [*where.address_lines, f"{where.postcode} {where.city}"]
        if where.country != "FR":
            ship_lines[-1] += f" ({where.country})"
    else:
        ship_name = po.buyer.legal_name
        ship_lines = _party_lines(po.buyer, lang, with_ids=False)
    # Delivery instructions, in the "deliver to" box: where, when, in which temperature classes.
    when = long_date(po.delivery_date, lang) if po.delivery_date else lab["to_be_agreed"]
    temps = " · ".join(lab[t].replace(" ", "\u00a0") for t in po.temperatures)
    ship = [
        _Cell(ship_name, size=8.6, leading=11, bold=True),
        _small(ship_lines),
        Spacer(1, 2 * mm),
        _p(
            f"<font color='#5f6b7a'>{_esc(lab['requested_delivery'])}{colon}</font> "
            f"<b>{_esc(when)}</b>",
            "base",
        ),
        _p(
            f"<font color='#5f6b7a'>{_esc(lab['temperature_classes'])}{colon}</font> {_esc(temps)}",
            "base",
        ),
    ]
    story += [_boxes([(lab["supplier"], supplier), (lab["ship_to"], ship)]), Spacer(1, 3 * mm)]
    instructions = []
    if any(t != "ambient" for t in po.temperatures):
        instructions.append(_p(f"<b>{_esc(lab['cold_chain'])}</b>", "base"))
    if po.notes:
        instructions.append(
            _p(f"<font color='#5f6b7a'>{_esc(lab['notes'])}{colon}</font> {_esc(po.notes)}", "base")
        )
    if instructions:
        story += [KeepTogether(instructions), Spacer(1, 1 * mm)]
    story.append(Spacer(1, 3 * mm))

    unit_idx = 0 if lang == "fr" else 1
    widths = [24 * mm, 0, 17 * mm, 13 * mm, 26 * mm, 13 * mm, 25 * mm]
    widths[1] = CONTENT_W - sum(widths)
    rows: list[list] = [
        [
            lab["supplier_reference"],
            lab["description"],
            lab["temperature_class"],
            lab["packs"],
            _p(_esc(lab["pack_price"]), "head_r"),
            lab["vat_rate"],
            _p(_esc(lab["net_amount"]), "head_r"),
        ]
    ]
    for line in po.lines:
        unit = UNITS[line.unit][unit_idx] if line.unit in UNITS else line.unit
        size = number(line.pack_size, lang)
        measure = line.unit in _MEASURES or unit in _MEASURES
        pack = lab["pack_of"].format(pack=f"{size} {unit}" if measure else f"{size} × {unit}")
        rows.append(
            [
                _Cell(line.reference),
                _Cell(line.description, pack),
                lab[f"temp_{line.temperature}"],
                str(line.packs),
                money(line.pack_price_cents, lang),
                percent(line.vat_rate, lang),
                money(line.amount_cents, lang),
            ]
        )
    story.append(_grid(rows, widths, right_cols=(3, 4, 5, 6)))

    trows: list[list] = []
    if totals.delivery_fee_cents:
        trows.append([lab["goods_total"], money(totals.lines_cents, lang)])
        trows.append([lab["delivery_fee"], money(totals.delivery_fee_cents, lang)])
    trows.append([lab["taxable_total"], money(totals.taxable_cents, lang)])
    for part in totals.breakdown:
        trows.append(
            [lab["vat_total"].format(rate=percent(part.rate, lang)), money(part.vat_cents, lang)]
        )
    trows.append([lab["total"], money(totals.total_cents, lang)])
    last = len(trows) - 1
    totals_table = Table(trows, colWidths=[48 * mm, 32 * mm])
    totals_table.setStyle(
        TableStyle(
            [
                _FONT_CMD,
                ("FONTSIZE", (0, 0), (-1, -1), 8),
                ("TEXTCOLOR", (0, 0), (-1, -1), INK),
                ("FONTNAME", (0, last), (-1, last), FONT_BOLD),
                ("ALIGN", (1, 0), (1, -1), "RIGHT"),
                ("LINEBELOW", (0, 0), (-1, -2), 0.25, RULE),
                ("BACKGROUND", (0, last), (-1, last), SHADE),
                ("LINEABOVE", (0, last), (-1, last), 1, ACCENT),
                ("TOPPADDING", (0, 0), (-1, -1), 1.4 * mm),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.4 * mm),
            ]
        )
    )
    vrows = [[lab["vat_rate"], lab["vat_base"], lab["vat_amount"]]]
    for part in totals.breakdown:
        vrows.append(
            [percent(part.rate, lang), money(part.taxable_cents, lang), money(part.vat_cents, lang)]
        )
    left: list = [
        _p(lab["vat_breakdown"], "section"),
        _grid(vrows, [16 * mm, 28 * mm, 26 * mm], right_cols=(1, 2), zebra=False),
    ]
    if totals.delivery_fee_cents and len(totals.breakdown) > 1:
        left += [Spacer(1, 1.5 * mm), _Cell(lab["po_fee_vat"], size=7, leading=9, color=MUTED)]
    left += [
        Spacer(1, 4 * mm),
        _Cell(lab["po_confirm"], size=8, leading=10),
        Spacer(1, 1 * mm),
        _Cell(lab["po_not_invoice"], size=7.4, leading=9.2, color=MUTED),
    ]
    summary = Table([[left, totals_table]], colWidths=[CONTENT_W - 84 * mm, 84 * mm])
    summary.setStyle(
        TableStyle(
            [
                _FONT_CMD,
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("RIGHTPADDING", (0, 0), (0, 0), 6 * mm),
                ("RIGHTPADDING", (1, 0), (1, 0), 0),
                ("ALIGN", (1, 0), (1, 0), "RIGHT"),
            ]
        )
    )
    story += [Spacer(1, 3 * mm), KeepTogether([summary])]

    gap = 6 * mm
    sig = Table(
        [
            [
                _signature_box(lab["for_buyer"], po.buyer.legal_name, lab["signature"], lang),
                "",
                _signature_box(
                    lab["agreement"], po.supplier.legal_name, lab["agreement_mention"], lang
                ),
            ]
        ],
        colWidths=[(CONTENT_W - gap) / 2, gap, (CONTENT_W - gap) / 2],
    )
    sig.setStyle(
        TableStyle(
            [
                _FONT_CMD,
                ("BOX", (0, 0), (0, 0), 0.6, RULE),
                ("BOX", (2, 0), (2, 0), 0.6, ACCENT),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 3 * mm),
                ("TOPPADDING", (0, 0), (-1, -1), 2.5 * mm),
            ]
        )
    )
    story.append(
        KeepTogether(
            [
                Spacer(1, 5 * mm),
                sig,
            ]
        )
    )
    return story


def render_purchase_order(po: PurchaseOrder, *, lang: str = "fr", logo: Logo = None) -> bytes:
    """The purchase order as PDF bytes: lines, totals, delivery instructions, room to sign."""
    check_lang(lang)
    if not isinstance(po, PurchaseOrder):
        raise DocumentError("po: expected a PurchaseOrder")
    lab = LABELS[lang]
    doc_title = f"{lab['purchase_order']} {lab['number']} {po.number}"
    footer = _exchange_footer(po.buyer, po.supplier, doc_title, lang)
    return _build(_purchase_order_story(po, lang, logo), footer, pdfa=False)


# ---------------------------------------------------------------------------------------------
# Statements


def _statement_story(st: Statement, lang: str, logo: Logo) -> list:
    lab = LABELS[lang]
    summary = st.summary()
    meta = [lab["as_of"].format(date=long_date(st.as_of, lang))]
    if st.period_start is not None:
        period = lab["statement_period"].format(start=long_date(st.period_start, lang), end=long_date(st.as_of, lang))
        meta.insert(0, period)
    story: list = [
        _header(
            _issuer_block(st.issuer, lang, logo),
            [
                _p(_esc(lab["statement"].upper()), "title"),
                Spacer(1, 1.5 * mm),
                *[_p(_esc(line), "meta") for line in meta],
            ],
        ),
        Spacer(1, 6 * mm),
    ]
    story += [
        _boxes(
            [
                (
                    lab["member"],
                    [
                        _name(st.member.legal_name),
                        _small(_party_lines(st.member, lang)),
                    ],
                )
            ]
        ),
        Spacer(1, 5 * mm),
    ]

    sums = [
        (lab["invoiced"], money(summary.invoiced_cents, lang)),
        (lab["credited_total"], money(-summary.credited_cents, lang)),
        (lab["paid"], money(-summary.paid_cents, lang)),
        (lab["balance_due"], money(summary.balance_cents, lang)),
        (lab["overdue"].format(date=long_date(st.as_of, lang)), money(summary.overdue_cents, lang)),
    ]
    srows = [[_p(_esc(k), "cell"), _p(v, "cell_r")] for k, v in sums]
    srows[3] = [_p(f"<b>{_esc(sums[3][0])}</b>", "cell"), _p(f"<b>{sums[3][1]}</b>", "cell_r")]
    stable = Table(srows, colWidths=[58 * mm, 32 * mm], hAlign="RIGHT")
    stable.setStyle(
        TableStyle(
            [
                _FONT_CMD,
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE),
                ("BACKGROUND", (0, 3), (-1, 3), SHADE),
                ("LINEABOVE", (0, 3), (-1, 3), 1, ACCENT),
                ("TOPPADDING", (0, 0), (-1, -1), 1.4 * mm),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.4 * mm),
            ]
        )
    )

    widths = [20 * mm, 24 * mm, 0, 20 * mm, 22 * mm, 22 * mm, 23 * mm]
    widths[2] = CONTENT_W - sum(widths)
    rows: list[list] = [
        [
            lab["date"],
            lab["reference"],
            lab["label"],
            lab["due_date"],
            lab["debit"],
            lab["credit"],
            lab["balance"],
        ]
    ]
    kind_label = {
        EntryKind.INVOICE: lab["entry_invoice"],
        EntryKind.CREDIT_NOTE: lab["entry_credit_note"],
        EntryKind.PAYMENT: lab["entry_payment"],
        EntryKind.REFUND: lab["entry_refund"],
    }
    if st.period_start is not None:
        opening = lab["opening_balance"].format(date=short_date(st.period_start, lang))
        rows.append(["", "", _Cell(opening, ""), "", "", "", money(summary.opening_balance_cents, lang)])
    for entry, balance in st.period_entries():
        note = f"{kind_label[entry.kind]}"
        if entry.invoice_reference:
            note += f" · {entry.invoice_reference}"
        owed = entry.kind in (EntryKind.INVOICE, EntryKind.REFUND)
        debit = money(entry.amount_cents, lang) if owed else ""
        credit = "" if owed else money(entry.amount_cents, lang)
        rows.append(
            [
                short_date(entry.entry_date, lang),
                _Cell(entry.reference, size=7.4, leading=9),  # a payment reference wraps
                _Cell(entry.label, note),
                short_date(entry.due_date, lang) if entry.due_date else "",
                debit,
                credit,
                money(balance, lang),
            ]
        )
    story.append(_grid(rows, widths, right_cols=(4, 5, 6)))
    story += [Spacer(1, 5 * mm), stable]
    if st.issuer.iban and summary.balance_cents > 0:
        bic = f" ({lab['bic'].format(bic=st.issuer.bic)})" if st.issuer.bic else ""
        story += [
            Spacer(1, 4 * mm),
            _p(_esc(lab["pay_instructions"].format(iban=_spaced_iban(st.issuer.iban), bic=bic)), "base"),
        ]

    if summary.open_items:
        orows: list[list] = [
            [
                lab["reference"],
                lab["issue_date"],
                lab["due_date"],
                lab["amount"].split(" ")[0],
                lab["remaining"],
                "",
            ]
        ]
        bold = []
        for r, item in enumerate(summary.open_items, start=1):
            orows.append(
                [
                    item.reference,
                    short_date(item.issue_date, lang),
                    short_date(item.due_date, lang),
                    money(item.amount_cents, lang),
                    money(item.remaining_cents, lang),
                    lab["status_overdue"] if item.overdue else lab["status_open"],
                ]
            )
            if item.overdue:
                bold.append(("FONTNAME", (5, r), (5, r), FONT_BOLD))
        ow = [30 * mm, 28 * mm, 28 * mm, 30 * mm, 30 * mm]
        ow.append(CONTENT_W - sum(ow))
        story += [
            Spacer(1, 5 * mm),
            KeepTogether(
                [_p(lab["open_items"], "section"), _grid(orows, ow, right_cols=(3, 4), extra=bold)]
            ),
        ]
    return story


def render_statement(statement: Statement, *, lang: str = "fr", logo: Logo = None) -> bytes:
    """The member's statement as PDF bytes: movements, running balance, what is overdue."""
    check_lang(lang)
    lab = LABELS[lang]
    doc_title = f"{lab['statement']} — {statement.member.legal_name}"
    footer = _Footer(
        _footer_left(statement.issuer, lang),
        f"{lab['statement']} · {short_date(statement.as_of, lang)}",
        lang,
        f"{statement.issuer.legal_name} — {doc_title}",
        doc_title,
    )
    return _build(_statement_story(statement, lang, logo), footer, pdfa=False)


def _funder_statement_story(st: FunderStatement, lang: str, logo: Logo) -> list:
    lab = LABELS[lang]
    period = lab["statement_period"].format(start=long_date(st.start, lang), end=long_date(st.end, lang))
    story: list = [
        _header(_issuer_block(st.issuer, lang, logo),
                [_p(_esc(lab["funder_statement"].upper()), "title"), Spacer(1, 1.5 * mm), _p(_esc(period), "meta")]),
        Spacer(1, 6 * mm),
        _boxes([(lab["funder"], [_name(st.funder)])]),
        Spacer(1, 5 * mm),
    ]
    widths = [40 * mm, 0, 32 * mm]
    widths[1] = CONTENT_W - sum(widths)
    rows: list[list] = [[lab["period"], lab["source"], lab["amount"].split(" ")[0]]]
    for (month, source), cents in st.by_period_and_source():
        rows.append([month_year(month, lang), _Cell(source, ""), money(cents, lang)])
    rows.append(["", _Cell(lab["funded_total"], ""), money(st.total_cents, lang)])
    story += [_p(lab["per_period_source"], "section"),
              _grid(rows, widths, right_cols=(2,), extra=[("FONTNAME", (0, len(rows) - 1), (-1, len(rows) - 1),
                                                           FONT_BOLD)])]
    mrows: list[list] = [[lab["member"], lab["amount"].split(" ")[0]]]
    mrows += [[_Cell(member, ""), money(cents, lang)] for member, cents in st.by_member()]
    story += [Spacer(1, 5 * mm), _p(lab["per_member"], "section"),
              _grid(mrows, [CONTENT_W - 32 * mm, 32 * mm], right_cols=(1,))]
    dw = [24 * mm, 0, 50 * mm, 28 * mm]
    dw[1] = CONTENT_W - sum(dw)
    drows: list[list] = [[lab["reference"], lab["label"], lab["member"], lab["amount"].split(" ")[0]]]
    drows += [[p.invoice_reference, _Cell(p.label, ""), _Cell(p.member, ""), money(p.amount_cents, lang)]
              for p in sorted(st.parts, key=lambda p: (p.period, p.invoice_reference, p.label))]
    story += [Spacer(1, 5 * mm), _p(lab["funded_detail"], "section"), _grid(drows, dw, right_cols=(3,))]
    return story


def render_funder_statement(statement: FunderStatement, *, lang: str = "fr", logo: Logo = None) -> bytes:
    """A funder's statement as PDF bytes: its parts per period and source, per member, per invoice."""
    check_lang(lang)
    lab = LABELS[lang]
    doc_title = f"{lab['funder_statement']} — {statement.funder}"
    footer = _Footer(_footer_left(statement.issuer, lang),
                     f"{lab['funder_statement']} · {short_date(statement.end, lang)}", lang,
                     f"{statement.issuer.legal_name} — {doc_title}", doc_title)
    return _build(_funder_statement_story(statement, lang, logo), footer, pdfa=False)
# ---------------------------------------------------------------------------------------------
# Reminder letters


def _reminder_story(r: Reminder, lang: str, logo: Logo) -> list:
    lab = LABELS[lang]
    late = r.late
    title = lab[f"reminder_{r.level}"]
    meta = [(lab["number"], r.invoice_number), (lab["issue_date"], long_date(r.sent_on, lang))]
    story: list = [
        _header(_issuer_block(r.issuer, lang, logo), _title_block(title, meta)),
        Spacer(1, 6 * mm),
        _boxes([(lab["billed_to"], [_name(r.customer.legal_name), _small(_party_lines(r.customer, lang))])]),
        Spacer(1, 6 * mm),
    ]
    intro = lab[f"reminder_intro_{r.level}"].format(
        number=r.invoice_number, date=long_date(r.issue_date, lang), due=long_date(late.due_date, lang),
        days=late.days_late)
    story += [_p(_esc(intro), "base"), Spacer(1, 5 * mm)]
    rows = [
        [_p(_esc(lab["reminder_remaining"]), "cell"), _p(money(late.remaining_cents, lang), "cell_r")],
        [_p(_esc(lab["reminder_penalty"].format(rate=percent(late.annual_rate, lang), days=late.days_late)), "cell"),
         _p(money(late.penalty_cents, lang), "cell_r")],
    ]
    if late.indemnity_cents:
        rows.append([_p(_esc(lab["reminder_indemnity"]), "cell"), _p(money(late.indemnity_cents, lang), "cell_r")])
    total = lab["reminder_total"].format(date=long_date(late.on, lang))
    rows.append([_p(f"<b>{_esc(total)}</b>", "cell"), _p(f"<b>{money(late.total_cents, lang)}</b>", "cell_r")])
    table = Table(rows, colWidths=[110 * mm, 40 * mm], hAlign="LEFT")
    table.setStyle(TableStyle([
        _FONT_CMD,
        ("LINEBELOW", (0, 0), (-1, -1), 0.25, RULE),
        ("BACKGROUND", (0, len(rows) - 1), (-1, len(rows) - 1), SHADE),
        ("LINEABOVE", (0, len(rows) - 1), (-1, len(rows) - 1), 1, ACCENT),
    ]))
    story += [table, Spacer(1, 4 * mm), _Cell(lab["reminder_legal"], size=7.6)]
    if r.payment_reference:
        story.append(_Cell(lab["payment_reference"].format(reference=format_reference(r.payment_reference)),
                           bold=True, size=7.6))
    if r.transfer is not None:
        story += _pay_box(r.transfer, lang)
    story += [Spacer(1, 4 * mm), _p(_esc(lab["reminder_ignore"]), "muted")]
    return story


def render_reminder(reminder: Reminder, *, lang: str = "fr", logo: Logo = None) -> bytes:
    """A first or second reminder letter as PDF bytes: what remains, the penalties and the
    indemnity the invoice states, and how to pay (its reference and EPC QR code)."""
    check_lang(lang)
    lab = LABELS[lang]
    doc_title = f"{lab[f'reminder_{reminder.level}'].capitalize()} — {lab['number']} {reminder.invoice_number}"
    footer = _exchange_footer(reminder.issuer, reminder.customer, doc_title, lang)
    return _build(_reminder_story(reminder, lang, logo), footer, pdfa=False)
