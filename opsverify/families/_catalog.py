"""What the `schema` family reads from `pg_catalog`: one query per target, built from the sections the
selected items read, and the pure helpers that turn its answer into facts (relations, functions,
extensions, schemas, roles, publications, the types items name). A section not read is `NotRead`, which refuses
every use.

Read from `pg_catalog`, never `information_schema` (which hides what the checker's role may not see),
so a read-only role without superuser sees the same facts. Privileges come from the ACLs themselves;
a NULL ACL means the built-in default (`acldefault`): the owner holds everything and, for functions,
PUBLIC may EXECUTE. Relations, functions and schemas carry their owner too, who may grant itself back whatever
its ACL lacks. Everyone (grantee oid 0) is `PUBLIC` below, a value no role's name can be.
"""

from __future__ import annotations

import enum
import functools
import json
import re
from dataclasses import dataclass, field, replace
from typing import Any

# Everyone (grantee oid 0), as the catalog query writes it: lower-case `public`, the one name PostgreSQL refuses
# for a role (`role name "public" is reserved`, on CREATE and RENAME alike). A real role may be called "PUBLIC" or
# "Public" (only the lower-case name is reserved): read by its name, it is never taken for everyone.
PUBLIC = "public"
# the predefined role (PostgreSQL 14+) whose one member, without any GRANT, is the current database's owner; it owns
# schema public from PostgreSQL 15 on
DATABASE_OWNER = "pg_database_owner"


class Via(enum.Enum):
    """How a privilege is held without any grantee giving it. Not a string: no role's name (a role may be
    called superuser) can pass for it."""

    SUPERUSER = "superuser"


RELATION_PRIVILEGES = ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "REFERENCES", "TRIGGER", "MAINTAIN")
FUNCTION_PRIVILEGES = ("EXECUTE",)
SCHEMA_PRIVILEGES = ("USAGE", "CREATE")
PRIVILEGE_ORDER = {p: i for i, p in enumerate((*RELATION_PRIVILEGES, *FUNCTION_PRIVILEGES, *SCHEMA_PRIVILEGES))}
# `ALL` in an item: what GRANT ALL gives on every supported server (MAINTAIN exists from PostgreSQL 17 only)
ALL_PRIVILEGES = {"relation": RELATION_PRIVILEGES[:-1], "function": FUNCTION_PRIVILEGES, "schema": SCHEMA_PRIVILEGES}
MAINTAIN_SINCE = 170000  # server_version_num of PostgreSQL 17, which added MAINTAIN
WRITE_PRIVILEGES = ("INSERT", "UPDATE", "DELETE", "TRUNCATE")

# predefined roles that hold privileges no ACL shows (PostgreSQL 14+)
IMPLICIT_PRIVILEGES = {
    "pg_read_all_data": {"relation": {"SELECT"}, "schema": {"USAGE"}},
    "pg_write_all_data": {"relation": {"INSERT", "UPDATE", "DELETE"}, "schema": {"USAGE"}},
}

COMMANDS = {"r": "select", "a": "insert", "w": "update", "d": "delete", "*": "all"}
RELATION_KINDS = {"r": "table", "p": "table", "v": "view", "m": "materialized view", "f": "foreign table",
                  "S": "sequence", "i": "index", "I": "partitioned index", "c": "composite type", "t": "TOAST table"}

_GRANTEE = f"case when g.grantee = 0 then '{PUBLIC}' else pg_get_userbyid(g.grantee) end"


def _acl(expression: str) -> str:
    return (f"(select coalesce(json_agg(json_build_object('grantee', {_GRANTEE}, 'privilege', g.privilege_type)),"
            f" '[]'::json) from aclexplode({expression}) g)")


# What the query can read, section by section; an item reads only the sections it needs
# (schema.Params.catalog_sections), and a section not read is `NotRead` in the facts, never empty.
RELATION_SECTIONS = {  # per relation: section -> the key it fills in each relation's row
    "columns": "columns", "grants": "grants", "constraints": "constraints", "indexes": "indexes",
    "policies": "policies", "table_publications": "publications",
    "table_publications_partly": "publications_partly", "table_publication_gaps": "publication_gaps",
    "reads": "reads",
    "security_invoker": "security_invoker", "extension_members": "extension_member",
}
SECTIONS = frozenset({"relations", *RELATION_SECTIONS, "functions", "extensions", "schemas", "roles", "publications",
                      "types"})

_COLUMNS = """(select coalesce(json_agg(json_build_object(
            'name', a.attname, 'type', format_type(a.atttypid, a.atttypmod),
            -- oids below 10000 are PostgreSQL's own types, all in pg_catalog (no lookup for most columns)
            'type_schema', case when a.atttypid < 10000 then 'pg_catalog' else
                (select tn.nspname from pg_type ty join pg_namespace tn on tn.oid = ty.typnamespace
                 where ty.oid = a.atttypid) end,
            -- a domain's (or an array's) type underneath, through every domain and array in any order (a domain
            -- over an array of a domain …): what the column holds
            'base', case when a.atttypid >= 10000 then
                (with recursive chain(oid) as (
                   select a.atttypid
                   union all select case when t.typtype = 'd' then t.typbasetype else t.typelem end
                   from pg_type t join chain c on t.oid = c.oid
                   where t.typtype = 'd' or (t.typcategory = 'A' and t.typelem <> 0))
                 select json_build_object('type', format_type(b.oid, null), 'schema', bn.nspname)
                 from chain c join pg_type b on b.oid = c.oid join pg_namespace bn on bn.oid = b.typnamespace
                 where b.typtype <> 'd' and not (b.typcategory = 'A' and b.typelem <> 0) limit 1) end,
            -- every type held inside it, as pg_upgrade looks for one: through domains, arrays, a composite type's
            -- fields and a range's (or multirange's) subtype, at any depth — PostgreSQL's own composite, range,
            -- multirange and array types too (a system catalog's row type: regproc fields; tsrange: timestamp);
            -- its scalars hold nothing. An array's element is held, not the element a fixed-length type is read by
            -- when subscripted (name's "char", point's float8), which pg_upgrade's walk follows too — none of them
            -- is a reg* type, the ones it looks for
            'inside', case when a.atttypid >= 10000 or exists (
                  select from pg_type ct where ct.oid = a.atttypid
                  and (ct.typtype in ('c', 'r', 'm') or ct.typcategory = 'A')) then
                (with recursive held(oid) as (
                   select a.atttypid
                   union select x.oid from held h join pg_type t on t.oid = h.oid
                   cross join lateral (
                     select t.typbasetype where t.typtype = 'd'
                     union all select t.typelem where t.typtype = 'b' and t.typcategory = 'A' and t.typelem <> 0
                     union all select f.atttypid from pg_attribute f
                       where t.typtype = 'c' and f.attrelid = t.typrelid and f.attnum > 0 and not f.attisdropped
                     union all select g.rngsubtype from pg_range g where t.typtype = 'r' and g.rngtypid = t.oid
                     union all select g.rngtypid from pg_range g where t.typtype = 'm' and g.rngmultitypid = t.oid
                   ) x(oid))
                 select json_agg(distinct jsonb_build_object('type', format_type(b.oid, null), 'schema', bn.nspname))
                 from held h join pg_type b on b.oid = h.oid join pg_namespace bn on bn.oid = b.typnamespace
                 where h.oid <> a.atttypid and b.typtype not in ('d', 'c')) end,
            'not_null', a.attnotnull,
            'default', case a.attidentity when 'a' then 'GENERATED ALWAYS AS IDENTITY'
                                          when 'd' then 'GENERATED BY DEFAULT AS IDENTITY'
                       else case when a.attgenerated = '' and not r.locked_itself then pg_get_expr(d.adbin, d.adrelid)
                       end end{grants}
          ) order by a.attnum), '[]'::json)
          from pg_attribute a left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
          where a.attrelid = r.oid and a.attnum > 0 and not a.attisdropped)"""
