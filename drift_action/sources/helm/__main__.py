"""The Helm engine's own process (see `worker`), run by path: `python -P .../helm/__main__.py`
(`core/helm_engine.command`); `python -P -m drift_action.sources.helm` works too.

Run by path, the sources package is registered bare (its folder, not its `__init__`) before the
engine's modules are imported: that `__init__` loads every source (Kustomize, plain manifests,
PyYAML), about half of what the engine's process imported, paid on each render for nothing.
Nothing imports this module: run as `-m worker`, the worker would be a module that the
package's own imports had already loaded.
"""

import os
import sys
import types

if "drift_action.sources" not in sys.modules:  # run by path, not with -m
    import drift_action

    bare = types.ModuleType("drift_action.sources")
    bare.__path__ = [os.path.join(drift_action.__path__[0], "sources")]
    sys.modules[bare.__name__] = bare

from drift_action.sources.helm.worker import main  # after the registration

sys.exit(main())
