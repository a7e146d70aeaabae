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


# Appending on PostgreSQL (spec section 7). The function takes the transaction-scoped append lock,
# then inserts the entry after the head in one statement that finishes its bytes: Python has
# encoded everything but the three values that depend on the head, `prev`, `seq` and `time`
# (keys in RFC 8785 order: action, actor, data, prev, seq, subject, time, v). A VOLATILE function
# takes a fresh snapshot for each statement it runs, so under READ COMMITTED the INSERT reads the
# head as committed once the lock was granted; and PL/pgSQL keeps the INSERT's plan for the
# session, so no planning happens while the lock is held. It returns no row on an empty ledger.
# Both functions below run this one statement, so the bytes of an entry are framed in one place.
_APPEND_INSERT_SQL = """\
    INSERT INTO ledger_entry AS entry (seq, time, actor, action, subject, canonical, hash)
    SELECT nxt.seq, nxt.moment, new_actor, new_action, new_subject, nxt.bytes, sha256(nxt.bytes)
    FROM (
        SELECT head.seq + 1 AS seq, clock.moment,
               head_part
               || convert_to(encode(head.hash, 'hex') || '","seq":' || (head.seq + 1)::text,
                             'UTF8')
               || subject_part
               || convert_to(to_char(clock.moment AT TIME ZONE 'UTC',
                                     'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') || '","v":1}', 'UTF8')
               AS bytes
        FROM (SELECT last.seq, last.hash, last.time
              FROM ledger_entry AS last ORDER BY last.seq DESC LIMIT 1) AS head,
             -- Entry times never run backwards along the chain, even if the clock does.
             LATERAL (SELECT greatest(clock_timestamp(), head.time) AS moment) AS clock
    ) AS nxt
"""

APPEND_FUNCTION_SQL = (
    """
CREATE OR REPLACE FUNCTION ledger_append(
    lock_key bigint, new_actor text, new_action text, new_subject text,
    head_part bytea, subject_part bytea
) RETURNS TABLE (entry_seq bigint, entry_time timestamptz, entry_canonical bytea,
                 entry_hash bytea)
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(lock_key);
    RETURN QUERY
"""
    + _APPEND_INSERT_SQL
    + """\
    RETURNING entry.seq, entry.time, entry.canonical, entry.hash;
END;
$$;
"""
)

DROP_APPEND_FUNCTION_SQL = (
    "DROP FUNCTION IF EXISTS ledger_append(bigint, text, text, text, bytea, bytea);"
)


# The same append (migration 0005) as a function that returns only the entry's bytes, called in
# the select list (``SELECT ledger_append_entry(...)``) rather than as a table function in FROM:
# that spares PostgreSQL the set-returning machinery (RETURN QUERY's tuplestore, the function
# scan), about a third of the statement's server time. The caller reads seq and time back from
# the bytes it framed and hashes them itself. It returns NULL on an empty ledger. ledger_append()
# stays for processes still running the previous code during a deploy.
APPEND_ENTRY_FUNCTION_SQL = (
    """
CREATE OR REPLACE FUNCTION ledger_append_entry(
    lock_key bigint, new_actor text, new_action text, new_subject text,
    head_part bytea, subject_part bytea
) RETURNS bytea
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    appended bytea;
BEGIN
    PERFORM pg_advisory_xact_lock(lock_key);
"""
    + _APPEND_INSERT_SQL
    + """\
    RETURNING entry.canonical INTO appended;
    RETURN appended;
END;
$$;
"""
)

DROP_APPEND_ENTRY_FUNCTION_SQL = (
    "DROP FUNCTION IF EXISTS ledger_append_entry(bigint, text, text, text, bytea, bytea);"
)
