"""The domain: every rule of Plan Desk lives here; adapters only translate."""
