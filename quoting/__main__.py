import sys

from quoting.cli import main

sys.exit(main())
