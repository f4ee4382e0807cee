"""Reading rendered pages in tests: elements and attributes, without a browser."""

from html.parser import HTMLParser


class Page(HTMLParser):
    """A rendered page, parsed: its elements as (tag, attributes) in document order."""

    def __init__(self, html: str):
        super().__init__()
        self.elements: list[tuple[str, dict]] = []
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, dict(attrs)))

    def all(self, tag: str) -> list[dict]:
        return [attrs for name, attrs in self.elements if name == tag]

    def links(self) -> set[str]:
        return {attrs.get("href") for attrs in self.all("a")}


def page_of(response) -> Page:
    return Page(response.content.decode())
