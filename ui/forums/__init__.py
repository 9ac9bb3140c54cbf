"""The Forums screen: its page and the forum editor."""