# Of the functions, operators and types a policy's stored expressions (pg_node_tree) name, those PostgreSQL may be asked
# to evaluate (see _nodetree): its own (oid below FirstNormalObjectId, 16384: no function of the database's own is
# called, it could act or hang) and IMMUTABLE — `function:65`, `operator:96` (its function), `type:23`, and `io:23`
# where the type's input and output functions are IMMUTABLE too (and its output prints by no setting: see
# _SETTING_DEPENDENT). Found by the fields' names in the tree's text: an oid the tree's reader finds that is not
# listed here is not safe.
# PostgreSQL's own IMMUTABLE functions that print by a session setting: evaluated in the checker's session they say
# the checker's text, not the role's (`(0.1::float8 + 0.2::float8)::text = '0.3'` is TRUE where a database keeps
# extra_float_digits = 0), so none is called and no type they print is cast through text
_SETTING_DEPENDENT = (
    "float4out", "float8out",  # extra_float_digits
    "point_out", "lseg_out", "line_out", "box_out", "path_out", "poly_out", "circle_out",  # their floats, so too
    "byteaout",  # bytea_output
    "quote_ident",  # quote_all_identifiers
)
_SETTING_DEPENDENT_NAMES = ", ".join(f"'{name}'" for name in _SETTING_DEPENDENT)
_SAFE_OIDS = rf"""(select coalesce(json_agg(distinct u.tag), '[]'::json)
          from (select concat_ws(' ', p.polqual::text, p.polwithcheck::text) as text) tree,
          lateral (
            select 'function:' || f.oid from pg_proc f
            where f.oid < 16384 and f.provolatile = 'i' and f.proname not in ({_SETTING_DEPENDENT_NAMES})
              and f.oid in (select m[1]::oid from regexp_matches(tree.text,
                                               ':(?:funcid|opfuncid|hashfuncid|negfuncid) (\d+)', 'g') m)
            union all
            select 'operator:' || o.oid from pg_operator o join pg_proc f on f.oid = o.oprcode
            where f.oid < 16384 and f.provolatile = 'i' and f.proname not in ({_SETTING_DEPENDENT_NAMES})
              and o.oid in (
                select x::oid from regexp_matches(tree.text, ':opnos? \(?o?([0-9 ]+)', 'g') m,
                unnest(string_to_array(trim(m[1]), ' ')) x)
            union all
            select k || ':' || y.oid from pg_type y join pg_proc i on i.oid = y.typinput
            join pg_proc o on o.oid = y.typoutput,
            unnest(case when i.provolatile = 'i' and o.provolatile = 'i'
                             and o.proname not in ({_SETTING_DEPENDENT_NAMES}) then array['type', 'io']
                        else array['type'] end) k
            where y.oid < 16384 and y.oid in (select m[1]::oid from regexp_matches(tree.text, ':(?:consttype|'
                    'resulttype|funcresulttype|opresulttype|array_typeid|element_typeid|casetype|coalescetype|'
                    'minmaxtype|row_typeid|paramtype|refcontainertype|refelemtype|refrestype) (\d+)', 'g') m))
          u(tag))"""
_RELATION_PARTS = {
    "extension_members": """exists (select from pg_depend d where d.classid = 'pg_class'::regclass and d.objid = r.oid
                                  and d.deptype = 'e')""",
    # the value as written (`security_invoker = 't'` is stored as t), read as parse_bool reads it: any case,
    # any prefix of true / yes, or on, or 1
    "security_invoker": """coalesce((select lower(split_part(o, '=', 2)) in ('t', 'tr', 'tru', 'true', 'y', 'ye', 'yes',
                                                                         'on', '1')
                                    from unnest(r.reloptions) o where o like 'security_invoker=%%' limit 1), false)""",
    "grants": _acl("r.acl"),
    "constraints": """(select coalesce(json_agg(json_build_object(
            'name', k.conname, 'type', k.contype, 'validated', k.convalidated,
            'columns', (select json_agg(a.attname order by x.ord)
                        from unnest(k.conkey) with ordinality x(attnum, ord)
                        join pg_attribute a on a.attrelid = k.conrelid and a.attnum = x.attnum),
            'references', (select json_build_array(fn.nspname, fc.relname) from pg_class fc
                           join pg_namespace fn on fn.oid = fc.relnamespace where fc.oid = k.confrelid),
            'references_primary_key', case when k.contype = 'f' then
                (select i.indisprimary from pg_index i where i.indexrelid = k.conindid) end
          ) order by k.conname), '[]'::json)
          from pg_constraint k where k.conrelid = r.oid
            and (k.contype in ('c', 'f', 'p', 'u') or (k.contype = 'n' and not k.convalidated)))""",
    "indexes": """(select coalesce(json_agg(json_build_object(
            'name', ic.relname, 'unique', i.indisunique, 'partial', i.indpred is not null, 'valid', i.indisvalid,
            -- false for a DEFERRABLE constraint's index: no arbiter for ON CONFLICT
            'immediate', i.indimmediate,
            'columns', (select json_agg(a.attname order by x.ord)
                        from unnest(i.indkey::int2[]) with ordinality x(attnum, ord)
                        left join pg_attribute a on a.attrelid = i.indrelid and a.attnum = x.attnum
                        where x.ord <= i.indnkeyatts)
          ) order by ic.relname), '[]'::json)
          from pg_index i join pg_class ic on ic.oid = i.indexrelid where i.indrelid = r.oid)""",
    # not where a relation it would open is locked (see _HELD_LOCKS): null, never "no policy"
    "policies": f"""case when r.locks is null then (select coalesce(json_agg(json_build_object(
            'name', p.polname, 'command', p.polcmd, 'permissive', p.polpermissive,
            'roles', (select json_agg(case when x = 0 then '{PUBLIC}' else pg_get_userbyid(x) end)
                      from unnest(p.polroles) x),
            'using', pg_get_expr(p.polqual, p.polrelid), 'check', pg_get_expr(p.polwithcheck, p.polrelid),
            -- as stored, to tell its constant parts (schema asks PostgreSQL their values)
            'using_tree', p.polqual::text, 'check_tree', p.polwithcheck::text, 'safe', {_SAFE_OIDS}
          ) order by p.polname), '[]'::json)
          from pg_policy p where p.polrelid = r.oid) end""",
    "table_publications": """(select coalesce(json_agg(b.pubname order by b.pubname), '[]'::json)
                       from published b where b.relid = r.oid and b.whole)""",
    # publication -> {sent, unsent}: the relations of the table's tree holding rows it does and does not send
    "table_publications_partly": """(select coalesce(json_object_agg(b.pubname, b.part order by b.pubname), '{}'::json)
                       from published b where b.relid = r.oid and not b.whole)""",
    # publication -> what it leaves out of the rows of a table it holds whole (see _GAPS)
    "table_publication_gaps": """(select coalesce(json_object_agg(b.pubname, b.gaps order by b.pubname), '{}'::json)
                       from published b where b.relid = r.oid and b.gaps is not null)""",
    "reads": """(select coalesce(jsonb_agg(distinct jsonb_build_array(rn.nspname, rc.relname)), '[]'::jsonb)
                from pg_rewrite w
                join pg_depend d on d.classid = 'pg_rewrite'::regclass and d.objid = w.oid
                                and d.refclassid = 'pg_class'::regclass and d.deptype = 'n'
                join pg_class rc on rc.oid = d.refobjid join pg_namespace rn on rn.oid = rc.relnamespace
                where w.ev_class = r.oid and d.refobjid <> r.oid)""",
}
# A row of pg_inherits `i` that still attaches its child: not one an interrupted `DETACH PARTITION … CONCURRENTLY` left
# detach-pending (inhdetachpending, PostgreSQL 14+; read through to_jsonb, so an older server's row, without the
# column, attaches). Such a partition is its parent's no more: a query of the parent omits its rows, and pgoutput sends
# its changes only where it is listed itself (get_partition_ancestors stops at it). What is under it is its own still.
_ATTACHED = "(to_jsonb(i) ->> 'inhdetachpending') is distinct from 'true'"
# Every partition of a partitioned table, at every level, and every inheritance child of a plain table (`create table
# c () inherits (p)`, at every level), with its own RLS switch: one queried directly applies its own policies only,
# while its rows show through the parent under the parent's. Empty for any other kind of relation. Within the one
# catalog query, through pg_inherits (pg_partition_tree would take a lock on each partition: a migration holding one
# would stop the whole read); a table no other inherits from costs one index probe of pg_inherits. (PostgreSQL 12+)
_PARTITIONS = """case when r.kind in ('r', 'p') and exists (select from pg_inherits i where i.inhparent = r.oid) then
    (with recursive descendants(relid) as (
       select i.inhrelid from pg_inherits i where i.inhparent = r.oid and _ATTACHED_
       union select i.inhrelid from pg_inherits i join descendants d on i.inhparent = d.relid where _ATTACHED_)
     select coalesce(json_agg(json_build_object('schema', pn.nspname, 'name', pc.relname, 'rls', pc.relrowsecurity)
                              order by pn.nspname, pc.relname), '[]'::json)
     from descendants t join pg_class pc on pc.oid = t.relid join pg_namespace pn on pn.oid = pc.relnamespace)
    else '[]'::json end""".replace("_ATTACHED_", _ATTACHED)
