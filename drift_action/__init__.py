"""drift-action: find where a Kubernetes cluster no longer matches what Git says."""

__version__ = "0.1.0"
ISSUES_URL = "https://github.com/drift-action/drift-action/issues"
