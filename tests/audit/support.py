from eport.audit.receipts import released_declaration_receipt


def release_receipt(declaration, seq=None):
    """The receipt its own trader downloads for a released declaration (or its entry ``seq``)."""
    return released_declaration_receipt(declaration.created_by, declaration, seq=seq)
