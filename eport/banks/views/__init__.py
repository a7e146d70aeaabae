"""The banks' pages, one module per use case."""
