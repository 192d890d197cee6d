import sys
from scendsl.cli import main

sys.exit(main())
