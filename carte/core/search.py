"""Fragment search: one way to fold text, one way to read a query, a backend per database.

A searchable model keeps a *document* column: the folded text of everything a search may
match, fields separated by `SEPARATOR`, beginning with `TITLE` and the record's title (its
name). The same `fold()` runs on the document and on the query, so accents, case and ё/е
compare the same way on every database. A query becomes *needles*: fragments the document
must contain. The backends only differ in how they find the documents containing them
fast:

- PostgreSQL: `LIKE '%needle%'`, served by a GIN trigram index (pg_trgm) on the column,
  and "the title starts with" by a B-tree on the document's first characters;
- SQLite: an FTS5 table with the trigram tokenizer, kept in sync by triggers;
- any other database: the same `LIKE`, without an index.

User text never reaches SQL: needles go as parameters to `LIKE` (wildcards escaped by
Django's `contains` lookup) and to FTS5 as quoted strings (`"..."`, quotes doubled).

Three characters make a trigram, so a needle needs three characters to use the index. A
two-character term is looked up as the start of a word (" li" finds "Li Wei", "Lima"),
which is again three characters with the space before the word; a one-character term
narrows what longer terms found, and alone finds the titles starting with it.
"""

import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import reduce
from operator import and_, or_

from django.db import connections
from django.db.models import Case, Expression, IntegerField, Q, QuerySet, Value, When
from django.db.models.expressions import RawSQL
from django.db.models.functions import Left

MAX_QUERY_LENGTH = 200
MAX_TERMS = 8
TRIGRAM = 3
SEPARATOR = " | "
# Starts every document, so that "the title starts with" is a fragment too (and one the
# trigram index can find even for one letter); fold() never produces it.
TITLE = "\ue000"
# PostgreSQL indexes the start of documents (the trigram index cannot tell a title from a word).
TITLE_PREFIX = 100
TITLE_ALIAS = "search_title"

# Letters that do not decompose under NFKD but that people type without their mark.
LIGATURES = str.maketrans(
    {
        "œ": "oe", "æ": "ae", "ø": "o", "đ": "d", "ł": "l", "ß": "ss", "ı": "i",
        "’": "'", "‘": "'", "ʼ": "'", "`": "'", "´": "'",
        "‐": "-", "‑": "-", "‒": "-", "–": "-", "—": "-", "−": "-",
    }
)  # fmt: skip
BREVE = "\u0306"  # й is a letter of its own in Russian: keep it apart from и
SPACES = re.compile(r"\s+")
ASCII_CONTROLS = re.compile(r"[\x00-\x1f\x7f]")
# What people type inside a phone number or an id besides its digits.
PHONE_PUNCTUATION = re.compile(r"[\s+\-.()/]+")
TRUNK_ZERO = re.compile(r"\(0\)")
# An id typed in pieces ("FR 12 345 678", "123-456-789"): also looked up run together.
IDENTIFIER = re.compile(r"[\w\s\-./]+")


def fold(text: str | None, limit: int | None = MAX_QUERY_LENGTH) -> str:
    """Text as search compares it: no accents, case-folded, no control characters, single spaces.

    "  Société\tGÉNÉRALE " → "societe generale"; "Ёлка" → "елка"; NUL and other control
    characters become spaces. At most `limit` characters (None: no limit), so a pasted
    novel costs no more than a name.
    """
    if not text:
        return ""
    if limit is not None:
        text = text[: limit * 4]  # decomposition may grow it; the final cut comes below
    if text.isascii():  # most names, every email and number: the same result, ten times faster
        folded = SPACES.sub(" ", ASCII_CONTROLS.sub(" ", text.lower().translate(LIGATURES))).strip()
        return folded[:limit].rstrip() if limit is not None else folded
    letters: list[str] = []
    for char in unicodedata.normalize("NFKD", text.casefold().translate(LIGATURES)):
        category = unicodedata.category(char)
        if category == "Mn":
            if char == BREVE and letters and letters[-1] == "и":
                letters[-1] = "й"
            continue
        if category == "Cc" or category[0] == "Z":
            letters.append(" ")
        elif category[0] != "C":  # format marks (soft hyphen, zero-width joiner), surrogates, unassigned
            letters.append(char)
    folded = SPACES.sub(" ", "".join(letters).translate(LIGATURES)).strip()
    return folded[:limit].rstrip() if limit is not None else folded


