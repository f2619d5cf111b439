-- Alembic's version table, as `alembic upgrade head --sql` prints it for PostgreSQL
-- (alembic/runtime/migration.py: Column("version_num", String(32), nullable=False),
-- PrimaryKeyConstraint(name="alembic_version_pkc")).
CREATE TABLE alembic_version (
    version_num VARCHAR(32) NOT NULL,
    CONSTRAINT alembic_version_pkc PRIMARY KEY (version_num)
);
