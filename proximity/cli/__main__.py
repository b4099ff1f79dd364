"""``python -m proximity.cli``: the same as the ``proximity`` console script."""

import sys

from proximity.cli import main

sys.exit(main())
