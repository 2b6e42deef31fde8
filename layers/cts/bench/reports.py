"""``cts bench reports``: the management dashboard's queries over a year of counters (issue 8).

A local stack's moto server (a child process on 127.0.0.1, the catalogue's resources) gets the report counters of
``consignments`` consignments and ``cases`` closed cases spread over the 365 days before today, written directly
through the counters adapter (``DynamoReportCounters.put_days``; the pipeline would take hours for a million), plus
``open_cases`` open cases on the case board (some overdue). The counters are what the writers would have added
(cts.domain.reports_tally's attribute names): consignments over 6 ports, their modes and two directions, 40 carriers,
about 3 % alerted, cases with 25 officers, 40 profiles with 3 indicators each, 400 watch-list entries, 2 random
selection rates.

Then the dashboard's four routes (overview, hit rates per profile, workload, carriers) are called through the API
app (the real handler, container and DynamoDB adapters; the caller signs in through ``POST /auth/login`` against
the local user pool) for a 30-day and a 365-day window, ``rounds`` times after one warm-up round (which rolls up the
months that are over, as the first dashboard after a month ends does). ``dashboard_p95_ms`` is the 95th percentile
of the time the four routes take together (one after the other), the worse of the two windows (the web app's
dashboard asks for one report per tab, so this is the stricter reading); ``query_p95_ms`` is that of each route
call, ``route_p95_ms`` per route and window, ``filtered_overview_365d_p95_ms`` an overview for one port."""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from cts.domain.reports import ALL, HOUR_EDGES, Dims, Family, Tally

PORTS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("JMKIN", ("sea",)),
    ("JMMBJ", ("air", "sea")),
    ("JMKTP", ("air",)),
    ("JMPEV", ("sea",)),
    ("JMOCJ", ("sea",)),
    ("JMLUC", ("road", "sea")),
)
DIRECTIONS = ("import", "export")
CATEGORIES = ("drugs", "weapons", "ipr", "sanctions", "revenue", "wildlife", "cash", "precursors")
LEVELS = ("red", "amber")
CARRIERS = tuple(f"CARRIER{n:02d}" for n in range(40))
OFFICERS = tuple(f"officer{n:02d}" for n in range(25))
PROFILES = tuple(f"profile-{n:02d}" for n in range(40))
ENTRIES = tuple(f"wl-{n:03d}" for n in range(400))
RANDOM_RATES = ("random-1pct", "random-port")
BENCH_USER, BENCH_PASSWORD = "bench-supervisor", "Bench-Passw0rd!"


def synthetic_counters(consignments: int, cases: int, today: date, seed: int = 8) -> Tally:
    """The day counters of ``consignments`` and ``cases`` over the 365 days before ``today``."""
    rng = random.Random(seed)
    tally = Tally()
    days = [today - timedelta(days=n) for n in range(365, 0, -1)]
    scopes = [Dims(port, mode, direction) for port, modes in PORTS for mode in modes for direction in DIRECTIONS]
    weights = [rng.uniform(0.2, 3.0) for _ in scopes]
    per_day = consignments / len(days)
    lead_buckets = range(len(HOUR_EDGES))
    for day in days:
        count = max(0, round(rng.gauss(per_day, per_day * 0.1)))
        split = rng.choices(range(len(scopes)), weights=weights, k=min(count, 400))  # 400 draws, scaled up
        share = count / len(split) if split else 0
        for index in set(split):
            dims, n = scopes[index], round(split.count(index) * share)
            alerts = round(n * 0.03)
            flow: dict[str, float] = {
                "received": n + round(n * 0.08),
                "new_consignments": n,
                "amendments": round(n * 0.08),
                "assessed": n + round(n * 0.08),
                "alerts": alerts,
                "random_selected": round(alerts * 0.1),
                "after_arrival": round(alerts * 0.05),
            }
            for _ in range(min(alerts, 50)):
                scale = alerts / min(alerts, 50)
                for name in (
                    f"level|{rng.choice(LEVELS)}",
                    f"cat|{rng.choice(CATEGORIES)}",
                    f"lead|{rng.choice(lead_buckets)}",
                ):
                    flow[name] = flow.get(name, 0) + scale
            tally.add(Family.FLOW, dims, day, {k: round(v) for k, v in flow.items()})
            carriers: dict[str, float] = {}
            for carrier in rng.sample(CARRIERS, 8):
                carriers[f"{carrier}|files"] = carriers.get(f"{carrier}|files", 0) + 1 + rng.randrange(3)
                carriers[f"{carrier}|rejected_files"] = int(rng.random() < 0.05)
                carriers[f"{carrier}|consignments"] = round(n / 8)
                carriers[f"{carrier}|late_filings"] = round(n / 8 * rng.uniform(0, 0.1))
                carriers[f"{carrier}|vague_descriptions"] = round(n / 8 * rng.uniform(0, 0.05))
            tally.add(Family.CARRIERS, dims, day, carriers)
    for _ in range(cases):
        _case(tally, rng, rng.choice(days), rng.choice(scopes))
    return tally


