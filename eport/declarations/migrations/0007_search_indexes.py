"""Indexes for searching the declarations list (measured on 100,000 declarations).

- A goods item's HS code by its start (``hs_code LIKE '8471%'``): a B-tree with
  ``varchar_pattern_ops``, so a code few items have is found without reading every item.
- A party's name anywhere in it, in any case (``UPPER(consignor_name) LIKE '%HAMBURG%'``, what
  Django's ``icontains`` becomes): trigram GIN indexes on the same expressions. Without them
  every search read all 100,000 rows (about a second under load); with them a few milliseconds.

PostgreSQL only, and not in the model state: SQLite has neither operator classes nor pg_trgm,
and a database whose user may not create the pg_trgm extension keeps working without the
trigram indexes (the search is the same, only slower), with a warning.
"""

import logging

from django.db import DatabaseError, migrations, transaction

logger = logging.getLogger(__name__)

HS_INDEX = (
    "CREATE INDEX IF NOT EXISTS goods_hs_code_prefix "
    "ON declarations_goodsitem (hs_code varchar_pattern_ops)"
)
TRIGRAM_INDEXES = (
    "CREATE INDEX IF NOT EXISTS decl_consignor_trgm ON declarations_declaration "
    "USING gin (UPPER(consignor_name) gin_trgm_ops)",
    "CREATE INDEX IF NOT EXISTS decl_consignee_trgm ON declarations_declaration "
    "USING gin (UPPER(consignee_name) gin_trgm_ops)",
)
DROP = (
    "DROP INDEX IF EXISTS goods_hs_code_prefix",
    "DROP INDEX IF EXISTS decl_consignor_trgm",
    "DROP INDEX IF EXISTS decl_consignee_trgm",
)


def create_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(HS_INDEX)
    try:
        with transaction.atomic(using=schema_editor.connection.alias):
            schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DatabaseError as error:
        logger.warning(
            "pg_trgm could not be created (%s): party name searches work without their "
            "trigram indexes, more slowly. Create it as a superuser and migrate again.",
            error,
        )
        return
    for statement in TRIGRAM_INDEXES:
        schema_editor.execute(statement)


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for statement in DROP:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [("declarations", "0006_officer_notes_and_post_clearance")]

    operations = [migrations.RunPython(create_indexes, drop_indexes)]