# Relations another session holds ACCESS EXCLUSIVE on, or waits for it on (a waiting request queues every later one
# behind it; by a prepared transaction too, which has no pid). Deparsing takes ACCESS SHARE on what it opens —
# pg_get_expr the relation a default or policy is of, and each relation a policy's subquery reads — which would wait
# for such a lock up to lock_timeout, then fail the whole query. So they are read first, in the same statement
# (pg_lock_status copies the lock table when first called, before anything is deparsed), and what they would stop is
# not deparsed: a relation's `locks` say what, and its items end as errors naming them. A lock taken after that copy
# still makes the read wait, and fail on lock_timeout.
_HELD_LOCKS = """held_locks as materialized (
  select l.relation, l.pid, l.granted from pg_locks l
  where l.locktype = 'relation' and l.mode = 'AccessExclusiveLock' and l.pid is distinct from pg_backend_pid()
    and l.database = (select d.oid from pg_database d where d.datname = current_database())
)"""
# Per relation: the locks on it (its defaults and policies are not read), and where its policies are read, those on a
# relation one of them names (pg_depend: a subquery's table or view; they are not read)
_LOCKS = """(select json_agg(json_build_object('schema', ln.nspname, 'name', lc.relname, 'pid', l.pid,
                                 'granted', l.granted) order by l.relation <> c.oid, not l.granted, l.pid)
           from held_locks l join pg_class lc on lc.oid = l.relation join pg_namespace ln on ln.oid = lc.relnamespace
           where l.relation = c.oid{named})"""
_LOCKS_NAMED_BY_POLICIES = """ or l.relation in (
             select d.refobjid from pg_policy p join pg_depend d on d.classid = 'pg_policy'::regclass
             and d.objid = p.oid and d.refclassid = 'pg_class'::regclass where p.polrelid = c.oid)"""
