"""The Celery app: `celery -A eport worker -B` runs the worker with its scheduler."""

import os
from pathlib import Path

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "eport.settings")

app = Celery("eport", task_cls="celery.contrib.django.task:DjangoTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _create_filesystem_broker_folders(sender, **kwargs):
    # kombu's filesystem transport expects its folders to exist before the first message.
    if str(sender.conf.broker_url).startswith("filesystem:"):
        for key in ("data_folder_in", "data_folder_out", "control_folder"):
            folder = sender.conf.broker_transport_options.get(key)
            if folder:
                Path(folder).mkdir(parents=True, exist_ok=True)
