"""Indexes for the officer queue and the newest-first lists (measured on 100,000 declarations).

The queue is "open declarations of one office, red lane first, then oldest submission": a partial
index on exactly that expression lets PostgreSQL read the first page straight from the index
instead of sorting the office's whole backlog. The expression must stay identical to the
``lane_rank`` annotation in ``selectors.officer_queue``. Written as SQL because Django's model
state cannot describe an index on a CASE expression with a condition without changing the model.
"""

from django.db import migrations

OPEN_STATUSES = "'submitted', 'under_review', 'query', 'inspection', 'assessed', 'paid'"

QUEUE_INDEX = (
    "CREATE INDEX decl_open_queue ON declarations_declaration "
    "(office_id, (CASE WHEN lane = 'red' THEN 0 ELSE 1 END), submitted_at, id) "
    f"WHERE status IN ({OPEN_STATUSES})"
)
CREATED_INDEX = "CREATE INDEX decl_created_at ON declarations_declaration (created_at)"


class Migration(migrations.Migration):
    dependencies = [("declarations", "0001_initial")]

    operations = [
        migrations.RunSQL(QUEUE_INDEX, "DROP INDEX decl_open_queue"),
        migrations.RunSQL(CREATED_INDEX, "DROP INDEX decl_created_at"),
    ]
