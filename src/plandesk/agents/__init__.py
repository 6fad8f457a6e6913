"""Agent onboarding: binding a repository (connect/disconnect), the skill, the hooks and the task runner."""
