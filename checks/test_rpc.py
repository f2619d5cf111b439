"""rpc: Solana JSON-RPC health, balances and reconciliation."""

from fixtures.checks import verdict

FAMILY = "rpc"


def test_rpc(checked):
    verdict(checked)
