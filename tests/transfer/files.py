"""Real-looking files to import, built in the tests: the exports of Google Contacts and Outlook, a Russian
Excel CSV, workbooks, vCards. Every builder returns the file's bytes; `saved(tmp_path, name, content)`
writes them. The people and companies come from Faker, seeded, so a test can compare what a reader
gives with what the file was built from.

    people = persons(3, "fr_FR")
    path = saved(tmp_path, "contacts.csv", google_contacts_csv(people))
"""

import csv
import io
import random
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from faker import Faker
from openpyxl import Workbook

# ---------------------------------------------------------------------------------------------
# People and companies
# ---------------------------------------------------------------------------------------------


@dataclass
class Person:
    """A contact as address books hold one; `emails[0]` is the work address, `emails[1]` the personal one."""

    first_name: str
    last_name: str
    middle_name: str = ""
    company: str = ""
    title: str = ""
    emails: list[str] = field(default_factory=list)
    work_phone: str = ""
    mobile_phone: str = ""
    home_phone: str = ""
    street: str = ""
    city: str = ""
    postal_code: str = ""
    country: str = ""
    birthday: date | None = None
    website: str = ""
    note: str = ""

    @property
    def full_name(self) -> str:
        return " ".join(part for part in (self.first_name, self.middle_name, self.last_name) if part)


COUNTRIES = {"fr_FR": "France", "ru_RU": "Россия", "en_US": "United States"}


def persons(count: int, locale: str = "en_US", seed: int = 1) -> list[Person]:
    """`count` people of `locale` ("en_US", "fr_FR", "ru_RU"), the same ones for the same seed."""
    fake = Faker(locale)
    fake.seed_instance(seed)
    people = []
    for index in range(count):
        first, last = fake.first_name(), fake.last_name()
        login = f"{index}.{fake.user_name()}"
        people.append(
            Person(
                first_name=first,
                last_name=last,
                middle_name=fake.middle_name() if locale == "ru_RU" else "",
                company=fake.company(),
                title=fake.job()[:60],
                emails=[f"{login}@{fake.domain_name()}", f"{login}@{fake.free_email_domain()}"],
                work_phone=fake.phone_number(),
                mobile_phone=fake.phone_number(),
                home_phone=fake.phone_number() if index % 2 else "",
                street=fake.street_address(),
                city=fake.city(),
                postal_code=fake.postcode(),
                country=COUNTRIES.get(locale, ""),
                birthday=fake.date_of_birth(minimum_age=20, maximum_age=70),
                website=f"https://www.{fake.domain_name()}",
                note=fake.sentence(nb_words=8) + ("\n" + fake.sentence(nb_words=5) if index % 3 == 0 else ""),
            )
        )
    return people


def saved(folder: Path, name: str, content: bytes) -> Path:
    """Write `content` to `folder / name` and return the path."""
    path = folder / name
    path.write_bytes(content)
    return path


# ---------------------------------------------------------------------------------------------
# Delimited text
# ---------------------------------------------------------------------------------------------


def delimited(
    rows: Iterable[Sequence],
    *,
    delimiter: str = ",",
    encoding: str = "utf-8",
    bom: bool = False,
    newline: str = "\r\n",
    quoting: int = csv.QUOTE_MINIMAL,
) -> bytes:
    """A CSV of `rows` (the header first, if any) as a spreadsheet program writes it."""
    text = io.StringIO()
    writer = csv.writer(text, delimiter=delimiter, lineterminator=newline, quoting=quoting)
    writer.writerows([["" if cell is None else str(cell) for cell in row] for row in rows])
    content = text.getvalue()
    if encoding == "utf-16-le" and bom:
        return b"\xff\xfe" + content.encode("utf-16-le")
    if encoding == "utf-16-be" and bom:
        return b"\xfe\xff" + content.encode("utf-16-be")
    return (b"\xef\xbb\xbf" if bom and encoding == "utf-8" else b"") + content.encode(encoding)


