"""Plan Desk: a local-first planning workspace shared by people and AI coding agents."""

__version__ = "0.1.0"
