"""A small, safe XML reader for Cargo-XML: the standard library's expat, no DTDs, line numbers kept.

Cargo-XML never needs a document type declaration, so any ``<!DOCTYPE``, entity declaration or external
entity reference is refused before it can expand (billion laughs, quadratic blow-up, XXE): expat reports the
declaration to a handler that stops the parse. Elements are matched by namespace URI and local name, never by
prefix, and each element remembers the line it starts on for provenance and issues.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from xml.parsers import expat

MAX_DEPTH = 256
_SEPARATOR = " "  # namespace URI / local name separator: a space cannot occur in either


class XmlRejected(Exception):
    """The document cannot be read: ``code`` is the stable issue code, ``line`` where it went wrong."""

    def __init__(self, code: str, message: str, line: int | None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.line = line


@dataclass(eq=False)
class Node:
    """One element: namespace URI, local name, attributes, direct text, children and start line."""

    ns: str
    name: str
    line: int
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Node] = field(default_factory=list)
    parts: list[str] = field(default_factory=list)

    @property
    def text(self) -> str:
        return "".join(self.parts).strip()

    def is_iata(self) -> bool:
        return self.ns.startswith("iata:")

    def child(self, name: str) -> Node | None:
        return next(self.all(name), None)

    def all(self, name: str) -> Iterator[Node]:
        """Direct children with this local name in an IATA namespace (``iata:datamodel:3``, the message's own)."""
        return (c for c in self.children if c.name == name and c.is_iata())

    def path(self, *names: str) -> Node | None:
        node: Node | None = self
        for name in names:
            node = node.child(name) if node is not None else None
        return node

    def text_of(self, *names: str) -> str | None:
        node = self.path(*names)
        return (node.text or None) if node is not None else None

    def descendants(self, name: str) -> Iterator[Node]:
        """Elements with this local name below this one, in document order (iterative: no recursion limit)."""
        stack = list(reversed(self.children))
        while stack:
            node = stack.pop()
            if node.name == name and node.is_iata():
                yield node
            stack.extend(reversed(node.children))


def parse_xml(raw: bytes) -> Node:
    """Parse ``raw`` into a :class:`Node` tree or raise :class:`XmlRejected` (never anything else)."""
    parser = expat.ParserCreate(namespace_separator=_SEPARATOR)
    parser.buffer_text = True
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    stack: list[Node] = []
    roots: list[Node] = []

    def forbid(what: str) -> None:
        raise XmlRejected("XML_FORBIDDEN_CONSTRUCT", f"{what} is not allowed in Cargo-XML", parser.CurrentLineNumber)

    def on_doctype(*_: object) -> None:
        forbid("a DOCTYPE declaration")

    def on_entity(*_: object) -> None:
        forbid("an entity declaration")

    def on_external(*_: object) -> int:
        forbid("an external entity reference")
        return 0  # pragma: no cover - forbid raises

    def on_start(qname: str, attrs: dict[str, str]) -> None:
        if len(stack) >= MAX_DEPTH:
            raise XmlRejected(
                "XML_LIMIT_EXCEEDED", f"elements nested deeper than {MAX_DEPTH}", parser.CurrentLineNumber
            )
        ns, _, local = qname.rpartition(_SEPARATOR)
        node = Node(
            ns, local, parser.CurrentLineNumber, attrs={k.rpartition(_SEPARATOR)[2]: v for k, v in attrs.items()}
        )
        (stack[-1].children if stack else roots).append(node)
        stack.append(node)

    def on_end(_: str) -> None:
        stack.pop()

    def on_text(data: str) -> None:
        if stack:
            stack[-1].parts.append(data)

    parser.StartDoctypeDeclHandler = on_doctype
    parser.EntityDeclHandler = on_entity
    parser.UnparsedEntityDeclHandler = on_entity
    parser.NotationDeclHandler = on_entity
    parser.ExternalEntityRefHandler = on_external
    parser.StartElementHandler = on_start
    parser.EndElementHandler = on_end
    parser.CharacterDataHandler = on_text
    try:
        parser.Parse(raw, True)
    except expat.ExpatError as exc:
        raise XmlRejected(
            "MALFORMED_XML", f"not well-formed XML: {expat.errors.messages[exc.code]}", exc.lineno
        ) from None
    except (ValueError, LookupError) as exc:  # e.g. an encoding expat does not know
        raise XmlRejected("MALFORMED_XML", f"cannot read the XML: {exc}", None) from None
    if not roots:  # pragma: no cover - expat reports "no element found" first
        raise XmlRejected("MALFORMED_XML", "no root element", 1)
    return roots[0]


_ROOT_TAG = re.compile(r"<(?![?!/])(?:([A-Za-z_][\w.\-]*):)?([A-Za-z_][\w.\-]*)")


def sniff_root(head: str, namespace: str, local_name: str) -> bool:
    """True when the first element of ``head`` is ``local_name`` bound to ``namespace`` (by URI, any prefix)."""
    text = re.sub(r"<!--.*?-->", "", head, flags=re.DOTALL)
    text = re.sub(r"<\?.*?\?>", "", text, flags=re.DOTALL)
    match = _ROOT_TAG.search(text)
    if match is None or match.group(2) != local_name:
        return False
    prefix = match.group(1)
    attribute = f"xmlns:{prefix}" if prefix else "xmlns"
    declared = re.search(rf"""\s{re.escape(attribute)}\s*=\s*["']([^"']*)["']""", text[match.end() :])
    if declared is not None:
        return declared.group(1).strip() == namespace
    return namespace in text  # the root tag is longer than the head: the namespace is at least there