GOOGLE_HEADER = [
    "First Name", "Middle Name", "Last Name", "Phonetic First Name", "Phonetic Middle Name", "Phonetic Last Name",
    "Name Prefix", "Name Suffix", "Nickname", "File As", "Organization Name", "Organization Title",
    "Organization Department", "Birthday", "Notes", "Photo", "Labels",
    "E-mail 1 - Label", "E-mail 1 - Value", "E-mail 2 - Label", "E-mail 2 - Value",
    "Phone 1 - Label", "Phone 1 - Value", "Phone 2 - Label", "Phone 2 - Value",
    "Address 1 - Label", "Address 1 - Formatted", "Address 1 - Street", "Address 1 - City", "Address 1 - PO Box",
    "Address 1 - Region", "Address 1 - Postal Code", "Address 1 - Country", "Address 1 - Extended Address",
    "Website 1 - Label", "Website 1 - Value",
]  # fmt: skip
GOOGLE_CLASSIC_HEADER = [
    "Name", "Given Name", "Additional Name", "Family Name", "Yomi Name", "Given Name Yomi", "Additional Name Yomi",
    "Family Name Yomi", "Name Prefix", "Name Suffix", "Initials", "Nickname", "Short Name", "Maiden Name", "Birthday",
    "Gender", "Location", "Billing Information", "Directory Server", "Mileage", "Occupation", "Hobby", "Sensitivity",
    "Priority", "Subject", "Notes", "Language", "Photo", "Group Membership",
    "E-mail 1 - Type", "E-mail 1 - Value", "E-mail 2 - Type", "E-mail 2 - Value",
    "Phone 1 - Type", "Phone 1 - Value", "Phone 2 - Type", "Phone 2 - Value",
    "Address 1 - Type", "Address 1 - Formatted", "Address 1 - Street", "Address 1 - City", "Address 1 - PO Box",
    "Address 1 - Region", "Address 1 - Postal Code", "Address 1 - Country", "Address 1 - Extended Address",
    "Organization 1 - Type", "Organization 1 - Name", "Organization 1 - Yomi Name", "Organization 1 - Title",
    "Organization 1 - Department", "Organization 1 - Symbol", "Organization 1 - Location",
    "Organization 1 - Job Description", "Website 1 - Type", "Website 1 - Value",
]  # fmt: skip


def google_contacts_csv(people: Iterable[Person], *, style: str = "new") -> bytes:
    """Google Contacts' "Google CSV" export (UTF-8, no BOM, comma, CRLF): `style` "new" (since 2023,
    "E-mail 1 - Label") or "classic" ("Name,Given Name,…", "E-mail 1 - Type")."""
    rows: list[list[str]] = [GOOGLE_HEADER if style == "new" else GOOGLE_CLASSIC_HEADER]
    for person in people:
        values = {
            "First Name": person.first_name, "Given Name": person.first_name,
            "Middle Name": person.middle_name, "Additional Name": person.middle_name,
            "Last Name": person.last_name, "Family Name": person.last_name, "Name": person.full_name,
            "File As": person.full_name,
            "Organization Name": person.company, "Organization 1 - Name": person.company,
            "Organization Title": person.title, "Organization 1 - Title": person.title,
            "Birthday": person.birthday.isoformat() if person.birthday else "", "Notes": person.note,
            "Labels": "* myContacts", "Group Membership": "* myContacts",
            "E-mail 1 - Label": "* Work", "E-mail 1 - Type": "* Work", "E-mail 1 - Value": person.emails[0],
            "E-mail 2 - Label": "Home", "E-mail 2 - Type": "Home", "E-mail 2 - Value": person.emails[1],
            "Phone 1 - Label": "Mobile", "Phone 1 - Type": "Mobile", "Phone 1 - Value": person.mobile_phone,
            "Phone 2 - Label": "Work", "Phone 2 - Type": "Work", "Phone 2 - Value": person.work_phone,
            "Address 1 - Label": "Work", "Address 1 - Type": "Work",
            "Address 1 - Formatted": f"{person.street}\n{person.postal_code} {person.city}\n{person.country}",
            "Address 1 - Street": person.street, "Address 1 - City": person.city,
            "Address 1 - Postal Code": person.postal_code, "Address 1 - Country": person.country,
            "Website 1 - Label": "Profile", "Website 1 - Type": "Profile", "Website 1 - Value": person.website,
        }  # fmt: skip
        rows.append([values.get(name, "") for name in rows[0]])
    return delimited(rows)


