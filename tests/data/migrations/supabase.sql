-- Supabase CLI: the statements of CreateMigrationTable, in order
-- (supabase/cli pkg/migration/history.go: CREATE_VERSION_SCHEMA, CREATE_VERSION_TABLE,
-- ADD_STATEMENTS_COLUMN, ADD_NAME_COLUMN).
CREATE SCHEMA IF NOT EXISTS supabase_migrations;
CREATE TABLE IF NOT EXISTS supabase_migrations.schema_migrations (version text NOT NULL PRIMARY KEY);
ALTER TABLE supabase_migrations.schema_migrations ADD COLUMN IF NOT EXISTS statements text[];
ALTER TABLE supabase_migrations.schema_migrations ADD COLUMN IF NOT EXISTS name text;
