"""repo: files of the deployed commit: workflow triggers, vercel.json crons, .env.example."""

from fixtures.checks import verdict

FAMILY = "repo"


def test_repo(checked):
    verdict(checked)
