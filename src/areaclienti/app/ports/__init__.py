"""The interfaces the use cases need; adapters implement them."""
