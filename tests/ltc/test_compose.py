"""docker-compose.yml stays correct for users who have Docker (there is no engine here)."""

from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]


def load() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_has_the_five_services_with_health_checks():
    services = load()["services"]
    assert set(services) == {"postgres", "redis", "web", "worker", "beat"}
    for name, service in services.items():
        assert "healthcheck" in service, f"{name} has no health check"
        assert service["healthcheck"]["test"], name


def test_web_runs_gunicorn_after_migrating_and_waits_for_healthy_dependencies():
    services = load()["services"]
    web = services["web"]
    assert "gunicorn ltc.wsgi:application" in web["command"]
    assert "migrate" in web["command"]
    for name in ("web", "worker", "beat"):
        depends = services[name]["depends_on"]
        assert depends["postgres"]["condition"] == "service_healthy"
        assert depends["redis"]["condition"] == "service_healthy"
        env = services[name]["environment"]
        assert env["DATABASE_URL"].startswith("postgres://")
        assert env["REDIS_URL"].startswith("redis://redis:")
        assert env["DEBUG"] == "0"


def test_worker_and_beat_run_celery():
    services = load()["services"]
    assert services["worker"]["command"][:4] == ["celery", "-A", "ltc", "worker"]
    assert services["beat"]["command"][:4] == ["celery", "-A", "ltc", "beat"]


def test_state_lives_in_named_volumes():
    compose = load()
    volumes = set(compose["volumes"])
    assert {"pgdata", "redisdata"} <= volumes
    for service in compose["services"].values():
        for mount in service.get("volumes", []):
            source = mount.split(":", 1)[0]
            assert source in volumes, f"{mount} is not a named volume"


def test_the_image_builds_from_the_projects_own_files():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "pip install ." in dockerfile
    assert "collectstatic" in dockerfile
    assert "USER" in dockerfile