OUTLOOK_HEADER = [
    "First Name", "Middle Name", "Last Name", "Title", "Suffix", "Initials", "Web Page", "Gender", "Birthday",
    "Anniversary", "Location", "Language", "Internet Free Busy", "Notes", "E-mail Address", "E-mail 2 Address",
    "E-mail 3 Address", "Primary Phone", "Home Phone", "Home Phone 2", "Mobile Phone", "Pager", "Home Fax",
    "Home Address", "Home Street", "Home Street 2", "Home Street 3", "Home Address PO Box", "Home City",
    "Home State", "Home Postal Code", "Home Country", "Spouse", "Children", "Manager's Name", "Assistant's Name",
    "Referred By", "Company Main Phone", "Business Phone", "Business Phone 2", "Business Fax", "Assistant's Phone",
    "Company", "Job Title", "Department", "Office Location", "Organizational ID Number", "Profession", "Account",
    "Business Address", "Business Street", "Business Street 2", "Business Street 3", "Business Address PO Box",
    "Business City", "Business State", "Business Postal Code", "Business Country", "Other Phone", "Other Fax",
    "Other Address", "Other Street", "Other Street 2", "Other Street 3", "Other Address PO Box", "Other City",
    "Other State", "Other Postal Code", "Other Country", "Callback", "Car Phone", "ISDN", "Radio Phone",
    "TTY/TDD Phone", "Telex", "User 1", "User 2", "User 3", "User 4", "Keywords", "Mileage", "Hobby",
    "Billing Information", "Directory Server", "Sensitivity", "Priority", "Private", "Categories",
]  # fmt: skip


def outlook_csv(people: Iterable[Person], *, encoding: str = "cp1252") -> bytes:
    """Outlook's "Comma Separated Values" export: every field quoted, the Windows code page (ANSI),
    US dates (4/12/1985) and "0/0/00" where there is none."""
    rows: list[list[str]] = [OUTLOOK_HEADER]
    for person in people:
        birthday = person.birthday
        values = {
            "First Name": person.first_name, "Middle Name": person.middle_name, "Last Name": person.last_name,
            "Web Page": person.website, "Gender": "Unspecified", "Anniversary": "0/0/00",
            "Birthday": f"{birthday.month}/{birthday.day}/{birthday.year}" if birthday else "0/0/00",
            "Notes": person.note, "E-mail Address": person.emails[0], "E-mail 2 Address": person.emails[1],
            "Home Phone": person.home_phone, "Mobile Phone": person.mobile_phone,
            "Business Phone": person.work_phone, "Company": person.company, "Job Title": person.title,
            "Business Street": person.street, "Business City": person.city,
            "Business Postal Code": person.postal_code, "Business Country": person.country,
            "Sensitivity": "Normal", "Priority": "Normal", "Private": "False",
        }  # fmt: skip
        rows.append([values.get(name, "") for name in OUTLOOK_HEADER])
    return delimited(rows, encoding=encoding, quoting=csv.QUOTE_ALL)


RUSSIAN_HEADER = ["Наименование", "ИНН", "Контактное лицо", "Телефон", "E-mail", "Сумма сделки", "Дата", "Активен"]


def russian_company_rows(count: int, seed: int = 1) -> list[list[str]]:
    """Rows of a Russian client list as Excel shows them: amounts "1 234,56" (no-break space between
    thousands), dates 31.12.2024, "да"/"нет"."""
    fake = Faker("ru_RU")
    fake.seed_instance(seed)
    chance = random.Random(seed)
    rows = []
    for index in range(count):
        amount = f"{chance.randint(1_000, 9_999_999):,}".replace(",", "\u00a0") + f",{chance.randint(0, 99):02d}"
        rows.append(
            [
                fake.company(),
                fake.businesses_inn(),
                f"{fake.last_name()} {fake.first_name()} {fake.middle_name()}",
                fake.phone_number(),
                f"{index}.{fake.user_name()}@{fake.domain_name()}",
                amount,
                fake.date_between(date(2020, 1, 1), date(2024, 12, 31)).strftime("%d.%m.%Y"),
                chance.choice(["да", "нет"]),
            ]
        )
    return rows


def cp1251_semicolon_csv(rows: Iterable[Sequence], *, header: Sequence[str] = RUSSIAN_HEADER) -> bytes:
    """A CSV as Russian Excel saves it ("CSV (разделители — точки с запятой)"): Windows-1251, ";", CRLF."""
    return delimited([header, *rows], delimiter=";", encoding="cp1251")


# ---------------------------------------------------------------------------------------------
# Workbooks
# ---------------------------------------------------------------------------------------------


