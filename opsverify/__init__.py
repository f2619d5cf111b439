"""opsverify: runbook items as parametrized post-deploy checks.

Flow: checklist item -> family.gather (facts, once per run, batched) -> family.judge
(pure) -> Outcome (redacted evidence) -> pytest verdict -> reporters (Allure, archive).
"""

__version__ = "0.1.0"
