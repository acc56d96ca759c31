"""Domain rules, one module per domain; plain functions that take ids, models and values."""
