-- Knex on PostgreSQL: _createMigrationTable and _createMigrationLockTable
-- (knex/knex lib/migrations/migrate/table-creator.js), as `knex migrate:latest --debug` prints them.
create table "knex_migrations" ("id" serial primary key, "name" varchar(255), "batch" integer, "migration_time" timestamptz);
create table "knex_migrations_lock" ("index" serial primary key, "is_locked" integer);
