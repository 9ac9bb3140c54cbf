"""The Events screen: its page, an event's detail (attendance, check-in, kiosk) and the editor."""
