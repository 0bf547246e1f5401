"""``python -m bmclib``: the ``bmc`` command."""

import sys

from .cli import main

sys.exit(main())
