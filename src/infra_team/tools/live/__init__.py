"""Live read-only tools: they read real systems (databases, hosts, DNS, TLS, HTTP, Kubernetes, Loki, Terraform plans, Ansible check runs) and never change them; each is bounded and timed out."""
