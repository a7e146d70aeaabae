from django.db import migrations

from ledger.db import (
    DROP_FUNCTIONS_SQL,
    FUNCTIONS_SQL,
    guard_sql,
    run_on_postgresql,
    unguard_sql,
)


class Migration(migrations.Migration):
    """Make ledger_entry refuse UPDATE, DELETE and TRUNCATE in the database itself."""

    dependencies = [("ledger", "0001_initial")]

    operations = [
        migrations.RunPython(
            run_on_postgresql(FUNCTIONS_SQL + guard_sql("ledger_entry")),
            run_on_postgresql(unguard_sql("ledger_entry") + DROP_FUNCTIONS_SQL),
        ),
    ]
