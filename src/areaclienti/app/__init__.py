"""Use cases and the ports (interfaces) they need."""
