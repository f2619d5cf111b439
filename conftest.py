# The suite's pytest plugin registers itself (entry point `pytest11`); checks/ holds one thin test
# module per family, whose `checked` fixture lives in fixtures/.
pytest_plugins = ["fixtures.checks"]