_RELS = """rels as (
  select c.oid, n.nspname as schema, c.relname as name, c.relkind as kind, c.relrowsecurity as rls,
         c.relforcerowsecurity as force_rls, _LOCKS_ as locks, _LOCKED_ITSELF_ as locked_itself,
         pg_get_userbyid(c.relowner) as owner, coalesce(c.relacl, acldefault('r', c.relowner)) as acl, c.reloptions
  from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where (c.relkind in ('r', 'p') and n.nspname = any(%(table_schemas)s))
     or (c.relkind in ('v', 'm') and n.nspname = any(%(view_schemas)s))
     or (c.relkind = 'f' and n.nspname = any(%(foreign_table_schemas)s))
     -- a relation an item names, of any kind: `table: public.v` is a view, whatever else the group reads (by oid,
     -- in a hashed subplan: `= any(array(...))` compared each relation of the database with every name, 20 ms for
     -- a thousand names; its dearer, truer estimate is why the session has no JIT, see transports.postgres)
     or c.oid in (select x.oid from pg_class x join pg_namespace xn on xn.oid = x.relnamespace
                  join unnest(%(named_schemas)s::text[], %(named_relations)s::text[]) w(s, r)
                    on w.s = xn.nspname and w.r = x.relname)
     -- every partition and inheritance child, at every level, of a table read above, wherever its schema: queried
     -- directly, one applies its own grants and policies to rows that are the parent's too
     or c.oid in (with recursive below(oid) as (
                    select i.inhrelid from pg_inherits i join pg_class pc on pc.oid = i.inhparent
                    join pg_namespace pn on pn.oid = pc.relnamespace
                    where pc.relkind in ('r', 'p') and (pn.nspname = any(%(table_schemas)s)
                      or (pn.nspname::text, pc.relname::text) in (
                        select * from unnest(%(named_schemas)s::text[], %(named_relations)s::text[])))
                      and _ATTACHED_
                    union select i.inhrelid from pg_inherits i join below b on i.inhparent = b.oid where _ATTACHED_)
                  select oid from below)
)""".replace("_ATTACHED_", _ATTACHED)
# What a publication sends of each table read, as pgoutput decides it for each relation holding rows (a table; a
# foreign table holds rows too, never sent): it is sent where the publication is FOR ALL TABLES, lists the relation or
# its schema, or lists a partitioned table it is a partition of (at any level) or that one's schema — and it is a
# permanent table of the database's own. An inheritance child (`create table c () inherits (p)`) is sent only where it
# is listed itself, whatever its parent. Of a table, with every partition and child under it (their rows are its rows
# to a query on it): `whole` where each of them holding rows is sent (a partitioned table with none yet: where it is
# listed itself, so is each partition attached later); else, where some are, `sent` and `unsent` name them. Read from
# the catalog alone, through pg_inherits, only for the tables the query reads: pg_partition_tree and
# pg_publication_tables (PostgreSQL 16+) take a lock on each relation, and a migration holding one on any published
# table would stop the whole read. The schemas a publication lists (pg_publication_namespace, PostgreSQL 15+) are read
# through pg_depend, where each row of it depends on its publication and its schema: naming the table itself would
# fail the query on an older server. (PostgreSQL 12+)
_PUBLISHED = """published as (
  with recursive tree(root, relid) as (
    select r.oid, r.oid from rels r where r.kind in ('r', 'p')
    union select t.root, i.inhrelid from tree t join pg_inherits i on i.inhparent = t.relid and _ATTACHED_
  ), up(relid, above, depth) as (  -- each relation of a tree: itself, and each partitioned table it is a partition of
    select distinct relid, relid, 0 from tree
    union select u.relid, i.inhparent, u.depth + 1 from up u join pg_class a on a.oid = u.above and a.relispartition
    join pg_inherits i on i.inhrelid = u.above and _ATTACHED_
  ), in_schema(pubid, nspid) as (
    select p.refobjid, s.refobjid from pg_depend p
    join pg_depend s on s.classid = p.classid and s.objid = p.objid and s.refclassid = 'pg_namespace'::regclass
    where p.classid = to_regclass('pg_catalog.pg_publication_namespace') and p.refclassid = 'pg_publication'::regclass
  ), listed_at(relid, pubid, above, depth) as (  -- listed itself (depth 0), or through a partitioned table above
    select u.relid, l.prpubid, u.above, u.depth from up u join pg_publication_rel l on l.prrelid = u.above
    union select u.relid, s.pubid, u.above, u.depth from up u join pg_class a on a.oid = u.above
    join in_schema s on s.nspid = a.relnamespace
  ), listed(relid, pubid) as (
    select relid, pubid from listed_at
    union select t.relid, b.oid from (select distinct relid from tree) t cross join pg_publication b where b.puballtables
  ), shaped(relid, pubid, as_relid, qual, attrs) as (  -- the row filter or column list pgoutput applies to it, if any
    select * from (
      select a.relid, a.pubid, a.as_relid, (select prqual from pg_publication_rel l
                                            where l.prrelid = a.as_relid and l.prpubid = a.pubid) as qual,
             (select prattrs from pg_publication_rel l where l.prrelid = a.as_relid and l.prpubid = a.pubid) as attrs
      -- with publish_via_partition_root (PostgreSQL 13+: read through to_jsonb), the topmost listed table's
      from (select distinct on (x.relid, x.pubid) x.relid, x.pubid,
                   case when (to_jsonb(b) ->> 'pubviaroot')::bool then x.above else x.relid end as as_relid
            from listed_at x join pg_publication b on b.oid = x.pubid
            order by x.relid, x.pubid, x.depth desc) a
      join pg_class c on c.oid = a.as_relid
      -- PostgreSQL 15+ names them; before, `prqual` and `prattrs` above are these nulls (SQL reads a name in the
      -- innermost query that has it)
      cross join (select null::pg_node_tree as prqual, null::int2vector as prattrs) before_15
      where not exists (select from in_schema s where s.pubid = a.pubid and s.nspid = c.relnamespace)) f
    where qual is not null or attrs is not null
  ), held(root, relid, sendable) as (  -- each relation of a tree holding rows (a partitioned table holds none)
    select t.root, t.relid, c.relkind = 'r' and c.relpersistence = 'p' and c.oid >= 16384
    from tree t join pg_class c on c.oid = t.relid where c.relkind in ('r', 'f')
  ), holders(root, total) as (
    select root, count(*) from held group by root
  ), sent(root, pubid, total) as (
    select h.root, l.pubid, count(*) from held h join listed l on l.relid = h.relid where h.sendable
    group by h.root, l.pubid
  ), left_out(root, pubid, filters, columns) as (  -- the row filters and column lists on the rows of each table read
    select f.root, f.pubid,
           json_agg(json_build_object('relation', json_build_array(n.nspname, c.relname), 'filter', _FILTER_TEXT_)
                    order by n.nspname, c.relname) filter (where f.qual is not null),
           json_agg(json_build_object('relation', json_build_array(n.nspname, c.relname),
                    'columns', (select json_agg(a.attname order by a.attnum) from pg_attribute a
                                where a.attrelid = f.as_relid and a.attnum > 0 and not a.attisdropped
                                  -- never sent without a column list either (before PostgreSQL 18, nor with one)
                                  and a.attgenerated = '' and a.attnum <> all(f.attrs::int2[])))
                    order by n.nspname, c.relname) filter (where f.attrs is not null)
    from (select distinct on (x.root, x.pubid, x.as_relid) x.* from (
            select h.root, s.pubid, s.as_relid, s.qual, s.attrs from shaped s
            join held h on h.relid = s.relid and h.sendable
            union all  -- a partitioned table without partitions yet: its own
            select s.relid, s.pubid, s.as_relid, s.qual, s.attrs from shaped s join rels r on r.oid = s.relid
            where r.kind = 'p') x) f
    join pg_class c on c.oid = f.as_relid join pg_namespace n on n.oid = c.relnamespace
    group by f.root, f.pubid
  )
  select b.pubname, s.root as relid, s.total = h.total as whole,
         case when s.total = h.total then _WHOLE_GAPS_ end as gaps,
         case when s.total < h.total then json_build_object(
           'sent', (select json_agg(json_build_array(n.nspname, c.relname) order by n.nspname, c.relname)
                    from held x join listed l on l.relid = x.relid and l.pubid = s.pubid
                    join pg_class c on c.oid = x.relid join pg_namespace n on n.oid = c.relnamespace
                    where x.root = s.root and x.sendable),
           'unsent', (select json_agg(json_build_array(n.nspname, c.relname) order by n.nspname, c.relname)
                      from held x join pg_class c on c.oid = x.relid join pg_namespace n on n.oid = c.relnamespace
                      where x.root = s.root and not (x.sendable and exists (
                        select from listed l where l.relid = x.relid and l.pubid = s.pubid)))) end as part
  from sent s join holders h on h.root = s.root join pg_publication b on b.oid = s.pubid
  union all
  select b.pubname, l.relid, true, _ROOT_GAPS_, null from listed l join rels r on r.oid = l.relid
  join pg_publication b on b.oid = l.pubid
  where r.kind = 'p' and not exists (select from held x where x.root = r.oid)
)""".replace("_ATTACHED_", _ATTACHED)
# What a publication holding a table whole leaves out of its changes (null: nothing): the operations of insert, update
# and delete it does not publish, and the row filters and column lists pgoutput applies to the table or any partition
# or child of it (`shaped`, `left_out`). A filter's expression is not deparsed where another session holds ACCESS
# EXCLUSIVE on its relation: pg_get_expr would wait for the lock (see _HELD_LOCKS). Read only where an item asks.
_GAPS = """(select case when o.root is not null or ops.names is not null
                  then json_build_object('operations', ops.names, 'filters', o.filters, 'columns', o.columns) end
     from (select json_agg(v.op order by v.n) as names
           from (values (1, 'insert', b.pubinsert), (2, 'update', b.pubupdate), (3, 'delete', b.pubdelete))
                v(n, op, published) where not v.published) ops
     left join left_out o on o.root = _ROOT_ and o.pubid = b.oid)"""
_FILTER_TEXT = """case when not exists (select from held_locks k where k.relation = f.as_relid)
                                         then pg_get_expr(f.qual, f.as_relid) end"""


