"""Pages of the people register, split by topic."""
