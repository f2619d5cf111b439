-- golang-migrate, PostgreSQL driver: ensureVersionTable
-- (golang-migrate/migrate database/postgres/postgres.go), default schema and table.
CREATE TABLE IF NOT EXISTS "public"."schema_migrations" (version bigint not null primary key, dirty boolean not null);
