"""Reads Yandex Market Partner API doc pages into what they state per operation.

Two layouts are understood (see ``../shared/docs/partner-api/``):

- the markdown crawl: ``**Name** | **Description**`` tables whose rows read
  ``name* | **Type:** ... _Min items:_ `1```, object types in their own
  ``### TypeName`` sections;
- the plain-text render: ``Name`` / ``Type: ...`` blocks with one fact per line
  (``Min items: 1``); object properties are either in their own ``TypeName``
  sections or listed inline right after ``Type: object[]``, their parent's own
  description and facts following the last property and an ``Example`` block
  closing the object (the updateOutletLicenses page).

The markdown crawl is first turned into the plain-text layout, so one parser
reads both. HTML (a page fetched from the docs site) is rendered to plain text
with the standard library's ``html.parser``.

Description-embedded regexes: a description that says the value "must match the
regular expression" followed by regexes (in backticks, or ``^...$`` tokens) gives
the field a ``patterns`` fact; docs-check compares it with the spec's
``x-ymarket-patterns``, not with ``pattern`` (the published spec does not
enforce them as JSON Schema patterns).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

__all__ = [
    "DocField",
    "DocOperation",
    "PageError",
    "html_to_text",
    "markdown_to_text",
    "parse_page",
]

_PRIMITIVES = frozenset({"string", "integer", "number", "boolean", "object", "array"})
_FACT_LABELS = {
    "Min value": "minimum",
    "Max value": "maximum",
    "Min items": "minItems",
    "Max items": "maxItems",
    "Min length": "minLength",
    "Max length": "maxLength",
    "Pattern": "pattern",
    "Enum": "enum",
}
_ITEMS_FACTS = frozenset({"minItems", "maxItems", "uniqueItems"})
_HTTP_METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH")
_MODEL_NAMES = {"fby": "FBY", "fbs": "FBS", "express": "EXPRESS", "dbs": "DBS", "laas": "LAAS"}
_PERIODS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}

_FIELD_NAME = re.compile(r"^([A-Za-z_][\w-]*)(\*?)$")
_TYPE_LINE = re.compile(r"^(?:•\s*)?Type:\s*(.+?)\s*$")
_FACT_LINE = re.compile(
    r"^(Min value|Max value|Min items|Max items|Min length|Max length|Pattern|Enum|Example"
    r"|Default):\s*(.*?)\s*$"
)
_CODE_HEADING = re.compile(r"^([1-5]\d\d) [A-Z][\w .-]*$")
_PARAMETER_HEADINGS = frozenset({"Path parameters", "Query parameters", "Header parameters"})
_END_MARKERS = ("Authorization", "No longer supported")
_LIMIT = re.compile(
    r"Limit:\**\s*([\d,  ]+?)\s+(requests|items)\s+per\s+(second|minute|hour|day)", re.I
)
_REQUEST = re.compile(
    r"(?m)^\s*(GET|POST|PUT|DELETE|PATCH)\s*$\s*(?:```\s*)?"
    r"https://api\.partner\.market\.yandex\.ru(/[^\s?`]*)"
)


class PageError(ValueError):
    """A page could not be read as an operation's reference page."""


@dataclass
class DocField:
    """One documented field: ``name`` with its type text, required mark and facts."""

    name: str
    required: bool
    type_text: str = ""
    prose: list[str] = field(default_factory=list)
    facts: dict[str, object] = field(default_factory=dict)
    children: list[DocField] = field(default_factory=list)
    # Internal: lines in order, to split a nested object's trailing facts.
    lines: list[tuple[str, str, object]] = field(default_factory=list, repr=False)
    transparent: bool = False


@dataclass
class DocOperation:
    """What one page states about one operation."""

    source: str
    operation_id: str | None
    method: str | None
    path: str | None
    limit: tuple[int, str, int] | None  # (limit, unit, period seconds)
    limit_text: str | None
    scopes: list[str] | None  # None: the page does not say
    placement_models: list[str] | None
    parameters: dict[str, list[DocField]]  # "path" / "query" / "header"
    body: list[DocField] | None
    responses: dict[str, list[DocField] | None]  # status code -> body fields
    named_types: dict[str, DocField]


# --- markdown and HTML to the plain-text layout --------------------------------

