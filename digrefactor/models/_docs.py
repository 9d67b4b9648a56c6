"""What each data key of a model means: the docstrings written under the models' fields.

A field's description is the string literal right below it in the class body (the convention
pydantic's ``use_attribute_docstrings`` reads). They are read from the source on first use only,
so importing the models costs nothing extra; the JSON Schema, the language server's hover and
completion, and the linter all take their words from here.
"""

from __future__ import annotations

import ast
import functools
import inspect
import textwrap

from digrefactor.models._base import DigModel

__all__ = ["describe_fields", "describe_model"]


def describe_model(cls: type[DigModel]) -> str:
    """The model's own docstring, cleaned (empty when it has none)."""
    doc = cls.__dict__.get("__doc__")
    return inspect.cleandoc(doc) if isinstance(doc, str) else ""


def describe_fields(cls: type[DigModel]) -> dict[str, str]:
    """Data key (``_retry``, ``from``, ``store_last_results``) → description, inherited ones too."""
    by_field: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        if isinstance(klass, type) and issubclass(klass, DigModel):
            by_field.update(_own_field_docs(klass))
    out: dict[str, str] = {}
    for name, spec in cls.__fields_spec__.items():
        doc = by_field.get(name)
        if doc:
            out[spec.data_key] = doc
    return out


@functools.cache
def _own_field_docs(klass: type) -> dict[str, str]:
    try:
        source = inspect.getsource(klass)
    except (OSError, TypeError):  # no source shipped (a frozen build): no descriptions
        return {}
    tree = ast.parse(textwrap.dedent(source))
    node = tree.body[0] if tree.body else None
    if not isinstance(node, ast.ClassDef):  # pragma: no cover - getsource gives the class
        return {}
    docs: dict[str, str] = {}
    for stmt, following in zip(node.body, node.body[1:], strict=False):
        if (
            isinstance(stmt, ast.AnnAssign)
            and isinstance(stmt.target, ast.Name)
            and isinstance(following, ast.Expr)
            and isinstance(following.value, ast.Constant)
            and isinstance(following.value.value, str)
        ):
            docs[stmt.target.id] = inspect.cleandoc(following.value.value)
    return docs
