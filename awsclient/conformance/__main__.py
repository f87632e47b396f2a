import sys

from awsclient.conformance.cli import main

sys.exit(main())
