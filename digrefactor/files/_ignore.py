"""``.digdagignore``: gitignore rules of a project, read the way Digdag's CLI reads them."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import pathspec

__all__ = ["DigdagIgnore"]

IGNORE_FILE = ".digdagignore"


class DigdagIgnore:
    """A ``.digdagignore`` file: gitignore rules, the last matching rule decides.

    Matching is ``pathspec``'s implementation of git's wildmatch rules (Digdag's CLI uses JGit's
    ``IgnoreNode``).
    """

    def __init__(self, text: str) -> None:
        self._spec = pathspec.GitIgnoreSpec.from_lines(text.splitlines())

    @classmethod
    def of_project(
        cls, project_dir: Path, extra_patterns: Sequence[str] = ()
    ) -> DigdagIgnore | None:
        """The rules of ``project_dir/.digdagignore`` plus *extra_patterns*; None when there
        are none. Like Digdag, a stray non-UTF-8 byte does not stop the project from loading."""
        path = project_dir / IGNORE_FILE
        # An unreadable ignore file is an error, not "no rules": ignored files (secrets) would
        # otherwise be pushed.
        text = path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""
        if extra_patterns:
            text += "\n" + "\n".join(extra_patterns)
        return cls(text) if text.strip() else None

    def ignores(self, relative_path: str, *, is_dir: bool) -> bool:
        """Whether the project-relative, ``/``-separated path is ignored."""
        return bool(self._spec.match_file(relative_path + "/" if is_dir else relative_path))