def xlsx(
    rows: Sequence[Sequence],
    *,
    sheet: str = "Clients",
    header_row: int = 1,
    title: str = "",
    merged: Sequence[str] = (),
    formulas: dict[str, tuple[str, object]] | None = None,
    sheets: dict[str, Sequence[Sequence]] | None = None,
    first_sheet: tuple[str, Sequence[Sequence]] | None = None,
) -> bytes:
    """A workbook whose sheet `sheet` holds `rows` (header first) from row `header_row`, with `title`
    in A1 (merged over the header's width when `merged` is not given), ranges `merged` merged, and
    `formulas` {cell: (formula, cached value)} as Excel saves them (the formula and its last result).
    `sheets` adds sheets after it; `first_sheet` (name, rows) puts one before it."""
    book = Workbook()
    book.remove(book.active)
    if first_sheet:
        _fill(book.create_sheet(first_sheet[0]), first_sheet[1])
    main = book.create_sheet(sheet)
    if title:
        main.cell(row=1, column=1, value=title)
        if not merged and rows:
            main.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(rows[0]))
    _fill(main, rows, first_row=header_row)
    for cells in merged:
        main.merge_cells(cells)
    for name, other_rows in (sheets or {}).items():
        _fill(book.create_sheet(name), other_rows)
    for cell, (formula, _cached) in (formulas or {}).items():
        main[cell] = f"={formula}"
    buffer = io.BytesIO()
    book.save(buffer)
    content = buffer.getvalue()
    return _with_cached_values(content, book.sheetnames.index(sheet) + 1, formulas) if formulas else content


def _fill(worksheet, rows: Sequence[Sequence], first_row: int = 1) -> None:
    for offset, row in enumerate(rows):
        for column, value in enumerate(row, 1):
            if value is not None and value != "":
                worksheet.cell(row=first_row + offset, column=column, value=value)


def _with_cached_values(content: bytes, sheet_number: int, formulas: dict[str, tuple[str, object]]) -> bytes:
    """openpyxl saves formulas without a result; Excel saves the last one it computed: add it."""
    name = f"xl/worksheets/sheet{sheet_number}.xml"
    source = zipfile.ZipFile(io.BytesIO(content))
    xml = source.read(name).decode()
    for cell, (formula, cached) in formulas.items():
        value = (
            f'<c r="{cell}" t="str"><f>{formula}</f><v>{cached}</v></c>'
            if isinstance(cached, str)
            else f'<c r="{cell}"><f>{formula}</f><v>{cached}</v></c>'
        )
        start = xml.index(f'<c r="{cell}"')
        xml = xml[:start] + value + xml[xml.index("</c>", start) + len("</c>") :]
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            target.writestr(entry, xml if entry.filename == name else source.read(entry))
    return buffer.getvalue()


# ---------------------------------------------------------------------------------------------
# vCards
# ---------------------------------------------------------------------------------------------

# A tiny JPEG-looking payload: what matters is that it is long, base64, and folded.
PHOTO_BASE64 = (
    "/9j/4AAQSkZJRgABAQEASABIAAD/2wBDAAMCAgMCAgMDAwMEAwMEBQgFBQQEBQoHBwYIDAoMDAsKCwsNDhIQDQ4RDgsLEBYQERMU" * 8
)


def fold(line: str, width: int = 75) -> str:
    """A content line folded as vCard writers do: CRLF and a space every `width` characters."""
    parts = [line[index : index + width] for index in range(0, len(line), width)] or [""]
    return "\r\n ".join(parts)


def escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace(",", "\\,").replace(";", "\\;").replace("\n", "\\n")


def quoted_printable(text: str, charset: str = "utf-8") -> str:
    """A value in quoted-printable with soft line breaks ("=" at the end of a line), as vCard 2.1/3.0
    writers (Android, old Nokia and Outlook) save non-ASCII text."""
    tokens = [chr(byte) if 33 <= byte <= 126 and byte != ord("=") else f"={byte:02X}" for byte in text.encode(charset)]
    lines, line = [], ""
    for token in tokens:  # a line never cuts an "=XX" escape
        if len(line) + len(token) > 72:
            lines.append(line + "=")
            line = ""
        line += token
    lines.append(line)
    return "\r\n".join(lines)


