"""The declaration pages, one module per use case: the list, the filing form, the declaration
page, its moves and its documents. Each view parses input with a form, finds the declaration
through the selectors (so another company's declaration is a 404), calls one service, and renders
or redirects; domain refusals come back as messages on the page (``errors``), never a 500."""
