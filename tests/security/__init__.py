"""Secrets and network hygiene: the token never leaks; no redirects; TLS verified by default."""
