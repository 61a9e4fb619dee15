"""The kubernetes provider's typed resources, as tables: how provider attributes become API fields.

The provider (hashicorp/kubernetes, SDK v2 schemas) writes every nested block as a list of
objects, names fields in snake_case and lists in the singular (`container`, `port`,
`volume_mount`). `typed.py` walks a resource's planned values with these tables:

* `RESOURCES`: resource type -> apiVersion and kind (the unversioned and `_v1` twins alike), and
  the resource's own reshaping step when it needs one;
* `REPEATED`: blocks that are lists in the API, with their API name; every other block holds at
  most one object and becomes that object. `SINGLE_IN` names the few blocks whose meaning
  depends on the block around them (an Ingress backend's `port` is one object);
* `MAPS`: attributes whose keys are user data (labels, ConfigMap data, resource limits): kept
  verbatim, never camelCased;
* `RENAMES` and `ACRONYMS`: API names camelCase does not give (`externalIPs`, `timeZone`);
* `INTEGER_STRINGS`, `INT_OR_STRING`, `OCTAL`: attributes the provider keeps as strings that the
  API holds as numbers (`replicas = "3"`, `target_port = "8080"`, `default_mode = "0644"`);
* `PROVIDER_ONLY`, `SERVER_SET`: attributes that are the provider's own settings or that the
  API server writes; they never become desired fields (nor does a template's namespace);
* `COMPUTED`: attributes the provider leaves to Kubernetes when the configuration does not set
  them; when such a value is unknown it is not reported as "known after apply";
* `DEFAULTS`: values the provider fills in for an unset attribute. A desired field at such a
  value (or `false`, or `0`) that the live object does not have is not drift: the API server does
  not store every default the provider sends.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class TypedResource:
    api_version: str
    kind: str
    reshape: str = ""  # a step of typed.RESHAPES, for what the tables cannot say
    top_repeated: tuple[tuple[str, str], ...] = ()  # top-level blocks that are API lists


def _twins(name: str, resource: TypedResource) -> dict[str, TypedResource]:
    return {f"kubernetes_{name}": resource, f"kubernetes_{name}_v1": resource}


_SERVICE_ACCOUNT = TypedResource(
    "v1",
    "ServiceAccount",
    top_repeated=(("secret", "secrets"), ("image_pull_secret", "imagePullSecrets")),
)

RESOURCES: dict[str, TypedResource] = {
    **_twins("deployment", TypedResource("apps/v1", "Deployment")),
    **_twins("stateful_set", TypedResource("apps/v1", "StatefulSet")),
    "kubernetes_daemonset": TypedResource("apps/v1", "DaemonSet"),
    "kubernetes_daemon_set_v1": TypedResource("apps/v1", "DaemonSet"),
    **_twins("job", TypedResource("batch/v1", "Job")),
    # The unversioned kubernetes_cron_job used batch/v1beta1, which Kubernetes 1.25 removed; the
    # object is the same CronJob, served as batch/v1.
    **_twins("cron_job", TypedResource("batch/v1", "CronJob")),
    **_twins("service", TypedResource("v1", "Service")),
    # The unversioned kubernetes_ingress has the networking.k8s.io/v1beta1 shape (serviceName,
    # servicePort), removed in Kubernetes 1.22: it is reshaped into v1, as the API serves it.
    "kubernetes_ingress": TypedResource(
        "networking.k8s.io/v1", "Ingress", reshape="ingress_v1beta1"
    ),
    "kubernetes_ingress_v1": TypedResource("networking.k8s.io/v1", "Ingress"),
    **_twins("config_map", TypedResource("v1", "ConfigMap")),
    **_twins("secret", TypedResource("v1", "Secret", reshape="secret")),
    **_twins("namespace", TypedResource("v1", "Namespace")),
    **_twins("service_account", _SERVICE_ACCOUNT),
    **_twins("persistent_volume_claim", TypedResource("v1", "PersistentVolumeClaim")),
    **_twins("pod", TypedResource("v1", "Pod")),
    # The unversioned HPA is autoscaling/v1 unless it has `metric` blocks (then v2's shape).
    "kubernetes_horizontal_pod_autoscaler": TypedResource(
        "autoscaling/v1", "HorizontalPodAutoscaler", reshape="hpa"
    ),
    "kubernetes_horizontal_pod_autoscaler_v1": TypedResource(
        "autoscaling/v1", "HorizontalPodAutoscaler"
    ),
    "kubernetes_horizontal_pod_autoscaler_v2": TypedResource(
        "autoscaling/v2", "HorizontalPodAutoscaler"
    ),
    "kubernetes_horizontal_pod_autoscaler_v2beta2": TypedResource(
        "autoscaling/v2", "HorizontalPodAutoscaler"
    ),
    **_twins("role", TypedResource("rbac.authorization.k8s.io/v1", "Role")),
    **_twins("role_binding", TypedResource("rbac.authorization.k8s.io/v1", "RoleBinding")),
    **_twins("cluster_role", TypedResource("rbac.authorization.k8s.io/v1", "ClusterRole")),
    **_twins(
        "cluster_role_binding", TypedResource("rbac.authorization.k8s.io/v1", "ClusterRoleBinding")
    ),
    **_twins("network_policy", TypedResource("networking.k8s.io/v1", "NetworkPolicy")),
    **_twins("pod_disruption_budget", TypedResource("policy/v1", "PodDisruptionBudget")),
    **_twins("resource_quota", TypedResource("v1", "ResourceQuota")),
    **_twins("limit_range", TypedResource("v1", "LimitRange")),
}

# Resources of the provider that change part of an object another tool owns: not an object.
PATCHES: dict[str, str] = {
    "kubernetes_labels": "it sets labels on an object it does not own",
    "kubernetes_annotations": "it sets annotations on an object it does not own",
    "kubernetes_config_map_v1_data": "it sets keys of a ConfigMap it does not own",
    "kubernetes_env": "it sets environment variables of a workload it does not own",
    "kubernetes_node_taint": "it sets taints on a node it does not own",
    "kubernetes_default_service_account": "it adopts the namespace's default ServiceAccount",
    "kubernetes_default_service_account_v1": "it adopts the namespace's default ServiceAccount",
}

REPEATED: dict[str, str] = {
    "container": "containers",
    "init_container": "initContainers",
    "port": "ports",
    "env": "env",
    "env_from": "envFrom",
    "volume_mount": "volumeMounts",
    "volume_device": "volumeDevices",
    "volume": "volumes",
    "toleration": "tolerations",
    "image_pull_secrets": "imagePullSecrets",
    "host_aliases": "hostAliases",
    "readiness_gate": "readinessGates",
    "topology_spread_constraint": "topologySpreadConstraints",
    "match_expressions": "matchExpressions",
    "match_expression": "matchExpressions",
    "match_fields": "matchFields",
    "node_selector_term": "nodeSelectorTerms",
    "required_during_scheduling_ignored_during_execution": (
        "requiredDuringSchedulingIgnoredDuringExecution"
    ),
    "preferred_during_scheduling_ignored_during_execution": (
        "preferredDuringSchedulingIgnoredDuringExecution"
    ),
    "items": "items",
    "sysctl": "sysctls",
    "option": "options",
    "http_header": "httpHeaders",
    "rule": "rules",
    "subject": "subjects",
    "path": "paths",
    "tls": "tls",
    "metric": "metrics",
    "policy": "policies",
    "volume_claim_template": "volumeClaimTemplates",
    "sources": "sources",
    "cluster_role_selectors": "clusterRoleSelectors",
    "ingress": "ingress",
    "egress": "egress",
    "from": "from",
    "to": "to",
    "ports": "ports",
    "limit": "limits",
    "on_pod_condition": "onPodConditions",
}

# (enclosing block, block) pairs that hold one object although the block name is in REPEATED.
SINGLE_IN: frozenset[tuple[str, str]] = frozenset(
    {
        ("service", "port"),  # an Ingress backend's service port: {name, number}
        ("node_affinity", "required_during_scheduling_ignored_during_execution"),
        ("pods", "metric"),  # an HPA metric's identifier: {name, selector}
        ("object", "metric"),
        ("external", "metric"),
        ("container_resource", "metric"),
    }
)

MAPS: frozenset[str] = frozenset(
    {
        "labels",
        "annotations",
        "data",
        "binary_data",
        "string_data",
        "match_labels",
        "limits",
        "requests",
        "node_selector",
        "selector",  # a Service's selector; a workload's selector is a block (a list)
        "hard",
        "capacity",
        "parameters",
        "volume_attributes",
        "max",
        "min",
        "default",
        "default_request",
        "max_limit_request_ratio",
    }
)

RENAMES: dict[str, str] = {"timezone": "timeZone"}
ACRONYMS: dict[str, str] = {
    "ip": "IP",
    "ips": "IPs",
    "ipc": "IPC",
    "pid": "PID",
    "url": "URL",
    "urls": "URLs",
    "cpu": "CPU",
}

INTEGER_STRINGS: frozenset[str] = frozenset(
    {
        "replicas",
        "run_as_user",
        "run_as_group",
        "fs_group",
        "toleration_seconds",
        "ttl_seconds_after_finished",
    }
)
INT_OR_STRING: frozenset[str] = frozenset(
    {"target_port", "max_surge", "max_unavailable", "min_available", "port"}
)
OCTAL: frozenset[str] = frozenset({"default_mode", "mode"})

PROVIDER_ONLY: frozenset[str] = frozenset(
    {
        "id",
        "timeouts",
        "wait_for_rollout",
        "wait_for_load_balancer",
        "wait_for_completion",
        "wait_until_bound",
        "wait_for_default_service_account",
        "wait_for_service_account_token",
        "default_secret_name",
        "status",
        "target_state",
    }
)
SERVER_SET: frozenset[str] = frozenset({"generation", "resource_version", "uid", "self_link"})
# A template's metadata (pod, volume claim, job) takes its namespace from the object around it.
TEMPLATE_ONLY_METADATA: frozenset[str] = frozenset({"namespace"})

COMPUTED: frozenset[str] = frozenset(
    {
        "image_pull_policy",
        "termination_message_policy",
        "hostname",
        "node_name",
        "scheduler_name",
        "service_account_name",
        "cluster_ip",
        "cluster_ips",
        "health_check_node_port",
        "external_traffic_policy",
        "internal_traffic_policy",
        "ip_families",
        "ip_family_policy",
        "node_port",
        "target_port",
        "volume_name",
        "volume_mode",
        "storage_class_name",
        "resources",
        "generate_name",
        "image_pull_secrets",
        "readiness_gate",
        "volume",
        "revision_history_limit",
        "security_context",
        "selector",
    }
)

DEFAULTS: dict[str, Any] = {
    "dns_policy": "ClusterFirst",
    "restart_policy": "Always",
    "termination_grace_period_seconds": 30,
    "termination_message_path": "/dev/termination-log",
    "automount_service_account_token": True,
    "enable_service_links": True,
    "allocate_load_balancer_node_ports": True,
    "operator": "Equal",
    "divisor": "1",
    "api_version": "v1",
    "protocol": "TCP",
    "backoff_limit": 6,
    "concurrency_policy": "Allow",
    "failed_jobs_history_limit": 1,
    "successful_jobs_history_limit": 3,
    "revision_history_limit": 10,
    "progress_deadline_seconds": 600,
    "period_seconds": 10,
    "timeout_seconds": 1,
    "success_threshold": 1,
    "failure_threshold": 3,
    "pod_management_policy": "OrderedReady",
    "session_affinity": "None",
    "max_skew": 1,
    "when_unsatisfiable": "DoNotSchedule",
}


def is_default(attribute: str, value: Any) -> bool:
    """The provider's value for an attribute the configuration leaves unset."""
    if value is False or (value == 0 and not isinstance(value, bool)):
        return True
    return (
        attribute in DEFAULTS
        and DEFAULTS[attribute] == value
        and type(value) is type(DEFAULTS[attribute])
    )
