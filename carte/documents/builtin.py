"""The templates Carte ships: used when a document names none, and offered as a starting point.

HTML: one shared layout (`templates/documents/builtin/base.html`) and a small template per
kind that fills its blocks. Every word on them comes from the `labels` of the context, so
one template serves every language. Downloaded, a kind's template is one self-contained
file (the layout with the kind's blocks put in), which an admin can edit and upload.

DOCX: made at run time with python-docx (no binary file in the repository), with the same
placeholders, for docxtpl.
"""

import io
import re
from functools import cache
from pathlib import Path

from jinja2 import FileSystemLoader

from carte.documents.rendering import environment

KINDS = ("quote", "invoice", "contract", "act")
FOLDER = Path(__file__).resolve().parent / "templates" / "documents" / "builtin"
BLOCK = re.compile(r"{% block (\w+) %}(.*?){% endblock %}", re.DOTALL)


@cache
def html_environment():
    """The sandbox with a loader for the built-in layout (uploaded templates get none)."""
    return environment(loader=FileSystemLoader(str(FOLDER)))


def html_name(kind: str) -> str:
    """The name of a kind's built-in HTML template, for `rendering.render_pdf(..., env=html_environment())`."""
    if kind not in KINDS:
        raise ValueError(f"No built-in template for {kind!r}")
    return f"{kind}.html"


def html_source(kind: str) -> str:
    """A kind's built-in HTML template as one file: the layout with the kind's blocks in place."""
    base = (FOLDER / "base.html").read_text(encoding="utf-8")
    child = (FOLDER / html_name(kind)).read_text(encoding="utf-8")
    blocks: dict[str, str] = {name: body for name, body in BLOCK.findall(child)}
    return BLOCK.sub(lambda found: blocks.get(found.group(1), found.group(2)), base)


def _label(name: str) -> str:
    return "{{ labels." + name + " }}"


