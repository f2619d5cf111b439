"""What reading an env file may cost: our own reading of it is linear, python-dotenv is never handed input it reads
in quadratic time, a file beyond what the time bound assumes is refused naming the file (and line), and the read
at the run's start is counted in the run's bound and never repeated. Work is counted, never timed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from opsverify.engine import Run, gather_and_judge
from opsverify.environment import Environment, EnvironmentModel
from opsverify.errors import GatherError
from opsverify.families import env
from opsverify.outcome import Status
from opsverify.transports import envsource

from .kit import make_check, make_target


class Counted:
    """A compiled pattern that adds up how many characters its calls were given to look at (from `pos` to where
    it stopped looking: the match's end for match(), the end of the range for findall() and finditer())."""

    def __init__(self, pattern: re.Pattern, tally: list[int]):
        self.pattern, self.tally = pattern, tally

    def match(self, text, pos=0, endpos=None):
        found = self.pattern.match(text, pos, len(text) if endpos is None else endpos)
        self.tally.append((found.end() if found else pos) - pos)
        return found

    def findall(self, text, pos=0, endpos=None):
        endpos = len(text) if endpos is None else endpos
        self.tally.append(max(0, endpos - pos))
        return self.pattern.findall(text, pos, endpos)

    def finditer(self, text, pos=0, endpos=None):
        endpos = len(text) if endpos is None else endpos
        self.tally.append(max(0, endpos - pos))
        return self.pattern.finditer(text, pos, endpos)

    def search(self, text, pos=0, endpos=None):
        endpos = len(text) if endpos is None else endpos
        self.tally.append(max(0, endpos - pos))
        return self.pattern.search(text, pos, endpos)

    def sub(self, *args, **kwargs):
        return self.pattern.sub(*args, **kwargs)


@pytest.fixture
def scanned(monkeypatch):
    """How many characters our reading of an env file looked at, over every pattern it runs."""
    tally: list[int] = []
    for name, value in vars(envsource).items():
        if isinstance(value, re.Pattern):
            monkeypatch.setattr(envsource, name, Counted(value, tally))
    return tally


SHAPES = {  # each took time growing with the square of its length (a 256 KB comment of U+2028s: 36 s)
    "U+2028s in a comment": "#" + "\u2028" * 9000 + "\nA=1\n",
    "comments between U+2028s": "#\u2028" * 4500 + "\nA=1\n",
    "blank lines in a value Node does not read": "'A'=\"" + "\n" * 9000 + '"\n',  # a quoted name
    "U+2028s and spaces in a value Node does not read": "'A'=\"" + "\u2028 " * 4500 + '"\n',
    "statements between U+2028s": "#" + "\u2028B=1" * 2000 + "\n",
}


@pytest.mark.parametrize("text", SHAPES.values(), ids=SHAPES.keys())
def test_our_reading_looks_at_each_character_a_few_times_only(scanned, text):
    envsource.parse_dotenv(text, "web.env")
    assert sum(scanned) < 20 * len(text), f"{sum(scanned)} characters looked at for {len(text)}"


LONG = envsource.MAX_SPACE_RUN + 1


@pytest.mark.parametrize("run", ["A=x" + " " * LONG + "y\n", "A=x" + " " * LONG + "\n", "A=x" + "\u2028" * LONG + "y\n",
                                 "B=1\nA=x" + "\t" * LONG + "\n"])
def test_a_long_run_of_spaces_in_a_value_is_refused_naming_its_line(run):
    """python-dotenv strips an inline comment with re.sub(r"\\s+#.*"): on a run of spaces not followed by `#` its
    time grows with the square of the run (128 KB: 16 s). Refused, naming the line."""
    with pytest.raises(GatherError, match=rf"env file web.env line {run.count(chr(10))}: more than "
                                          f"{envsource.MAX_SPACE_RUN} whitespace characters in a row"):
        envsource.parse_dotenv(run, "web.env")


def test_the_longest_run_allowed_costs_a_file_at_most_a_fraction_of_a_read():
    """python-dotenv's time on a run grows with its square: about 0.28 ms for 130 spaces, 2.4 ms for 1,000, 44 ms
    for 4,000 (measured). A file of the most such runs its size allows stays well inside READ_S (counted in runs of
    the measured 1,000, scaled by the square: no timing here)."""
    runs = envsource.MAX_ENV_FILE_BYTES // (envsource.MAX_SPACE_RUN + 4)  # `A=x` and a line end around each
    assert runs * 2.4e-3 * (envsource.MAX_SPACE_RUN / 1000) ** 2 < envsource.READ_S / 2


@pytest.mark.parametrize("text", ["A=x" + " " * 130 + "y\n", "A=x" + " " * 130 + "\n", "A=x" + " " * 2048 + "y\n",
                                  "A=x" + " " * 300 + "# aligned comment\n",
                                  "#" + " " * 300 + "banner\nA=1\n", " " * 300 + "A=1\n"])
def test_spaces_python_dotenv_reads_in_linear_time_are_read(text):
    assert envsource.parse_dotenv(text, "web.env")["A"]


def test_a_file_of_more_lines_than_an_export_is_refused(tmp_path):
    lines = envsource.MAX_ENV_FILE_LINES
    (tmp_path / "web.env").write_text("A=1\n" * lines)
    assert len(envsource.read_dotenv(str(tmp_path / "web.env"))) == 1
    (tmp_path / "web.env").write_text("A=1\n" * (lines - 1) + "#\u2028B=1\n")  # a line end for Node's dotenv too
    with pytest.raises(GatherError, match=f"web.env has more than {lines} lines"):
        envsource.read_dotenv(str(tmp_path / "web.env"))


def test_a_text_larger_than_an_export_is_refused():
    with pytest.raises(GatherError, match="example is larger than 256 KiB: not an env export"):
        envsource.parse_dotenv("A=" + "x" * envsource.MAX_ENV_FILE_BYTES, "example")


# -- expanding `$NAME` as @next/env does --------------------------------------------------------------------------
EXPANDING = {  # each grows, or never ends, as dotenv-expand replaces its references (@next/env: a RangeError or OOM)
    "a reference to itself": "A=x$A\n",
    "doubling through another": "".join(f"V{i}=$V{i + 1}$V{i + 1}\n" for i in range(40)) + "V40=x\n",
    "String.replace's $` inserting all before": "A=$`$`$A\n",
    "growing by more each time": "1=$'$$$1'\\$_\n",
    "thousands of references": "B=1\nA=" + "$B" * 5000 + "\n",
    "a reference behind 100,000 escaped dollars": "A=$A" + "\\$" * 100_000 + "\n",
}


def _expansion(text: str):
    return envsource._NextEnv(list(envsource._statements(text, "web.env")), "web.env")


@pytest.mark.parametrize("text", EXPANDING.values(), ids=EXPANDING.keys())
def test_a_value_that_never_ends_expanding_is_named_after_bounded_work(text):
    """Followed as dotenv-expand follows it, each would take for ever or grow past any memory: the work stops at
    a value's bound (counted, never timed) and the name is read two ways."""
    read = envsource.parse_dotenv(text, "web.env")
    assert read.read_two_ways and all("@next/env reads" in str(how) for how in read.read_two_ways.values())
    assert _expansion(text).work <= envsource.MAX_VALUE_EXPANSION_WORK + 3 * envsource.MAX_ENV_FILE_BYTES


def test_a_file_whose_expansion_costs_past_the_bound_is_refused_naming_it():
    """2,000 copies of a 200 KB value: each is bounded, all of them are not."""
    text = "B=" + "x" * 200_000 + "\n" + "".join(f"A{i}=$B\n" for i in range(2000))
    with pytest.raises(GatherError, match=r"env file web.env: its `\$` references take more than 16 MiB of text to "
                                          "expand as @next/env does"):
        envsource.parse_dotenv(text, "web.env")


def test_a_file_without_a_dollar_is_not_expanded():
    assert _expansion("A=" + "x" * 100_000 + "\n" * 5000).work == 0


# -- filling in `${NAME}` as python-dotenv does ----------------------------------------------------------------------
FILLING = {  # python-dotenv's own pattern looks from each `${` to the next `}`; what it fills in may double each line
    "many `${` and no `}`": "A=" + "${" * 100_000 + "\n",
    "doubling through the lines before": "V0=" + "x" * 100 + "\n" + "".join(
        f"V{i + 1}=${{V{i}}}${{V{i}}}\n" for i in range(40)),
}


@pytest.mark.parametrize("text", FILLING.values(), ids=FILLING.keys())
def test_a_file_whose_filling_in_costs_past_the_bound_is_refused_naming_it(text, monkeypatch):
    """The first took python-dotenv time growing with the square of its length, the second 2**40 times 100
    characters: refused before python-dotenv's pattern sees a value past the bound (counted, never timed)."""
    seen, parse_variables = [], envsource.parse_variables
    monkeypatch.setattr(envsource, "parse_variables", lambda value: seen.append(len(value)) or parse_variables(value))
    with pytest.raises(GatherError, match=r"env file web.env: its `\$\{…\}` references take more than 16 MiB of "
                                          "text to fill in as python-dotenv does: not an env export"):
        envsource.parse_dotenv(text, "web.env")
    assert sum(seen) <= envsource.MAX_ENV_FILE_BYTES


# -- the read at the run's start ----------------------------------------------------------------------------------
def _run(tmp_path, files: dict[str, str]) -> Run:
    services = {}
    for service, text in files.items():
        (tmp_path / f"{service}.env").write_text(text)
        services[service] = {"env": {"dotenv": str(tmp_path / f"{service}.env")}}
    model = EnvironmentModel.model_validate({"name": "test", "systems": {"joslyn-ai": {"services": services}}})
    return Run(Environment(name="test", path=Path("environments/test.yaml"), model=model, secret_values=()))


def test_a_file_that_cannot_be_parsed_is_read_once_and_its_items_name_the_line(tmp_path, monkeypatch):
    """Read at the start, failed, read again in the item's job: twice the time, and past the job's bound the item said
    `the target's conversation was abandoned` instead of the line that cannot be parsed."""
    reads = []
    reading = envsource.read_dotenv
    monkeypatch.setattr(envsource, "read_dotenv", lambda path: reads.append(path) or reading(path))
    run = _run(tmp_path, {"web": "A=1\nB='unclosed\n"})
    outcome = run.evaluate([make_check("env", {"service": "web", "required": ["A"]})])["joslyn-ai:J99-probe"]
    assert outcome.status is Status.ERROR and "line 2 cannot be parsed (an unclosed quote?)" in outcome.observed
    assert len(reads) == 1


def test_the_read_at_the_start_is_in_the_runs_bound(tmp_path):
    """Every service's env file is read when the run starts, whatever items are chosen: its time is the run's."""
    run = _run(tmp_path, {"web": "A=1\n", "api": "B=1\n"})
    assert run.bound([]) >= 2 * envsource.READ_S


def test_an_env_source_read_once_is_not_read_again_by_its_items(tmp_path, monkeypatch):
    target = make_target({"services": {"web": {"env": {"dotenv": str(tmp_path / "web.env")}}}})
    (tmp_path / "web.env").write_text("A=1\n")
    target.read_env_sources()
    monkeypatch.setattr(envsource, "read_dotenv", lambda path: pytest.fail("read again"))
    assert gather_and_judge(target, env, [make_check("env", {"service": "web", "required": ["A"]})])[0].status \
        is Status.PASSED