def document(title: str, *fields: Iterable[str] | str) -> str:
    """The document of a record: `TITLE`, then each field folded, the title first.

    A field is a text or several (all the phones); empty ones are left out. Every word,
    the first included, follows a space, so " du" finds the words starting with "du" and
    TITLE + " du" the titles that do.
    """
    parts = [fold(title, None)]
    for field in fields:
        values = [field] if isinstance(field, str) else list(field)
        words = " ".join(dict.fromkeys(value for value in (fold(v, None) for v in values) if value))
        if words:
            parts.append(words)
    return f"{TITLE} {SEPARATOR.join(parts)}"


def _is_edge(char: str) -> bool:
    return unicodedata.category(char)[0] in "PS"


def _trimmed(term: str) -> str:
    """A term without the punctuation around it: "(acme)," → "acme", "o'neil" stays."""
    start, end = 0, len(term)
    while start < end and _is_edge(term[start]):
        start += 1
    while end > start and _is_edge(term[end - 1]):
        end -= 1
    return term[start:end]


def _needle(term: str) -> str:
    """What the document must contain for a term: short ones must start a word."""
    return term if len(term) >= TRIGRAM else " " + term


def _essential(needles: Iterable[str]) -> tuple[str, ...]:
    """Distinct needles, dropping any that another one contains (it adds nothing)."""
    unique = list(dict.fromkeys(needles))
    return tuple(n for n in unique if not any(n != other and n in other for other in unique))


@dataclass(frozen=True)
class Query:
    """A search text read once.

    `text` is the folded text; `alternatives` are groups of needles: a document matches
    when it contains every needle of at least one group. A query of digits (a phone
    number, an id) has one group, its digits run together ("+33 6 12" → "0033612", as
    phones are stored); a text with digits in it may also be an id typed with spaces
    ("FR 12 345" → "fr12345").
    """

    text: str
    alternatives: tuple[tuple[str, ...], ...]
    leading: str = ""  # what ranking looks for at the start of the title or of a word

    def __bool__(self) -> bool:
        return bool(self.alternatives)

    @property
    def indexed(self) -> bool:
        """Can an index find it: has every group a needle of at least a trigram?"""
        return bool(self) and all(any(len(needle) >= TRIGRAM for needle in group) for group in self.alternatives)

    def in_title(self) -> "Query":
        """The same text, found only at the start of the title."""
        return Query(self.text, ((f"{TITLE} {self.leading}",),), self.leading) if self.leading else self

    def anchored(self) -> "Query":
        """The first word found only at the start of the title, the others at the start of any word ("j d")."""
        groups = tuple((f"{TITLE} {group[0].strip()}", *group[1:]) for group in self.alternatives)
        return Query(self.text, groups, self.leading)


def _digits_query(text: str) -> str | None:
    """The digits of a phone-like text ("+33 (0)6 12" → "0033612"), or None if it is not one."""
    compact = PHONE_PUNCTUATION.sub("", TRUNK_ZERO.sub("", text))
    if not compact or not compact.isdigit():
        return None
    return ("00" if text.startswith("+") else "") + compact


def read(text: str | None) -> Query:
    """Read a search text into needles; anything at all may be typed, nothing raises."""
    folded = fold(text)
    digits = _digits_query(folded)
    if digits:
        return Query(folded, ((_needle(digits),),), digits)
    terms = [term for term in (_trimmed(word) for word in folded.split(" ")) if term][:MAX_TERMS]
    if not terms:
        return Query(folded, ())
    alternatives = [_essential(_needle(term) for term in terms)]
    if IDENTIFIER.fullmatch(folded) and any(char.isdigit() for char in folded):
        compact = "".join(char for char in folded if char.isalnum())
        if (_needle(compact),) != alternatives[0]:
            alternatives.append((_needle(compact),))
    return Query(folded, tuple(alternatives), " ".join(terms))


def _contains_all(field: str, needles: Iterable[str]) -> Q:
    return reduce(and_, (_containing(field, needle) for needle in needles), Q())


def _containing(field: str, needle: str) -> Q:
    """The document contains the needle; a title needle is its start, read through the title index."""
    if needle.startswith(TITLE):
        if len(needle) <= TITLE_PREFIX:
            return Q(**{f"{TITLE_ALIAS}__startswith": needle})
        return Q(**{f"{field}__startswith": needle})
    return Q(**{f"{field}__contains": needle})