_TOP_PARTS = {
    "functions": f"""(select coalesce(json_agg(json_build_object(
      'schema', n.nspname, 'name', p.proname, 'args', pg_get_function_identity_arguments(p.oid), 'kind', p.prokind,
      'security_definer', p.prosecdef, 'config', p.proconfig, 'owner', pg_get_userbyid(p.proowner),
      'grants', {_acl("coalesce(p.proacl, acldefault('f', p.proowner))")},
      'extension_member', exists (select from pg_depend d where d.classid = 'pg_proc'::regclass
                                  and d.objid = p.oid and d.deptype = 'e')
    ) order by n.nspname, p.proname, pg_get_function_identity_arguments(p.oid)), '[]'::json)
    from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    -- aggregates and window functions too: ALL FUNCTIONS IN SCHEMA grants on them, and PUBLIC may EXECUTE them
    where n.nspname = any(%(function_schemas)s) and p.prokind in ('f', 'p', 'a', 'w'))""",
    "extensions": """(select coalesce(json_agg(json_build_object(
      'name', e.extname, 'schema', n.nspname, 'version', e.extversion, 'default_version', a.default_version
    ) order by e.extname), '[]'::json)
    from pg_extension e join pg_namespace n on n.oid = e.extnamespace
    left join pg_available_extensions a on a.name = e.extname)""",
    "schemas": f"""(select coalesce(json_agg(json_build_object(
      'name', n.nspname, 'owner', pg_get_userbyid(n.nspowner),
      'grants', case when n.nspname = any(%(schema_grants)s) or '*' = any(%(schema_grants)s)
                     then {_acl("coalesce(n.nspacl, acldefault('n', n.nspowner))")} end
    ) order by n.nspname), '[]'::json)
    from pg_namespace n where n.nspname !~ '^pg_(toast|temp)')""",
    # who may create schemas in the database: a schema a function's search_path names that does not exist is made
    # by the first of them to ask (read with the schemas)
    "database": f"""(select json_build_object('owner', pg_get_userbyid(d.datdba),
      'grants', {_acl("coalesce(d.datacl, acldefault('d', d.datdba))")})
    from pg_database d where d.datname = current_database())""",
    # the owner of the current database is a member of pg_database_owner (PostgreSQL 14+; it owns schema public from
    # 15 on) without any row of pg_auth_members: listed with the others, inherited always from PostgreSQL 16 on and
    # before by the owner's rolinherit, as PostgreSQL's roles_is_member_of has it
    "roles": f"""(select coalesce(json_agg(json_build_object(
      'name', r.rolname, 'superuser', r.rolsuper, 'bypass_rls', r.rolbypassrls, 'inherit', r.rolinherit,
      'member_of', (select coalesce(json_agg(x.membership), '[]'::json) from (
                      select to_jsonb(m) || jsonb_build_object('role', g.rolname) as membership
                      from pg_auth_members m join pg_roles g on g.oid = m.roleid where m.member = r.oid
                      union all
                      select jsonb_build_object('role', g.rolname, 'inherit_option',
                                                current_setting('server_version_num')::int >= 160000 or r.rolinherit)
                      from pg_database d join pg_roles g on g.rolname = '{DATABASE_OWNER}'
                      where d.datname = current_database() and d.datdba = r.oid) x)
    ) order by r.rolname), '[]'::json) from pg_roles r)""",
    "publications": "(select coalesce(json_agg(pubname order by pubname), '[]'::json) from pg_publication)",
    # [schema, name, as format_type prints it] of each type whose name is one an item names (type_lookup), in any
    # schema: whether it exists, and what it is — `_mood` is mood[] where it is mood's array (only the catalog can
    # say: PostgreSQL renames an array whose name a new type takes, and `_mood` may be a type of its own)
    "types": """(select coalesce(json_agg(json_build_array(yn.nspname, y.typname, format_type(y.oid, null))),
                  '[]'::json)
    from pg_type y join pg_namespace yn on yn.oid = y.typnamespace where y.typname = any(%(type_names)s::name[]))""",
}


def closed(sections: frozenset[str]) -> frozenset[str]:
    """`sections` with what they are read through: a relation's parts come with its row, and column
    privileges ride in the columns."""
    unknown = sections - SECTIONS
    if unknown:
        raise ValueError(f"unknown catalog sections: {', '.join(sorted(unknown))}")
    out = set(sections)
    if "grants" in out:
        out.add("columns")
    if out & set(RELATION_SECTIONS):
        out.add("relations")
    return frozenset(out)


@functools.lru_cache(maxsize=64)
def catalog_query(sections: frozenset[str]) -> str:
    """One query reading only `sections` (closed over what they need), answering one row `facts`:
    a JSON object with a key per top-level section read. Parameters: the schemas whose tables / views /
    foreign tables / functions / ACLs the selected items read (table_schemas, view_schemas,
    foreign_table_schemas, function_schemas, schema_grants), the relations items name, of any kind
    (named_schemas and named_relations, pairwise), and the type names they name (type_names); a section that
    does not use one ignores it."""
    read = closed(sections)
    ctes, top = [], []
    if "relations" in read:
        if read & {"columns", "policies", "table_publication_gaps"}:  # what deparses (see _HELD_LOCKS)
            ctes.append(_HELD_LOCKS)
        if read & {"columns", "policies"}:
            named = _LOCKS_NAMED_BY_POLICIES if "policies" in read else ""
            rels = (_RELS.replace("_LOCKS_", _LOCKS.format(named=named))
                    .replace("_LOCKED_ITSELF_", "exists (select from held_locks l where l.relation = c.oid)"))
        else:
            rels = _RELS.replace("_LOCKS_", "null::json").replace("_LOCKED_ITSELF_", "false")
        ctes.append(rels)
        parts = ["'schema', r.schema", "'name', r.name", "'kind', r.kind", "'rls', r.rls", "'force_rls', r.force_rls",
                 "'owner', r.owner", "'locks', r.locks",
                 f"'partitions', {_PARTITIONS}"]
        for section, key in RELATION_SECTIONS.items():
            if section == "columns" and section in read:
                grants = f",\n            'grants', {_acl('a.attacl')}" if "grants" in read else ""
                parts.append(f"'{key}', {_COLUMNS.format(grants=grants)}")
            elif section in read:
                parts.append(f"'{key}', {_RELATION_PARTS[section]}")
        if read & {"table_publications", "table_publications_partly", "table_publication_gaps"}:
            gaps = "table_publication_gaps" in read
            ctes.append(_PUBLISHED.replace("_FILTER_TEXT_", _FILTER_TEXT if gaps else "null::text")
                        .replace("_WHOLE_GAPS_", _GAPS.replace("_ROOT_", "s.root") if gaps else "null::json")
                        .replace("_ROOT_GAPS_", _GAPS.replace("_ROOT_", "l.relid") if gaps else "null::json"))
        top.append("'relations', (select coalesce(json_agg(json_build_object(\n      "
                   + ",\n      ".join(parts) + "\n    ) order by r.schema, r.name), '[]'::json) from rels r)")
    top += [f"'{name}', {part}" for name, part in _TOP_PARTS.items() if name in read
            or (name == "database" and "schemas" in read)]
    # always: which privileges exist depends on the server (a superuser holds MAINTAIN from PostgreSQL 17)
    top.append("'server_version', current_setting('server_version_num')::int")
    head = ("with " + ",\n".join(ctes) + "\n") if ctes else ""
    return head + "select json_build_object(\n  " + ",\n  ".join(top) + "\n) as facts\n"


CATALOG_QUERY = catalog_query(SECTIONS)  # every section


