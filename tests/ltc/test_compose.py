"""docker-compose.yml stays correct for users who have Docker (there is no engine here)."""

from pathlib import Path

import yaml

from ltc.queues import DEFAULT_QUEUE, QUEUES

ROOT = Path(__file__).resolve().parents[2]

WORKERS = {f"worker-{queue}" for queue in QUEUES}
APP_SERVICES = {"migrate", "web", "beat", *WORKERS}


def load() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def option(command: list[str], name: str) -> str:
    return command[command.index(name) + 1]


def test_compose_has_the_services_with_health_checks():
    services = load()["services"]
    assert set(services) == {"postgres", "redis", "lb", *APP_SERVICES}
    for name, service in services.items():
        assert "healthcheck" in service, f"{name} has no health check"
        assert service["healthcheck"]["test"], name


def test_web_runs_gunicorn_after_the_migration_and_waits_for_healthy_dependencies():
    services = load()["services"]
    web = services["web"]
    assert web["command"][:2] == ["gunicorn", "ltc.wsgi:application"]
    assert services["migrate"]["command"][-3:] == ["manage.py", "migrate", "--noinput"]
    for name in APP_SERVICES:
        depends = services[name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy"
        assert depends["redis"]["condition"] == "service_healthy"
        if name != "migrate":
            assert depends["migrate"]["condition"] == "service_completed_successfully", name
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://")
        assert env["REDIS_URL"].startswith("redis://redis:")
        assert env["DEBUG"] == "0"
        assert "STORAGE_S3_BUCKET" in env, name


def test_each_queue_has_its_own_worker_pool_with_its_own_concurrency():
    services = load()["services"]
    drained = set()
    for queue, (_, concurrency) in QUEUES.items():
        command = services[f"worker-{queue}"]["command"]
        assert command[:4] == ["celery", "-A", "ltc", "worker"]
        queues = option(command, "-Q").split(",")
        assert queue in queues
        drained.update(queues)
        assert option(command, "-c") == str(concurrency)
        assert option(command, "-n") == f"{queue}@%h"  # unique per replica
    assert drained == {*QUEUES, DEFAULT_QUEUE}, "a queue nobody drains"
    assert services["beat"]["command"][:4] == ["celery", "-A", "ltc", "beat"]


def test_web_and_workers_scale_behind_the_load_balancer():
    services = load()["services"]
    for name in ("web", *WORKERS):
        assert "container_name" not in services[name], f"{name} cannot be scaled"
        assert "ports" not in services[name], f"{name} publishes a host port: cannot be scaled"
    lb = services["lb"]
    assert lb["ports"] == ["${HTTP_PORT:-8000}:8000"]
    [mount] = lb["volumes"]
    config = ROOT / mount.split(":", 1)[0]
    text = config.read_text()
    assert "proxy_pass $web" in text and "set $web http://web:8000" in text
    assert "resolver 127.0.0.11" in text  # re-resolves `web`: new replicas are picked up


def test_state_lives_in_named_volumes():
    compose = load()
    volumes = set(compose["volumes"])
    assert {"pgdata", "redisdata"} <= volumes
    for name, service in compose["services"].items():
        for mount in service.get("volumes", []):
            source = mount.split(":", 1)[0]
            if name == "lb":
                assert source.startswith("./deploy/") and mount.endswith(":ro")
                continue
            assert source in volumes, f"{mount} is not a named volume"


def test_the_image_builds_from_the_projects_own_files():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "pip install .[s3]" in dockerfile  # the S3 storage is available to every node
    assert "collectstatic" in dockerfile
    assert "USER" in dockerfile
