"""`python -m awsfake serve …`: the same as the `awsfake` command."""

import sys

from awsfake.cli import main

sys.exit(main())
