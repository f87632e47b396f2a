"""`python -m awsfake.catalogue [PATH]`: rebuild the catalogue's index from the installed botocore."""

from __future__ import annotations

from awsfake.catalogue.build import main

raise SystemExit(main())
