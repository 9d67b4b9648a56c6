"""Export: fresh `.dig` text from models, project directories and their files.

:func:`export_workflow` writes a whole workflow; the rest are its building blocks, shared with
the span-preserving writer (:mod:`digrefactor.write`): scalars quoted exactly when needed,
literal blocks, and block-style mapping and sequence lines.
"""

from digrefactor.export._emit import (
    double_quoted,
    export_workflow,
    literal_block,
    literal_ok,
    mapping_lines,
    plain_ok,
    quoted,
    render_block,
    render_key,
    render_scalar,
    sequence_lines,
)

__all__ = [
    "double_quoted",
    "export_workflow",
    "literal_block",
    "literal_ok",
    "mapping_lines",
    "plain_ok",
    "quoted",
    "render_block",
    "render_key",
    "render_scalar",
    "sequence_lines",
]
