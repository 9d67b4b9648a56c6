"""The JSON Schema of `.dig` files, generated from the models (``digrefactor schema``).

:func:`build_schema` builds it; :data:`SCHEMA_FILE` is the copy shipped in the package (the
one editors point at; a test keeps it equal to what :func:`schema_text` generates).
"""

from pathlib import Path

from digrefactor.schema._build import SCHEMA_DIALECT, build_schema, schema_text

#: The generated schema shipped with the package (``dig.schema.json``).
SCHEMA_FILE = Path(__file__).with_name("dig.schema.json")

__all__ = ["SCHEMA_DIALECT", "SCHEMA_FILE", "build_schema", "schema_text"]
