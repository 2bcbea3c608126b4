"""Cloud architecture across AWS, Google Cloud and Azure: the managed service that fills each
component of a design on each cloud.

From the vendors' own comparison tables: Google Cloud, "Compare AWS and Azure services to
Google Cloud" (https://cloud.google.com/docs/get-started/aws-azure-gcp-service-comparison) and
Microsoft, "AWS to Azure services comparison"
(https://learn.microsoft.com/azure/architecture/aws-professional/services).
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, Field

from infra_team.tools.analysers._common import Args

Cloud = Literal["aws", "gcp", "azure"]
SERVICES: dict[str, tuple[str, str, str]] = {
    "vm": ("EC2", "Compute Engine", "Virtual Machines"),
    "autoscaling": ("EC2 Auto Scaling", "Managed instance groups", "Virtual Machine Scale Sets"),
    "kubernetes": ("EKS", "GKE", "AKS"),
    "serverless": ("Lambda", "Cloud Run functions", "Azure Functions"),
    "containers": ("ECS / Fargate", "Cloud Run", "Container Apps"),
    "registry": ("ECR", "Artifact Registry", "Container Registry"),
    "object_storage": ("S3", "Cloud Storage", "Blob Storage"),
    "block_storage": ("EBS", "Persistent Disk", "Managed Disks"),
    "file_storage": ("EFS", "Filestore", "Azure Files"),
    "archive": ("S3 Glacier", "Cloud Storage Archive", "Blob Storage archive tier"),
    "postgres": ("RDS / Aurora PostgreSQL", "Cloud SQL / AlloyDB", "Database for PostgreSQL"),
    "mysql": ("RDS / Aurora MySQL", "Cloud SQL for MySQL", "Database for MySQL"),
    "nosql": ("DynamoDB", "Firestore / Bigtable", "Cosmos DB"),
    "cache": ("ElastiCache", "Memorystore", "Azure Cache for Redis"),
    "warehouse": ("Redshift", "BigQuery", "Synapse Analytics"),
    "queue": ("SQS", "Pub/Sub", "Service Bus"),
    "stream": ("Kinesis", "Pub/Sub / Dataflow", "Event Hubs"),
    "l7_lb": (
        "Application Load Balancer",
        "External Application Load Balancer",
        "Application Gateway",
    ),
    "l4_lb": (
        "Network Load Balancer",
        "External passthrough Network Load Balancer",
        "Load Balancer",
    ),
    "global_lb": ("Global Accelerator", "Global external Application Load Balancer", "Front Door"),
    "cdn": ("CloudFront", "Cloud CDN", "Front Door"),
    "dns": ("Route 53", "Cloud DNS", "Azure DNS"),
    "network": ("VPC", "VPC", "Virtual Network"),
    "vpn": ("Site-to-Site VPN", "Cloud VPN", "VPN Gateway"),
    "interconnect": ("Direct Connect", "Cloud Interconnect", "ExpressRoute"),
    "firewall": (
        "Security groups / Network Firewall",
        "VPC firewall rules / Cloud NGFW",
        "NSGs / Azure Firewall",
    ),
    "waf": ("AWS WAF", "Cloud Armor", "Web Application Firewall"),
    "iam": ("IAM", "Cloud IAM", "Entra ID / Azure RBAC"),
    "kms": ("KMS", "Cloud KMS", "Key Vault"),
    "secrets": ("Secrets Manager", "Secret Manager", "Key Vault"),
    "monitoring": ("CloudWatch", "Cloud Monitoring", "Azure Monitor"),
    "logging": ("CloudWatch Logs", "Cloud Logging", "Log Analytics"),
    "iac": ("CloudFormation", "Infrastructure Manager", "Resource Manager / Bicep"),
    "backup": ("AWS Backup", "Backup and DR Service", "Azure Backup"),
}
_INDEX = {"aws": 0, "gcp": 1, "azure": 2}


class CloudServicesArgs(Args):
    """Arguments of ``cloud_services``."""

    components: list[Annotated[str, Field(max_length=40)]] = Field(
        min_length=1, max_length=len(SERVICES) * 2
    )


class CloudServices(BaseModel):
    services: dict[str, dict[str, str]]
    unknown: list[str]
    known: list[str]
    """Every component name the table holds (to correct an unknown one)."""
    markdown: str
    summary: str


def map_services(args: CloudServicesArgs) -> CloudServices:
    """Look each component up in the vendors' comparison table; unknown names are listed."""
    keys = [c.strip().lower().replace("-", "_").replace(" ", "_") for c in args.components]
    known = [k for k in dict.fromkeys(keys) if k in SERVICES]
    unknown = [c for c, k in zip(args.components, keys, strict=True) if k not in SERVICES]
    services = {k: {c: SERVICES[k][i] for c, i in _INDEX.items()} for k in known}
    header = "| Component | AWS | Google Cloud | Azure |\n|---|---|---|---|\n"
    rows = "".join(f"| {k} | " + " | ".join(services[k].values()) + " |\n" for k in known)
    return CloudServices(
        services=services,
        unknown=unknown[:50],
        known=list(SERVICES) if unknown else [],
        markdown=header + rows,
        summary=f"{len(known)} component(s) mapped on AWS, Google Cloud and Azure"
        + (f"; unknown: {', '.join(unknown[:10])}" if unknown else "")
        + ".",
    )