_MD_ROW = re.compile(r"^([A-Za-z_][\w-]*)(\*?)\s+\|\s+\*\*Type:\*\*\s*(.*)$")
_MD_TYPE_ROW = re.compile(r"^\[([A-Za-z_]\w*)\]\([^)]*\)\s+\|\s+(.*)$")
_MD_TYPE = re.compile(r"^(?:\[([^\]]+)\]\([^)]*\)|([A-Za-z]+(?:<[^>]+>)?))((?:\[\])*)\s*(.*)$")
_MD_FACT = re.compile(
    r"_(Min value|Max value|Min items|Max items|Min length|Max length|Pattern|Example|Default):_"
    r"\s*`([^`]*)`"
)
_MD_ENUM = re.compile(r"_Enum:_\s*((?:`[^`]*`(?:\s*,\s*)?)+)")
_MD_TABLE_HEADER = re.compile(r"\*\*(Name|Type)\*\*\s*\|\s*\*\*Description\*\*")
_MD_LINK = re.compile(r"\[([^\]]*)\]\([^)\s]*\)")
_MD_HEADING = re.compile(r"^#+\s+(?:\[\]\([^)]*\))?\s*(.*?)\s*$")


def _md_inline(text: str) -> str:
    """Links to their text and bold markers dropped, outside backtick spans."""
    parts = text.split("`")
    for index in range(0, len(parts), 2):
        parts[index] = _MD_LINK.sub(r"\1", parts[index]).replace("**", "")
    return "`".join(parts)


def _md_facts(text: str) -> tuple[str, list[str]]:
    """Split ``_Label:_ `value``` facts off a markdown line: (prose, fact lines)."""
    facts: list[tuple[int, str]] = []
    for match in _MD_FACT.finditer(text):
        facts.append((match.start(), f"{match.group(1)}: {match.group(2)}"))
    for match in _MD_ENUM.finditer(text):
        values = re.findall(r"`([^`]*)`", match.group(1))
        facts.append((match.start(), "Enum: " + ", ".join(values)))
    for match in re.finditer(r"_Unique items_", text):
        facts.append((match.start(), "Unique items"))
    prose = _MD_ENUM.sub("", _MD_FACT.sub("", text)).replace("_Unique items_", "")
    return prose.strip(), [line for _, line in sorted(facts)]


def markdown_to_text(markdown: str) -> tuple[str, dict[str, str]]:
    """The markdown crawl in the plain-text layout, and its front matter."""
    front: dict[str, str] = {}
    text = markdown
    if text.startswith("---\n"):
        end = text.find("\n---", 4)
        if end != -1:
            for line in text[4:end].splitlines():
                key, sep, value = line.partition(":")
                if sep:
                    front[key.strip()] = value.strip()
            text = text[end + 4 :]
    lines = text.splitlines()
    # Everything before the page title is the crawl's table of contents.
    start = next((i for i, line in enumerate(lines) if line.startswith("# ")), 0)
    out: list[str] = []
    in_fence = False
    for raw in lines[start:]:
        line = raw.replace("<code>&#124;</code>", "|").rstrip()
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
            continue
        if in_fence:
            # Keep request URLs; drop sample bodies.
            if line.startswith("https://"):
                out.append(line)
            continue
        line = html.unescape(line)
        stripped = line.strip()
        if stripped in ("---", "---|---") or _MD_TABLE_HEADER.fullmatch(stripped):
            continue
        heading = _MD_HEADING.match(stripped)
        if heading:
            out.append(_md_inline(heading.group(1)))
            continue
        row = _MD_ROW.match(stripped)
        if row:
            name, star, rest = row.groups()
            type_match = _MD_TYPE.match(rest)
            out.append(name + star)
            if type_match:
                base = type_match.group(1) or type_match.group(2)
                out.append(f"Type: {base}{type_match.group(3)}")
                rest = type_match.group(4)
            stripped = rest
        else:
            type_row = _MD_TYPE_ROW.match(stripped)
            if type_row:
                out.append(type_row.group(1))
                stripped = type_row.group(2)
        if stripped.startswith("* "):
            stripped = "• " + stripped[2:]
        prose, facts = _md_facts(_md_inline(stripped))
        if prose:
            out.append(prose)
        out.extend(facts)
    return "\n".join(out) + "\n", front


