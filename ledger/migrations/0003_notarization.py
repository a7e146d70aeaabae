from django.db import migrations, models

from ledger.db import guard_sql, run_on_postgresql, unguard_sql

APPEND_ONLY = ["ledger_node", "ledger_checkpoint", "ledger_cosignature", "ledger_witness_refusal"]


class Migration(migrations.Migration):
    """Stored subtree hashes, checkpoints, witness cosignatures, witness state and refusals."""

    dependencies = [("ledger", "0002_append_only")]

    operations = [
        migrations.CreateModel(
            name="Node",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "level",
                        "index",
                        blank=True,
                        editable=False,
                        primary_key=True,
                        serialize=False,
                    ),
                ),
                ("level", models.SmallIntegerField()),
                ("index", models.BigIntegerField()),
                ("hash", models.BinaryField(max_length=32)),
            ],
            options={"db_table": "ledger_node"},
        ),
        migrations.CreateModel(
            name="Checkpoint",
            fields=[
                ("size", models.BigIntegerField(primary_key=True, serialize=False)),
                ("root", models.BinaryField(max_length=32)),
                ("note", models.TextField()),
                ("created", models.DateTimeField()),
            ],
            options={"db_table": "ledger_checkpoint", "ordering": ["size"]},
        ),
        migrations.CreateModel(
            name="WitnessState",
            fields=[
                ("witness", models.CharField(max_length=200, primary_key=True, serialize=False)),
                ("size", models.BigIntegerField()),
                ("root", models.BinaryField(max_length=32)),
                ("updated", models.DateTimeField()),
            ],
            options={"db_table": "ledger_witness_state"},
        ),
        migrations.CreateModel(
            name="WitnessRefusal",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("witness", models.CharField(max_length=200)),
                ("size", models.BigIntegerField()),
                ("root", models.BinaryField(max_length=32)),
                ("signed_size", models.BigIntegerField(null=True)),
                ("signed_root", models.BinaryField(max_length=32, null=True)),
                ("reason", models.TextField()),
                ("created", models.DateTimeField()),
            ],
            options={"db_table": "ledger_witness_refusal", "ordering": ["-id"]},
        ),
        migrations.CreateModel(
            name="Cosignature",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("witness", models.CharField(max_length=200)),
                ("line", models.TextField()),
                ("created", models.DateTimeField()),
                (
                    "checkpoint",
                    models.ForeignKey(
                        db_column="checkpoint_size",
                        on_delete=models.deletion.PROTECT,
                        related_name="cosignatures",
                        to="ledger.checkpoint",
                    ),
                ),
            ],
            options={
                "db_table": "ledger_cosignature",
                "ordering": ["checkpoint", "id"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("checkpoint", "witness"), name="ledger_cosignature_once_per_witness"
                    )
                ],
            },
        ),
        migrations.RunPython(
            run_on_postgresql("".join(guard_sql(table) for table in APPEND_ONLY)),
            run_on_postgresql("".join(unguard_sql(table) for table in APPEND_ONLY)),
        ),
    ]
