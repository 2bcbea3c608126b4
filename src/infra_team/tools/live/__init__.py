"""Live tools: read-only views of a configured running system (database, host, network, cluster, logs, IaC runs), each bounded and timed out."""
