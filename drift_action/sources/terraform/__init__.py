"""Terraform plans as desired state: pure readers of `terraform show -json` output.

`plan` checks the format and lists the resource instances, `schema` holds the kubernetes
provider's attribute tables, `typed` turns typed resources into API objects with them,
`manifests` reads `kubernetes_manifest` and `kubectl_manifest`, `convert` picks the reader by
resource type, `helm_release` reads Helm releases, `trees` walks Terraform's unknown and
sensitive trees, `documents` turns a plan into documents and observations, and `prior` into
base documents (each object as Terraform last applied it). Reading files and running
`terraform` or Helm is the source's job (`drift_action.sources.terraform.source`).
"""
