"""repo: every field of repo.Params changes the outcome (facts as `repo.gather` reads them: files and
folders by path, each service's env, the deployed commit's time)."""

from opsverify.families.repo import Deployed, Folder

from .kinds import Flips, Rejected

FACTS = {
    "source": "checkout /srv/app",
    "files": {
        ".github/workflows/a.yml": "on:\n  workflow_dispatch: {}\njobs: {poll: {runs-on: ubuntu-latest, steps: [{run: ./poll.sh}]}}\n",
        ".github/workflows/b.yml": "on:\n  schedule:\n    - cron: '*/5 * * * *'\njobs: {poll: {runs-on: ubuntu-latest, steps: [{run: ./poll.sh}]}}\n",
        "vercel.json": '{"crons": [{"path": "/api/cron/publish", "schedule": "* * * * *"}]}',
        ".env.example": "API_KEY=\nREDIS_URL=\n",
        ".env.empty": "# no keys\n",
    },
    "folders": {".pf/readthis": Folder(["report.md"], ("report.md", 1_700_000_000.0)), ".pf/empty": Folder([])},
    "env": {"api": {"API_KEY": "k", "REDIS_URL": "r"}, "web": {"API_KEY": "k"}},
    "deployed": Deployed("0123456789abcdef", 1_800_000_000.0),  # after the report
}

A = {"file": ".github/workflows/a.yml"}
ENV = {"file": ".env.example", "services": ["api"]}
REPORT = {"folder": ".pf/readthis", "not_empty": True}
CRON = {"path": "/api/cron/publish", "schedule": "* * * * *"}

CASES = {
    "file": Flips({**A, "triggers_absent": ["schedule"]},
                  {"file": ".github/workflows/b.yml", "triggers_absent": ["schedule"]}, FACTS),
    "folder": Flips(REPORT, {**REPORT, "folder": ".pf/empty"}, FACTS),
    "triggers_absent": Flips({**A, "triggers_absent": ["push"]},
                             {**A, "triggers_absent": ["push", "workflow_dispatch"]}, FACTS),
    "triggers_present": Flips({**A, "triggers_absent": ["schedule"]},
                              {**A, "triggers_absent": ["schedule"], "triggers_present": ["push"]}, FACTS),
    # a.yml has a workflow_dispatch trigger alone: only it passes, only a schedule fails
    "triggers_only": Flips({**A, "triggers_only": ["workflow_dispatch"]}, {**A, "triggers_only": ["schedule"]}, FACTS),
    "crons": Flips({"file": "vercel.json", "crons": [CRON]},
                   {"file": "vercel.json", "crons": [{**CRON, "schedule": "*/5 * * * *"}]}, FACTS),
    "services": Flips(ENV, {**ENV, "services": ["web"]}, FACTS),
    "per_key": Flips(ENV, {**ENV, "per_key": {"REDIS_URL": ["web"]}}, FACTS),
    "ignore": Flips({**ENV, "services": ["web"]}, {**ENV, "services": ["web"], "ignore": ["REDIS_URL"]}, FACTS),
    # not_empty is the report check itself: `false` with newer_than_deploy would be accepted and never read
    "not_empty": Rejected({"folder": ".pf/readthis", "not_empty": False, "newer_than_deploy": True},
                          "newer_than_deploy needs not_empty: true"),
    "newer_than_deploy": Flips(REPORT, {**REPORT, "newer_than_deploy": True}, FACTS),
    "allow_empty": Flips({**ENV, "file": ".env.empty"}, {**ENV, "file": ".env.empty", "allow_empty": True}, FACTS),
}