# -- facts -----------------------------------------------------------------------------------
@dataclass(frozen=True)
class Roles:
    """Who holds what through whom: role names, superusers, those with BYPASSRLS, and the roles each one inherits
    from."""

    names: frozenset[str] = frozenset()
    superusers: frozenset[str] = frozenset()
    bypass_rls: frozenset[str] = frozenset()  # their own attribute: BYPASSRLS is never inherited
    parents: dict[str, tuple[str, ...]] = field(default_factory=dict)  # role -> roles it inherits from

    def exists(self, role: str) -> bool:
        return role == PUBLIC or role in self.names

    def inherited(self, role: str) -> list[str]:
        """Every role whose privileges `role` uses without SET ROLE, nearest first (not `role` itself)."""
        seen: list[str] = []
        frontier = [role]
        while frontier:
            step = []
            for name in frontier:
                for parent in self.parents.get(name, ()):
                    if parent != role and parent not in seen:
                        seen.append(parent)
                        step.append(parent)
            frontier = step
        return seen

    def covers(self, role: str, grantees: list[str]) -> str | None:
        """The grantee (of a policy or grant) through which `role` is included, or None."""
        for name in (role, PUBLIC, *self.inherited(role)):
            if name in grantees:
                return name
        return None


class SectionNotRead(Exception):
    """A judge used a catalog section its item did not declare: a bug, never a verdict."""

    def __init__(self, section: str):
        super().__init__(f"the catalog section {section!r} was not read for this item "
                         "(its Params do not declare it: schema.FIELD_SECTIONS)")
        self.section = section


class NotRead:
    """A section the query did not read. Any use — iterate, index, look up, compare, test, print —
    raises `SectionNotRead`: what was not looked at can never pass as empty."""

    __slots__ = ("section",)

    def __init__(self, section: str):
        object.__setattr__(self, "section", section)

    def _refuse(self, *args: object, **kwargs: object):
        raise SectionNotRead(self.section)

    __getattr__ = __getitem__ = __iter__ = __len__ = __bool__ = __contains__ = _refuse
    __eq__ = __ne__ = __lt__ = __le__ = __gt__ = __ge__ = __hash__ = _refuse  # type: ignore[assignment]
    __str__ = __format__ = __call__ = __setattr__ = _refuse  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"<catalog section {self.section} not read>"


class Locked(NotRead):
    """A relation's part another session's lock kept from being deparsed (its `locks` say which): refuses every use,
    as a section not read does — the judge says why before it would read it."""


def locked_itself(row: dict) -> bool:
    """Whether a lock is on the relation itself (not only on one its policies read): its defaults were not read."""
    return any((lock["schema"], lock["name"]) == (row["schema"], row["name"]) for lock in row.get("locks") or ())


def find_not_read(value: Any) -> NotRead | None:
    """A `NotRead` inside plain data (dicts, lists, tuples), if any (every item's evidence is searched: a
    loop over a stack, not a call per value)."""
    stack = [value]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            stack.extend(value.values())
        elif isinstance(value, (list, tuple)):
            stack.extend(value)
        elif isinstance(value, NotRead):
            return value
    return None


@dataclass(frozen=True)
class Catalog:
    relations: dict[tuple[str, str], dict] | NotRead
    functions: list[dict] | NotRead
    extensions: dict[str, dict] | NotRead
    schemas: dict[str, dict] | NotRead
    roles: Roles | NotRead
    publications: frozenset[str] | NotRead
    server_version: int | None = None  # server_version_num, read with every section; None: not known
    database: dict | NotRead | None = None  # its owner and grants, read with the schemas; None: not known
    # (schema, pg_type name) of each type named as an item names one (type_lookup): the types that exist, each with
    # how format_type prints it (None: not known)
    types: dict[tuple[str, str], str | None] | NotRead = NotRead("types")

    def only(self, sections: frozenset[str]) -> "Catalog":
        """These facts as a query reading only `sections` would give them."""
        read = closed(sections)
        keep = lambda name, value: value if name in read else NotRead(name)  # noqa: E731
        relations = self.relations
        if "relations" in read and not isinstance(relations, NotRead):
            relations = {key: _relation_row(row, read) for key, row in relations.items()}
        return Catalog(keep("relations", relations), keep("functions", self.functions),
                       keep("extensions", self.extensions), keep("schemas", self.schemas),
                       keep("roles", self.roles), keep("publications", self.publications), self.server_version,
                       keep("schemas", self.database), types=keep("types", self.types))


def _relation_row(row: dict, read: frozenset[str]) -> dict:
    """A relation's row with every part not read as `NotRead` (column privileges too), and what a lock kept from being
    deparsed as `Locked`: its columns' defaults where it is locked itself, its policies where it or a relation they
    read is."""
    if row.get("locks"):
        row = dict(row)
        if "columns" in read and locked_itself(row):
            row["columns"] = [{**c, "default": Locked("columns' defaults")} for c in row["columns"]]
        if "policies" in read:
            row["policies"] = Locked("policies")
    missing = {key: NotRead(section) for section, key in RELATION_SECTIONS.items() if section not in read}
    if not missing and "grants" in read:
        return row
    out = {**row, **missing}
    if "columns" in read and "grants" not in read:
        out["columns"] = [{**c, "grants": NotRead("grants")} for c in row["columns"]]
    return out


def read_catalog(raw: dict | str, sections: frozenset[str] = SECTIONS) -> Catalog:
    """The answer of `catalog_query(sections)` as facts; every section not read is `NotRead`."""
    facts = json.loads(raw) if isinstance(raw, str) else raw
    read = closed(sections)

    def section(name: str, build):
        return build(facts[name]) if name in read else NotRead(name)

    return Catalog(
        relations=section("relations", lambda rows: {(r["schema"], r["name"]): _relation_row(r, read) for r in rows}),
        functions=section("functions", list),
        extensions=section("extensions", lambda rows: {e["name"]: e for e in rows}),
        schemas=section("schemas", lambda rows: {s["name"]: s for s in rows}),
        roles=section("roles", read_roles),
        publications=section("publications", frozenset),
        server_version=facts.get("server_version"),
        database=facts.get("database") if "schemas" in read else NotRead("schemas"),
        types=section("types", lambda rows: {(row[0], row[1]): row[2] if len(row) > 2 else None for row in rows}),
    )


def read_roles(rows: list[dict]) -> Roles:
    parents: dict[str, tuple[str, ...]] = {}
    for row in rows:
        # PostgreSQL 16+ records inheritance per membership; before, the member's rolinherit decides
        parents[row["name"]] = tuple(m["role"] for m in row.get("member_of") or []
                                     if m.get("inherit_option", row.get("inherit", True)))
    return Roles(names=frozenset(r["name"] for r in rows),
                 superusers=frozenset(r["name"] for r in rows if r.get("superuser")),
                 bypass_rls=frozenset(r["name"] for r in rows if r.get("bypass_rls")),
                 parents=parents)


def server_privileges(kind: str, server_version: int | None) -> tuple[str, ...]:
    """Every privilege on a `kind` the server has (MAINTAIN from PostgreSQL 17; not known: the ones every
    supported server has)."""
    if kind == "relation" and server_version is not None and server_version >= MAINTAIN_SINCE:
        return RELATION_PRIVILEGES
    return ALL_PRIVILEGES[kind]


