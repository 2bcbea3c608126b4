"""The capability analysers compute their answers: figures checked by hand, and the code
they write checked by the tools that review it (``check_playbook``, ``terraform fmt``,
``terraform plan`` against the validation rules)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from infra_team.tools.analysers import (
    ansible_write,
    capacity_forecast,
    chaos_experiment,
    cloud_init,
    cloud_services,
    config_drift,
    dns_cutover,
    failover_plan,
    haproxy_config,
    host_backup_plan,
    iac_pipeline,
    migration_plan,
    multi_region_plan,
    patch_plan,
    pg_settings,
    rightsizing,
    self_service_form,
    terraform_write,
    toil_inventory,
    vpn_plan,
)
from infra_team.tools.analysers.ansible_playbook import check_playbook
from tests.support.real import require_binary


def test_capacity_forecast_linear_days_to_threshold() -> None:
    args = capacity_forecast.CapacityForecastArgs(values=[50, 52, 54, 56], threshold=90)
    report = capacity_forecast.forecast_capacity(args)
    assert report.fit == "linear"
    assert report.slope_per_day == pytest.approx(2.0)
    assert report.days_to_threshold == pytest.approx(17.0)  # (90 - 56) / 2
    assert report.verdict == "within_30_days"


def test_capacity_forecast_exponential_and_flat() -> None:
    grow = capacity_forecast.CapacityForecastArgs(values=[100, 110, 121, 133.1], threshold=200)
    report = capacity_forecast.forecast_capacity(grow)
    assert report.fit == "exponential"
    assert report.slope_per_day == pytest.approx(10.0, rel=1e-6)
    # 133.1 * 1.1^t = 200 -> t = ln(200/133.1)/ln(1.1)
    assert report.days_to_threshold == pytest.approx(4.273, abs=0.01)
    flat = capacity_forecast.CapacityForecastArgs(values=[5, 5, 5], threshold=9, fit="linear")
    assert capacity_forecast.forecast_capacity(flat).verdict == "not_growing"


def test_chaos_experiment_budget_and_abort() -> None:
    args = chaos_experiment.ChaosExperimentArgs(
        service="api",
        hypothesis="p99 < 300 ms",
        fault="kill pod",
        fleet_size=10,
        blast_percent=10,
        duration_minutes=30,
        slo_percent=99.9,
        budget_remaining_percent=80,
    )
    report = chaos_experiment.plan_chaos_experiment(args)
    assert report.affected_instances == 1
    # 10 % of traffic x 30 min / (0.001 x 43,200 min) = 6.944 %
    assert report.worst_case_budget_percent == pytest.approx(6.9444, abs=1e-3)
    assert report.abort_error_rate_percent == pytest.approx(1.44)  # 14.4 x 0.1 %
    assert report.go
    assert "## Abort conditions" in report.markdown
    tight = args.model_copy(update={"budget_remaining_percent": 5})
    assert not chaos_experiment.plan_chaos_experiment(tight).go


def test_toil_inventory_payback_and_savings() -> None:
    args = toil_inventory.ToilInventoryArgs(
        tasks=[
            {"name": "restart worker", "minutes": 15, "per_month": 40, "automate_hours": 16},
            {"name": "rotate certs", "minutes": 60, "per_month": 1, "automate_hours": 40},
        ],
        team_hours=20,
    )
    report = toil_inventory.inventory_toil(args)
    first, second = report.rows
    assert (first.name, first.hours_per_month, first.payback_months) == ("restart worker", 10, 1.6)
    assert first.saved_hours_12m == 104  # 12 x 10 - 16
    assert not second.automate  # 40 months to pay back
    assert report.saved_hours_12m == 104
    assert report.toil_percent == 55 and report.over_cap


def test_migration_plan_offline_and_online() -> None:
    offline = migration_plan.plan_migration(
        migration_plan.MigrationPlanArgs(
            source="a", target="b", size_gb=60, throughput_mb_s=64, method="offline"
        )
    )
    assert offline.copy_minutes == 16  # 61,440 MB / 64 MB/s
    assert offline.downtime_minutes == 36  # + 15 verify + 5 cutover
    online = migration_plan.plan_migration(
        migration_plan.MigrationPlanArgs(
            source="a",
            target="b",
            size_gb=60,
            throughput_mb_s=64,
            method="online",
            change_rate_mb_s=32,
            window_minutes=10,
        )
    )
    assert online.catch_up_minutes == 32  # 61,440 / (64 - 32) / 60
    assert online.downtime_minutes == 20 and online.fits_window is False
    never = migration_plan.MigrationPlanArgs(
        source="a", target="b", size_gb=1, throughput_mb_s=5, method="online", change_rate_mb_s=5
    )
    assert migration_plan.plan_migration(never).downtime_minutes is None


def test_pg_settings_from_the_manual() -> None:
    report = pg_settings.tune_postgres(pg_settings.PgSettingsArgs(ram_gb=64, cores=16))
    assert report.settings["shared_buffers"] == "16384MB"
    assert report.settings["effective_cache_size"] == "49152MB"
    assert report.settings["work_mem"] == "163MB"  # 49,152 / 300
    assert report.settings["random_page_cost"] == "1.1"
    assert report.pool_size == 33 and not report.use_pooler
    many = pg_settings.PgSettingsArgs(ram_gb=8, cores=2, max_connections=500, storage="hdd")
    assert pg_settings.tune_postgres(many).use_pooler


def test_failover_plan_candidate_rpo_and_zone() -> None:
    args = failover_plan.FailoverPlanArgs(
        primary_zone="a",
        replicas=[
            {"name": "r1", "zone": "a", "lag_s": 2},
            {"name": "r2", "zone": "b", "lag_s": 7},
            {"name": "r3", "zone": "c", "lag_s": 90},
        ],
        dcs_members=2,
    )
    report = failover_plan.plan_failover(args)
    assert (report.candidate, report.rpo_s, report.zone_loss_candidate) == ("r1", 2, "r2")
    assert any("no synchronous replica" in f for f in report.findings)
    assert any("2 DCS member" in f for f in report.findings)


def test_vpn_plan_finds_overlaps_and_writes_configs() -> None:
    args = vpn_plan.VpnPlanArgs(
        sites=[
            {"name": "hq", "endpoint": "203.0.113.1", "networks": ["10.0.0.0/16"]},
            {"name": "dc", "endpoint": "198.51.100.2", "networks": ["10.0.128.0/24"]},
            {"name": "br", "endpoint": "198.51.100.3", "networks": ["10.5.0.0/24"]},
        ]
    )
    report = vpn_plan.plan_vpn(args)
    assert report.blocking == ["hq 10.0.0.0/16 overlaps dc 10.0.128.0/24: renumber or NAT one side"]
    assert (report.mtu, report.mss) == (1420, 1380)
    assert report.tunnels == [("hq", "dc"), ("hq", "br")]
    spoke = report.configs["br"]
    assert "AllowedIPs = 10.255.0.1/32, 10.0.0.0/16, 10.0.128.0/24" in spoke
    assert "PRIVATE" not in spoke.upper().replace("PRIVATEKEY = <", "")
    mesh = vpn_plan.plan_vpn(args.model_copy(update={"kind": "ipsec", "topology": "mesh"}))
    assert len(mesh.tunnels) == 3 and "aes256gcm16" in mesh.configs["hq"]
    assert mesh.mtu == 1400
    hub = vpn_plan.plan_vpn(args.model_copy(update={"kind": "ipsec"}))
    # the spoke reaches the other spoke through the hub, and the hub offers it
    assert "remote_ts = 10.0.0.0/16, 10.0.128.0/24" in hub.configs["br"]
    assert "local_ts = 10.0.0.0/16, 10.0.128.0/24" in hub.configs["hq"]
    assert "enable IP forwarding" in hub.markdown


def test_dns_cutover_schedule() -> None:
    args = dns_cutover.DnsCutoverArgs(
        name="api.example.com",
        old_value="192.0.2.1",
        new_value="192.0.2.2",
        current_ttl=3600,
        change_at="2026-12-10T02:00:00Z",
    )
    report = dns_cutover.plan_dns_cutover(args)
    assert report.steps[0].at == "2026-12-10 00:54:00 UTC"  # 3,960 s earlier
    assert "api.example.com 60 IN A 192.0.2.2" in report.steps[1].action
    assert report.old_answers_until == "2026-12-10 02:01:06 UTC"


def test_haproxy_config_detection_and_n_plus_one() -> None:
    args = haproxy_config.HaproxyConfigArgs(
        name="web",
        port=80,
        servers=[
            {"name": "w1", "address": "10.0.0.1", "port": 8080, "capacity_rps": 100},
            {"name": "w2", "address": "10.0.0.2", "port": 8080, "capacity_rps": 100},
            {"name": "w3", "address": "10.0.0.3", "port": 8080, "capacity_rps": 100},
        ],
        required_rps=150,
    )
    report = haproxy_config.build_haproxy_config(args)
    assert report.detect_down_s == 6 and report.n_plus_one is True
    assert "server w1 10.0.0.1:8080 check inter 2000 fall 3 rise 2 weight 100" in report.config
    with pytest.raises(ValueError):
        haproxy_config.LbServer(name="x\nbind :22", address="10.0.0.1", port=1)


def test_cloud_init_is_hardened_and_refuses_private_keys() -> None:
    key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHk1ZmFrZWtleWZvcnRlc3Rz ops@example"
    report = cloud_init.build_cloud_init(
        cloud_init.CloudInitArgs(hostname="web-1", users=[{"name": "ops", "ssh_key": key}])
    )
    doc = yaml.safe_load(report.user_data)
    assert report.user_data.startswith("#cloud-config\n")
    assert doc["ssh_pwauth"] is False and doc["disable_root"] is True
    assert doc["users"][0]["ssh_authorized_keys"] == [key]
    with pytest.raises(ValueError, match="public key"):
        cloud_init.CloudUser(name="ops", ssh_key="-----BEGIN OPENSSH PRIVATE KEY-----\nabc")


def test_config_drift_per_host() -> None:
    report = config_drift.check_drift(
        config_drift.ConfigDriftArgs(
            baseline="net.ipv4.ip_forward = 0\nkernel.kptr_restrict = 2\n# comment",
            hosts=[
                {"name": "a", "config": "net.ipv4.ip_forward = 1"},
                {"name": "b", "config": "kernel.kptr_restrict = 2\nnet.ipv4.ip_forward = 0"},
            ],
        )
    )
    assert report.clean_hosts == ["b"]
    (drift,) = report.drifted_hosts
    assert drift.drifted == {"net.ipv4.ip_forward": ("0", "1")}
    assert drift.missing == ["kernel.kptr_restrict"]


def test_patch_plan_waves_window_and_deadline() -> None:
    hosts = [{"name": f"h{i}", "security_updates": i} for i in range(8)]
    report = patch_plan.plan_patching(
        patch_plan.PatchPlanArgs(
            hosts=hosts,
            window_start="2026-12-12T01:00:00Z",
            severity="critical",
            detected="2026-11-20T00:00:00Z",
        )
    )
    assert report.waves[0].hosts == ["h0"]  # the canary: fewest updates
    assert report.waves[1].hosts == ["h7", "h6"]  # ceil(8 x 25 %) = 2, most updates first
    assert len(report.waves) == 5
    assert report.finishes == "2026-12-12 04:40 UTC"  # 5 x 20 min + 4 x 30 min soak
    assert report.fits_window and report.meets_deadline is False  # due 2026-12-05


def test_host_backup_plan_321_and_rto() -> None:
    report = host_backup_plan.plan_host_backup(
        host_backup_plan.HostBackupPlanArgs(
            data_gb=100,
            daily_change_percent=1,
            daily=7,
            weekly=4,
            monthly=0,
            restore_mb_s=10,
            rto_minutes=60,
        )
    )
    assert report.restore_points == 11
    assert report.repository_gb == pytest.approx(134)  # 100 x (1 + 6 x 0.01 + 4 x 0.07)
    assert report.restore_minutes == pytest.approx(170.67, abs=0.01)
    assert not report.meets_rto
    assert len(report.findings) == 5


def test_cloud_services_rightsizing_and_multi_region() -> None:
    mapped = cloud_services.map_services(
        cloud_services.CloudServicesArgs(components=["postgres", "DNS", "warp drive"])
    )
    assert mapped.services["dns"] == {"aws": "Route 53", "gcp": "Cloud DNS", "azure": "Azure DNS"}
    assert mapped.unknown == ["warp drive"]
    sized = rightsizing.rightsize(
        rightsizing.RightsizingArgs(
            instances=[
                {"name": "api", "vcpus": 8, "cpu_p95": 12, "mem_p95": 20, "monthly_cost": 280},
                {"name": "db", "vcpus": 4, "cpu_p95": 70, "monthly_cost": 300},
            ]
        )
    )
    assert [(r.name, r.new_vcpus, r.monthly_saving) for r in sized.resizes] == [
        ("api", 4, 140)
    ]  # 8 -> 4; at 2 memory would reach 80 %
    plan = multi_region_plan.plan_multi_region(
        multi_region_plan.MultiRegionPlanArgs(
            sites=[{"name": n, "availability_percent": 99.9} for n in ("a", "b", "c")],
            mode="active-active",
            replication="sync",
            rtt_ms=12,
        )
    )
    assert plan.availability_percent == pytest.approx(99.9999999)
    assert plan.capacity_per_site_percent == 50 and plan.write_latency_added_ms == 12


def test_ansible_write_passes_its_own_review() -> None:
    report = ansible_write.write_playbook(
        ansible_write.AnsibleWriteArgs(
            hosts="web",
            packages=["nginx"],
            services=["nginx"],
            sysctl=[{"key": "net.ipv4.ip_forward", "value": "0"}],
        )
    )
    assert report.findings == [] and report.tasks == 3
    assert check_playbook(report.playbook).findings == ()


def _terraform() -> Path:
    return require_binary("terraform", hint="install Terraform (CI image has it)")


def _run(terraform: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(terraform), *args], cwd=cwd, capture_output=True, text=True, timeout=120, check=False
    )


@pytest.mark.parametrize("cloud", ["aws", "gcp"])
def test_terraform_write_is_canonical_hcl(cloud: str, tmp_path: Path) -> None:
    terraform = _terraform()
    report = terraform_write.write_terraform(
        terraform_write.TerraformWriteArgs(
            cloud=cloud, groups=[{"name": "web", "count": 2, "size": "t3.small"}]
        )
    )
    assert report.addresses[1].endswith(".web[1]")
    for name, text in report.files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    result = _run(terraform, tmp_path, "fmt", "-check", "-diff")
    assert result.returncode == 0, result.stdout + result.stderr


def test_self_service_form_rejects_a_request_outside_its_guardrails(tmp_path: Path) -> None:
    terraform = _terraform()
    report = self_service_form.build_form(
        self_service_form.SelfServiceFormArgs(
            params=[
                {"name": "size", "allowed": ["small", "large"]},
                {"name": "disk_gb", "kind": "number", "min": 10, "max": 500},
                {"name": "owner"},
            ]
        )
    )
    assert report.unbounded == ["owner"]
    (tmp_path / "variables.tf").write_text(report.variables_tf, encoding="utf-8")
    assert _run(terraform, tmp_path, "init", "-input=false").returncode == 0
    good = ("-var", "size=small", "-var", "disk_gb=20", "-var", "owner=x")
    assert _run(terraform, tmp_path, "plan", "-input=false", *good).returncode == 0
    bad = ("-var", "size=huge", "-var", "disk_gb=20", "-var", "owner=x")
    result = _run(terraform, tmp_path, "plan", "-input=false", *bad)
    assert result.returncode != 0 and "size must be one of small, large" in result.stderr


def test_iac_pipeline_applies_only_the_approved_plan() -> None:
    report = iac_pipeline.build_pipeline(iac_pipeline.IacPipelineArgs(environment="prod"))
    jobs = yaml.safe_load(report.workflow)["jobs"]
    assert jobs["apply"]["needs"] == "plan" and jobs["apply"]["environment"] == "prod"
    assert len(report.checks) == 3
