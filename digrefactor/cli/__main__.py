"""``python -m digrefactor.cli``: the command line."""

import sys

from digrefactor.cli import main

if __name__ == "__main__":
    sys.exit(main())
