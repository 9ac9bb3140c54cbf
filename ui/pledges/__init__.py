"""The Pledges screen: its page and its dialogs (new pledge, details, link to a person)."""
