"""A transactional outbox for Celery tasks: ``services.enqueue(task, *args)`` in a service."""
