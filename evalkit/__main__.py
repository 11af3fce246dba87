"""``python -m evalkit``: the same as the ``evalkit`` command.

Where the environment's Scripts/bin folder is not on PATH (a Windows venv not
activated, a conda prompt), the interpreter that has evalkit can still run it.
The guard matters: multiprocessing's spawn start method re-imports the main
module in each worker, which must not start another command.
"""

import sys

from evalkit.cli import main

if __name__ == "__main__":
    sys.exit(main())
