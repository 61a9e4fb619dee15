"""The real-server test tier's control plane: the pinned kube-apiserver and etcd, built from their
Go modules by tests/apiserver/build.sh, started on loopback for one pytest session."""

from .binaries import BIN_ENV, ENABLED_ENV, REQUIRED_ENV, Binaries, Unavailable, locate, pinned
from .control_plane import ADMIN_TOKEN, USERS, ControlPlane

__all__ = [
    "ADMIN_TOKEN",
    "BIN_ENV",
    "ENABLED_ENV",
    "REQUIRED_ENV",
    "USERS",
    "Binaries",
    "ControlPlane",
    "Unavailable",
    "locate",
    "pinned",
]