def vcard3(people: Iterable[Person], *, photo: bool = True, quoted: bool = True) -> bytes:
    """vCard 3.0 cards as phones and address books export them: N and FN, ORG, TITLE, several EMAIL and
    TEL with TYPE parameters in both 3.0 spellings, ADR, BDAY, URL, a NOTE in quoted-printable (with
    soft line breaks) when `quoted`, a folded base64 PHOTO when `photo`; lines folded at 75."""
    lines = []
    for index, person in enumerate(people):
        lines += ["BEGIN:VCARD", "VERSION:3.0"]
        lines.append(f"N:{escaped(person.last_name)};{escaped(person.first_name)};{escaped(person.middle_name)};;")
        lines.append(f"FN:{escaped(person.full_name)}")
        lines.append(f"ORG:{escaped(person.company)};")
        lines.append(f"TITLE:{escaped(person.title)}")
        lines.append(f"EMAIL;TYPE=INTERNET;TYPE=WORK:{person.emails[0]}")
        lines.append(f"item1.EMAIL;TYPE=INTERNET,HOME:{person.emails[1]}")
        lines.append(f"TEL;TYPE=WORK,VOICE:{person.work_phone}")
        lines.append(f"TEL;TYPE=CELL:{person.mobile_phone}")
        if person.home_phone:
            lines.append(f"TEL;TYPE=home;TYPE=voice:{person.home_phone}")
        lines.append(
            f"ADR;TYPE=WORK:;;{escaped(person.street)};{escaped(person.city)};;"
            f"{escaped(person.postal_code)};{escaped(person.country)}"
        )
        if person.birthday:
            lines.append(f"BDAY:{person.birthday.isoformat()}" if index % 2 else f"BDAY:{person.birthday:%Y%m%d}")
        lines.append("URL:" + person.website.replace(":", "\\:"))
        if quoted:
            lines.append(f"NOTE;ENCODING=QUOTED-PRINTABLE;CHARSET=UTF-8:{quoted_printable(person.note)}")
        else:
            lines.append(f"NOTE:{escaped(person.note)}")
        if photo:
            lines.append(f"PHOTO;ENCODING=b;TYPE=JPEG:{PHOTO_BASE64}")
        lines.append(f"UID:{index:08d}-carte-test")
        lines.append("END:VCARD")
    return ("\r\n".join(_fold_unless_quoted(line) for line in lines) + "\r\n").encode("utf-8")


def _fold_unless_quoted(line: str) -> str:
    return line if "QUOTED-PRINTABLE" in line.split(":", 1)[0] else fold(line)


def vcard4(people: Iterable[Person], *, photo: bool = True) -> bytes:
    """vCard 4.0 cards (RFC 6350) as recent address books export them: TYPE="work,voice" quoted lists,
    tel: URIs, BDAY as 19850412 or without a year (--0412), a data: URI PHOTO; UTF-8, folded at 75."""
    lines = []
    for index, person in enumerate(people):
        lines += ["BEGIN:VCARD", "VERSION:4.0", "KIND:individual"]
        lines.append(f"FN:{escaped(person.full_name)}")
        lines.append(f"N:{escaped(person.last_name)};{escaped(person.first_name)};{escaped(person.middle_name)};;")
        lines.append(f"ORG:{escaped(person.company)}")
        lines.append(f"TITLE:{escaped(person.title)}")
        lines.append(f"EMAIL;TYPE=work;PREF=1:{person.emails[0]}")
        lines.append(f"EMAIL;TYPE=home:{person.emails[1]}")
        lines.append(f'TEL;VALUE=uri;TYPE="work,voice";PREF=1:tel:{person.work_phone}')
        lines.append(f'TEL;VALUE=uri;TYPE="cell,text":tel:{person.mobile_phone}')
        lines.append(
            f'ADR;TYPE=work;LABEL="{person.street}":;;{escaped(person.street)};{escaped(person.city)};;'
            f"{escaped(person.postal_code)};{escaped(person.country)}"
        )
        if person.birthday:
            lines.append(f"BDAY:{person.birthday:%Y%m%d}" if index % 2 == 0 else f"BDAY:--{person.birthday:%m%d}")
        lines.append(f"URL:{person.website}")
        lines.append(f"NOTE:{escaped(person.note)}")
        if photo:
            lines.append(f"PHOTO:data:image/jpeg;base64,{PHOTO_BASE64}")
        lines.append(f"UID:urn:uuid:{index:08d}-0000-4000-8000-000000000000")
        lines.append(f"REV:{datetime(2024, 5, 1, 10, 0):%Y%m%dT%H%M%SZ}")
        lines.append("END:VCARD")
    return ("\r\n".join(fold(line) for line in lines) + "\r\n").encode("utf-8")
