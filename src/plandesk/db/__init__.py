"""Storage: the one schema, engines for SQLite and PostgreSQL, migrations and search."""
