"""The payments pages, one module per use case."""
