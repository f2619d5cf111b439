"""`python -m opsverify COMMAND`: the same as the `opsverify` console script."""

import sys

from .cli import main

sys.exit(main())
