"""Project settings: ``[tool.digrefactor]`` of the nearest ``pyproject.toml``."""

from digrefactor.config._load import Config, ConfigError, find_pyproject, load_config

__all__ = ["Config", "ConfigError", "find_pyproject", "load_config"]
