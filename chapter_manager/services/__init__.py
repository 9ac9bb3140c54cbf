"""Services: units of work over the database that take and return plain data."""
