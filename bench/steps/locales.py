"""How the benchmark's clients look in each of the three languages: names, phones, texts.

A French, an English and a Russian share of the clients, so names carry accents and
Cyrillic, phones come in national ("06 12 34 56 78", "8 (495) 123-45-67") and
international ("+33 6 12 34 56 78") formats, and the texts are in the client's language.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Locale:
    language: str
    faker: str
    region: str
    share: int  # weight among the clients
    time_zone: str
    landlines: tuple[str, ...]  # '#' is a random digit
    mobiles: tuple[str, ...]
    mailboxes: tuple[str, ...]  # a company's generic addresses
    mail_providers: tuple[str, ...]  # private persons' addresses
    positions: tuple[str, ...]
    contact_roles: tuple[str, ...]
    notes: tuple[str, ...]
    summaries: dict[str, tuple[str, ...]]  # timeline kind → texts; {name} is a contact's name


FRENCH = Locale(
    language="fr",
    faker="fr_FR",
    region="FR",
    share=40,
    time_zone="Europe/Paris",
    landlines=("01 ## ## ## ##", "04########", "+33 1 ## ## ## ##", "+33 (0)5 ## ## ## ##", "0033 3 ## ## ## ##"),
    mobiles=("06 ## ## ## ##", "07.##.##.##.##", "+33 6 ## ## ## ##", "+33 7########"),
    mailboxes=("contact", "info", "commercial", "compta", "accueil", "direction"),
    mail_providers=("courriel.example", "laposte.example", "orange.example"),
    positions=("Directeur général", "Gérante", "Comptable", "Acheteuse", "Responsable logistique", "Assistant"),
    contact_roles=("Décideur", "Comptabilité", "Achats", "Interlocuteur principal", "Technique"),
    notes=("Préfère être contacté par e-mail.", "Fermé en août.", "Paie à 30 jours fin de mois."),
    summaries={
        "call": ("Appel avec {name} : demande de devis.", "Appel de {name} au sujet des délais de livraison."),
        "email": ("Envoyé la grille tarifaire à {name}.", "E-mail de {name} : questions sur le paiement."),
        "meeting": ("Rendez-vous avec {name} : démonstration du produit.", "Revue annuelle du contrat avec {name}."),
        "note": ("Ouvre un deuxième site l'an prochain.", "Budget validé pour le trimestre prochain."),
    },
)

ENGLISH = Locale(
    language="en",
    faker="en_GB",
    region="GB",
    share=30,
    time_zone="Europe/London",
    landlines=("020 7### ####", "0161 ### ####", "+44 20 7### ####", "+44 (0)113 ### ####", "01632 ######"),
    mobiles=("07### ######", "07#########", "+44 7### ######", "+447#########"),
    mailboxes=("info", "sales", "office", "accounts", "hello"),
    mail_providers=("mail.example", "post.example", "inbox.example"),
    positions=("Managing director", "Owner", "Accountant", "Buyer", "Office manager", "Logistics manager"),
    contact_roles=("Decision maker", "Accounts", "Purchasing", "Main contact", "Technical contact"),
    notes=("Prefers to be contacted by email.", "Pays on time.", "Interested in a multi-year agreement."),
    summaries={
        "call": ("Call with {name}: they asked for a quote.", "Call with {name} about delivery dates."),
        "email": ("Sent the price list to {name}.", "Email from {name}: questions about payment terms."),
        "meeting": ("Meeting with {name}: product demonstration.", "Yearly review of the agreement with {name}."),
        "note": ("They are opening a second site next year.", "Asked for a discount on large orders."),
    },
)

RUSSIAN = Locale(
    language="ru",
    faker="ru_RU",
    region="RU",
    share=30,
    time_zone="Europe/Moscow",
    landlines=("+7 (495) ###-##-##", "8 (812) ###-##-##", "+7 343 ###-##-##", "8 (383) ### ## ##"),
    mobiles=("+7 9## ###-##-##", "8 9## ###-##-##", "+7 (9##) ###-##-##", "89#########"),
    mailboxes=("info", "office", "sales", "zakaz", "buh"),
    mail_providers=("pochta.example", "yandex.example", "mail-ru.example"),
    positions=("Генеральный директор", "Главный бухгалтер", "Менеджер по закупкам", "Руководитель отдела", "Юрист"),
    contact_roles=("ЛПР", "Бухгалтерия", "Закупки", "Основной контакт", "Технический специалист"),
    notes=("Предпочитает общение по почте.", "Оплата по факту поставки.", "Работает с конкурентом."),
    summaries={
        "call": ("Звонок {name}: запросили коммерческое предложение.", "Звонок {name} по срокам поставки."),
        "email": ("Отправили прайс-лист {name}.", "Письмо от {name}: вопросы по оплате."),
        "meeting": ("Встреча с {name}: демонстрация продукта.", "Ежегодная встреча с {name} по договору."),
        "note": ("Открывают второй филиал в следующем году.", "Согласовали бюджет на следующий квартал."),
    },
)

LOCALES = (FRENCH, ENGLISH, RUSSIAN)
