from __future__ import annotations

import sys

from policylint.cli import main

if __name__ == "__main__":
    sys.exit(main())
