"""schema: every field of schema.Params changes the outcome (pure judge on fabricated catalog facts)."""

from ..catalog import catalog, column, constraint, extension, function, index, policy, table, view
from .kinds import Flips

JOBS = table("jobs", columns=[column("id", "uuid", not_null=True, default="gen_random_uuid()"),
                              column("status", "text"), column("payload", "json"),
                              column("owner_id", "uuid")],
             constraints=[constraint("jobs_status_check", "c", ["status"]),
                          constraint("jobs_owner_fkey", "f", ["owner_id"], references="auth.users", references_primary_key=False)],
             policies=[policy("read own", ["authenticated"]), policy("admins", ["anon"], "w", using="true")],
             grants_=[("anon", "SELECT")], publications=["supabase_realtime"])
OPEN = table("open", rls=False, columns=["id"], indexes=[index("open_pkey", ["id"])], grants_=[("anon", "INSERT")])
PRIVATE = table("secrets", schema="private", rls=False)
TABLES = catalog(JOBS, OPEN, PRIVATE, schemas={"public": [("PUBLIC", "USAGE")], "private": [("postgres", "USAGE")],
                                                "empty": []},
                 publications=["supabase_realtime", "audit"])

VIEWS = catalog(view("plain", reads=["auth.users"]), view("safe", security_invoker=True),
                table("snapshot", kind="m", rls=False, indexes=[], grants_=[("anon", "SELECT")]),
                table("remote", kind="f", rls=False, grants_=[("anon", "SELECT")]),
                schemas={"public": [], "other": []})

FUNCTIONS = catalog(functions=[
    function("definer", grants_=[("PUBLIC", "EXECUTE")]),
    function("invoker", definer=False, config=None, grants_=[("authenticated", "EXECUTE")]),
    function("other", schema="api", definer=False),
], schemas={"public": [], "api": [], "empty": []})

EXTENSIONS = catalog(extensions=[extension("pg_cron", "1.4", schema="pg_catalog"),
                                 extension("pg_trgm", "1.3", schema="public", default="1.6")])

SCHEMAS = catalog(schemas={"public": [("PUBLIC", "USAGE")], "private": [("postgres", "USAGE")]})

T = {"table": "public.jobs"}
V = {"views_in": "public"}
F = {"functions_in": "public"}

