"""Database guards for the append-only tables (spec section 7), PostgreSQL only."""

ALLOW_TRUNCATE_SETTING = "eport.allow_truncate"

FUNCTIONS_SQL = f"""
CREATE OR REPLACE FUNCTION ledger_refuse_change() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP
        USING ERRCODE = 'restrict_violation',
              HINT = 'Ledger rows are never changed or removed; record a new entry instead.';
END;
$$;

CREATE OR REPLACE FUNCTION ledger_refuse_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    -- Only test settings set this, so pytest-django can flush tables between tests.
    IF current_setting('{ALLOW_TRUNCATE_SETTING}', true) = 'on' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION '% is append-only: TRUNCATE refused', TG_TABLE_NAME
        USING ERRCODE = 'restrict_violation';
END;
$$;
"""

DROP_FUNCTIONS_SQL = """
DROP FUNCTION IF EXISTS ledger_refuse_change();
DROP FUNCTION IF EXISTS ledger_refuse_truncate();
"""


def guard_sql(table: str) -> str:
    """SQL that makes ``table`` refuse UPDATE, DELETE and TRUNCATE."""
    return f"""
CREATE TRIGGER {table}_append_only
    BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION ledger_refuse_change();
CREATE TRIGGER {table}_no_truncate
    BEFORE TRUNCATE ON {table}
    FOR EACH STATEMENT EXECUTE FUNCTION ledger_refuse_truncate();
"""


def unguard_sql(table: str) -> str:
    return f"""
DROP TRIGGER IF EXISTS {table}_append_only ON {table};
DROP TRIGGER IF EXISTS {table}_no_truncate ON {table};
"""


def run_on_postgresql(sql: str):
    """A RunPython callable that executes ``sql`` only on PostgreSQL."""

    def operation(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            # A raw cursor with no parameters: plpgsql's RAISE format uses '%' placeholders.
            with schema_editor.connection.cursor() as cursor:
                cursor.execute(sql)

    return operation