@cache
def docx_source(kind: str) -> bytes:
    """A kind's built-in DOCX template (python-docx), with docxtpl placeholders."""
    from docx import Document
    from docx.enum.table import WD_TABLE_ALIGNMENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt, RGBColor

    html_name(kind)  # refuses an unknown kind
    navy = RGBColor(0x1E, 0x3A, 0x5F)
    document = Document()
    section = document.sections[0]
    section.page_height, section.page_width = Mm(297), Mm(210)
    section.left_margin = section.right_margin = Mm(15)
    section.top_margin, section.bottom_margin = Mm(15), Mm(18)
    normal = document.styles["Normal"]
    normal.font.name = "DejaVu Sans"
    normal.font.size = Pt(9)

    def paragraph(text: str = "", *, bold=False, size=None, colour=None, align=None, space_after=2):
        made = document.add_paragraph()
        run = made.add_run(text)
        run.bold = bold
        if size:
            run.font.size = Pt(size)
        if colour:
            run.font.color.rgb = colour
        if align is not None:
            made.alignment = align
        made.paragraph_format.space_after = Pt(space_after)
        return made

    footer = section.footer.paragraphs[0]
    footer.add_run("{{ company.legal_name }} · {{ labels.title }} {{ document.number }}").font.size = Pt(7)

    paragraph("{{ images.logo }}")
    paragraph("{{ company.legal_name }}", bold=True, size=11, colour=navy, align=WD_ALIGN_PARAGRAPH.RIGHT)
    paragraph("{{ company.address }}", align=WD_ALIGN_PARAGRAPH.RIGHT)
    paragraph(
        "{% if company.phone %}{{ labels.phone }}: {{ company.phone }}{% endif %}"
        "{% if company.email %} · {{ company.email }}{% endif %}",
        align=WD_ALIGN_PARAGRAPH.RIGHT,
        space_after=10,
    )
    paragraph("{{ labels.title }} {{ labels.number_sign }} {{ document.number }}", bold=True, size=16, colour=navy)
    paragraph(
        "{{ labels.date }}: {{ document.date }}"
        "{% if document.due_date %}    {{ labels.due_date }}: {{ document.due_date }}{% endif %}",
        space_after=8,
    )

    parties = document.add_table(rows=2, cols=2)
    parties.style = "Table Grid"
    parties.cell(0, 0).text = "{{ labels.seller }}"
    parties.cell(0, 1).text = "{{ labels.buyer }}"
    parties.cell(1, 0).text = (
        "{{ company.legal_name }}\n{{ company.address }}"
        "{% if company.tax_number %}\n{{ labels.tax_number }}: {{ company.tax_number }}{% endif %}"
        "{% if company.vat_number %}\n{{ labels.vat_number }}: {{ company.vat_number }}{% endif %}"
    )
    parties.cell(1, 1).text = (
        "{{ client.legal_name or client.name }}\n{{ client.address }}"
        "{% for tax_id in client.tax_ids %}\n{{ tax_id.label }}: {{ tax_id.value }}{% endfor %}"
        "{% if contact %}\n{{ labels.contact }}: {{ contact.name }}{% endif %}"
    )
    for cell in parties.rows[0].cells:
        cell.paragraphs[0].runs[0].bold = True
    paragraph(space_after=6)

    if kind in ("quote", "act", "contract"):
        paragraph("{{ labels.intro }}", space_after=6)
    if kind == "contract":
        paragraph("{{ labels.subject_title }}", bold=True, colour=navy)
        paragraph("{{ labels.subject }}", space_after=6)

    columns = [
        ("position", "{{ line.position }}"),
        ("description", "{{ line.description }}"),
        ("quantity", "{{ line.quantity }} {{ line.unit }}"),
        ("unit_price", "{{ line.unit_price }}"),
        ("tax_rate", "{{ line.tax_rate }}"),
        ("net", "{{ line.net }}"),
        ("line_total", "{{ line.total }}"),
    ]
    lines = document.add_table(rows=4, cols=len(columns))
    lines.style = "Table Grid"
    lines.alignment = WD_TABLE_ALIGNMENT.CENTER
    for index, (label, value) in enumerate(columns):
        header = lines.cell(0, index)
        header.text = _label(label)
        header.paragraphs[0].runs[0].bold = True
        lines.cell(2, index).text = value
    lines.cell(1, 0).text = "{%tr for line in lines %}"
    lines.cell(3, 0).text = "{%tr endfor %}"
    paragraph(space_after=4)

    paragraph("{{ labels.total_net }}: {{ totals.net }}", align=WD_ALIGN_PARAGRAPH.RIGHT)
    paragraph("{%p for tax in totals.taxes %}")
    paragraph("{{ tax.label }}: {{ tax.tax }}", align=WD_ALIGN_PARAGRAPH.RIGHT)
    paragraph("{%p endfor %}")
    paragraph("{{ labels.total }}: {{ totals.total }}", bold=True, size=11, colour=navy, align=WD_ALIGN_PARAGRAPH.RIGHT)
    paragraph("{{ labels.in_words }}: {{ total_in_words }}", space_after=8).runs[0].italic = True

    if kind == "invoice":
        paragraph("{{ labels.payment }}", bold=True, colour=navy)
        paragraph("{% if document.due_date %}{{ labels.pay_by }}: {{ document.due_date }}{% endif %}")
        paragraph("{{ labels.bank }}: {{ company.bank_name }}")
        paragraph("{{ labels.bank_account }}: {{ company.bank_account }}")
        paragraph("{{ labels.bank_code }}: {{ company.bank_code }}")
        paragraph("{{ company.bank_details }}")
        paragraph("{{ labels.payment_reference }}", space_after=8)
    elif kind == "quote":
        paragraph("{{ labels.conditions }}", bold=True, colour=navy)
        paragraph("{% if document.due_date %}{{ labels.valid_until }}: {{ document.due_date }}{% endif %}")
        paragraph("{{ labels.acceptance }}", space_after=8)
    elif kind == "contract":
        for title, text in (("price_title", "price"), ("payment_title", "payment_terms"), ("term_title", "term")):
            paragraph(_label(title), bold=True, colour=navy)
            paragraph(_label(text), space_after=6)
    else:
        paragraph("{{ labels.statement }}", space_after=8)

    paragraph("{%p if document.notes %}")
    paragraph("{{ labels.notes }}", bold=True, colour=navy)
    paragraph("{{ document.notes }}")
    paragraph("{%p endif %}")

    signatures = document.add_table(rows=1, cols=2)
    left, right = signatures.rows[0].cells
    seller_title = {"act": "delivered_by"}.get(kind, "for_seller")
    left.text = (
        _label(seller_title) + "\n{{ company.legal_name }}\n\n{{ images.signature }} {{ images.stamp }}\n"
        "______________________\n{{ company.signatory_name }}"
    )
    if kind in ("contract", "act"):
        buyer_title = "accepted_by" if kind == "act" else "for_buyer"
        right.text = (
            _label(buyer_title) + "\n{{ client.legal_name or client.name }}\n\n\n"
            "______________________\n{% if contact %}{{ contact.name }}{% endif %}"
        )
    elif kind == "invoice":
        right.text = (
            "{% if company.accountant_name %}{{ labels.accountant }}\n\n\n\n"
            "______________________\n{{ company.accountant_name }}{% endif %}"
        )

    output = io.BytesIO()
    document.save(output)
    return output.getvalue()
