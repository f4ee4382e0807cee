"""vCard files (2.1, 3.0, 4.0) read as a table of fixed columns, one row per card."""

import pytest
from django.utils import translation

from carte.transfer import readers
from carte.transfer.readers.vcard import KEYS
from carte.transfer.services import mapping
from tests.transfer.files import PHOTO_BASE64, persons, saved, vcard3, vcard4


def read(path, name=None):
    layout = readers.inspect(path, name or path.name)
    return layout, [(number, dict(zip(KEYS, cells, strict=True))) for number, cells in readers.rows(path, layout)]


def test_vcard_3_with_folding_quoted_printable_and_a_photo(tmp_path):
    people = persons(4, "ru_RU")
    content = vcard3(people)
    assert b"\r\n " in content and b"=\r\n" in content  # folded lines and quoted-printable soft breaks
    layout, cards = read(saved(tmp_path, "contacts.vcf", content))
    assert (layout.format, layout.encoding, layout.header_row) == ("vcard", "utf-8", 0)
    assert layout.columns[:4] == ["Full name", "First name", "Last name", "Middle name"]
    assert [number for number, _card in cards] == [1, 2, 3, 4]
    for (_number, card), person in zip(cards, people, strict=True):
        assert card["full_name"] == person.full_name
        assert (card["first_name"], card["last_name"], card["middle_name"]) == (
            person.first_name,
            person.last_name,
            person.middle_name,
        )
        assert card["organization"] == person.company  # commas in it were escaped
        assert card["title"] == person.title
        assert card["work_emails"] == person.emails[0]
        assert card["personal_emails"] == person.emails[1]
        assert card["work_phones"] == person.work_phone
        assert card["mobile_phones"] == person.mobile_phone
        assert card["home_phones"] == person.home_phone
        assert card["address"] == f"{person.street}, {person.postal_code} {person.city}, {person.country}"
        assert card["birthday"] == person.birthday.isoformat()
        assert card["website"] == person.website
        assert card["note"] == person.note  # quoted-printable UTF-8, with its new line
        assert not any(PHOTO_BASE64[:20] in cell for cell in card.values())


def test_vcard_4_with_quoted_type_lists_tel_uris_and_birthdays_without_year(tmp_path):
    people = persons(3, "fr_FR")
    layout, cards = read(saved(tmp_path, "contacts.vcf", vcard4(people)))
    assert layout.format == "vcard"
    first, second = cards[0][1], cards[1][1]
    assert first["work_phones"] == people[0].work_phone  # TYPE="work,voice", tel: taken off
    assert first["mobile_phones"] == people[0].mobile_phone  # TYPE="cell,text"
    assert (first["work_emails"], first["personal_emails"]) == tuple(people[0].emails)
    assert first["birthday"] == people[0].birthday.isoformat()  # 19850412
    assert second["birthday"] == ""  # --0412: no year, not a birthday we can keep
    assert first["uid"] == "urn:uuid:00000000-0000-4000-8000-000000000000"
    assert first["note"] == people[0].note
    assert not any("base64" in cell for _number, card in cards for cell in card.values())


