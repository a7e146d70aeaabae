"""The demo: organisations, people and stories of every part of eport, made through the services.

It sits above every domain (``seed_demo``, then ``seed_banks``), so it may play a story across
declarations, banks and payments without any of them knowing of the others.
"""
