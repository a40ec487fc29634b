"""`python -m lottery_service …` is the `sunshine` command."""

import sys

from .cli import main

sys.exit(main())
