"""A Kubernetes API server emulator for tests: real HTTP on 127.0.0.1 that the `kubernetes`
Python client and the real kubectl can talk to.

    with KubeEmulator(objects, token="t") as emu:
        kubeconfig = emu.write_kubeconfig(tmp_path / "config")
        ...  # list/get, discovery, server-side apply and patches; emu.inject(Fault(status=403))
"""

from .emulator import KubeEmulator, RequestRecord
from .faults import Fault
from .resources import BUILTIN_TYPES, ResourceType
from .status import EXPIRED_MESSAGE, EXPIRED_WITH_TOKEN_MESSAGE

__all__ = [
    "BUILTIN_TYPES",
    "EXPIRED_MESSAGE",
    "EXPIRED_WITH_TOKEN_MESSAGE",
    "Fault",
    "KubeEmulator",
    "RequestRecord",
    "ResourceType",
]
