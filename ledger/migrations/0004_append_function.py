from django.db import migrations

from ledger.db import APPEND_FUNCTION_SQL, DROP_APPEND_FUNCTION_SQL, run_on_postgresql


class Migration(migrations.Migration):
    """Append entries through one PL/pgSQL function whose plan is kept per session."""

    dependencies = [("ledger", "0003_notarization")]

    operations = [
        migrations.RunPython(
            run_on_postgresql(APPEND_FUNCTION_SQL),
            run_on_postgresql(DROP_APPEND_FUNCTION_SQL),
        ),
    ]