class _TextRenderer(HTMLParser):
    """Renders HTML to lines: block elements break lines, list items get bullets."""

    _BLOCKS = frozenset(
        {
            "p",
            "div",
            "br",
            "tr",
            "td",
            "th",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "pre",
            "table",
            "ul",
            "ol",
            "section",
            "dt",
            "dd",
            "header",
            "footer",
        }
    )
    _SKIP = frozenset({"script", "style", "noscript", "svg"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skipping += 1
        elif tag == "li":
            self.parts.append("\n• ")
        elif tag in self._BLOCKS:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skipping = max(0, self._skipping - 1)
        elif tag in self._BLOCKS or tag == "li":
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def html_to_text(document: str) -> str:
    """An HTML page rendered to the plain-text layout (one block per line)."""
    renderer = _TextRenderer()
    renderer.feed(document)
    renderer.close()
    rendered = "".join(renderer.parts).splitlines()
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in rendered]
    return "\n".join(line for line in lines if line) + "\n"


# --- the plain-text layout -----------------------------------------------------


def _fact(label: str, value: str) -> tuple[str, object] | None:
    key = _FACT_LABELS.get(label)
    if key is None:
        return None  # Example, Default: not compared
    if key == "enum":
        return key, [v.strip().strip("`") for v in value.split(",") if v.strip()]
    if key == "pattern":
        return key, value.strip("`")
    number = value.strip("`").replace(",", "").replace(" ", "")
    try:
        return key, int(number)
    except ValueError:
        return key, float(number)


def _skip_json(lines: list[str], index: int) -> int:
    """Index after the balanced JSON value starting at ``lines[index]``."""
    depth = 0
    while index < len(lines):
        text = re.sub(r'"(?:\\.|[^"\\])*"', '""', lines[index])
        depth += text.count("{") + text.count("[") - text.count("}") - text.count("]")
        index += 1
        if depth <= 0:
            break
    return index


def _next_nonblank(lines: list[str], index: int) -> int:
    while index < len(lines) and not lines[index].strip():
        index += 1
    return index


class _Container:
    """A list of fields being filled, with a stack for inline nested objects."""

    def __init__(self) -> None:
        self.root = DocField(name="", required=False, transparent=True)
        self.stack: list[DocField] = [self.root]
        self.last: DocField | None = None
        self.own_facts: dict[str, object] = {}

    def add_field(self, node: DocField) -> None:
        last = self.last
        if (
            last is not None
            and last.type_text in ("object", "object[]")
            and not last.lines
            and not last.children
        ):
            # A property listed right after its parent's `Type: object[]`.
            self.stack.append(last)
        self.stack[-1].children.append(node)
        self.last = node

    def open_member(self) -> None:
        """An ``All of`` member (``• Type: object``): its fields join the parent."""
        member = DocField(name="", required=False, transparent=True)
        self.stack[-1].children.append(member)
        self.stack.append(member)
        self.last = member

    def add_line(self, kind: str, key: str, value: object) -> None:
        if self.last is None:
            # Before any field: a named type's own facts (an enum's values).
            if kind == "fact":
                self.own_facts[key] = value
            return
        self.last.lines.append((kind, key, value))

    def close(self) -> None:
        """An ``Example`` block ends the innermost inline object."""
        if len(self.stack) == 1:
            return
        scope = self.stack.pop()
        children = [c for c in scope.children if not c.transparent] or scope.children
        if children:
            _split_trailing(children[-1], scope)
        self.last = scope

    def fields(self) -> list[DocField]:
        while len(self.stack) > 1:
            self.close()
        return _finish(self.root.children)


def _split_trailing(child: DocField, parent: DocField) -> None:
    """Move the parent's description and facts off the end of its last property."""
    prose_at = [i for i, (kind, _, _) in enumerate(child.lines) if kind == "prose"]
    if len(prose_at) >= 2:
        cut = prose_at[-1]
        # Bullets continue the paragraph before them.
        while cut > 0 and str(child.lines[cut][2]).startswith("•"):
            cut -= 1
        if cut > prose_at[0]:
            parent.lines.extend(child.lines[cut:])
            del child.lines[cut:]
            return
    if not child.type_text.endswith("[]"):
        moved = [line for line in child.lines if line[0] == "fact" and line[1] in _ITEMS_FACTS]
        child.lines[:] = [line for line in child.lines if line not in moved]
        parent.lines.extend(moved)


def _finish(nodes: list[DocField]) -> list[DocField]:
    """Turn collected lines into prose and facts; hoist ``All of`` members."""
    out: list[DocField] = []
    for node in nodes:
        if node.transparent:
            out.extend(_finish(node.children))
            continue
        for kind, key, value in node.lines:
            if kind == "prose":
                node.prose.append(str(value))
            else:
                node.facts[key] = value
        node.lines = []
        node.children = _finish(node.children)
        patterns = _description_patterns(node.prose)
        if patterns:
            node.facts["patterns"] = patterns
        out.append(node)
    return out


def _description_patterns(prose: list[str]) -> list[str]:
    """Regexes a description says the value must match (see the module docstring)."""
    text = " ".join(prose)
    at = text.lower().find("regular expression")
    if at == -1:
        return []
    tail = text[at:]
    found = [m for m in re.findall(r"`([^`]+)`", tail) if m.startswith("^")]
    if not found:
        found = [m.rstrip(".,;") for m in re.findall(r"(\^\S+\$)[.,;]?", tail)]
    return found


def _infer_operation_id(source: str, front: dict[str, str]) -> str | None:
    url = front.get("url") or (source if "://" in source else "")
    if url:
        return url.rstrip("/").rsplit("/", 1)[-1].split("#")[0].split("?")[0] or None
    return Path(source).name.split(".")[0] or None


def _header(
    text: str,
) -> tuple[tuple[int, str, int] | None, str | None, list[str] | None, list[str] | None]:
    preamble = text.split("\nRequest\n", 1)[0]
    limit = None
    limit_text = None
    match = _LIMIT.search(preamble)
    if match:
        amount = int(re.sub(r"\D", "", match.group(1)))
        limit = (amount, match.group(2).lower(), _PERIODS[match.group(3).lower()])
        limit_text = match.group(0)
    scopes: list[str] | None = None
    lines = preamble.splitlines()
    for index, line in enumerate(lines):
        if "API Key token" in line:
            scopes = []
            for following in lines[index + 1 :]:
                bullet = re.match(r"^\s*[•*]\s+([a-z][a-z-]*)\s+—", following)
                if bullet:
                    scopes.append(bullet.group(1))
                elif following.strip():
                    break
            break
    models: list[str] | None = None
    available = re.search(r"available for (.*?)(?:\.\s*$|$)", preamble, re.M)
    if available:
        phrase = available.group(1)
        if re.search(r"\ball models\b", phrase, re.I):
            models = ["FBY", "FBS", "EXPRESS", "DBS"]
        else:
            models = [
                _MODEL_NAMES[word.lower()]
                for word in re.findall(r"(FBY|FBS|Express|EXPRESS|DBS|LAAS)\b", phrase)
            ]
    return limit, limit_text, scopes, models


def parse_text(text: str, source: str, front: dict[str, str] | None = None) -> DocOperation:
    """Parse a page in the plain-text layout."""
    front = front or {}
    request = _REQUEST.search(text)
    method = request.group(1) if request else None
    path = request.group(2) if request else None
    limit, limit_text, scopes, models = _header(text)
    lines = [line.strip() for line in text.splitlines()]
    referenced = set()
    for line in lines:
        type_match = _TYPE_LINE.match(line)
        if type_match:
            base = type_match.group(1).replace("[]", "")
            if base.split("<")[0] not in _PRIMITIVES:
                referenced.add(base)
    parameters: dict[str, list[DocField]] = {}
    body: list[DocField] | None = None
    responses: dict[str, list[DocField] | None] = {}
    named: dict[str, DocField] = {}

    # Where the current container's fields go once it ends.
    target: tuple[str, str] | None = None  # ("param", "path") / ("body", "") / ("response", code)
    container: _Container | None = None
    section = "preamble"
    code: str | None = None

    def flush() -> None:
        nonlocal body, container, target
        if container is None or target is None:
            container, target = None, None
            return
        fields = container.fields()
        kind, key = target
        if kind == "param":
            parameters.setdefault(key, []).extend(fields)
        elif kind == "body":
            body = fields
        elif kind == "response":
            responses[key] = fields
        elif kind == "type":
            named.setdefault(
                key,
                DocField(
                    name=key,
                    required=False,
                    type_text="object" if fields else "",
                    children=fields,
                    facts=dict(container.own_facts),
                ),
            )
        container, target = None, None

    index = 0
    while index < len(lines):
        line = lines[index]
        if not line:
            index += 1
            continue
        if section != "preamble" and line.startswith(_END_MARKERS):
            break
        if line == "Request":
            flush()
            section = "request"
            index += 1
            continue
        if section == "preamble":
            index += 1
            continue
        if line == "Responses":
            flush()
            section = "responses"
            index += 1
            continue
        heading = _CODE_HEADING.match(line)
        if heading and section == "responses":
            flush()
            code = heading.group(1)
            responses[code] = None
            index += 1
            continue
        if section == "request" and line in _PARAMETER_HEADINGS:
            flush()
            container, target = _Container(), ("param", line.split()[0].lower())
            index += 1
            continue
        if line == "Body":
            flush()
            container = _Container()
            target = ("body", "") if section == "request" else ("response", code or "")
            index += 1
            continue
        following = _next_nonblank(lines, index + 1)
        next_line = lines[following] if following < len(lines) else ""
        field_match = _FIELD_NAME.match(line)
        is_field = field_match is not None and next_line.startswith("Type:")
        if (
            line in referenced
            and not is_field
            and not (target is not None and target == ("type", line))
        ):
            flush()
            container, target = _Container(), ("type", line)
            index += 1
            continue
        if container is None:
            index += 1
            continue
        if is_field and field_match:
            type_match = _TYPE_LINE.match(next_line)
            node = DocField(
                name=field_match.group(1),
                required=field_match.group(2) == "*",
                type_text=type_match.group(1) if type_match else "",
            )
            container.add_field(node)
            index = following + 1
            continue
        if line in ("Name", "Description", "Type"):
            index += 1
            continue
        if line in ("application/json",) or re.match(r"^(All|One|Any) of \d+ types?$", line):
            if line == "application/json":
                after = _next_nonblank(lines, index + 1)
                if after < len(lines) and lines[after].startswith(("{", "[")):
                    index = _skip_json(lines, after)
                    continue
            index += 1
            continue
        if line == "Example":
            after = _next_nonblank(lines, index + 1)
            container.close()
            starts_json = after < len(lines) and lines[after].startswith(("{", "["))
            index = _skip_json(lines, after) if starts_json else after
            continue
        type_only = _TYPE_LINE.match(line)
        if type_only:
            if line.startswith("•"):
                container.open_member()
            # The body's own `Type: object` line: nothing to record.
            index += 1
            continue
        fact_match = _FACT_LINE.match(line)
        if fact_match:
            parsed = _fact(fact_match.group(1), fact_match.group(2))
            if parsed:
                container.add_line("fact", *parsed)
        elif line.rstrip() == "Unique items":
            container.add_line("fact", "uniqueItems", True)
        else:
            container.add_line("prose", "", line)
        index += 1
    flush()
    operation_id = _infer_operation_id(source, front)
    return DocOperation(
        source=source,
        operation_id=operation_id,
        method=method,
        path=path,
        limit=limit,
        limit_text=limit_text,
        scopes=scopes,
        placement_models=models,
        parameters=parameters,
        body=body,
        responses=responses,
        named_types=named,
    )


def parse_page(content: str, source: str) -> DocOperation:
    """Parse one page (markdown crawl, plain-text render or HTML), named ``source``."""
    stripped = content.lstrip()
    front: dict[str, str] = {}
    if stripped.startswith("<") and re.search(r"<(html|body|div|p)\b", stripped[:2000], re.I):
        text = html_to_text(content)
    elif "**Name** |" in content or stripped.startswith("---\n") or "**Type:**" in content:
        text, front = markdown_to_text(content)
    else:
        text = content
    page = parse_text(text, source, front)
    if page.method is None or page.path is None:
        raise PageError(f"{source}: no request line (method and https://api.partner... URL) found")
    return page