def test_vcard_2_1_from_an_old_phone_with_bare_types_a_code_page_and_unfolded_base64(tmp_path):
    content = "\r\n".join(
        [
            "BEGIN:VCARD",
            "VERSION:2.1",
            "N;CHARSET=windows-1251;ENCODING=QUOTED-PRINTABLE:=C8=E2=E0=ED=EE=E2;=C8=E2=E0=ED;;;",
            "FN;CHARSET=UTF-8;ENCODING=QUOTED-PRINTABLE:=D0=98=D0=B2=D0=B0=D0=BD =D0=98=D0=B2=D0=B0=D0=BD=D0=BE=",
            "=D0=B2",
            "TEL;CELL;VOICE:+7 916 123-45-67",
            "TEL;WORK;FAX:+7 495 123-45-67",
            "TEL;HOME:+7 495 765-43-21",
            "EMAIL;PREF;INTERNET:ivan@example.ru",
            "PHOTO;ENCODING=BASE64;TYPE=JPEG:/9j/4AAQSkZJRgABAQEASABIAAD",
            "  /2wBDAAMCAgMCAgMDAwMEAwMEBQgFBQQEBQoHBwYIDAoMDAsKCwsNDhIQ",
            "DQ4RDgsLEBYQERMUFRUVDA8XGBYUGBIUFRT",
            "",
            'ORG:ООО \\"Ромашка\\"\\, филиал;Отдел продаж',
            "NOTE:Звонить после 10\\nПо будням",
            "END:VCARD",
            "BEGIN:VCARD",
            "VERSION:2.1",
            "END:VCARD",
            "BEGIN:VCARD",
            "VERSION:2.1",
            "N:Smith;Anna;;;",
            "BDAY:1985-04-12",
            "END:VCARD",
            "",
        ]
    ).encode()
    layout, cards = read(saved(tmp_path, "phone.vcf", content))
    assert [number for number, _card in cards] == [1, 3]  # the empty second card is left out, not renumbered
    ivan = cards[0][1]
    assert (ivan["last_name"], ivan["first_name"], ivan["full_name"]) == ("Иванов", "Иван", "Иван Иванов")
    assert ivan["mobile_phones"] == "+7 916 123-45-67"
    assert ivan["fax"] == "+7 495 123-45-67"  # a fax is no work phone
    assert ivan["home_phones"] == "+7 495 765-43-21"
    assert ivan["other_emails"] == "ivan@example.ru"
    assert (ivan["organization"], ivan["department"]) == ('ООО "Ромашка", филиал', "Отдел продаж")
    assert ivan["note"] == "Звонить после 10\nПо будням"
    anna = cards[1][1]
    assert (anna["full_name"], anna["birthday"]) == ("Anna Smith", "1985-04-12")


def test_several_phones_and_emails_of_one_kind_share_their_cell_one_per_line(tmp_path):
    content = (
        "BEGIN:VCARD\nVERSION:3.0\nFN:Hélène Dupré\nTEL;TYPE=work:01 42 68 53 00\nTEL;TYPE=WORK,VOICE:01 42 68 53 01\n"
        "EMAIL;type=INTERNET;type=WORK;type=pref:h@dupre.fr\nEMAIL;TYPE=work:contact@dupre.fr\n"
        "ADR;TYPE=work:;Bât. B;12 rue de la Paix;Paris;;75002;France\nADR;TYPE=home:;;3 rue Neuve;Lyon;;69001;\n"
        "END:VCARD\n"
    ).encode()
    _layout, cards = read(saved(tmp_path, "dupre.vcf", content))
    card = cards[0][1]
    assert card["work_phones"] == "01 42 68 53 00\n01 42 68 53 01"
    assert card["work_emails"] == "h@dupre.fr\ncontact@dupre.fr"
    assert card["address"] == "12 rue de la Paix, Bât. B, 75002 Paris, France\n3 rue Neuve, 69001 Lyon"


@pytest.mark.parametrize(
    ("name", "prefix", "format_"),
    [
        ("contacts.txt", "\ufeff\r\n\r\n", "vcard"),  # BOM and blank lines before the first card
        ("contacts.vcf", "Exported by PhoneBook 2.0\r\n", "vcard"),  # the name breaks the tie
        ("contacts.csv", "Exported by PhoneBook 2.0\r\n", "csv"),
    ],
)
def test_a_vcard_file_is_known_by_its_content_and_its_name_only_breaks_ties(tmp_path, name, prefix, format_):
    content = prefix.encode() + vcard3(persons(1), photo=False)
    layout = readers.inspect(saved(tmp_path, name, content), name)
    assert layout.format == format_


def test_a_card_file_in_windows_1251_is_detected(tmp_path):
    content = "BEGIN:VCARD\r\nVERSION:3.0\r\nN:Петров;Пётр;;;\r\nFN:Пётр Петров\r\nORG:Рога и копыта\r\nEND:VCARD\r\n"
    layout, cards = read(saved(tmp_path, "petrov.vcf", content.encode("cp1251")))
    assert layout.encoding == "cp1251"
    assert cards[0][1]["full_name"] == "Пётр Петров"


def test_skip_passes_over_cards_already_imported(tmp_path):
    path = saved(tmp_path, "contacts.vcf", vcard4(persons(5), photo=False))
    layout = readers.inspect(path, "contacts.vcf")
    assert readers.count_rows(path, layout) == 5
    assert [number for number, _cells in readers.rows(path, layout, skip=3)] == [4, 5]


