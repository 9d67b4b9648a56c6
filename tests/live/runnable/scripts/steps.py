"""py> task of the runnable test project."""

import digdag


def emit(message: str) -> None:
    print(f"py says {message}")
    digdag.env.store({"py_value": message.upper()})
