"""Celery tasks of the audit workspace: thin, take ids, safe to run twice.

Each task is defined beside the service it runs (``eport.audit.services``); this module is where
Celery's autodiscovery finds them.
"""

from .services import VERIFICATION_TIME_LIMIT, resume_stale_run_task, run_verification

__all__ = ["VERIFICATION_TIME_LIMIT", "resume_stale_run_task", "run_verification"]
