"""How to reach a target (connections, clients), apart from what a check means."""
