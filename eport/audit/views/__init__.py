"""The audit app's pages, one module per use case.

``workspace``: the auditor's workspace (ledger browser, entries, checkpoints, verification runs,
evidence); ``verify``: the public /verify/ page; ``receipts``: traders' receipts and release notes.
``common`` holds what they share.
"""
