"""A small html.parser walker for the HTML report tests: tags, attributes and text."""

from __future__ import annotations

from html.parser import HTMLParser


class Page(HTMLParser):
    """Every start tag with its attributes, every text run, and the text per section."""

    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.sections: list[dict[str, str | None]] = []
        self.section_text: list[list[str]] = []
        self._depth = 0  # nesting of <section> elements
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        if tag == "section":
            self._depth += 1
            self.sections.append(dict(attrs))
            self.section_text.append([])

    def handle_endtag(self, tag: str) -> None:
        if tag == "section":
            self._depth -= 1

    def handle_data(self, data: str) -> None:
        self.text.append(data)
        if self._depth and self.section_text:
            self.section_text[-1].append(data)

    def all(self, tag: str, cls: str | None = None) -> list[dict[str, str | None]]:
        return [a for t, a in self.tags if t == tag
                and (cls is None or cls in (a.get("class") or "").split())]