def card(*lines: str) -> str:
    return "\r\n".join(("BEGIN:VCARD", *lines, "END:VCARD", ""))


def test_a_card_is_a_company_when_it_says_so_or_names_nobody_but_its_organization(tmp_path):
    content = "".join(
        [
            card(
                "VERSION:4.0",
                "KIND:org",
                "FN:Acme\\, Inc",
                "ORG:Acme\\, Inc. (SARL)",
                "TEL;TYPE=work:+33 1 42 68 53 00",
            ),
            card("VERSION:4.0", "KIND:individual", "FN:Jean Dupont", "N:Dupont;Jean;;;", "ORG:Acme\\, Inc"),
            card("VERSION:3.0", "N:;;;;", "FN:Boulangerie Martin", "ORG:Boulangerie Martin;", "X-ABShowAs:COMPANY"),
            card("VERSION:3.0", "FN:Garage  du Port", "ORG:garage du port"),  # no KIND: FN is the ORG
            card("VERSION:3.0", "FN:Accueil", "ORG:Garage du Port"),  # someone at the garage, not the garage
            card("VERSION:4.0", "KIND:org", "ORG:Ромашка;Отдел продаж"),  # no FN: the company is named by its ORG
            card("VERSION:3.0", "N:Smith;Anna;;;"),
        ]
    ).encode()
    _layout, cards = read(saved(tmp_path, "book.vcf", content))
    got = [(card["kind"], card["full_name"], card["organization"]) for _number, card in cards]
    assert got == [
        ("company", "Acme, Inc", ""),  # the ORG is the card itself: no employer of the same name
        ("person", "Jean Dupont", "Acme, Inc"),
        ("company", "Boulangerie Martin", ""),
        ("company", "Garage  du Port", ""),
        ("person", "Accueil", "Garage du Port"),
        ("company", "Ромашка", ""),
        ("person", "Anna Smith", ""),
    ]
    assert cards[0][1]["work_phones"] == "+33 1 42 68 53 00"
    assert cards[5][1]["department"] == "Отдел продаж"


def test_the_kind_column_is_left_empty_for_an_empty_card(tmp_path):
    content = (card("VERSION:4.0", "KIND:org") + card("VERSION:4.0", "KIND:org", "FN:Acme")).encode()
    _layout, cards = read(saved(tmp_path, "book.vcf", content))
    assert [(number, card["kind"]) for number, card in cards] == [(2, "company")]


@pytest.mark.django_db
@pytest.mark.parametrize("language", ["en", "fr", "ru"])
def test_the_kind_column_of_a_vcard_is_suggested_as_the_kind_of_client(tmp_path, language):
    content = card("VERSION:4.0", "KIND:org", "FN:Acme", "ORG:Acme").encode()
    with translation.override(language):
        layout, _cards = read(saved(tmp_path, "book.vcf", content))
        suggested = mapping.suggest("clients", layout.columns)
    columns = {key: str(index) for index, key in enumerate(KEYS)}
    assert suggested[columns["kind"]] == "kind"
    assert suggested[columns["full_name"]] == "name"
    assert suggested[columns["organization"]] == "company"
    assert suggested[columns["work_phones"]] == "phone_work"
    assert (suggested[columns["fax"]], suggested[columns["tags"]]) == ("phone_fax", "tags")


def test_categories_are_tags_and_a_fax_has_its_own_column(tmp_path):
    content = card(
        "VERSION:4.0",
        "FN:Hélène Dupré",
        "CATEGORIES:VIP,Salon 2024\\, Lyon",
        "CATEGORIES:VIP",
        "TEL;TYPE=fax:+33 1 42 68 53 09",
        "TEL:+33 1 42 68 53 10",
    ).encode()
    _layout, cards = read(saved(tmp_path, "dupre.vcf", content))
    found = cards[0][1]
    assert found["tags"] == "VIP\nSalon 2024, Lyon"  # one per line, the escaped comma kept
    assert (found["fax"], found["other_phones"]) == ("+33 1 42 68 53 09", "+33 1 42 68 53 10")
