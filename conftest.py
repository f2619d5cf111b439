# The suite's pytest plugin and fixtures; checks/ holds one thin test module per family.
pytest_plugins = ["opsverify.plugin", "fixtures.checks"]
