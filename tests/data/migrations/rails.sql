-- Rails Active Record on PostgreSQL: SchemaMigration#create_table
-- (rails/rails activerecord/lib/active_record/schema_migration.rb: create_table(table_name, id: false)
-- { t.string :version, primary_key: true }; internal_string_options_for_primary_key = {primary_key: true}).
CREATE TABLE "schema_migrations" ("version" character varying NOT NULL PRIMARY KEY);
