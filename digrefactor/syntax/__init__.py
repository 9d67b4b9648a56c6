"""Syntax layer: source text with node spans and styles; knows nothing of Digdag."""

from digrefactor.syntax._source import (
    AliasNode,
    MappingNode,
    Node,
    ScalarNode,
    SequenceNode,
    SourceDoc,
    decode_source,
    parse_source,
    walk_nodes,
)

__all__ = [
    "AliasNode",
    "MappingNode",
    "Node",
    "ScalarNode",
    "SequenceNode",
    "SourceDoc",
    "decode_source",
    "parse_source",
    "walk_nodes",
]