def _case(tally: Tally, rng: random.Random, day: date, dims: Dims) -> None:
    officer = rng.choice(OFFICERS)
    examined = rng.random() < 0.7
    found = examined and rng.random() < 0.25
    seized = found and rng.random() < 0.4
    decision = rng.choice(range(len(HOUR_EDGES) - 3))
    tally.add(
        Family.FLOW,
        dims,
        day,
        {
            "decided": 1,
            f"dec|{decision}": 1,
            "referrals": int(examined or rng.random() < 0.1),
            "examinations": int(examined),
            "findings": int(found),
            "seizures": int(seized),
            "seizure_quantity": rng.uniform(1, 500) if seized else 0,
            "seizure_value": rng.uniform(1_000, 900_000) if seized else 0,
        },
    )
    tally.add(
        Family.OFFICERS,
        dims,
        day,
        {f"{officer}|decided": 1, f"{officer}|dec|{decision}": 1, f"{officer}|closed": 1},
    )
    keys: list[str] = []
    if rng.random() < 0.08:
        keys.append(f"random|{rng.choice(RANDOM_RATES)}")
    else:
        profile = rng.choice(PROFILES)
        keys += [f"profile|{profile}", f"indicator|{profile}#i{rng.randrange(3)}"]
        if rng.random() < 0.3:
            keys.append(f"watchlist|{rng.choice(ENTRIES)}")
    hits: dict[str, float] = {}
    for key in keys:
        hits.update(
            {
                f"{key}|hits": 1,
                f"{key}|examinations": int(examined),
                f"{key}|findings": int(found),
                f"{key}|seizures": int(seized),
            }
        )
    tally.add(Family.HITS, dims, day, hits)


def bench(count: int = 1_000_000, cases: int = 10_000, rounds: int = 50, open_cases: int = 200) -> dict[str, Any]:
    from cts.adapters.dynamodb_reports import DynamoReportCounters
    from cts.adapters.local.harness import PipelineHarness
    from cts.bench.pipeline import _country

    figures: dict[str, Any] = {"consignments": count, "cases": cases, "rounds": rounds, "open_cases": open_cases}
    today = datetime.now(UTC).date()
    with tempfile.TemporaryDirectory(prefix="cts-bench-reports-") as tmp:
        harness = PipelineHarness(_country(), Path(tmp) / "stack")
        try:
            harness.start(run_pollers=False)
            env = harness.env
            started = time.perf_counter()
            tally = synthetic_counters(count, cases, today)
            # Every family in ``all``; the per-scope cells of the flow too (the filtered overview below)
            cells = {key: values for key, values in tally.cells.items() if key[1] == ALL or key[0] is Family.FLOW}
            counters = DynamoReportCounters(env["CTS_RECORDS_TABLE"], harness.country.region)
            counters.put_days(cells)
            _open_cases(harness, env["CTS_RECORDS_TABLE"], open_cases)
            figures["seed_items"] = len(cells)
            figures["seed_s"] = round(time.perf_counter() - started, 1)
            with _api(harness, env) as get:
                figures.update(_time_dashboard(get, today, rounds))
        finally:
            harness.stop()
    return figures


def _open_cases(harness: Any, table: str, count: int) -> None:
    """Open cases on the board, one in five overdue (waiting on a step since before its timeout)."""
    ddb = harness.client("dynamodb")
    now = datetime.now(UTC)
    rng = random.Random(3)
    requests = []
    for n in range(count):
        case_id = f"bench:CASE{n:05d}#v1"
        status = rng.choice(("new", "triaged", "decided", "examined"))
        awaiting = now - timedelta(hours=30 if n % 5 == 0 else 2)
        eta = (now + timedelta(hours=rng.randrange(1, 300))).isoformat(timespec="milliseconds")
        item: dict[str, Any] = {
            "pk": {"S": f"CASE#{case_id}"},
            "sk": {"S": "CASE"},
            "case_id": {"S": case_id},
            "alert_id": {"S": case_id},
            "consignment_key": {"S": case_id.partition("#")[0]},
            "level": {"S": "red"},
            "status": {"S": status},
            "revision": {"N": "1"},
            "task_token": {"S": f"token-{n}"},
            "awaiting_since": {"S": awaiting.isoformat()},
            "gsi5pk": {"S": f"CASES#{status}"},
            "gsi5sk": {"S": f"{eta}#{case_id}"},
        }
        if status != "new":
            item["assignee"] = {"S": rng.choice(OFFICERS)}
        requests.append({"PutRequest": {"Item": item}})
    for start in range(0, len(requests), 25):
        pending: dict[str, Any] = {table: requests[start : start + 25]}
        while pending:
            pending = ddb.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}