class LikeBackend:
    """`LIKE '%needle%'` for each needle: PostgreSQL serves it from a GIN trigram index."""

    def matching(self, queryset: QuerySet, field: str, query: Query) -> QuerySet:
        if not query:
            return queryset.none()
        titled = queryset.alias(**{TITLE_ALIAS: Left(field, TITLE_PREFIX)})  # as indexed on PostgreSQL
        return titled.filter(reduce(or_, (_contains_all(field, group) for group in query.alternatives)))

    def first_found(self, queryset: QuerySet, field: str, query: Query, count: int) -> QuerySet | RawSQL:
        """The ids of `count` matching rows, whichever the database finds first (for `pk__in`)."""
        return self.matching(queryset, field, query).order_by().values("pk")[:count]


def fts_table(queryset: QuerySet) -> str:
    """The FTS5 table indexing a model's document on SQLite (see `install_index`)."""
    return f"{queryset.model._meta.db_table}_search"


def _fts_string(needle: str) -> str:
    """A needle as an FTS5 string: quoted, inner quotes doubled, so no operator is ever read."""
    return '"' + needle.replace('"', '""') + '"'


def _fts_expression(needles: Iterable[str]) -> str:
    return " ".join(_fts_string(needle) for needle in needles if len(needle) >= TRIGRAM)


class Fts5Backend(LikeBackend):
    """SQLite: the rows whose id the FTS5 trigram table returns for the long needles.

    Needles shorter than a trigram cannot be looked up in the index: they filter the rows
    the long ones found, and a group made only of them is read with `LIKE` (a scan).
    """

    def matching(self, queryset: QuerySet, field: str, query: Query) -> QuerySet:
        if not query:
            return queryset.none()
        table = fts_table(queryset)
        found = []
        for group in query.alternatives:
            rest = _contains_all(field, (needle for needle in group if len(needle) < TRIGRAM))
            if expression := _fts_expression(group):
                # The SQL is constant; the typed text only travels as the MATCH parameter.
                ids = RawSQL(f'SELECT rowid FROM "{table}" WHERE "{table}" MATCH %s', [expression])  # noqa: S608
                rest &= Q(pk__in=ids)
            found.append(rest)
        return queryset.filter(reduce(or_, found))

    def first_found(self, queryset: QuerySet, field: str, query: Query, count: int) -> QuerySet | RawSQL:
        """Read from the FTS5 table as it finds rows, each checked against `queryset` and every needle.

        `IN (SELECT rowid … MATCH)` would first collect every match (a quarter of a million
        for "0033") before the limit applies; this stops after `count`.
        """
        if not query.indexed:
            return super().first_found(queryset, field, query, count)
        table = fts_table(queryset)
        expression = " OR ".join(f"({_fts_expression(group)})" for group in query.alternatives)
        row = LikeBackend().matching(queryset, field, query).filter(pk=RawSQL('"found".rowid', ())).order_by()
        exists, params = row.values("pk").query.get_compiler(using=queryset.db).as_sql()
        # Our table names and Django's compiled SQL; the typed text only travels as parameters.
        sql = (
            f'SELECT "found".rowid FROM "{table}" AS "found" WHERE "found"."{table}" MATCH %s '  # noqa: S608
            f"AND EXISTS ({exists}) LIMIT {int(count)}"
        )
        return RawSQL(sql, [expression, *params])


BACKENDS = {"sqlite": Fts5Backend(), "postgresql": LikeBackend()}
CANDIDATES = 500


def _backend(queryset: QuerySet) -> LikeBackend:
    return BACKENDS.get(connections[queryset.db].vendor, LikeBackend())


def _searchable(query: Query) -> Query:
    return query if query.indexed else query.anchored()


def matching(queryset: QuerySet, field: str, query: Query) -> QuerySet:
    """The rows of `queryset` whose `field` document contains the query's needles; none for an empty query.

    A query of one-letter words cannot be looked up inside words through an index: the
    title must start with its first word ("j d" finds "Jean Dupont").
    """
    return _backend(queryset).matching(queryset, field, _searchable(query))


