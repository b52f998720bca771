"""``python -m wanmi.cli``."""

import sys

from . import main

sys.exit(main())
