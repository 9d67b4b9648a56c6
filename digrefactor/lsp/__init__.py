"""The language server (``digrefactor lsp``), built on pygls (the ``lsp`` extra).

Diagnostics and lint warnings as you type, hover docs, completion, go to definition for
``call>``/``require>``/``!include``/``_after``, document symbols, and renames of tasks and
workflows through the codemods' verified passes. Importing this package needs pygls.
"""

from digrefactor.lsp._server import DigLanguageServer, create_server, serve

__all__ = ["DigLanguageServer", "create_server", "serve"]
