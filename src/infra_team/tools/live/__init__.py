"""Live read-only tools: they read real systems (databases, hosts, DNS, TLS, HTTP) and never change them; each is bounded and timed out."""