def held_privileges(role: str, grants: list[dict], roles: Roles, kind: str,
                    server_version: int | None = None) -> dict[str, str | Via]:
    """privilege -> the grantee through which `role` holds it (itself, PUBLIC, a role it inherits), or
    `Via.SUPERUSER` (every privilege the server has). `kind` is relation, function or schema."""
    if role in roles.superusers:
        return {p: Via.SUPERUSER for p in server_privileges(kind, server_version)}
    by_grantee: dict[str, set[str]] = {}
    for g in grants:
        by_grantee.setdefault(g["grantee"], set()).add(g["privilege"])
    held: dict[str, str | Via] = {}
    for grantee in (role, PUBLIC, *roles.inherited(role)):
        privileges = by_grantee.get(grantee, set()) | IMPLICIT_PRIVILEGES.get(grantee, {}).get(kind, set())
        for privilege in privileges:
            held.setdefault(privilege, grantee)
    return held


def privilege_order(privilege: str) -> int:
    return PRIVILEGE_ORDER.get(privilege, len(PRIVILEGE_ORDER))


# -- names ----------------------------------------------------------------------------------
_SIMPLE = re.compile(r"[a-z_][a-z0-9_]*")  # as quote_ident leaves bare (keywords aside)


_QUOTED_ROLE = re.compile(r'"((?:[^"]|"")+)"')


def role_name(text: str) -> str:
    """A role as an item writes it, read as SQL reads a grantee: PUBLIC (unquoted, any case) is everyone; a name
    in double quotes (a quote inside it doubled) is the role it spells, so '"PUBLIC"' and '"Public"' are real roles
    (and '"public"' everyone, as in SQL); any other text is a role's name as it is. ValueError for broken quotes
    and for an empty name (PostgreSQL has none: it would fail only when the run asks for it)."""
    if text in ("", '""'):
        quoted = ' ("" quotes no name)' if text else ""
        raise ValueError(f"role name is empty{quoted}: write the role's name, or PUBLIC for everyone")
    if text.lower() == PUBLIC:
        return PUBLIC
    if not text.startswith('"'):
        return text
    match = _QUOTED_ROLE.fullmatch(text)
    if match is None:
        raise ValueError(f"role {text}: a name in double quotes ends with one, and a quote inside it is doubled")
    return match.group(1).replace('""', '"')


def role_label(role: str) -> str:
    """A role as reports write it, which `role_name` reads back: everyone as PUBLIC; in double quotes a name that
    would not read as itself — some case of public, one beginning with a quote, one with space at an end (' PUBLIC'
    would read as everyone in a message, and YAML drops such space), an empty one; any other name as it is."""
    if role == PUBLIC:
        return "PUBLIC"
    if role.lower() == PUBLIC or role.startswith('"') or role != role.strip() or not role:
        return '"' + role.replace('"', '""') + '"'
    return role


def quote_ident(part: str) -> str:
    """A name part as SQL writes it: bare when a lower-case simple identifier, else in double quotes."""
    return part if _SIMPLE.fullmatch(part) else '"' + part.replace('"', '""') + '"'


def qualified(schema: str, name: str) -> str:
    """`schema.name`, quoted where needed, so that `"billing.v2".invoices` and `billing."v2.invoices"` differ."""
    return f"{quote_ident(schema)}.{quote_ident(name)}"


_SEARCH_PATH_PART = re.compile(r'\s*(?:"((?:[^"]|"")*)"|([^\s,"]+))\s*(?:,|$)')


def search_path_schemas(value: str) -> list[str]:
    """The schemas of a search_path setting (as `proconfig` holds it) as PostgreSQL reads the list: unquoted
    names folded to lower case, quoted ones kept (`"pg_temp, public"` is one schema of that name)."""
    return [m.group(1).replace('""', '"') if m.group(1) is not None else _fold(m.group(2))
            for m in _SEARCH_PATH_PART.finditer(value)]


# -- column types ----------------------------------------------------------------------------
# what an unquoted name means, spelled as format_type prints it
_TYPE_ALIASES = {
    "int": "integer", "int4": "integer", "serial": "integer", "serial4": "integer",
    "int8": "bigint", "bigserial": "bigint", "serial8": "bigint",
    "int2": "smallint", "smallserial": "smallint", "serial2": "smallint",
    "bool": "boolean", "float": "double precision", "float8": "double precision", "float4": "real",
    "decimal": "numeric", "dec": "numeric", "varchar": "character varying", "char varying": "character varying",
    "char": "character", "bpchar": "character", "varbit": "bit varying",
    "timestamptz": "timestamp with time zone", "timestamp": "timestamp without time zone",
    "timetz": "time with time zone", "time": "time without time zone",
}
# format_type writes their precision after the first word: timestamp(3) with time zone
_SPLIT_MODIFIER = ("timestamp with time zone", "timestamp without time zone", "time with time zone",
                   "time without time zone")
_MULTIWORD = {"double precision", "character varying", "char varying", "bit varying", *_SPLIT_MODIFIER}
_INTERVAL_FIELDS = {"year", "month", "day", "hour", "minute", "second", "to"}
# pg_type's own names (what information_schema's udt_name shows) where format_type prints another: an array type of
# PostgreSQL's is its element's pg_type name after `_` (`_int4` is integer[], `_bpchar` character[], `_char` "char"[])
_PG_TYPE_NAMES = {
    "int2": "smallint", "int4": "integer", "int8": "bigint", "float4": "real", "float8": "double precision",
    "bool": "boolean", "varchar": "character varying", "bpchar": "character", "varbit": "bit varying",
    "timestamp": "timestamp without time zone", "timestamptz": "timestamp with time zone",
    "time": "time without time zone", "timetz": "time with time zone", "char": '"char"',
}
# SQL keywords among type names: quoted, they name another type than unquoted (`"char"`, not character)
_TYPE_KEYWORDS = {"bigint", "bit", "boolean", "char", "character", "dec", "decimal", "double", "float", "int",
                  "integer", "interval", "national", "nchar", "numeric", "real", "smallint", "time", "timestamp",
                  "varchar"}
_TYPE_TOKEN = re.compile(r'\s*(?:(?P<quoted>"(?:[^"]|"")*")|(?P<word>[A-Za-z_\x80-\U0010ffff][\w$\x80-\U0010ffff]*)'
                         r"|(?P<dot>\.)|(?P<modifier>\([\s\d,]*\))|(?P<array>\[\s*\d*\s*\]))\s*")


@dataclass(frozen=True)
class TypeName:
    """A type as PostgreSQL reads it: unquoted words folded and aliases resolved, quoted names kept;
    `name` and `schema` as format_type would write them (quoted where needed)."""

    schema: str | None  # the catalog's spelling, when the text names one
    name: str
    modifier: str = ""  # "(8,2)"; an interval's fields too: "day to second(3)"
    array: bool = False

    def text(self) -> str:
        mod = self.modifier
        if mod and self.name in _SPLIT_MODIFIER:
            first, rest = self.name.split(" ", 1)
            base = f"{first}{mod} {rest}"
        else:
            base = f"{self.name} {mod}" if mod[:1].isalpha() else self.name + mod
        return (f"{quote_ident(self.schema)}." if self.schema else "") + base + ("[]" if self.array else "")


