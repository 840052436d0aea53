"""python -m nasbook ...: the command line (nasbook.cli) without an installed entry point, e.g.
`PYTHONPATH=. python3 -m nasbook burst ...` on a GPU machine that has a copy of the checkout."""
import sys

from .cli import main

sys.exit(main())
