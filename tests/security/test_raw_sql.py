"""No raw SQL built with string formatting: the check ruff's S608 leaves out.

S608 flags strings that look like SELECT/INSERT/UPDATE/DELETE; it misses DDL (ANALYZE, DROP,
CREATE…), `.format()` and a query put in a variable first. This check reads every module of
carte/ with `ast` and reports each call to `.execute` / `.executemany` / `.executescript`,
`.raw`, `.extra` or `RawSQL` whose SQL is an f-string with values in it, a `%` or `+`, or a
`.format()` call (psycopg's `sql.SQL(...).format(sql.Identifier(...))` composes safely and
passes), directly or through a variable assigned so in the same function.

A line that must build SQL (table names of our own models, never a user's text) says why with
a comment on the call: `# raw-sql: <reason>`, or `# noqa: S608 <reason>` where ruff flags it
too (ruff refuses an unused `noqa: S608`, so lines ruff does not flag take the first form); the
reason may also be a comment line just above the statement, and the whole marker may stand there.
`make lint` runs this file; `make test` runs it too.
"""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CARTE = ROOT / "carte"
SQL_METHODS = {"execute", "executemany", "executescript", "raw", "extra"}
SQL_FUNCTIONS = {"RawSQL"}
# The marker; its reason is a word or more after it, or a comment line just above the statement.
MARKER = re.compile(r"#\s*(?:raw-sql:|noqa:\s*S608\b)(?P<reason>.*)")
REASON = re.compile(r"[A-Za-z]{2,}")


def _is_psycopg_composition(node: ast.Call) -> bool:
    """`sql.SQL("…").format(sql.Identifier(name))`: psycopg quotes what it composes."""
    target = node.func.value if isinstance(node.func, ast.Attribute) else None
    if not isinstance(target, ast.Call):
        return False
    name = target.func.attr if isinstance(target.func, ast.Attribute) else getattr(target.func, "id", "")
    return name in {"SQL", "Composed"}


def built(node: ast.AST) -> str | None:
    """How an expression builds text by formatting, or None when it does not."""
    if isinstance(node, ast.JoinedStr) and any(isinstance(part, ast.FormattedValue) for part in node.values):
        return "an f-string"
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mod):
        return "% formatting"
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return "+ concatenation"
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "format":
        return None if _is_psycopg_composition(node) else ".format()"
    return None


def _sql_arguments(call: ast.Call) -> list[ast.AST]:
    """The arguments that carry SQL: the first one, and for .extra() its select/where/tables values."""
    name = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")
    found = call.args[:1]
    if name == "extra":
        for keyword in call.keywords:
            value = keyword.value
            items = value.elts if isinstance(value, ast.List | ast.Tuple) else [value]
            if isinstance(value, ast.Dict):
                items = list(value.values)
            found += items
    return list(found)


def _is_sql_call(call: ast.Call) -> bool:
    if isinstance(call.func, ast.Attribute):
        return call.func.attr in SQL_METHODS or call.func.attr in SQL_FUNCTIONS
    return isinstance(call.func, ast.Name) and call.func.id in SQL_FUNCTIONS


class _Finder(ast.NodeVisitor):
    def __init__(self, lines: list[str]):
        self.lines = lines
        self.scopes: list[dict[str, list[ast.Assign | ast.AnnAssign]]] = [{}]
        self.found: list[tuple[int, str]] = []

    def _function(self, node):
        assignments: dict[str, list] = {}
        for inner in ast.walk(node):
            if isinstance(inner, ast.Assign):
                for target in inner.targets:
                    if isinstance(target, ast.Name):
                        assignments.setdefault(target.id, []).append(inner)
            elif isinstance(inner, ast.AnnAssign) and isinstance(inner.target, ast.Name) and inner.value:
                assignments.setdefault(inner.target.id, []).append(inner)
        self.scopes.append(assignments)
        self.generic_visit(node)
        self.scopes.pop()

    visit_FunctionDef = visit_AsyncFunctionDef = _function  # noqa: N815 - ast.NodeVisitor's method names

    def _exempt(self, *nodes: ast.AST) -> bool:
        for node in nodes:
            end = getattr(node, "end_lineno", None) or node.lineno
            above = self.lines[node.lineno - 2].strip() if node.lineno > 1 else ""
            if above.startswith("#") and (marker := MARKER.search(above)) and REASON.search(marker["reason"]):
                return True
            for number in range(node.lineno, end + 1):
                marker = MARKER.search(self.lines[number - 1])
                if marker and (REASON.search(marker["reason"]) or (above.startswith("#") and REASON.search(above))):
                    return True
        return False

    def visit_Call(self, node: ast.Call):
        if _is_sql_call(node):
            for argument in _sql_arguments(node):
                how, source = built(argument), argument
                if how is None and isinstance(argument, ast.Name):
                    for assignment in self.scopes[-1].get(argument.id, []):
                        if built(assignment.value):
                            how, source = f"{built(assignment.value)} (in {argument.id!r})", assignment
                            break
                if how and not self._exempt(node, source):
                    self.found.append((node.lineno, how))
        self.generic_visit(node)


