"""Writing small file trees for tests."""

from __future__ import annotations

from pathlib import Path

__all__ = ["write_tree"]


def write_tree(root: Path, files: dict[str, str]) -> Path:
    """Write ``{relative path: text}`` below *root* (directories made as needed); *root*."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root
