"""``[tool.digrefactor]`` in ``pyproject.toml``: the settings every front end reads (the command
line, the language server), found from the files they work on."""

from __future__ import annotations

import os
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Config", "ConfigError", "find_pyproject", "load_config"]


class ConfigError(ValueError):
    """An unreadable ``pyproject.toml`` or a bad ``[tool.digrefactor]`` value (names the file)."""


@dataclass
class Config:
    """``[tool.digrefactor]`` of the nearest ``pyproject.toml`` (command line wins)."""

    path: Path | None = None
    jobs: int | None = None
    timeout: float | None = None
    include: list[str] = field(default_factory=list)
    exclude: list[str] = field(default_factory=list)
    gitignore: bool = True
    #: ``[tool.digrefactor.lint]``: ``select``, ``ignore`` (codes), ``variables`` (names).
    lint: dict[str, list[str]] = field(default_factory=dict)


_CONFIG_KEYS = {"jobs", "timeout", "include", "exclude", "extend-exclude", "gitignore", "lint"}
_LINT_KEYS = {"select", "ignore", "variables"}


def find_pyproject(paths: Sequence[Path]) -> Path | None:
    """The nearest ``pyproject.toml`` at or above the first path (stops at a ``.git`` root)."""
    start = Path(os.path.realpath(paths[0] if paths else Path.cwd()))
    if not start.is_dir():
        start = start.parent
    for d in [start, *start.parents]:
        candidate = d / "pyproject.toml"
        if candidate.is_file():
            return candidate
        if (d / ".git").exists() or (d / ".hg").exists():
            return None
    return None


def load_config(paths: Sequence[Path]) -> Config:
    """``[tool.digrefactor]`` of the ``pyproject.toml`` nearest the first path (defaults when
    there is none). Raises :class:`ConfigError` naming the file for a bad value or key."""
    path = find_pyproject(paths)
    if path is None:
        return Config()
    try:
        with path.open("rb") as f:
            data = tomllib.load(f)
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read configuration: {exc}") from None
    section = data.get("tool", {}).get("digrefactor")
    if section is None:
        return Config()
    section = _table(path, "tool.digrefactor", section, _CONFIG_KEYS)
    cfg = Config(path=path)
    if "jobs" in section:
        jobs = section["jobs"]
        if not isinstance(jobs, int) or isinstance(jobs, bool) or jobs < 1:
            raise ConfigError(f"{path}: [tool.digrefactor] jobs must be a positive integer")
        cfg.jobs = jobs
    if "timeout" in section:
        timeout = section["timeout"]
        if not isinstance(timeout, (int, float)) or isinstance(timeout, bool) or timeout < 0:
            raise ConfigError(f"{path}: [tool.digrefactor] timeout must be seconds (0: no limit)")
        cfg.timeout = float(timeout)
    for key in ("include", "exclude", "extend-exclude"):
        if key in section:
            value = section[key]
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{path}: [tool.digrefactor] {key} must be a list of globs")
            if key == "include":
                cfg.include = value
            else:
                cfg.exclude.extend(value)
    if "gitignore" in section:
        if not isinstance(section["gitignore"], bool):
            raise ConfigError(f"{path}: [tool.digrefactor] gitignore must be true or false")
        cfg.gitignore = section["gitignore"]
    if "lint" in section:
        cfg.lint = _lint_section(path, section["lint"])
    return cfg


def _table(path: Path, name: str, value: object, known: set[str]) -> dict[str, object]:
    """*value* as the table ``[name]`` whose keys must be among *known* (else a usage error)."""
    if not isinstance(value, dict):
        raise ConfigError(f"{path}: [{name}] must be a table")
    unknown = sorted(set(value) - known)
    if unknown:
        raise ConfigError(
            f"{path}: [{name}] has unknown key {unknown[0]!r} (known: {', '.join(sorted(known))})"
        )
    return value


def _lint_section(path: Path, section: object) -> dict[str, list[str]]:
    lint = _table(path, "tool.digrefactor.lint", section, _LINT_KEYS)
    out: dict[str, list[str]] = {}
    for key, value in lint.items():
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{path}: [tool.digrefactor.lint] {key} must be a list of strings")
        out[key] = value
    return out