def rank(field: str, query: Query) -> Expression:
    """A rank to order matches by, lower first; the same on every database.

    0: the title is the query; 1: the title starts with it; 2: a word starts with it;
    3: it is found inside a word.
    """
    leading = query.leading
    if not leading:
        return Value(3, output_field=IntegerField())
    title = f"{TITLE} {leading}"
    return Case(
        When(Q(**{f"{field}__startswith": f"{title}{SEPARATOR}"}) | Q(**{field: title}), then=Value(0)),
        When(Q(**{f"{field}__startswith": title}), then=Value(1)),
        When(Q(**{f"{field}__contains": f" {leading}"}), then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )


def best_first(queryset: QuerySet, field: str, query: Query, *, order: Iterable[str], limit: int) -> list:
    """The best `limit` rows of `queryset` for a query, by `rank` and then `order`; one or two queries.

    First the rows whose title starts with the text, all of them ranked. When they are
    fewer than `limit`, the other matches fill the rest, ranked among the first
    `CANDIDATES` found: a fragment found in half the records ("06") then costs the same
    as a rare one, and still answers with matches.
    """
    if not query:
        return []
    ranking = {"search_rank": rank(field, query)}
    titles = matching(queryset, field, query.in_title())
    found = list(titles.annotate(**ranking).order_by("search_rank", *order)[:limit])
    if len(found) < limit:
        candidates = _backend(queryset).first_found(queryset, field, _searchable(query), CANDIDATES)
        others = queryset.filter(pk__in=candidates).exclude(pk__in=[row.pk for row in found])
        found += others.annotate(**ranking).order_by("search_rank", *order)[: limit - len(found)]
    return found


# Index maintenance, called by the migrations of the apps that own documents and after
# each `migrate` (SQLite drops a table's triggers when a migration rebuilds the table).

TRGM_EXTENSION_HELP = (
    "Search needs the PostgreSQL extension pg_trgm, and this database user may not create it. "
    "Ask a superuser to run `CREATE EXTENSION pg_trgm;` in database {database}, then run `carte migrate` again. "
    "({error})"
)


class ExtensionMissing(RuntimeError):
    """pg_trgm is not installed and the database user may not install it."""


def _sqlite_statements(table: str, column: str) -> list[str]:
    # Names of our own tables and columns, never anything typed: formatting is safe here.
    fts = f"{table}_search"
    on_insert = f'INSERT INTO "{fts}"(rowid, {column}) VALUES (new.id, new.{column});'  # noqa: S608
    on_update = f'UPDATE "{fts}" SET {column} = new.{column} WHERE rowid = old.id;'  # noqa: S608
    on_delete = f'DELETE FROM "{fts}" WHERE rowid = old.id;'  # noqa: S608
    return [
        f"CREATE VIRTUAL TABLE IF NOT EXISTS \"{fts}\" USING fts5({column}, tokenize='trigram')",
        f'CREATE TRIGGER IF NOT EXISTS "{fts}_insert" AFTER INSERT ON "{table}" BEGIN {on_insert} END',
        f'CREATE TRIGGER IF NOT EXISTS "{fts}_update" AFTER UPDATE OF {column} ON "{table}" '
        f"WHEN old.{column} IS NOT new.{column} BEGIN {on_update} END",
        f'CREATE TRIGGER IF NOT EXISTS "{fts}_delete" AFTER DELETE ON "{table}" BEGIN {on_delete} END',
    ]


def _sqlite_index(cursor, table: str, column: str) -> None:
    """Create the FTS5 table and its triggers if any is missing, and then fill it afresh."""
    fts = f"{table}_search"
    names = {fts, f"{fts}_insert", f"{fts}_update", f"{fts}_delete"}
    cursor.execute("SELECT name FROM sqlite_master WHERE name IN (%s, %s, %s, %s)", sorted(names))
    if {row[0] for row in cursor.fetchall()} == names:
        return
    for statement in _sqlite_statements(table, column):
        cursor.execute(statement)
    cursor.execute(f'DELETE FROM "{fts}"')  # noqa: S608 - names of our own tables
    cursor.execute(f'INSERT INTO "{fts}"(rowid, {column}) SELECT id, {column} FROM "{table}"')  # noqa: S608 - ours


def _postgresql_index(cursor, table: str, column: str, database: str) -> None:
    cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
    if cursor.fetchone() is None:
        cursor.execute("SAVEPOINT carte_trgm")
        try:
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except Exception as error:
            cursor.execute("ROLLBACK TO SAVEPOINT carte_trgm")
            raise ExtensionMissing(TRGM_EXTENSION_HELP.format(database=database, error=error)) from error
        cursor.execute("RELEASE SAVEPOINT carte_trgm")
    # Names of our own tables and columns, and a constant; never a user's text.
    trigram = f'CREATE INDEX IF NOT EXISTS "{table}_search_trgm" ON "{table}" USING gin ({column} gin_trgm_ops)'
    cursor.execute(trigram)  # raw-sql: our own names
    cursor.execute(  # raw-sql: our own names
        f'CREATE INDEX IF NOT EXISTS "{table}_search_title" ON "{table}" '
        f"(left({column}, {TITLE_PREFIX}) text_pattern_ops)"
    )
    # A finer histogram lets the planner see that most fragments are rare: without it, it
    # guesses 3 % of the rows and walks a whole sorted index for "ORDER BY name LIMIT 50".
    cursor.execute(f'ALTER TABLE "{table}" ALTER COLUMN {column} SET STATISTICS 1000')  # raw-sql: our own names
    cursor.execute(f'ANALYZE "{table}"')  # raw-sql: our own table


def install_index(connection, table: str, column: str) -> None:
    """Make the search index of a document column exist (idempotent): trigram index or FTS5 table."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            _sqlite_index(cursor, table, column)
        elif connection.vendor == "postgresql":
            _postgresql_index(cursor, table, column, connection.settings_dict.get("NAME", ""))


@contextmanager
def indexed_together(connection, table: str, column: str) -> Iterator[Callable[[list[int]], None]]:
    """For a bulk load inside the caller's transaction: rows are indexed a batch at a time.

    Yields `index(ids)`, to call once the rows of those ids are written. On SQLite the insert
    trigger indexes row by row, twenty times slower than one statement for the batch: it is
    set aside for the block and put back before the transaction commits, so no other
    connection ever sees the table without it (SQLite lets one writer in at a time).
    PostgreSQL's trigram index follows every insert by itself: `index` does nothing there.
    """
    if connection.vendor != "sqlite":
        yield lambda ids: None
        return
    assert connection.in_atomic_block, "a bulk load indexes inside the transaction that writes the rows"
    fts, create_trigger = f"{table}_search", _sqlite_statements(table, column)[1]
    # Names of our own tables and columns, never anything typed: formatting is safe here.
    fill = f'INSERT INTO "{fts}"(rowid, {column}) SELECT id, {column} FROM "{table}" WHERE id IN ({{ids}})'  # noqa: S608

    def index(ids: list[int]) -> None:
        if ids:
            with connection.cursor() as cursor:
                cursor.execute(fill.format(ids=", ".join(str(int(pk)) for pk in ids)))  # raw-sql: ids made ints

    with connection.cursor() as cursor:
        cursor.execute(f'DROP TRIGGER IF EXISTS "{fts}_insert"')  # raw-sql: our own table's trigger
    try:
        yield index
    finally:
        with connection.cursor() as cursor:
            cursor.execute(create_trigger)


def drop_index(connection, table: str) -> None:
    """Remove what `install_index` made (the pg_trgm extension stays: others may use it)."""
    fts = f"{table}_search"
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            for trigger in ("insert", "update", "delete"):
                cursor.execute(f'DROP TRIGGER IF EXISTS "{fts}_{trigger}"')  # raw-sql: our own names
            cursor.execute(f'DROP TABLE IF EXISTS "{fts}"')  # raw-sql: our own table
        elif connection.vendor == "postgresql":
            cursor.execute(f'DROP INDEX IF EXISTS "{table}_search_trgm"')  # raw-sql: our own index
            cursor.execute(f'DROP INDEX IF EXISTS "{table}_search_title"')  # raw-sql: our own index


def restore_index(connection, table: str, column: str) -> None:
    """After each migrate: recreate a SQLite search index that a migration dropped, and refill it.

    A SQLite migration that rebuilds a table (most field changes do) drops its triggers;
    this puts them back. PostgreSQL alters tables in place and keeps its indexes.
    """
    if connection.vendor != "sqlite" or table not in connection.introspection.table_names():
        return
    with connection.cursor() as cursor:
        columns = {described.name for described in connection.introspection.get_table_description(cursor, table)}
    if column in columns:
        install_index(connection, table, column)
