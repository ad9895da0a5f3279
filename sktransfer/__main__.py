"""Entry point of ``python -m sktransfer``, the command line of ``sktransfer.cli``."""

import sys

from sktransfer.cli import main

if __name__ == "__main__":
    sys.exit(main())
