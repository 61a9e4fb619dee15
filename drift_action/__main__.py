import sys

from drift_action.cli import main

sys.exit(main())
