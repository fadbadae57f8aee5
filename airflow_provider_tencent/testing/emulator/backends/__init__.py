"""One backend per service, moto-style: its version, quotas, state and actions."""
