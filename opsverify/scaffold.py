"""The files `opsverify init` writes: the smallest project that runs and can fail."""

from __future__ import annotations


def project_files(system: str) -> dict[str, str]:
    prefix = system.replace("-", "_").upper()
    return {
        f"checklists/{system}.yaml": f"""\
# One entry per runbook item; each becomes one pytest result. Format: docs/checklists.md
system: {system}
runbook: RUNBOOK.md            # where the items come from (your runbook)
items:
  - id: WEB-1                  # your own stable id
    name: health               # a short slug; the test id is WEB-1-health
    section: Web
    title: the health endpoint answers 200
    family: http
    cadence: postdeploy        # postdeploy | daily | weekly | monthly (pytest -m ...)
    severity: critical
    remediation: Check the last deploy's logs; roll back if the app does not start.
    params: {{service: web, path: /health, status: 200}}

  - id: DB-1
    name: tables-exist
    section: Database
    title: the app's tables are there
    family: sql
    cadence: postdeploy
    remediation: Run the app's migrations against this database.
    params:
      query: select count(*) as tables from pg_catalog.pg_tables where schemaname = 'public'
      expect: {{tables: {{ge: 1}}}}
""",
        "environments/local.yaml": f"""\
# Where {system} lives. Secrets only as ${{VAR}}: from the process environment or the untracked
# environments/local.secrets.env (copy local.secrets.env.example).
name: local
allow_mutating: false
timeouts: {{connect_s: 5, statement_ms: 5000, database_s: 20, http_s: 10}}
systems:
  {system}:
    database: ${{{prefix}_DATABASE_URL}}
    services:
      web: {{url: "${{{prefix}_WEB_URL}}"}}
""",
        "environments/local.secrets.env.example": f"""\
# Copy to local.secrets.env (never commit that file) and fill in.
{prefix}_DATABASE_URL=postgresql://checker:password@127.0.0.1:5432/app
{prefix}_WEB_URL=http://127.0.0.1:8000
""",
        ".gitignore": "reports/\nenvironments/*.secrets.env\n.pytest_cache/\n",
    }
