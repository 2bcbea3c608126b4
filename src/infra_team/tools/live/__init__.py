"""Live tools: read-only views of running systems (clusters, log stores, IaC runs)."""