@contextmanager
def _api(harness: Any, env: dict[str, str]) -> Iterator[Callable[[str], Any]]:
    """GET through the API app (its real handler and container), signed in as a supervisor of the local pool."""
    import json

    from cts.adapters.local.paths import repo_root
    from cts.adapters.local.runner import load_handler
    from cts.config.resources import SYSTEM

    saved = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    try:
        idp = harness.client("cognito-idp")
        pool = env["CTS_USER_POOL_ID"]
        idp.admin_create_user(UserPoolId=pool, Username=BENCH_USER, MessageAction="SUPPRESS")
        idp.admin_set_user_password(UserPoolId=pool, Username=BENCH_USER, Password=BENCH_PASSWORD, Permanent=True)
        idp.admin_add_user_to_group(UserPoolId=pool, Username=BENCH_USER, GroupName="supervisor")
        app: Any = load_handler(SYSTEM.function("ApiFunction"))
        from chalice.test import Client

        from chalicelib.container import set_container  # type: ignore[import-not-found]

        set_container(None)  # built from this environment on the first request
        client = Client(app, project_dir=str(repo_root() / "functions" / "api"))
        login = client.http.post(
            "/auth/login",
            headers={"Content-Type": "application/json"},
            body=json.dumps({"username": BENCH_USER, "password": BENCH_PASSWORD}).encode(),
        )
        if login.status_code != 200:
            raise RuntimeError(f"bench sign-in failed: {login.status_code} {login.body!r}")
        token = json.loads(login.body)["id_token"]

        def get(path: str) -> Any:
            response = client.http.get(path, headers={"Authorization": f"Bearer {token}"})
            if response.status_code != 200:
                raise RuntimeError(f"GET {path}: {response.status_code} {response.body!r}")
            return json.loads(response.body)

        yield get
        set_container(None)
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return round(ordered[max(0, round(0.95 * len(ordered)) - 1)], 1)


def _time_dashboard(get: Callable[[str], Any], today: date, rounds: int) -> dict[str, Any]:
    windows = {"30d": today - timedelta(days=29), "365d": today - timedelta(days=364)}
    routes = (("overview", ""), ("hit-rates", "by=profile&"), ("workload", ""), ("carriers", ""))
    figures: dict[str, Any] = {}
    per_route: dict[str, list[float]] = {}
    per_window: dict[str, list[float]] = {name: [] for name in windows}
    filtered: list[float] = []
    for round_number in range(rounds + 1):  # the first round rolls up the months that are over
        for name, first in windows.items():
            span = f"from={first.isoformat()}&to={today.isoformat()}"
            total = 0.0
            for route, extra in routes:
                started = time.perf_counter()
                answer = get(f"/reports/{route}?{extra}{span}")
                took = (time.perf_counter() - started) * 1000
                total += took
                if round_number:
                    per_route.setdefault(f"{route}_{name}", []).append(took)
                if route == "overview" and round_number == 0:
                    figures[f"received_{name}"] = answer["totals"]["received"]
            if round_number:
                per_window[name].append(total)
        started = time.perf_counter()
        get(f"/reports/overview?port=JMMBJ&from={windows['365d'].isoformat()}&to={today.isoformat()}")
        if round_number:
            filtered.append((time.perf_counter() - started) * 1000)
    for name, samples in per_window.items():
        figures[f"dashboard_{name}_p95_ms"] = _p95(samples)
        figures[f"dashboard_{name}_median_ms"] = round(statistics.median(samples), 1)
    figures["dashboard_p95_ms"] = max(figures["dashboard_30d_p95_ms"], figures["dashboard_365d_p95_ms"])
    figures["filtered_overview_365d_p95_ms"] = _p95(filtered)
    figures["query_p95_ms"] = _p95([took for samples in per_route.values() for took in samples])
    figures["route_p95_ms"] = {name: _p95(samples) for name, samples in sorted(per_route.items())}
    return figures
