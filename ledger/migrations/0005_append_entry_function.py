from django.db import migrations

from ledger.db import (
    APPEND_ENTRY_FUNCTION_SQL,
    DROP_APPEND_ENTRY_FUNCTION_SQL,
    run_on_postgresql,
)


class Migration(migrations.Migration):
    """Append through ledger_append_entry(), which returns the entry's bytes as one value."""

    dependencies = [("ledger", "0004_append_function")]

    operations = [
        migrations.RunPython(
            run_on_postgresql(APPEND_ENTRY_FUNCTION_SQL),
            run_on_postgresql(DROP_APPEND_ENTRY_FUNCTION_SQL),
        ),
    ]
