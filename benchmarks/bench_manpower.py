"""Speed and memory of the manpower model (issue 2's targets).

    .venv/bin/python benchmarks/bench_manpower.py            # full benchmark (~3 min)
    .venv/bin/python benchmarks/bench_manpower.py --quick    # 1e5 and the full syria-2014 only

Each measurement runs in its own process, pinned to one core (``taskset -c 0`` where it
exists) with BLAS threads at 1, and reports wall time of the whole ``simulate`` call (setup,
the daily steps, building the output tables), agent-days per second and the process's peak
resident memory (``ru_maxrss``). Sizes other than the full scenario are syria-2014 with every
count (fighters, civilians, recruitment, call-ups, sweeps, withdrawals) multiplied by one
factor, so the dynamics are those of the shipped scenario at another size.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import textwrap

# syria-2014 with every count (fighters, civilians, recruitment, call-ups, sweeps,
# withdrawals) times one factor; the child programs of both benchmarks define it
SCALED = textwrap.dedent("""
    def scaled(scenario, factor):
        data = scenario.model_dump(mode="python")
        for faction in data["factions"]:
            for cohort in faction["cohorts"]:
                cohort["count"] = round(cohort["count"] * factor)
            rec = faction["recruitment"]
            for key in ("local_volunteers_per_day", "foreign_volunteers_per_month",
                        "callups_per_day"):
                rec[key] *= factor
        for block in data["civilians"]:
            block["draft_eligible_men"] = round(block["draft_eligible_men"] * factor)
        for event in data["events"]:
            if "men" in event:
                event["men"] = round(event["men"] * factor)
        return type(scenario).model_validate(data)
""")

CHILD = SCALED + textwrap.dedent("""
    import json, resource, sys, time
    from desertion.manpower.model import simulate
    from desertion.manpower.scenario import load_scenario

    factor, seed = float(sys.argv[1]), int(sys.argv[2])
    scenario = load_scenario("syria-2014")
    if factor != 1.0:
        scenario = scaled(scenario, factor)
    started = time.perf_counter()
    result = simulate(scenario, seed=seed)
    wall = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    agents, days = result.meta["agents"], result.meta["days"]
    print(json.dumps({"factor": factor, "agents": agents, "days": days, "wall_s": wall,
                      "agent_days_per_s": agents * days / wall, "peak_mib": peak_mib}))
""")

FULL_AGENTS = 2_193_500  # syria-2014 at scale 1 on day 0 (fighters and civilians)


def measure(factor: float, seed: int = 1) -> dict[str, float]:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1",
           "MKL_NUM_THREADS": "1"}
    command = [sys.executable, "-c", CHILD, str(factor), str(seed)]
    if shutil.which("taskset"):
        command = ["taskset", "-c", "0", *command]
    out = subprocess.run(command, env=env, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="skip 1e6 and 1e7 agents")
    parser.add_argument("--repeat", type=int, default=2, help="runs per size (best kept)")
    args = parser.parse_args()
    sizes = [("1e5 agents", 1e5 / FULL_AGENTS), ("syria-2014 full scale", 1.0)]
    if not args.quick:
        sizes[1:1] = [("1e6 agents", 1e6 / FULL_AGENTS)]
        sizes.append(("1e7 agents", 1e7 / FULL_AGENTS))
    print(f"{'case':<24}{'agents':>12}{'days':>6}{'wall s':>9}{'agent-days/s':>15}"
          f"{'peak MiB':>10}")
    for label, factor in sizes:
        repeats = 1 if factor > 2 else args.repeat
        best = min((measure(factor) for _ in range(repeats)), key=lambda r: r["wall_s"])
        print(f"{label:<24}{best['agents']:>12,}{best['days']:>6}{best['wall_s']:>9.2f}"
              f"{best['agent_days_per_s']:>15,.0f}{best['peak_mib']:>10,.0f}", flush=True)


if __name__ == "__main__":
    main()
