"""The Dashboard screen: its page and the goals dialog."""