@functools.lru_cache(maxsize=4096)  # a catalog repeats a handful of types across thousands of columns
def parse_type(text: str) -> TypeName:
    """`text` (as an item or format_type writes a type) read as PostgreSQL reads it; ValueError if it is not
    a type name: `timestamptz(3)`, `timestamp(3) with time zone`, `public."Mood"[]`, `interval year to month`."""
    tokens, at = [], 0
    while at < len(text):
        match = _TYPE_TOKEN.match(text, at)
        if not match or match.end() == at:
            raise ValueError(f"{text!r} is not a type name")
        tokens.append((match.lastgroup, match.group(match.lastgroup)))
        at = match.end()
    parts: list[tuple[str, bool]] = []  # (name, quoted) before the first word that is no part
    words: list[str] = []
    modifiers: list[str] = []
    array = False
    expect_part = True
    for kind, value in tokens:
        if kind in ("quoted", "word") and expect_part:
            quoted = kind == "quoted"
            parts.append((value[1:-1].replace('""', '"') if quoted else _fold(value), quoted))
            expect_part = False
        elif kind == "dot" and not expect_part and not words and not modifiers and len(parts) < 2:
            expect_part = True
        elif kind == "word" and not array and not parts[-1][1]:  # double precision, with time zone, ...
            if _fold(value) == "array":
                array = True
            else:
                words.append(_fold(value))
        elif kind == "modifier" and not array:
            modifiers.append(re.sub(r"\s", "", value))
        elif kind == "array":
            array = True
        else:
            raise ValueError(f"{text!r} is not a type name")
    if expect_part or len(modifiers) > 1:
        raise ValueError(f"{text!r} is not a type name")
    schema = parts[0][0] if len(parts) == 2 else None
    name, quoted = parts[-1]
    modifier = modifiers[0] if modifiers else ""
    element = _PG_TYPE_NAMES.get(name[1:], name[1:])
    if name.startswith("_") and not words and schema in (None, "pg_catalog") and element in BUILT_IN_TYPES:
        # `_text` (quoted too): pg_type's own name of text[], as information_schema's udt_name shows it — every
        # `_` type of PostgreSQL's is the array of the type its name goes on with
        return replace(parse_type(f"{schema}.{element}{modifier}" if schema else f"{element}{modifier}"), array=True)
    if quoted or schema not in (None, "pg_catalog"):  # a name of the catalog's, not an SQL spelling
        if words:
            raise ValueError(f"{text!r} is not a type name")
        return TypeName(schema, f'"{name}"' if name in _TYPE_KEYWORDS else quote_ident(name), modifier, array)
    if name == "interval":  # its fields are part of the modifier: interval day to second(3)
        if not set(words) <= _INTERVAL_FIELDS:
            raise ValueError(f"{text!r} is not a type name")
        fields = " ".join(words)
        return TypeName(schema, name, f"{fields}{modifier}" if fields else modifier, array)
    name = " ".join([name, *words])
    if words and name not in _MULTIWORD:
        raise ValueError(f"{text!r} is not a type name")
    if name == "float" and modifier:  # float(p): real up to 24 bits, double precision above
        name, modifier = ("real" if int(modifier.strip("()") or 0) <= 24 else "double precision"), ""
    name = _TYPE_ALIASES.get(name, name)
    if name == "numeric" and "," not in modifier and modifier:  # numeric(8) is numeric(8,0)
        modifier = modifier[:-1] + ",0)"
    return TypeName(schema, name if " " in name else quote_ident(name), modifier, array)


def _fold(word: str) -> str:
    """An unquoted identifier as PostgreSQL folds it: ASCII letters to lower case only."""
    return "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in word)


def normal_type(text: str) -> str:
    """A type as `format_type` prints it: `timestamptz(3)` -> `timestamp(3) with time zone`; text that is no
    type name is returned as it is."""
    try:
        return parse_type(text).text()
    except ValueError:
        return text


# PostgreSQL's own types, as format_type names them: an unqualified one of these names is pg_catalog's type, which
# every search_path searches first (unless it lists pg_catalog later) — never a type of that name in another schema
BUILT_IN_TYPES = frozenset({
    "smallint", "integer", "bigint", "numeric", "real", "double precision", "money",
    "character varying", "character", "text", '"char"', "char", "name", "bytea", "boolean",
    "timestamp without time zone", "timestamp with time zone", "date", "time without time zone",
    "time with time zone", "interval", "point", "line", "lseg", "box", "path", "polygon", "circle",
    "cidr", "inet", "macaddr", "macaddr8", "bit", "bit varying", "tsvector", "tsquery", "uuid", "xml", "json",
    "jsonb", "jsonpath", "int4range", "int8range", "numrange", "tsrange", "tstzrange", "daterange",
    "int4multirange", "int8multirange", "nummultirange", "tsmultirange", "tstzmultirange", "datemultirange",
    "oid", "regclass", "regcollation", "regconfig", "regdictionary", "regnamespace", "regoper", "regoperator",
    "regproc", "regprocedure", "regrole", "regtype", "xid", "xid8", "cid", "tid", "pg_lsn", "pg_snapshot",
    "txid_snapshot", "refcursor", "aclitem", "int2vector", "oidvector", "pg_node_tree",
})


def type_lookup(text: str) -> tuple[str | None, str] | None:
    """What must exist for `text` (a type as an item writes it) to name a type: (its schema, None for any; its name
    in pg_type); None for PostgreSQL's own types as format_type names them, which every server has."""
    want = parse_type(text)
    if want.schema in (None, "pg_catalog") and want.name in BUILT_IN_TYPES:
        return None
    name = want.name[1:-1].replace('""', '"') if want.name.startswith('"') else want.name
    return want.schema, name


def type_exists(text: str, types: dict[tuple[str, str], str | None]) -> bool:
    """Whether the type `text` names is among `types` (the catalog's answer for it) or is PostgreSQL's own."""
    lookup = type_lookup(text)
    return lookup is None or any(name == lookup[1] and lookup[0] in (None, schema) for schema, name in types)


def catalog_types(text: str, types: dict[tuple[str, str], str | None]) -> list[str]:
    """The types `text` (as an item writes one) names as the catalog has them: a `_name` that is pg_type's name of
    an array (`_mood`: what information_schema's udt_name shows for a mood[] column) is that array, in each schema
    where it is one (`public.mood[]`), as PostgreSQL reads '_mood'::regtype; any other text is itself (a type of
    its own named `_foo` stays `_foo`, and PostgreSQL's own arrays `_text`, `_int4` are read so by parse_type)."""
    lookup = type_lookup(text)
    if lookup is None or not lookup[1].startswith("_"):
        return [text]
    modifier = parse_type(text).modifier
    out = []
    for (schema, name), printed in types.items():
        if name != lookup[1] or lookup[0] not in (None, schema):
            continue
        try:
            held = parse_type(printed) if printed else None
        except ValueError:
            held = None
        out.append(replace(held, schema=schema, modifier=modifier).text() if held and held.array else text)
    return list(dict.fromkeys(out)) or [text]


def same_type(expected: str, actual: str, actual_schema: str | None = None, *, element: bool = False) -> bool:
    """The column's type (`actual` as format_type prints it, in `actual_schema`) is the type `expected` names.
    Without a modifier the modifier is not compared; an unqualified name is PostgreSQL's own type where it names
    one (`text` is pg_catalog.text, not a domain public.text), else it matches the type in any schema;
    `element`: only the element type (modifiers and array ignored)."""
    try:
        want, have = parse_type(expected), parse_type(actual)
    except ValueError:
        return False
    schema = want.schema or ("pg_catalog" if want.name in BUILT_IN_TYPES else None)
    if want.name != have.name or (schema and schema != (actual_schema or have.schema or "pg_catalog")):
        return False
    if element:
        return True
    return want.array == have.array and (not want.modifier or want.modifier == have.modifier)
