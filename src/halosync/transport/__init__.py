"""The one HTTP layer under both vendors, and the bounded pool for requests side by side."""
