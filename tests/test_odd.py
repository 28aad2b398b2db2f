"""docs/ODD.md stays in step with the code.

- Its parameter tables are the ones docs/tools/param_table.py generates from the scenario
  schema (fix: ``python docs/tools/param_table.py --write``).
- Every mechanism module is named in it, and every phase of the daily step is named in its
  section 3, "Process overview and scheduling".
"""

from __future__ import annotations

import ast
import importlib.util
import inspect
import re
import sys
import textwrap
from pathlib import Path
from types import ModuleType

import pytest

from desertion.manpower import mechanisms
from desertion.manpower.step import Manpower

ROOT = Path(__file__).resolve().parents[1]
ODD = ROOT / "docs" / "ODD.md"
GENERATOR = ROOT / "docs" / "tools" / "param_table.py"

# The phases of Manpower.step, as numbered in step.py's docstring (attempt_exits, phase 5, is
# called from weigh_and_act).
PHASES = ["apply_policy_switches", "release_from_prison", "combat_attrition", "weigh_and_act",
          "attempt_exits", "enforce", "withdraw_militias", "recruit_volunteers",
          "draft_civilians", "reconsider_hiding", "adapt_policy", "fade_memories"]


@pytest.fixture(scope="module")
def generator() -> ModuleType:
    spec = importlib.util.spec_from_file_location("param_table", GENERATOR)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up by name
    try:
        spec.loader.exec_module(module)
    finally:
        sys.modules.pop(spec.name, None)
    return module


@pytest.fixture(scope="module")
def odd() -> str:
    return ODD.read_text(encoding="utf-8")


def scheduling_section(text: str) -> str:
    match = re.search(r"^## 3\. Process overview and scheduling$(.*?)^## 4\. ", text,
                      flags=re.M | re.S)
    assert match, "ODD.md has no section '## 3. Process overview and scheduling'"
    return match.group(1)


def test_parameter_tables_are_current(generator: ModuleType, odd: str) -> None:
    generated = generator.wrapped(generator.generate())
    _, block, _ = generator.split(odd)
    assert block == generated, (
        "docs/ODD.md's parameter tables differ from the scenario schema; run "
        "`python docs/tools/param_table.py --write` and review the change")


def test_check_mode_agrees(generator: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    assert generator.main(["--check"]) == 0, capsys.readouterr().out


def test_every_parameter_has_a_meaning(generator: ModuleType) -> None:
    assert generator.missing_meanings() == [], (
        "describe these fields in scenario.py with param(...) or Field(description=...)")


def test_every_mechanism_module_is_named(odd: str) -> None:
    folder = Path(mechanisms.__file__).parent
    modules = sorted(p.stem for p in folder.glob("*.py") if p.stem != "__init__")
    assert len(modules) >= 15
    missing = [m for m in modules if f"mechanisms/{m}.py" not in odd]
    assert not missing, f"mechanism modules not named in docs/ODD.md: {missing}"


@pytest.mark.parametrize("phase", PHASES)
def test_every_phase_is_scheduled(phase: str, odd: str) -> None:
    assert callable(getattr(Manpower, phase, None)), f"Manpower has no method {phase}"
    assert f"`{phase}`" in scheduling_section(odd), (
        f"phase {phase} is not named in ODD.md's scheduling section")


def test_every_method_called_by_step_is_scheduled(odd: str) -> None:
    """A phase added to Manpower.step must be added to the ODD's schedule too."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(Manpower.step)))
    called = {node.func.attr for node in ast.walk(tree)
              if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
              and isinstance(node.func.value, ast.Name) and node.func.value.id == "self"}
    section = scheduling_section(odd)
    missing = sorted(name for name in called if f"`{name}`" not in section)
    assert not missing, f"methods called by Manpower.step but not in ODD.md section 3: {missing}"


def test_schedule_order_matches_step(odd: str) -> None:
    """The phases appear in section 3 in the order Manpower.step runs them."""
    section = scheduling_section(odd)
    positions = [section.find(f"**`{phase}`**") for phase in PHASES]
    assert all(p >= 0 for p in positions), "each phase should be a bold entry in section 3"
    assert positions == sorted(positions), "section 3 lists the phases out of order"
    source = inspect.getsource(Manpower.step)
    calls = [source.find(f"self.{phase}(") for phase in PHASES if phase != "attempt_exits"]
    assert all(c >= 0 for c in calls) and calls == sorted(calls), (
        "Manpower.step no longer runs the phases in the documented order")


def test_every_random_stream_is_named(odd: str) -> None:
    """Each named random stream the model draws from is listed in section 9."""
    source = Path(inspect.getfile(Manpower)).read_text(encoding="utf-8")
    streams = sorted(set(re.findall(r'(?:rng|rng_today|uniforms)\("([\w-]+)"', source)))
    assert streams, "no named streams found in step.py"
    section = re.search(r"^## 9\. Reproducibility$(.*?)^## 10\. ", odd, flags=re.M | re.S)
    assert section, "ODD.md has no section '## 9. Reproducibility'"
    missing = [s for s in streams if f"`{s}`" not in section.group(1)]
    assert not missing, f"random streams not named in ODD.md section 9: {missing}"