CASES = {
    # subjects
    "table": Flips({"table": "public.jobs"}, {"table": "public.gone"}, TABLES),
    "tables": Flips({"tables": ["jobs"]}, {"tables": ["jobs", "gone"]}, TABLES),
    "all_tables_in": Flips({"all_tables_in": "public", "no_write_grants_to": ["anon"]},
                           {"all_tables_in": "empty", "no_write_grants_to": ["anon"]}, TABLES),
    "views_in": Flips({"views_in": "public", "no_grants_to": ["anon"], "materialized": False},
                      {"views_in": "other", "no_grants_to": ["anon"], "materialized": False}, VIEWS),
    "foreign_tables_in": Flips({"foreign_tables_in": "public", "no_grants_to": ["authenticated"]},
                               {"foreign_tables_in": "other", "no_grants_to": ["authenticated"]}, VIEWS),
    "functions_in": Flips({"functions_in": "api"}, {"functions_in": "empty"}, FUNCTIONS),
    "extensions": Flips({"extensions": ["pg_cron"]}, {"extensions": ["vector"]}, EXTENSIONS),
    "all_extensions": Flips({"extensions": ["pg_cron"], "not_in_schemas": ["public"]},
                            {"all_extensions": True, "not_in_schemas": ["public"]}, EXTENSIONS),
    "schemas": Flips({"schemas": ["private"], "no_grants_to": ["anon"]},
                     {"schemas": ["public"], "no_grants_to": ["anon"]}, SCHEMAS),
    # narrowing
    "except_tables": Flips({"all_tables_in": "public", "rls": True},
                           {"all_tables_in": "public", "rls": True, "except_tables": ["open"]}, TABLES),
    "views": Flips({**V, "security_invoker": True}, {**V, "security_invoker": True, "views": ["safe"]}, VIEWS),
    "materialized": Flips({**V, "no_grants_to": ["anon"], "materialized": False},
                          {**V, "no_grants_to": ["anon"], "materialized": True}, VIEWS),
    "reading": Flips({**V, "security_invoker": True, "views": ["safe"]},
                     {**V, "security_invoker": True, "reading": ["auth.users"]}, VIEWS),
    "functions": Flips({**F, "fixed_search_path": True}, {**F, "fixed_search_path": True, "functions": ["definer"]},
                       FUNCTIONS),
    "except_functions": Flips({**F, "fixed_search_path": True},
                              {**F, "fixed_search_path": True, "except_functions": ["invoker"]}, FUNCTIONS),
    "security_definer_only": Flips({**F, "fixed_search_path": True},
                                   {**F, "fixed_search_path": True, "security_definer_only": True}, FUNCTIONS),
    "except_extensions": Flips({"all_extensions": True, "up_to_date": True},
                               {"all_extensions": True, "up_to_date": True, "except_extensions": ["pg_trgm"]},
                               EXTENSIONS),
    "allow_empty": Flips({"all_tables_in": "empty", "rls": True},
                         {"all_tables_in": "empty", "rls": True, "allow_empty": True}, TABLES),
    # tables
    "columns": Flips({**T, "columns": ["status"]}, {**T, "columns": ["provider_error"]}, TABLES),
    "not_null": Flips({**T, "not_null": ["id"]}, {**T, "not_null": ["status"]}, TABLES),
    "defaults": Flips({**T, "defaults": {"id": True}}, {**T, "defaults": {"status": True}}, TABLES),
    "types": Flips({**T, "types": {"payload": "json"}}, {**T, "types": {"payload": "jsonb"}}, TABLES),
    "checked": Flips({**T, "checked": ["status"]}, {**T, "checked": ["payload"]}, TABLES),
    "no_columns_of_type": Flips({**T, "no_columns_of_type": ["regproc"]}, {**T, "no_columns_of_type": ["json"]}, TABLES),
    "rls": Flips({**T, "rls": True}, {**T, "rls": False}, TABLES),
    "unique": Flips({**T, "unique": ["id"]}, {**T, "unique": ["status"]}, TABLES),
    "foreign_keys_indexed": Flips(T, {**T, "foreign_keys_indexed": True}, TABLES),
    "references_primary_keys_in": Flips({**T, "references_primary_keys_in": ["public"]},
                                        {**T, "references_primary_keys_in": ["auth"]}, TABLES),
    "published_in": Flips({**T, "published_in": ["supabase_realtime"]}, {**T, "published_in": ["audit"]}, TABLES),
    "not_published_in": Flips({**T, "not_published_in": ["audit"]},
                              {**T, "not_published_in": ["supabase_realtime"]}, TABLES),
    "policies": Flips({**T, "policies": True}, {**T, "policies": False}, TABLES),
    "policies_for": Flips({**T, "policies_for": {"select": ["authenticated"]}},
                          {**T, "policies_for": {"delete": ["authenticated"]}}, TABLES),
    "no_policies_for": Flips({**T, "no_policies_for": ["service_role"]}, {**T, "no_policies_for": ["anon"]}, TABLES),
    "no_open_write_policies_for": Flips({**T, "no_open_write_policies_for": ["authenticated"]},
                                        {**T, "no_open_write_policies_for": ["anon"]}, TABLES),
    "policies_never_mention": Flips({**T, "policies_never_mention": ["user_metadata"]},
                                    {**T, "policies_never_mention": ["auth.uid"]}, TABLES),
    # privileges
    "no_grants_to": Flips({**T, "no_grants_to": ["authenticated"]}, {**T, "no_grants_to": ["anon"]}, TABLES),
    "no_write_grants_to": Flips({"table": "open", "no_write_grants_to": ["authenticated"]},
                                {"table": "open", "no_write_grants_to": ["anon"]}, TABLES),
    "grants_to": Flips({**T, "grants_to": {"anon": ["SELECT"]}}, {**T, "grants_to": {"anon": ["INSERT"]}}, TABLES),
    # functions, views, extensions
    "security_definer": Flips({**F, "functions": ["definer"], "security_definer": True},
                              {**F, "functions": ["definer"], "security_definer": False}, FUNCTIONS),
    "fixed_search_path": Flips({**F, "functions": ["invoker"]},
                               {**F, "functions": ["invoker"], "fixed_search_path": True}, FUNCTIONS),
    "security_invoker": Flips({**V, "materialized": False}, {**V, "materialized": False, "security_invoker": True},
                              VIEWS),
    "installed": Flips({"extensions": ["pg_cron"], "installed": True}, {"extensions": ["pg_cron"], "installed": False},
                       EXTENSIONS),
    "min_versions": Flips({"extensions": ["pg_cron"], "min_versions": {"pg_cron": "1.4"}},
                          {"extensions": ["pg_cron"], "min_versions": {"pg_cron": "1.5"}}, EXTENSIONS),
    "up_to_date": Flips({"extensions": ["pg_trgm"]}, {"extensions": ["pg_trgm"], "up_to_date": True}, EXTENSIONS),
    "not_in_schemas": Flips({"extensions": ["pg_trgm"], "not_in_schemas": ["extensions"]},
                            {"extensions": ["pg_trgm"], "not_in_schemas": ["public"]}, EXTENSIONS),
}
