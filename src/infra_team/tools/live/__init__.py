"""Live tools: read-only views of a configured running system (database, host, network), each bounded and timed out."""