def formatted_sql(source: str) -> list[tuple[int, str]]:
    """(line, how) for each SQL call in `source` built by formatting without a reason given."""
    finder = _Finder(source.splitlines())
    finder.visit(ast.parse(source))
    return finder.found


def test_no_raw_sql_is_built_by_string_formatting():
    problems = []
    for path in sorted(CARTE.rglob("*.py")):
        for line, how in formatted_sql(path.read_text(encoding="utf-8")):
            problems.append(f"{path.relative_to(ROOT)}:{line}: SQL built with {how}")
    assert problems == [], "give the values as parameters, or say why on the line (# raw-sql: reason)"


UNSAFE = {
    "cursor.execute(f\"SELECT * FROM t WHERE name = '{name}'\")": "an f-string",
    'cursor.execute("SELECT * FROM t WHERE id = %s" % pk)': "% formatting",
    'cursor.execute("SELECT * FROM t WHERE name = \'" + name + "\'")': "+ concatenation",
    'cursor.execute("DROP TABLE {}".format(table))': ".format()",
    'Client.objects.raw(f"SELECT * FROM clients_client ORDER BY {column}")': "an f-string",
    "queryset.extra(where=[f\"name = '{name}'\"])": "an f-string",
    'RawSQL("SELECT %s" % value, ())': "% formatting",
    'statement = f"ANALYZE {table}"\n    cursor.execute(statement)': "an f-string (in 'statement')",
    'connection.executescript("DELETE FROM " + table)': "+ concatenation",
}
SAFE = [
    'cursor.execute("SELECT * FROM t WHERE name = %s", [name])',
    'cursor.execute(sql.SQL("DROP DATABASE {}").format(sql.Identifier(name)))',
    'cursor.execute(f"ANALYZE {table}")  # raw-sql: the name of our own table',
    'cursor.execute(f"SELECT * FROM {table}")  # noqa: S608 - the name of our own table',
    'Client.objects.raw("SELECT * FROM clients_client WHERE id = %s", [pk])',
    "pipeline.execute()",
    'queryset.extra(where=["name = %s"], params=[name])',
]


@pytest.mark.parametrize(("code", "how"), UNSAFE.items())
def test_the_check_finds_formatted_sql(code, how):
    assert formatted_sql(f"def f():\n    {code}\n") == [(len(code.splitlines()) + 1, how)]


@pytest.mark.parametrize("code", SAFE)
def test_the_check_passes_parameters_and_explained_lines(code):
    assert formatted_sql(f"def f():\n    {code}\n") == []


def test_a_reason_may_stand_on_the_comment_line_above():
    code = 'def f():\n    # Our own table names.\n    cursor.execute(f"DROP TABLE {t}")  # noqa: S608\n'
    assert formatted_sql(code) == []


def test_the_marker_may_stand_on_the_comment_line_above():
    code = 'def f():\n    # raw-sql: our own table.\n    cursor.execute(f"DROP TABLE {t}")\n'
    assert formatted_sql(code) == []


def test_a_marker_without_a_reason_does_not_exempt():
    assert formatted_sql('def f():\n    cursor.execute(f"DROP TABLE {t}")  # noqa: S608\n') != []
    assert formatted_sql('def f():\n    cursor.execute(f"DROP TABLE {t}")  # raw-sql:\n') != []
