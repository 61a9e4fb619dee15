"""`python -P -m drift_action.sources.helm`: the Helm engine's own process (see `worker`).

A `__main__` that nothing imports: running `worker` itself with -m would run a module that the
package's own imports have already loaded."""

import sys

from drift_action.sources.helm.worker import main

sys.exit(main())
