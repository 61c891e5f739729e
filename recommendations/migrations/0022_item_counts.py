"""Issue 29: the items' counts by recipient × status × report, kept by PostgreSQL.

`recommendations_itemcount` holds, for every (force, status, report), how many items
there are; `recommendations_itemcount_force` the same summed over reports (a few hundred
rows: the first holds about one row for every two or three items, as a report has a
handful of findings per force). Statement-level triggers on the items' table keep it current in the same
transaction as every INSERT (including COPY), UPDATE and DELETE, whichever door the
change came through (a service, a bulk action, an import, the seeder, the admin); one
on findings moves the counts when a finding changes report; one on TRUNCATE empties it.
The statement triggers read the transition tables, so a bulk statement of a million
rows costs one grouped upsert, not a million. Rows are upserted in key order, so two
transactions touching the same groups queue rather than deadlock.

PostgreSQL only (`recommendations.counts` counts from the items on SQLite, the `make
run` demo: ADR 0019). Not a Django model: nothing writes it but these triggers.
"""

from django.db import migrations

CREATE = """
CREATE TABLE recommendations_itemcount (
    force_id integer NOT NULL,
    status_id varchar(40) NOT NULL,
    report_id integer NOT NULL,
    n bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (force_id, status_id, report_id)
);
CREATE INDEX itemcount_report ON recommendations_itemcount (report_id, force_id);
-- The same counts summed over reports: a few hundred rows, for counts without a report.
CREATE TABLE recommendations_itemcount_force (
    force_id integer NOT NULL,
    status_id varchar(40) NOT NULL,
    n bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (force_id, status_id)
);

CREATE FUNCTION recommendations_itemcount_apply() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        WITH d AS (
            SELECT i.force_id, i.status_id, f.report_id, count(*) AS n
            FROM new_rows i JOIN recommendations_finding f ON f.id = i.finding_id
            GROUP BY 1, 2, 3
        )
        , by_report AS (
            INSERT INTO recommendations_itemcount AS c (force_id, status_id, report_id, n)
            SELECT force_id, status_id, report_id, n FROM d ORDER BY 1, 2, 3
            ON CONFLICT (force_id, status_id, report_id) DO UPDATE SET n = c.n + EXCLUDED.n
        )
        INSERT INTO recommendations_itemcount_force AS c (force_id, status_id, n)
        SELECT force_id, status_id, sum(n) FROM d GROUP BY 1, 2 HAVING sum(n) <> 0 ORDER BY 1, 2
        ON CONFLICT (force_id, status_id) DO UPDATE SET n = c.n + EXCLUDED.n;
    ELSIF TG_OP = 'DELETE' THEN
        WITH d AS (
            SELECT i.force_id, i.status_id, f.report_id, -count(*) AS n
            FROM old_rows i JOIN recommendations_finding f ON f.id = i.finding_id
            GROUP BY 1, 2, 3
        )
        , by_report AS (
            INSERT INTO recommendations_itemcount AS c (force_id, status_id, report_id, n)
            SELECT force_id, status_id, report_id, n FROM d ORDER BY 1, 2, 3
            ON CONFLICT (force_id, status_id, report_id) DO UPDATE SET n = c.n + EXCLUDED.n
        )
        INSERT INTO recommendations_itemcount_force AS c (force_id, status_id, n)
        SELECT force_id, status_id, sum(n) FROM d GROUP BY 1, 2 HAVING sum(n) <> 0 ORDER BY 1, 2
        ON CONFLICT (force_id, status_id) DO UPDATE SET n = c.n + EXCLUDED.n;
    ELSE
        -- Only the rows whose force, status or finding changed move a count: most
        -- updates (a comment's date, the search document) change none of them.
        WITH changed AS (
            SELECT o.force_id AS old_force, o.status_id AS old_status,
                   o.finding_id AS old_finding, w.force_id, w.status_id, w.finding_id
            FROM old_rows o JOIN new_rows w ON w.id = o.id
            WHERE (o.force_id, o.status_id, o.finding_id)
                IS DISTINCT FROM (w.force_id, w.status_id, w.finding_id)
        ), d AS (
            SELECT m.force_id, m.status_id, f.report_id, sum(m.n) AS n
            FROM (
                SELECT old_force AS force_id, old_status AS status_id,
                       old_finding AS finding_id, -1 AS n FROM changed
                UNION ALL
                SELECT force_id, status_id, finding_id, 1 FROM changed
            ) m JOIN recommendations_finding f ON f.id = m.finding_id
            GROUP BY 1, 2, 3 HAVING sum(m.n) <> 0
        )
        , by_report AS (
            INSERT INTO recommendations_itemcount AS c (force_id, status_id, report_id, n)
            SELECT force_id, status_id, report_id, n FROM d ORDER BY 1, 2, 3
            ON CONFLICT (force_id, status_id, report_id) DO UPDATE SET n = c.n + EXCLUDED.n
        )
        INSERT INTO recommendations_itemcount_force AS c (force_id, status_id, n)
        SELECT force_id, status_id, sum(n) FROM d GROUP BY 1, 2 HAVING sum(n) <> 0 ORDER BY 1, 2
        ON CONFLICT (force_id, status_id) DO UPDATE SET n = c.n + EXCLUDED.n;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER itemcount_insert AFTER INSERT ON recommendations_trackeditem
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION recommendations_itemcount_apply();
CREATE TRIGGER itemcount_update AFTER UPDATE ON recommendations_trackeditem
    REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION recommendations_itemcount_apply();
CREATE TRIGGER itemcount_delete AFTER DELETE ON recommendations_trackeditem
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION recommendations_itemcount_apply();

CREATE FUNCTION recommendations_itemcount_truncate() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM recommendations_itemcount;
    DELETE FROM recommendations_itemcount_force;
    RETURN NULL;
END;
$$;
CREATE TRIGGER itemcount_truncate AFTER TRUNCATE ON recommendations_trackeditem
    FOR EACH STATEMENT EXECUTE FUNCTION recommendations_itemcount_truncate();

-- A finding moved to another report takes its items' counts with it.
CREATE FUNCTION recommendations_itemcount_finding() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO recommendations_itemcount AS c (force_id, status_id, report_id, n)
    SELECT force_id, status_id, report_id, sum(n) FROM (
        SELECT i.force_id, i.status_id, OLD.report_id AS report_id, -count(*) AS n
        FROM recommendations_trackeditem i WHERE i.finding_id = OLD.id GROUP BY 1, 2
        UNION ALL
        SELECT i.force_id, i.status_id, NEW.report_id, count(*)
        FROM recommendations_trackeditem i WHERE i.finding_id = NEW.id GROUP BY 1, 2
    ) d GROUP BY 1, 2, 3 ORDER BY 1, 2, 3
    ON CONFLICT (force_id, status_id, report_id) DO UPDATE SET n = c.n + EXCLUDED.n;
    RETURN NULL;
END;
$$;
CREATE TRIGGER itemcount_finding_report AFTER UPDATE OF report_id ON recommendations_finding
    FOR EACH ROW WHEN (OLD.report_id IS DISTINCT FROM NEW.report_id)
    EXECUTE FUNCTION recommendations_itemcount_finding();

-- The items already stored.
INSERT INTO recommendations_itemcount (force_id, status_id, report_id, n)
SELECT i.force_id, i.status_id, f.report_id, count(*)
FROM recommendations_trackeditem i JOIN recommendations_finding f ON f.id = i.finding_id
GROUP BY 1, 2, 3;
INSERT INTO recommendations_itemcount_force (force_id, status_id, n)
SELECT force_id, status_id, count(*) FROM recommendations_trackeditem GROUP BY 1, 2;
"""

DROP = """
DROP TRIGGER IF EXISTS itemcount_finding_report ON recommendations_finding;
DROP TRIGGER IF EXISTS itemcount_truncate ON recommendations_trackeditem;
DROP TRIGGER IF EXISTS itemcount_delete ON recommendations_trackeditem;
DROP TRIGGER IF EXISTS itemcount_update ON recommendations_trackeditem;
DROP TRIGGER IF EXISTS itemcount_insert ON recommendations_trackeditem;
DROP FUNCTION IF EXISTS recommendations_itemcount_finding();
DROP FUNCTION IF EXISTS recommendations_itemcount_truncate();
DROP FUNCTION IF EXISTS recommendations_itemcount_apply();
DROP TABLE IF EXISTS recommendations_itemcount_force;
DROP TABLE IF EXISTS recommendations_itemcount;
"""


def create(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("recommendations", "0021_recipients_engage_welsh")]

    operations = [migrations.RunPython(create, drop)]
