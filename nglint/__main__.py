"""`python -m nglint` runs the command line, like the `nglint` console script."""

import sys

from nglint.cli import main

sys.exit(main())
