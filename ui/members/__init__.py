"""The Members screen: its page and the person editor."""
