"""python -m minserve MODULE:CALLABLE [--bind HOST] [--port N]"""

import sys

from minserve import main

sys.exit(main())
