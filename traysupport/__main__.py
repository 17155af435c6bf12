"""`python -m traysupport`: the command line."""

import sys

from traysupport.cli import main

sys.exit(main())
