"""Export: fresh `.dig` text from models, project directories and their files."""

from digrefactor.export._emit import export_workflow, render_block, render_key, render_scalar

__all__ = ["export_workflow", "render_block", "render_key", "render_scalar"]
