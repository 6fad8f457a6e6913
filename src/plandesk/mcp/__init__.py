"""The MCP endpoint at /mcp/: token guard, tool registry and the planning tools (official SDK, Streamable HTTP)."""
