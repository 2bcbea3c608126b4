"""Reading a request once: the word-set gates never change an answer, the facts of a run
are extracted once, and phrases match exactly as their whole-word patterns do."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from infra_team import task
from infra_team.offline import _extract
from infra_team.offline._extract import extract_facts
from infra_team.offline._routing import find_phrases
from infra_team.offline._scan import phrase_pattern, scan
from infra_team.registry import SPECIALISTS, TEAM, registry

ROOT = Path(__file__).resolve().parents[3]


def _texts() -> list[str]:
    cases = yaml.safe_load((Path(__file__).with_name("routing_cases.yaml")).read_text())["cases"]
    texts = [case["text"] for case in cases]
    for path in sorted((ROOT / "evals" / "cases").glob("*.yaml")):
        texts.append(yaml.safe_load(path.read_text(encoding="utf-8"))["request"])
    texts += [
        "Replica lag samples: 12, 45, 130, 540. Our threshold is 60 seconds. RPO 5 min, RTO 1h.",
        "Spend 2025-01: $12,300\n2025-02: $12,900\nOct 2024 - 11.2k. Growing by 25 % yearly at 1,200 rps.",
        "Down for the last 75 minutes; 1,200 of 50,000 requests failed; page the on-call.",
        "VPC 10.0.0.0/16 in us-east-1a, us-east-1b with public and app subnets by Friday.",
    ]
    return texts


@pytest.mark.parametrize("text", _texts())
def test_gated_extraction_equals_running_every_finder(text: str) -> None:
    facts = extract_facts(text)
    assert facts.cidrs == _extract.find_cidrs(text)
    assert facts.rpo_minutes == _extract.find_rpo_minutes(text)
    assert facts.rto_minutes == _extract.find_rto_minutes(text)
    assert facts.slo_percent == _extract.find_slo_percent(text)
    assert facts.lag_samples_seconds == _extract.find_lag_samples_seconds(text)
    assert facts.lag_interval_seconds == _extract.find_lag_interval_seconds(text)
    assert facts.lag_threshold_seconds == _extract.find_lag_threshold_seconds(text)
    assert facts.growth_percent == _extract.find_growth_percent(text)
    assert facts.rps == _extract.find_rps(text)
    assert facts.percentages == _extract.find_percentages(text)
    assert facts.duration_minutes == _extract.find_incident_duration_minutes(text)
    assert facts.recovered == _extract.says_recovered(text)
    assert facts.timeline == _extract.find_timeline(text)
    assert facts.apt_listing == _extract.find_apt_listing(text)
    assert facts.monthly_spend == _extract.find_monthly_spend(text)
    assert facts.zones == _extract.find_zone_count(text)
    assert facts.zone_names == _extract.find_zone_names(text)
    assert facts.subnet_tiers == _extract.find_subnet_tiers(text)
    counts = _extract.find_event_counts(text)
    assert (facts.good_events, facts.total_events) == (counts or (None, None))


@pytest.mark.parametrize("text", _texts())
def test_phrases_match_as_their_whole_word_patterns(text: str) -> None:
    roster = registry()
    phrases = {p for role in (*SPECIALISTS, TEAM) for p in roster[role].keywords}
    phrases |= {p for role in SPECIALISTS for p in roster[role].components}
    words = sorted(p for p in phrases if not p.isdigit())
    expected = {p for p in words if phrase_pattern(p).search(text)}
    assert set(find_phrases(text, words)) == expected
    read = scan(text)
    for phrase in words:
        match = phrase_pattern(phrase).search(text)
        assert read.position(phrase) == (match.start() if match else -1)


def test_a_run_extracts_its_facts_once() -> None:
    text = "New PostgreSQL cluster for ledger with a hot standby, sized for 300 rps (facts once)"
    before = extract_facts.cache_info()
    result = task("infrastructure-team", text)
    after = extract_facts.cache_info()
    assert result.status == "completed"
    assert after.misses - before.misses == 1
    assert after.hits > before.hits
