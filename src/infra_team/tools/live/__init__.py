"""Live read-only tools: they read real systems (hosts, DNS, TLS, HTTP, databases) and never change them."""
