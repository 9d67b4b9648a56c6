"""Files: the one walk over project trees that every command shares.

:func:`walk` visits a tree (dot names never, links to directories only on request);
:func:`find_project_dirs` finds the Digdag projects in it (directories with top-level
``*.dig`` files), :func:`project_file_paths` lists what Digdag would archive of one (honouring
``.digdagignore``), :func:`discover_files` selects the files a codemod, ``check`` or ``scan``
covers (honouring ``.gitignore`` and ``--include``/``--exclude``).
"""

from digrefactor.files._ignore import DigdagIgnore
from digrefactor.files._project import (
    SKIPPED_DIRS,
    ProjectFile,
    find_project_dirs,
    project_file_paths,
    read_files,
    workflow_file_names,
)
from digrefactor.files._select import (
    FileFilter,
    FileList,
    NotARegularFileError,
    discover_files,
    find_repository_root,
)
from digrefactor.files._walk import Entry, EntryKind, is_regular, real_path, walk

__all__ = [
    "SKIPPED_DIRS",
    "DigdagIgnore",
    "Entry",
    "EntryKind",
    "FileFilter",
    "FileList",
    "NotARegularFileError",
    "ProjectFile",
    "discover_files",
    "find_project_dirs",
    "find_repository_root",
    "is_regular",
    "project_file_paths",
    "read_files",
    "real_path",
    "walk",
    "workflow_file_names",
]
